"""Parse and validate an event pattern / filter policy into a compiled form, once, at rule creation.

The grammar and every error reason follow aws/event-ruler's JsonRuleCompiler, the library behind
EventBridge and SNS filtering: AWS returns its messages verbatim (minus the Jackson source location,
which we do not reproduce).  The two services run different generations of it, so the few differences
are a ``Dialect``.

Compiled form: ``$or`` is expanded into branches (a rule matches if any branch does); a branch maps
each dotted path to one ``Field`` whose matchers are OR-ed (a pattern list is an OR).  As in
event-ruler, a later occurrence of a path in the same branch replaces the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, cast

from .. import jsontext
from . import operators as ops
from .matcher import Flat, consistent
from .operators import PatternError, is_number

OR = "$or"
# Names event-ruler refuses as field names inside "$or" (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP).
RESERVED_IN_OR = frozenset((
    "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric",
    "cidr", "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
    "date-on-or-after", "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range",
    "ip-address-not-in-range"))


@dataclass(frozen=True)
class Dialect:
    """What one service's generation of event-ruler accepts."""

    name: str
    numeric_limit: float
    wildcard: bool = True
    anything_but_ops: frozenset = frozenset(("prefix", "suffix", "equals-ignore-case", "wildcard"))
    nested_ignore_case: bool = True  # {"prefix": {"equals-ignore-case": ...}} and the suffix form
    anything_but_lists: bool = True  # {"anything-but": {"prefix": [...]}}; without, the operand is one string
    anything_but_prefix_type_error: str = "prefix/suffix match pattern must be a string"
    numeric_decimals: int | None = None  # numbers are compared rounded to this many decimals (None: exactly)

    @property
    def quantize(self):
        return ops.quantizer(self.numeric_decimals) if self.numeric_decimals is not None else None


EVENTBRIDGE = Dialect("EventBridge", numeric_limit=5e9)


class Field:
    """The OR of every matcher a pattern lists for one path, compiled into ``check(fields) -> bool``."""

    __slots__ = ("path", "strings", "numbers", "consts", "preds", "exists_true", "exists_false", "pred",
                 "check", "strings_only", "quantize")

    def __init__(self, path: str):
        self.path = path
        self.strings: frozenset[Any] = frozenset()   # set by _field, before finish()
        self.numbers: frozenset[Any] = frozenset()   # quantized when ``quantize`` is set
        self.quantize = None
        self.consts: list = []
        self.preds: list = []
        self.exists_true = self.exists_false = False

    def finish(self) -> Field:
        strings, numbers = self.strings, self.numbers
        parts = list(self.preds)
        quantize = self.quantize
        if numbers and quantize is not None:
            parts.insert(0, lambda v: is_number(v) and quantize(v) in numbers)
        elif numbers:
            parts.insert(0, lambda v: type(v) is not bool and v in numbers)
        for c in self.consts:
            parts.insert(0, lambda v, c=c: v is c)
        if strings:
            parts.insert(0, strings.__contains__)
        self.strings_only = bool(strings) and len(parts) == 1 and not (self.exists_true or self.exists_false)
        if not parts:
            self.pred = None
        elif len(parts) == 1:
            self.pred = parts[0]
        else:
            alternatives = tuple(parts)

            def pred(v):
                for p in alternatives:
                    if p(v):
                        return True
                return False
            self.pred = pred
        self.check = self._build_check()
        return self

    def _build_check(self):
        path, pred, exists_true, exists_false = self.path, self.pred, self.exists_true, self.exists_false
        if self.strings_only:
            disjoint = self.strings.isdisjoint

            def check_strings(fields):
                vals = fields.get(path)
                return vals is not None and not disjoint(vals)
            return check_strings

        def check(fields):
            vals = fields.get(path)
            if vals is None:
                return exists_false
            if exists_true:
                return True
            if pred is not None:
                for v in vals:
                    if pred(v):
                        return True
            return False
        return check


