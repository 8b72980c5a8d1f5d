"""KeyConditionExpression: the partition key value and an optional sort key range for a Query.

Developer Guide "Key condition expressions for the Query operation"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html):
equality on the partition key, optionally AND one of ``= < <= > >= BETWEEN begins_with`` on the sort
key.  Messages are AWS's as recorded by architect/dynalite (validations) and
nubo-db/dynamodb-conformance ("Query condition missed key schema element").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..keys import encode_key, prefix_range
from ..types import ValidationError, Value, value_type
from .evaluate import And, Between, Compare, Condition, Function, In, Not, Or, PathOperand, ValueOperand
from .parser import parse_condition

KIND = "KeyConditionExpression"
_OPS = {"=": "eq", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_FLIPPED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True)
class SortKeyCondition:
    """``op`` is eq, lt, le, gt, ge, between or begins_with; ``values`` has 1 value (2 for between)."""

    name: str
    op: str
    values: tuple[Value, ...]

    def byte_range(self) -> tuple[bytes | None, bool, bytes | None, bool]:
        """``(lo, lo_inclusive, hi, hi_inclusive)`` over keys.encode_key encodings; None is unbounded."""
        op, v = self.op, self.values
        if op == "eq":
            e = encode_key(v[0])
            return e, True, e, True
        if op in ("lt", "le"):
            return None, False, encode_key(v[0]), op == "le"
        if op in ("gt", "ge"):
            return encode_key(v[0]), op == "ge", None, False
        if op == "between":
            return encode_key(v[0]), True, encode_key(v[1]), True
        lo, hi = prefix_range(v[0])  # begins_with
        return lo, True, hi, False


@dataclass
class KeyCondition:
    """A parsed KeyConditionExpression: one condition per attribute, not yet matched to a key schema."""

    conditions: dict[str, tuple[str, tuple[Value, ...]]]
    names_used: frozenset[str] = field(default_factory=frozenset)
    values_used: frozenset[str] = field(default_factory=frozenset)

    def for_schema(self, hash_key: str, range_key: str | None = None,
                   types: dict[str, str] | None = None) -> tuple[Value, SortKeyCondition | None]:
        """The partition key value and the sort key condition, for a table's or index's key schema.

        ``types`` (attribute name -> S/N/B from AttributeDefinitions) checks the values' types.
        """
        conds = dict(self.conditions)
        if hash_key not in conds:
            raise ValidationError(f"Query condition missed key schema element: {hash_key}")
        op, values = conds.pop(hash_key)
        if op != "eq":
            raise ValidationError("Query key condition not supported")
        sort = None
        if conds:
            (name, (sop, svalues)), *rest = conds.items()
            if rest or name != range_key:
                if range_key is not None and range_key not in conds:
                    raise ValidationError(f"Query condition missed key schema element: {range_key}")
                raise ValidationError("Query key condition not supported")
            sort = SortKeyCondition(name, sop, svalues)
        if types:
            for name, vals in ((hash_key, values), *(((sort.name, sort.values),) if sort else ())):
                if any(value_type(v) != types.get(name) for v in vals):
                    raise ValidationError("One or more parameter values were invalid: Condition parameter type does "
                                          "not match schema type")
        return values[0], sort


def parse_key_condition(text: str, names: dict | None = None, values: dict | None = None) -> KeyCondition:
    """Parse a KeyConditionExpression; ``for_schema`` then matches it to the key attributes."""
    parsed = parse_condition(text, names, values, kind=KIND)
    conditions: dict[str, tuple[str, tuple[Value, ...]]] = {}
    _collect(parsed.condition, conditions)
    return KeyCondition(conditions, parsed.names_used, parsed.values_used)


def _invalid(reason: str) -> ValidationError:
    return ValidationError(f"Invalid {KIND}: {reason}")


def _collect(cond: Condition, out: dict) -> None:
    if isinstance(cond, And):
        _collect(cond.left, out)
        _collect(cond.right, out)
        return
    if isinstance(cond, Or | Not | In) or (isinstance(cond, Compare) and cond.op == "<>"):
        op = {Or: "OR", Not: "NOT", In: "IN"}.get(type(cond), "<>")
        raise ValidationError(f"Invalid operator used in {KIND}: {op}")
    if isinstance(cond, Function) and cond.name != "begins_with":
        raise ValidationError(f"Invalid operator used in {KIND}: {cond.name}")
    if isinstance(cond, Between):
        operands = [cond.operand, cond.low, cond.high]
        if not isinstance(cond.operand, PathOperand):
            raise _invalid("BETWEEN operator must have the key attribute as its first operand")
        op = "between"
    elif isinstance(cond, Function):  # begins_with
        operands = list(cond.args)
        if not isinstance(operands[0], PathOperand):
            raise _invalid("begins_with operator must have the key attribute as its first operand")
        op = "begins_with"
    else:
        assert isinstance(cond, Compare)
        operands = [cond.left, cond.right]
        op = cond.op
        if isinstance(cond.right, PathOperand) and not isinstance(cond.left, PathOperand):
            operands, op = [cond.right, cond.left], _FLIPPED[op]  # ":v < sk" is "sk > :v"
        op = _OPS[op]
    paths = [o for o in operands if isinstance(o, PathOperand)]
    if any(not isinstance(o, PathOperand | ValueOperand) for o in operands):
        raise ValidationError("KeyConditionExpressions cannot contain nested operations")
    if len(paths) > 1:
        raise _invalid("Multiple attribute names used in one condition")
    if not paths:
        raise _invalid("No key attribute specified")
    if len(paths[0].path) > 1:
        raise ValidationError("KeyConditionExpressions cannot have conditions on nested attributes")
    name = paths[0].path[0]
    if name in out:
        raise ValidationError("KeyConditionExpressions must only contain one condition per key")
    out[name] = (op, tuple(o.value for o in operands[1:] if isinstance(o, ValueOperand)))
