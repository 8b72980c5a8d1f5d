"""From text to checked expression trees: names and values resolved, AWS's validation applied.

Every error is a ValidationError whose message is AWS's full text, e.g.
``Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status``.
When an expression has several problems AWS reports one by category precedence, not position;
the orders below are those architect/dynalite worked out against DynamoDB.  Messages are AWS's as
recorded by dynalite, nubo-db/dynamodb-conformance and user reports (see the test citations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types import ValidationError, Value, compare, value_type
from .evaluate import (
    And,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Not,
    Operand,
    Or,
    Path,
    PathOperand,
    Size,
    ValueOperand,
    path_str,
)
from .grammar import Token, Tree, parse_tree, syntax_error
from .projection import Projection
from .reserved import is_reserved
from .update import Action, Arithmetic, IfNotExists, ListAppend, Update

CONDITION_FUNCTIONS = {"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2,
                       "contains": 2, "size": 1}
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ATTRIBUTE_TYPES = ("S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M")
TYPE_NAMES = {"S": "STRING", "N": "NUMBER", "B": "BINARY", "NULL": "NULL", "BOOL": "BOOLEAN", "L": "LIST", "M": "MAP"}
MAX_IN_OPERANDS = 100

# Which error a request gets when an expression has several (first listed wins).
CONDITION_ORDER = ("parens", "function_name", "misused", "reserved", "undefined", "operands", "distinct", "type")
UPDATE_ORDER = ("reserved", "function_name", "section", "undefined_name", "undefined_value", "overlap", "operand",
                "type")
PROJECTION_ORDER = ("reserved", "undefined_name", "overlap")


@dataclass
class ParsedCondition:
    """A parsed ConditionExpression or FilterExpression: ``evaluate(item)`` tells if it holds."""

    condition: Condition
    names_used: frozenset[str] = field(default_factory=frozenset)
    values_used: frozenset[str] = field(default_factory=frozenset)

    def evaluate(self, item: Any) -> bool:
        return self.condition.evaluate(item or {})


class _Builder:
    """One expression's conversion: resolves placeholders, records the first error of each kind."""

    def __init__(self, text: str, names: dict | None, values: dict | None, order: tuple[str, ...]):
        self.text, self.names, self.values, self.order = text, names or {}, values or {}, order
        self.errors: dict[str, str] = {}
        self.names_used: set[str] = set()
        self.values_used: set[str] = set()

    def error(self, kind: str, message: str) -> None:
        self.errors.setdefault(kind, message)

    def first_error(self) -> str | None:
        for kind in self.order:
            if kind in self.errors:
                return self.errors[kind]
        return None

    # --- leaves

    def path(self, tree: Tree) -> Path:
        steps: list[str | int] = []
        for tok in tree.children:
            assert isinstance(tok, Token)
            if tok.type == "NAME":
                if is_reserved(tok.value):
                    self.error("reserved", f"Attribute name is a reserved keyword; reserved keyword: {tok.value}")
                steps.append(tok.value)
            elif tok.type == "NAME_REF":
                name = self.names.get(tok.value)
                if name is None:
                    self.error("undefined_name" if "undefined_name" in self.order else "undefined",
                               f"An expression attribute name used in the document path is not defined; "
                               f"attribute name: {tok.value}")
                    name = tok.value
                self.names_used.add(tok.value)
                steps.append(name)
            else:  # INDEX
                steps.append(int(tok.value))
        return tuple(steps)

    def value(self, tok: Token) -> ValueOperand:
        v = self.values.get(tok.value)
        if v is None:
            self.error("undefined_value" if "undefined_value" in self.order else "undefined",
                       f"An expression attribute value used in expression is not defined; attribute value: {tok.value}")
            v = {"NULL": True}
        self.values_used.add(tok.value)
        return ValueOperand(v, tok.value)

    def operand(self, tree: Tree, functions: dict[str, int]) -> Operand:
        data = tree.data
        if data == "path":
            return PathOperand(self.path(tree))
        if data == "value":
            return self.value(tree.children[0])  # type: ignore[arg-type]
        return self.call(tree, functions)

    def call(self, tree: Tree, functions: dict[str, int]) -> Any:
        name = tree.children[0].value  # type: ignore[union-attr]
        args = [self.operand(t, functions) for t in tree.children[1:]]
        arity = functions.get(name)
        if arity is None:
            self.error("function_name", f"Invalid function name; function: {name}")
            return ValueOperand({"NULL": True}, "")
        if arity != len(args):
            self.error("operands", "Incorrect number of operands for operator or function; "
                                   f"operator or function: {name}, number of operands: {len(args)}")
            return ValueOperand({"NULL": True}, "")
        self.check_distinct(name, args)
        if name in ("attribute_exists", "attribute_not_exists", "if_not_exists") and not isinstance(args[0], PathOperand):
            self.error("type", f"Operator or function requires a document path; operator or function: {name}")
        elif name == "begins_with":
            for a in args:
                self.check_type(name, a, ("S", "B"))
        elif name == "size":
            t = operand_type(args[0])
            if t in ("N", "BOOL", "NULL"):
                self.error("type", f"Incorrect operand type for operator or function; operator or function: size, "
                                   f"operand type: {t}")
            return Size(args[0])
        elif name == "attribute_type":
            t = operand_type(args[1])
            if t != "S":
                shown = t or "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"
                self.error("type", "Incorrect operand type for operator or function; "
                                   f"operator or function: attribute_type, operand type: {shown}")
            elif args[1].get({})["S"] not in ATTRIBUTE_TYPES:  # type: ignore[index]
                self.error("type", f"Invalid attribute type name found; type: {args[1].get({})['S']}, "  # type: ignore[index]
                                   "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
        elif name == "list_append":
            for a in args:
                self.check_type(name, a, ("L",))
            return ListAppend(args[0], args[1])
        if name == "if_not_exists":
            return IfNotExists(args[0], args[1])  # type: ignore[arg-type]
        return Function(name, args)

    def check_type(self, name: str, operand: Operand, allowed: tuple[str, ...]) -> None:
        t = operand_type(operand)
        if t is not None and t not in allowed:
            self.error("type", f"Incorrect operand type for operator or function; operator or function: {name}, "
                               f"operand type: {t}")

    def check_distinct(self, name: str, args: list[Any]) -> None:
        if (len(args) == 2 and isinstance(args[0], PathOperand) and isinstance(args[1], PathOperand)
                and args[0].path == args[1].path):
            self.error("distinct", "The first operand must be distinct from the remaining operands for this operator "
                                   f"or function; operator: {name}, first operand: {path_str(args[0].path)}")

    # --- conditions

    def condition(self, tree: Tree, depth_parens: bool = False) -> Condition:
        data = tree.data
        if data == "and_":
            return And(self.condition(tree.children[0]), self.condition(tree.children[1]))
        if data == "or_":
            return Or(self.condition(tree.children[0]), self.condition(tree.children[1]))
        if data == "not_":
            return Not(self.condition(tree.children[0]))
        if data == "paren":
            inner: Tree = tree.children[0]
            if inner.data == "paren":
                self.error("parens", "The expression has redundant parentheses;")
            return self.condition(inner)
        if data == "bare":
            inner = tree.children[0]
            if inner.data != "call":  # a path or value alone is not a condition
                raise ValidationError(syntax_error(self.text, _end(self.text, inner)))
            f = self.call(inner, CONDITION_FUNCTIONS)
            if isinstance(f, Size):
                self.error("misused", "The function is not allowed to be used this way in an expression; function: size")
            return f if isinstance(f, Condition) else Compare("=", f, f)
        args = [self.condition_operand(t) for t in tree.children if isinstance(t, Tree)]
        if data == "compare":
            op = tree.children[1].value  # type: ignore[union-attr]
            self.check_distinct(op, args)
            return Compare(op, args[0], args[1])
        if data == "between":
            self.check_between(args[1], args[2])
            return Between(args[0], args[1], args[2])
        assert data == "in_"
        if len(args) - 1 > MAX_IN_OPERANDS:  # message guessed: the limit is documented, its text is not
            self.error("operands", "Incorrect number of operands for operator or function; "
                                   f"operator or function: IN, number of operands: {len(args) - 1}")
        return In(args[0], args[1:])

    def condition_operand(self, tree: Tree) -> Operand:
        op = self.operand(tree, CONDITION_FUNCTIONS)
        if isinstance(op, Function):  # only size() yields a value
            self.error("misused", f"The function is not allowed to be used this way in an expression; function: {op.name}")
            return ValueOperand({"NULL": True}, "")
        return op

    def check_between(self, low: Operand, high: Operand) -> None:
        if not (isinstance(low, ValueOperand) and isinstance(high, ValueOperand)):
            return
        lv, hv = low.value, high.value
        t1, t2 = value_type(lv), value_type(hv)
        bounds = f"lower bound operand: AttributeValue: {{{t1}:{lv[t1]}}}, upper bound operand: AttributeValue: {{{t2}:{hv[t2]}}}"
        if t1 != t2:
            self.error("type", f"The BETWEEN operator requires same data type for lower and upper bounds; {bounds}")
        elif (compare(lv, hv) or 0) > 0:
            self.error("type", "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; "
                               + bounds)

    def finish(self, kind: str) -> None:
        message = self.first_error()
        if message:
            raise ValidationError(f"Invalid {kind}: {message}")


def operand_type(operand: Operand) -> str | None:
    """The type an operand is known to have before any item is seen (None: depends on the item)."""
    if isinstance(operand, ValueOperand):
        return value_type(operand.value)
    if isinstance(operand, Size | Arithmetic):
        return "N"
    if isinstance(operand, ListAppend):
        return "L"
    if isinstance(operand, IfNotExists):
        return operand_type(operand.default)
    return None


def _end(text: str, tree: Tree) -> int:
    """Where a path or value operand ends in ``text`` (for the syntax error after it)."""
    last = tree.children[-1]
    assert isinstance(last, Token)
    end = last.end_pos or 0
    if last.type == "INDEX":
        end = text.index("]", end) + 1
    return end


def _wrap(kind: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ValidationError as e:
        if e.message.startswith("Invalid "):
            raise
        raise ValidationError(f"Invalid {kind}: {e.message}") from None


def parse_condition(text: str, names: dict | None = None, values: dict | None = None,
                    kind: str = "ConditionExpression") -> ParsedCondition:
    """Parse a ConditionExpression (``kind="FilterExpression"`` for a filter: only the messages differ)."""
    tree = _wrap(kind, parse_tree, text, "condition")
    b = _Builder(text, names, values, CONDITION_ORDER)
    cond = _wrap(kind, b.condition, tree)
    b.finish(kind)
    return ParsedCondition(cond, frozenset(b.names_used), frozenset(b.values_used))


def parse_update(text: str, names: dict | None = None, values: dict | None = None) -> Update:
    """Parse an UpdateExpression: the actions of its SET, REMOVE, ADD and DELETE clauses."""
    kind = "UpdateExpression"
    tree = _wrap(kind, parse_tree, text, "update")
    b = _Builder(text, names, values, UPDATE_ORDER)
    actions: list[Action] = []
    seen: set[str] = set()
    for clause in tree.children:
        section = clause.data.split("_")[0].upper()
        if section in seen:
            b.error("section", f'The "{section}" section can only be used once in an update expression;')
        seen.add(section)
        children = clause.children
        if section == "SET":
            for action in children:
                path_tree, _, value_tree = action.children
                actions.append(Action("SET", b.path(path_tree), _set_value(b, value_tree)))
        elif section == "REMOVE":
            actions.extend(Action("REMOVE", b.path(p)) for p in children)
        else:
            for i in range(0, len(children), 2):
                path, value = b.path(children[i]), b.value(children[i + 1])
                t = value_type(value.value)
                if t in TYPE_NAMES and not (section == "ADD" and t == "N"):
                    b.error("operand", "Incorrect operand type for operator or function; "
                                       f"operator: {section}, operand type: {TYPE_NAMES[t]}")
                actions.append(Action(section, path, value))
    check_overlaps(b, [a.path for a in actions])
    b.finish(kind)
    return Update(actions, frozenset(b.names_used), frozenset(b.values_used))


def _set_value(b: _Builder, tree: Tree) -> Operand:
    if tree.data in ("plus", "minus"):
        op = "+" if tree.data == "plus" else "-"
        left, right = (b.operand(t, UPDATE_FUNCTIONS) for t in tree.children)
        for a in (left, right):
            b.check_type(op, a, ("N",))
        return Arithmetic(op, left, right)
    return b.operand(tree, UPDATE_FUNCTIONS)


def check_overlaps(b: _Builder, paths: list[Path]) -> None:
    """AWS refuses two document paths where one is a prefix of the other, or that disagree on a step's kind."""
    for i, p in enumerate(paths):
        for q in paths[:i]:
            for x, y in zip(q, p, strict=False):
                if type(x) is not type(y):
                    b.error("overlap", "Two document paths conflict with each other; must remove or rewrite one of "
                                       f"these paths; path one: {path_str(q)}, path two: {path_str(p)}")
                    break
                if x != y:
                    break
            else:
                b.error("overlap", "Two document paths overlap with each other; must remove or rewrite one of these "
                                   f"paths; path one: {path_str(q)}, path two: {path_str(p)}")


def parse_projection(text: str, names: dict | None = None) -> Projection:
    """Parse a ProjectionExpression into its list of paths."""
    kind = "ProjectionExpression"
    tree = _wrap(kind, parse_tree, text, "projection")
    b = _Builder(text, names, None, PROJECTION_ORDER)
    paths = [b.path(t) for t in tree.children]
    check_overlaps(b, paths)
    b.finish(kind)
    return Projection(paths, frozenset(b.names_used))


def check_unused(names: dict | None, values: dict | None, *parsed: Any) -> None:
    """Refuse names or values that none of a request's parsed expressions used (None entries are skipped)."""
    used_names: set[str] = set()
    used_values: set[str] = set()
    for p in parsed:
        if p is not None:
            used_names |= p.names_used
            used_values |= p.values_used
    unused = [k for k in names or {} if k not in used_names]
    if unused:
        raise ValidationError(f"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{', '.join(unused)}}}")
    unused = [k for k in values or {} if k not in used_values]
    if unused:
        raise ValidationError(f"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{', '.join(unused)}}}")


def validate_expression_attributes(names: dict | None, values: dict | None) -> dict[str, Value] | None:
    """Check ExpressionAttributeNames/Values themselves; returns the values normalized (as validate_value)."""
    from ..types import validate_value
    if names is not None:
        if not names:
            raise ValidationError("ExpressionAttributeNames must not be empty")
        for k in names:
            if not _is_placeholder(k, "#"):
                raise ValidationError(f'ExpressionAttributeNames contains invalid key: Syntax error; key: "{k}"')
    if values is None:
        return None
    if not values:
        raise ValidationError("ExpressionAttributeValues must not be empty")
    for k in values:
        if not _is_placeholder(k, ":"):
            raise ValidationError(f'ExpressionAttributeValues contains invalid key: Syntax error; key: "{k}"')
    out = {}
    for k, v in values.items():
        try:
            out[k] = validate_value(v)
        except ValidationError as e:
            raise ValidationError(f"ExpressionAttributeValues contains invalid value: {e.message} for key {k}") from None
    return out


def _is_placeholder(key: str, sigil: str) -> bool:
    return len(key) > 1 and key[0] == sigil and all(c.isascii() and (c.isalnum() or c == "_") for c in key[1:])
