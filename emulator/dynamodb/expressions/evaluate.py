"""Condition trees and their evaluation against an item (ConditionExpression, FilterExpression).

Semantics from the Developer Guide "Comparison operator and function reference"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html):
a comparison with a missing attribute, or between values of different types, is false (``<>`` is
then true: the values are not equal); ``size`` of a number, boolean or null is undefined, so any
comparison with it is false.  Evaluation never raises: every check that can fail was made at parse.

A path is a tuple of attribute names (str) and list indexes (int); an operand's ``get(item)`` is the
value it denotes or None when it denotes nothing.
"""

from __future__ import annotations

from typing import Any

from ..types import SET_TYPES, Item, Value, compare, equal, set_members

Path = tuple[str | int, ...]


def get_path(item: Item, path: Path) -> Value | None:
    """The value at ``path`` in ``item``, or None if any step is missing or of the wrong kind."""
    value: Any = item.get(path[0])  # type: ignore[arg-type]
    for step in path[1:]:
        if value is None:
            return None
        if type(step) is int:
            lst = value.get("L")
            if lst is None or step >= len(lst):
                return None
            value = lst[step]
        else:
            m = value.get("M")
            if m is None:
                return None
            value = m.get(step)
    return value


def path_str(path: Path) -> str:
    """A path as AWS prints it in messages: ``[a, b, [2]]``."""
    return "[" + ", ".join(f"[{p}]" if type(p) is int else str(p) for p in path) + "]"


# --- operands


class Operand:
    __slots__ = ()

    def get(self, item: Item) -> Value | None:  # pragma: no cover - abstract
        raise NotImplementedError


class PathOperand(Operand):
    __slots__ = ("path",)

    def __init__(self, path: Path):
        self.path = path

    def get(self, item: Item) -> Value | None:
        if len(self.path) == 1:
            return item.get(self.path[0])  # type: ignore[arg-type]
        return get_path(item, self.path)

    def __repr__(self) -> str:
        return f"PathOperand({self.path!r})"


class ValueOperand(Operand):
    __slots__ = ("value", "ref")

    def __init__(self, value: Value, ref: str):
        self.value, self.ref = value, ref

    def get(self, item: Item) -> Value | None:
        return self.value

    def __repr__(self) -> str:
        return f"ValueOperand({self.ref}={self.value!r})"


class Size(Operand):
    """``size(path)``: string length, bytes of a binary, members of a set, elements of a list or map."""

    __slots__ = ("arg",)

    def __init__(self, arg: Operand):
        self.arg = arg

    def get(self, item: Item) -> Value | None:
        v = self.arg.get(item)
        if v is None:
            return None
        t, x = next(iter(v.items()))
        if t in ("N", "BOOL", "NULL"):
            return None
        return {"N": str(len(x))}


# --- conditions


class Condition:
    __slots__ = ()

    def evaluate(self, item: Item) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class Compare(Condition):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Operand, right: Operand):
        self.op, self.left, self.right = op, left, right

    def evaluate(self, item: Item) -> bool:
        a, b = self.left.get(item), self.right.get(item)
        op = self.op
        if a is None or b is None:
            return op == "<>"
        if op == "=":
            return equal(a, b)
        if op == "<>":
            return not equal(a, b)
        c = compare(a, b)
        if c is None:
            return False
        if op == "<":
            return c < 0
        if op == "<=":
            return c <= 0
        if op == ">":
            return c > 0
        return c >= 0


class Between(Condition):
    __slots__ = ("operand", "low", "high")

    def __init__(self, operand: Operand, low: Operand, high: Operand):
        self.operand, self.low, self.high = operand, low, high

    def evaluate(self, item: Item) -> bool:
        v, lo, hi = self.operand.get(item), self.low.get(item), self.high.get(item)
        if v is None or lo is None or hi is None:
            return False
        c1, c2 = compare(lo, v), compare(v, hi)
        return c1 is not None and c2 is not None and c1 <= 0 and c2 <= 0


class In(Condition):
    __slots__ = ("operand", "options")

    def __init__(self, operand: Operand, options: list[Operand]):
        self.operand, self.options = operand, options

    def evaluate(self, item: Item) -> bool:
        v = self.operand.get(item)
        if v is None:
            return False
        for o in self.options:
            w = o.get(item)
            if w is not None and equal(v, w):
                return True
        return False


class And(Condition):
    __slots__ = ("left", "right")

    def __init__(self, left: Condition, right: Condition):
        self.left, self.right = left, right

    def evaluate(self, item: Item) -> bool:
        return self.left.evaluate(item) and self.right.evaluate(item)


class Or(Condition):
    __slots__ = ("left", "right")

    def __init__(self, left: Condition, right: Condition):
        self.left, self.right = left, right

    def evaluate(self, item: Item) -> bool:
        return self.left.evaluate(item) or self.right.evaluate(item)


class Not(Condition):
    __slots__ = ("arg",)

    def __init__(self, arg: Condition):
        self.arg = arg

    def evaluate(self, item: Item) -> bool:
        return not self.arg.evaluate(item)


class Function(Condition):
    """A boolean function: attribute_exists, attribute_not_exists, attribute_type, begins_with, contains."""

    __slots__ = ("name", "args", "_eval")

    def __init__(self, name: str, args: list[Operand]):
        self.name, self.args = name, args
        self._eval = getattr(self, "_" + name)

    def evaluate(self, item: Item) -> bool:
        return bool(self._eval(item))

    def _attribute_exists(self, item: Item) -> bool:
        return self.args[0].get(item) is not None

    def _attribute_not_exists(self, item: Item) -> bool:
        return self.args[0].get(item) is None

    def _attribute_type(self, item: Item) -> bool:
        v, t = self.args[0].get(item), self.args[1].get(item)
        return v is not None and t is not None and next(iter(v)) == t.get("S")

    def _begins_with(self, item: Item) -> bool:
        v, p = self.args[0].get(item), self.args[1].get(item)
        if v is None or p is None:
            return False
        (tv, x), = v.items()
        (tp, y), = p.items()
        return tv == tp and tv in ("S", "B") and x.startswith(y)

    def _contains(self, item: Item) -> bool:
        v, o = self.args[0].get(item), self.args[1].get(item)
        if v is None or o is None:
            return False
        (tv, x), = v.items()
        (to, y), = o.items()
        if tv in ("S", "B"):
            return to == tv and y in x
        if tv in SET_TYPES:
            return SET_TYPES[tv] == to and (y in x or (to == "N" and any(equal(o, {"N": m}) for m in x)))
        if tv == "L":
            return any(equal(e, o) for e in x)
        return False


def evaluate(condition: Condition | None, item: Item | None) -> bool:
    """Whether ``item`` (None: no item, as for a PutItem on a new key) satisfies ``condition``."""
    if condition is None:
        return True
    return condition.evaluate(item or {})


__all__ = ["And", "Between", "Compare", "Condition", "Function", "In", "Not", "Operand", "Or", "Path",
           "PathOperand", "Size", "ValueOperand", "evaluate", "get_path", "path_str", "set_members"]
