"""The legacy (pre-expression) parameters, translated into the same trees the expressions parse to.

Expected and QueryFilter/ScanFilter (with ConditionalOperator) become conditions, KeyConditions a
key condition, AttributeUpdates an update; AttributesToGet is a projection (``params``).
Semantics from the API Reference "Legacy conditional parameters" pages (Expected, QueryFilter,
KeyConditions, AttributeUpdates); messages from architect/dynalite (validations/index.js).
"""

from __future__ import annotations

from typing import Any

from .errors import ValidationException
from .expressions import KeyCondition, ParsedCondition, Update
from .expressions.evaluate import (
    And,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Not,
    Operand,
    Or,
    PathOperand,
    ValueOperand,
)
from .expressions.update import Action, ListAppend
from .model import INVALID
from .types import ValidationError, Value, validate_value

_ARGS = {"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1,
         "NULL": 0, "NOT_NULL": 0, "BETWEEN": 2}
_COMPARE = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
_KEY_OPS = {"EQ": "eq", "LE": "le", "LT": "lt", "GE": "ge", "GT": "gt", "BETWEEN": "between",
            "BEGINS_WITH": "begins_with"}


def _values(values: list | None) -> list[Value]:
    try:
        return [validate_value(v) for v in values or []]
    except ValidationError as e:
        raise ValidationException(e.message) from None


def _comparison(name: str, op: str, args: list[Value]) -> Condition:
    expected = _ARGS.get(op)
    if (expected is not None and len(args) != expected) or (op == "IN" and not args):
        raise ValidationException(f"{INVALID}Invalid number of argument(s) for the {op} ComparisonOperator")
    path = PathOperand((name,))
    vals: list[Operand] = [ValueOperand(v, ":legacy") for v in args]
    if op in _COMPARE:
        return Compare(_COMPARE[op], path, vals[0])
    if op == "NULL":
        return Function("attribute_not_exists", [path])
    if op == "NOT_NULL":
        return Function("attribute_exists", [path])
    if op == "CONTAINS":
        return Function("contains", [path, vals[0]])
    if op == "NOT_CONTAINS":
        return And(Function("attribute_exists", [path]), Not(Function("contains", [path, vals[0]])))
    if op == "BEGINS_WITH":
        return Function("begins_with", [path, vals[0]])
    if op == "IN":
        return In(path, vals)
    return Between(path, vals[0], vals[1])


def _combine(conditions: list[Condition], operator: str | None) -> ParsedCondition | None:
    if not conditions:
        return None
    out = conditions[0]
    for c in conditions[1:]:
        out = Or(out, c) if operator == "OR" else And(out, c)
    return ParsedCondition(out)


def expected(spec: dict[str, dict] | None, operator: str | None) -> ParsedCondition | None:
    """Expected (PutItem, UpdateItem, DeleteItem) as a condition."""
    if spec is None:
        return None
    conditions = []
    for name, e in spec.items():
        op = e.get("ComparisonOperator")
        if op is not None:
            if "Exists" in e:
                raise ValidationException(f"{INVALID}Exists and ComparisonOperator cannot be used together for "
                                          f"Attribute: {name}")
            if "Value" in e and "AttributeValueList" in e:
                raise ValidationException(f"{INVALID}Value and AttributeValueList cannot be used together for "
                                          f"Attribute: {name}")
            args = _values(e.get("AttributeValueList") or ([e["Value"]] if "Value" in e else []))
            conditions.append(_comparison(name, op, args))
            continue
        if "AttributeValueList" in e:
            raise ValidationException(f"{INVALID}AttributeValueList can only be used with a ComparisonOperator for "
                                      f"Attribute: {name}")
        exists = e.get("Exists")
        if exists is False:
            if "Value" in e:
                raise ValidationException(f"{INVALID}Value cannot be used when Exists is false for Attribute: {name}")
            conditions.append(Function("attribute_not_exists", [PathOperand((name,))]))
            continue
        if "Value" not in e:
            shown = "null" if exists is None else "true"
            raise ValidationException(f"{INVALID}Value must be provided when Exists is {shown} for Attribute: {name}")
        conditions.append(Compare("=", PathOperand((name,)), ValueOperand(_values([e["Value"]])[0], ":legacy")))
    return _combine(conditions, operator)


def filter_(spec: dict[str, dict] | None, operator: str | None) -> ParsedCondition | None:
    """QueryFilter / ScanFilter as a filter."""
    if spec is None:
        return None
    return _combine([_comparison(name, f["ComparisonOperator"], _values(f.get("AttributeValueList")))
                     for name, f in spec.items()], operator)


def key_conditions(spec: dict[str, dict]) -> KeyCondition:
    """KeyConditions as the key condition a KeyConditionExpression would parse to."""
    conditions: dict[str, tuple[str, tuple[Value, ...]]] = {}
    for name, c in spec.items():
        op = c["ComparisonOperator"]
        args = _values(c.get("AttributeValueList"))
        if op not in _KEY_OPS:
            raise ValidationException("Attempted conditional constraint is not an indexable operation")
        if len(args) != _ARGS[op]:
            raise ValidationException(f"{INVALID}Invalid number of argument(s) for the {op} ComparisonOperator")
        conditions[name] = (_KEY_OPS[op], tuple(args))
    return KeyCondition(conditions)


def attribute_updates(spec: dict[str, dict] | None) -> Update | None:
    """AttributeUpdates (UpdateItem) as update actions: PUT sets, DELETE removes (or removes set
    members), ADD adds to a number or set, or appends to a list."""
    if spec is None:
        return None
    actions = []
    for name, u in spec.items():
        action = u.get("Action") or "PUT"
        value: Any = _values([u["Value"]])[0] if "Value" in u else None
        path = (name,)
        if action == "PUT":
            if value is None:
                raise ValidationException(f"{INVALID}Only DELETE action is allowed when no attribute value is "
                                          f"specified: {name}")
            actions.append(Action("SET", path, ValueOperand(value, ":legacy")))
        elif action == "DELETE":
            actions.append(Action("REMOVE", path) if value is None else
                           Action("DELETE", path, ValueOperand(value, ":legacy")))
        else:  # ADD
            if value is None:
                raise ValidationException(f"{INVALID}Only DELETE action is allowed when no attribute value is "
                                          f"specified: {name}")
            if "L" in value:
                actions.append(Action("SET", path, ListAppend(_IfList(path), ValueOperand(value, ":legacy"))))
            else:
                actions.append(Action("ADD", path, ValueOperand(value, ":legacy")))
    return Update(actions)


class _IfList(PathOperand):
    """The list at ``path``, or an empty list if the attribute is missing (legacy ADD of a list)."""

    __slots__ = ()

    def get(self, item: Any) -> Value | None:
        return super().get(item) or {"L": []}