@dataclass(eq=False)
class CompiledPattern:
    """A validated pattern: keep ``source`` (AWS echoes it back), match with ``matches(flat)``."""

    source: str
    branches: tuple  # tuple[tuple[Field, ...], ...]
    index_candidates: dict = dc_field(default_factory=dict)  # path -> frozenset of required exact strings

    def __post_init__(self):
        self.match_fields = _build_match(self.branches)  # (fields, coords) -> bool, for hot loops
        # Paths every branch needs present (a field there that exists:false would not satisfy).
        needed = None
        for b in self.branches:
            here = {f.path for f in b if not f.exists_false}
            needed = here if needed is None else needed & here
        self.required_paths = frozenset(needed or ())

    def matches(self, flat: Flat) -> bool:
        return self.match_fields(flat.fields, flat.coords)

    @property
    def paths(self) -> frozenset:
        return frozenset(f.path for b in self.branches for f in b)


def _build_match(branches):
    """Specialise the common shapes: one branch, one field; array-consistency is only consulted when the
    event has arrays of objects *and* the branch names two fields."""
    plans = []
    for b in branches:
        # Exact-string fields are cheapest and most often decisive: test them first.
        b = tuple(sorted(b, key=lambda f: not f.strings_only))
        plans.append((tuple(f.check for f in b), b if len(b) > 1 else None))
    if len(plans) == 1 and len(plans[0][0]) == 1:
        return lambda fields, coords, c=plans[0][0][0]: c(fields)
    if len(plans) == 1:
        checks, multi = plans[0]

        def match_one(fields, coords):
            for c in checks:
                if not c(fields):
                    return False
            return not coords or consistent(multi, fields, coords)
        return match_one
    all_plans = tuple(plans)

    def match_any(fields, coords):
        for checks, multi in all_plans:
            for c in checks:
                if not c(fields):
                    break
            else:
                if not coords or multi is None or consistent(multi, fields, coords):
                    return True
        return False
    return match_any


# -------------------------------------------------------------------------------------------- compile

def reject_constant(name: str):
    raise ValueError(f"Non-standard token '{name}'")  # Jackson refuses NaN/Infinity; so does AWS


def parse_json(source: str):
    """AWS reports Jackson's parse error here; ours names the problem in Python's words instead."""
    try:
        return jsontext.loads(source, parse_constant=reject_constant)
    except (TypeError, ValueError) as e:
        raise PatternError(f"Filter is not valid JSON: {e}") from None


def compile_pattern(source: str, dialect: Dialect, obj=None) -> CompiledPattern:
    """Validate and compile; ``obj`` is the already-parsed ``source`` when the caller parsed it."""
    if obj is None:
        obj = parse_json(source)
    if not isinstance(obj, dict):
        raise PatternError("Filter is not an object")
    branches = _walk(obj, "", [{}], dialect, in_or=False)
    done = {}
    for b in branches:  # a Field may sit in many branches: finish it once
        for f in b.values():
            if id(f) not in done:
                done[id(f)] = f.finish()
    compiled = tuple(tuple(done[id(f)] for f in b.values()) for b in branches)
    return CompiledPattern(source, compiled, _index_candidates(compiled))


def _walk(obj: dict, prefix: str, branches: list, d: Dialect, in_or: bool) -> list:
    if not obj:
        raise PatternError("Empty objects are not allowed")
    for key, value in obj.items():
        if key == OR:
            branches = _or(value, prefix, branches, d)
            continue
        if in_or and key in RESERVED_IN_OR:
            raise PatternError(f"{key} is Ruler reserved fieldName which cannot be used inside $or.")
        if isinstance(value, dict):
            branches = _walk(value, f"{prefix}{key}.", branches, d, in_or)
        elif isinstance(value, list):
            path = prefix + key
            f = _field(path, value, d)
            for b in branches:
                b[path] = f
        else:
            raise PatternError(f'"{key}" must be an object or an array')
    return branches


