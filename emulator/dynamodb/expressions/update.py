"""Update expressions: the parsed form and its application to an item.

Semantics from the Developer Guide "Update expressions"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html):
every right-hand side is evaluated against the item as it was before the update; ``SET`` on a list
index past the end appends (several such SETs in index order); ``REMOVE`` of list elements uses the
indexes of the original list; ``ADD`` adds to a number or unions a set (creating the attribute if
missing); ``DELETE`` removes members from a set (the attribute goes when the set is empty).

Errors raised while applying are ValidationErrors with AWS's messages (no "Invalid UpdateExpression"
prefix: AWS reports them after parsing succeeded).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..types import CONTEXT, SET_TYPES, Item, ValidationError, Value, check_number, format_number, value_type
from .evaluate import Operand, Path, PathOperand, get_path

MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
INVALID_PATH = "The document path provided in the update expression is invalid for update"


class IfNotExists(Operand):
    __slots__ = ("path", "default")

    def __init__(self, path: PathOperand, default: Operand):
        self.path, self.default = path, default

    def get(self, item: Item) -> Value | None:
        v = self.path.get(item)
        return v if v is not None else self.default.get(item)


class ListAppend(Operand):
    __slots__ = ("first", "second")

    def __init__(self, first: Operand, second: Operand):
        self.first, self.second = first, second

    def get(self, item: Item) -> Value | None:
        a, b = _required(self.first, item), _required(self.second, item)
        if "L" not in a or "L" not in b:
            raise ValidationError(WRONG_TYPE)
        return {"L": a["L"] + b["L"]}


class Arithmetic(Operand):
    """``a + b`` / ``a - b`` on numbers; the result must still be a storable number."""

    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Operand, right: Operand):
        self.op, self.left, self.right = op, left, right

    def get(self, item: Item) -> Value | None:
        a, b = _required(self.left, item), _required(self.right, item)
        if "N" not in a or "N" not in b:
            raise ValidationError(WRONG_TYPE)
        x, y = Decimal(a["N"]), Decimal(b["N"])
        result = CONTEXT.add(x, y) if self.op == "+" else CONTEXT.subtract(x, y)
        return {"N": format_number(check_number(result))}


def _required(operand: Operand, item: Item) -> Value:
    v = operand.get(item)
    if v is None:
        raise ValidationError(MISSING_ATTRIBUTE)
    return v


@dataclass(frozen=True)
class Action:
    """One action of a clause: ``kind`` is SET, REMOVE, ADD or DELETE; ``operand`` is None for REMOVE."""

    kind: str
    path: Path
    operand: Operand | None = None


@dataclass
class Update:
    """A parsed UpdateExpression (see ``parse_update``)."""

    actions: list[Action]
    names_used: frozenset[str] = field(default_factory=frozenset)
    values_used: frozenset[str] = field(default_factory=frozenset)

    @property
    def paths(self) -> list[Path]:
        """Every path the update writes (AWS forbids two that overlap, so these are disjoint)."""
        return [a.path for a in self.actions]


@dataclass
class UpdateResult:
    """The item after an update and the paths it changed, for ReturnValues UPDATED_OLD/UPDATED_NEW."""

    item: Item
    paths: list[Path]


def apply_update(update: Update, item: Item | None) -> UpdateResult:
    """Apply ``update`` to a copy of ``item`` (None or {} for an item that does not exist yet).

    ``UPDATED_OLD`` is ``project(result.paths, old_item)``, ``UPDATED_NEW`` is
    ``project(result.paths, result.item)`` (see projection.py).
    """
    old = item or {}
    # Right-hand sides first, all against the original item.
    resolved: list[tuple[Action, Value | None]] = [
        (a, a.operand.get(old) if a.operand is not None else None) for a in update.actions]
    new = copy.deepcopy(old)
    sets = sorted((r for r in resolved if r[0].kind == "SET"), key=lambda r: _sort_key(r[0].path))
    for action, value in sets:
        assert value is not None
        _set(new, action.path, value)
    removes = sorted((r for r in resolved if r[0].kind == "REMOVE"), key=lambda r: _sort_key(r[0].path),
                     reverse=True)  # later list elements first, so earlier indexes still hold
    for action, _ in removes:
        _remove(new, action.path)
    for action, value in resolved:
        assert value is not None or action.kind in ("SET", "REMOVE")
        if action.kind == "ADD":
            _add(new, action.path, value)  # type: ignore[arg-type]
        elif action.kind == "DELETE":
            _delete(new, action.path, value)  # type: ignore[arg-type]
    return UpdateResult(new, update.paths)


def _sort_key(path: Path) -> tuple:
    return tuple((0, p, "") if type(p) is int else (1, 0, p) for p in path)


def _parent(item: Item, path: Path) -> Any:
    """The container value holding the last step of ``path`` (the item itself for a top-level path)."""
    if len(path) == 1:
        return None
    parent = get_path(item, path[:-1])
    if parent is None:
        raise ValidationError(INVALID_PATH)
    return parent


def _set(item: Item, path: Path, value: Value) -> None:
    parent, last = _parent(item, path), path[-1]
    if parent is None:
        item[last] = value  # type: ignore[index]
    elif type(last) is int:
        lst = parent.get("L")
        if lst is None:
            raise ValidationError(INVALID_PATH)
        if last < len(lst):
            lst[last] = value
        else:
            lst.append(value)
    else:
        m = parent.get("M")
        if m is None:
            raise ValidationError(INVALID_PATH)
        m[last] = value


def _remove(item: Item, path: Path) -> None:
    parent, last = _parent(item, path), path[-1]
    if parent is None:
        item.pop(last, None)  # type: ignore[arg-type]
    elif type(last) is int:
        lst = parent.get("L")
        if lst is None:
            raise ValidationError(INVALID_PATH)
        if last < len(lst):
            del lst[last]
    else:
        m = parent.get("M")
        if m is None:
            raise ValidationError(INVALID_PATH)
        m.pop(last, None)


def _add(item: Item, path: Path, value: Value) -> None:
    current = get_path(item, path)
    if current is None:
        _set(item, path, value)
        return
    t = value_type(value)
    if value_type(current) != t:
        raise ValidationError(WRONG_TYPE)
    if t == "N":
        total = CONTEXT.add(Decimal(current["N"]), Decimal(value["N"]))
        _set(item, path, {"N": format_number(check_number(total))})
        return
    _set(item, path, {t: _union(t, current[t], value[t])})


def _delete(item: Item, path: Path, value: Value) -> None:
    current = get_path(item, path)
    if current is None:
        return
    t = value_type(value)
    if value_type(current) != t:
        raise ValidationError(WRONG_TYPE)
    remaining = _difference(t, current[t], value[t])
    if remaining:
        _set(item, path, {t: remaining})
    else:
        _remove(item, path)


def _member_key(t: str, member: Any) -> Any:
    return Decimal(member) if t == "NS" else member


def _union(t: str, a: list, b: list) -> list:
    seen = {_member_key(t, m) for m in a}
    out = list(a)
    for m in b:
        k = _member_key(t, m)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def _difference(t: str, a: list, b: list) -> list:
    drop = {_member_key(t, m) for m in b}
    return [m for m in a if _member_key(t, m) not in drop]


__all__ = ["INVALID_PATH", "MISSING_ATTRIBUTE", "SET_TYPES", "WRONG_TYPE", "Action", "Arithmetic", "IfNotExists",
           "ListAppend", "Update", "UpdateResult", "apply_update"]