def _or(value, prefix: str, branches: list, d: Dialect) -> list:
    if not isinstance(value, list):
        raise PatternError("It must be an Array followed with $or.")
    out = []
    for alt in value:
        if not isinstance(alt, dict):
            raise PatternError("Only JSON object is allowed in array of $or relationship.")
        out.extend(_walk(alt, prefix, [dict(b) for b in branches], d, in_or=True))
    if len(value) < 2:
        raise PatternError("There must have at least 2 Objects in $or relationship.")
    return out


def _field(path: str, values: list, d: Dialect) -> Field:
    f = Field(path)
    if not values:
        raise PatternError("Empty arrays are not allowed")
    strings: set[str] = set()
    numbers: set[int | float] = set()
    for v in values:
        if isinstance(v, str):
            strings.add(v)
        elif v is None or v is True or v is False:
            f.consts.append(v)
        elif is_number(v):
            numbers.add(v)
        elif isinstance(v, dict):
            _match_expression(f, v, d)
        else:
            raise PatternError("Match value must be String, number, true, false, or null")
    quantize = d.quantize
    f.quantize = quantize
    f.strings = frozenset(strings)
    f.numbers = frozenset(quantize(n) for n in numbers) if quantize is not None else frozenset(numbers)
    return f


def _only_one(expr: dict, message: str = "Only one key allowed in match expression") -> None:
    if len(expr) > 1:
        raise PatternError(message)


def _match_expression(f: Field, expr: dict, d: Dialect) -> None:
    if not expr:
        raise PatternError("Match expression name not found")
    op, arg = next(iter(expr.items()))
    if op in ("prefix", "suffix"):
        if isinstance(arg, dict) and d.nested_ignore_case:
            f.preds.append(_ignore_case_affix(op, arg))
        elif not isinstance(arg, str):
            raise PatternError(f"{op} match pattern must be a string")
        elif op == "prefix":
            f.preds.append(lambda v, p=arg: type(v) is str and v.startswith(p))
        else:
            f.preds.append(lambda v, s=arg: type(v) is str and v.endswith(s))
        _only_one(expr)
    elif op == "equals-ignore-case":
        if not isinstance(arg, str):
            raise PatternError("equals-ignore-case match pattern must be a string")
        low = arg.lower()
        f.preds.append(lambda v: type(v) is str and v.lower() == low)
        _only_one(expr)
    elif op == "numeric":
        f.preds.append(ops.numeric_pred(*ops.parse_numeric(arg, d.numeric_limit), d.numeric_limit, d.quantize))
        _only_one(expr, "Too many elements in numeric expression")
    elif op == "anything-but":
        f.preds.append(_anything_but(arg, d))
        _only_one(expr, "Too many elements in numeric expression")
    elif op == "exists":
        if arg is True:
            f.exists_true = True
        elif arg is False:
            f.exists_false = True
        else:
            raise PatternError("exists match pattern must be either true or false.")
        _only_one(expr)
    elif op == "cidr":
        f.preds.append(ops.cidr_pred([ops.parse_cidr(arg)]))
        _only_one(expr)
    elif op == "wildcard" and d.wildcard:
        if not isinstance(arg, str):
            raise PatternError("wildcard match pattern must be a string")
        f.preds.append(ops.wildcard_pred(ops.parse_wildcard(arg)))
        _only_one(expr)
    else:
        raise PatternError(f"Unrecognized match type {op}")


def _ignore_case_affix(op: str, arg: dict):
    if not arg:
        raise PatternError(f"{op.capitalize()} expression name not found")
    inner, text = next(iter(arg.items()))
    if inner != "equals-ignore-case":
        raise PatternError(f"Unsupported {op} pattern: {inner}")
    if not isinstance(text, str):
        raise PatternError("equals-ignore-case match pattern must be a string")
    _only_one(arg)
    low = text.lower()
    if op == "prefix":
        return lambda v: type(v) is str and v.lower().startswith(low)
    return lambda v: type(v) is str and v.lower().endswith(low)


def _anything_but(arg, d: Dialect):
    if isinstance(arg, dict):
        return _anything_but_operator(arg, d)
    if isinstance(arg, list):
        strings = [v for v in arg if isinstance(v, str)]
        numbers = [v for v in arg if is_number(v)]
        if len(strings) + len(numbers) != len(arg):
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
        if bool(strings) == bool(numbers):
            raise PatternError(
                "Inside anything but list, either all values are number or string, mixed type is not supported")
    elif isinstance(arg, str):
        strings, numbers = [arg], []
    elif is_number(arg):
        strings, numbers = [], [arg]
    else:
        raise PatternError("Value of anything-but must be an array or single string/number value.")
    for n in numbers:
        ops.check_number_range(n, d.numeric_limit)
    quantize = d.quantize
    if quantize is not None:
        return ops.anything_but_values_pred(frozenset(strings), frozenset(quantize(n) for n in numbers), quantize)
    return ops.anything_but_values_pred(frozenset(strings), frozenset(numbers))


def _anything_but_operator(arg: dict, d: Dialect):
    if not arg:
        raise PatternError("Anything-But expression name not found")
    op, value = next(iter(arg.items()))
    if op not in d.anything_but_ops:
        raise PatternError(f"Unsupported anything-but pattern: {op}")
    if not d.anything_but_lists and not isinstance(value, str):
        raise PatternError(d.anything_but_prefix_type_error)
    if not isinstance(value, (list, str)) and not is_number(value):
        raise PatternError("Value of anything-but must be an array or single string/number value.")
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str):
            if op == "equals-ignore-case":
                raise PatternError(
                    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
            if op == "wildcard":
                raise PatternError("wildcard match pattern must be a string")
            raise PatternError(d.anything_but_prefix_type_error if op == "prefix"
                               else "prefix/suffix match pattern must be a string")
        if op in ("prefix", "suffix") and not v:
            raise PatternError("Null prefix/suffix not allowed")
    _only_one(arg, "Too many elements in numeric expression")
    texts = cast(list[str], values)  # the loop above raised on any value that is not a string
    if op == "prefix":
        t = tuple(texts)
        return ops.negate_string_pred(lambda v: v.startswith(t))
    if op == "suffix":
        t = tuple(texts)
        return ops.negate_string_pred(lambda v: v.endswith(t))
    if op == "equals-ignore-case":
        lows = frozenset(v.lower() for v in texts)
        return ops.negate_string_pred(lambda v: v.lower() in lows)
    preds = [ops.wildcard_pred(ops.parse_wildcard(v)) for v in texts]
    return ops.negate_string_pred(lambda v: any(p(v) for p in preds))


def _index_candidates(branches) -> dict:
    """Paths on which *every* branch demands one of a set of exact strings: an event can only match if
    it carries one of them there, so RuleIndex may file the rule under any of these (path, string)s."""
    common = None
    for b in branches:
        here = {f.path: f.strings for f in b if f.strings_only}
        common = here if common is None else {
            p: common[p] | s for p, s in here.items() if p in common}
    return common or {}


def count_combinations(obj: dict, depth: int = 1, combinations: int = 1) -> int:
    """SNS complexity: the product of each leaf list's length times its nesting depth; ``$or`` adds its
    alternatives (SNS Developer Guide, "Filter policy constraints": 3 x 4 x 2 x 3 = 72)."""
    for key, value in obj.items():
        if key == OR and isinstance(value, list):
            combinations = sum(count_combinations(alt, depth, combinations)
                               for alt in value if isinstance(alt, dict))
        elif isinstance(value, dict):
            combinations = count_combinations(value, depth + 1, combinations)
        elif isinstance(value, list):
            combinations *= len(value) * depth
    return combinations
