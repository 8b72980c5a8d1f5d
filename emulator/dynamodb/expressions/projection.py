"""Projection: the part of an item named by document paths (ProjectionExpression, ReturnValues).

Developer Guide "Projection expressions"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html):
the result keeps the nesting of each path; list elements picked by index are returned in index
order, compacted into a shorter list; a path that is not in the item is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..types import Item
from .evaluate import Path, get_path


@dataclass
class Projection:
    """A parsed ProjectionExpression (see ``parse_projection``)."""

    paths: list[Path]
    names_used: frozenset[str] = field(default_factory=frozenset)
    values_used: frozenset[str] = field(default_factory=frozenset)


def project(paths: list[Path] | Projection, item: Item) -> Item:
    """The attributes of ``item`` at ``paths`` (a list of paths or a parsed Projection)."""
    if isinstance(paths, Projection):
        paths = paths.paths
    if all(len(p) == 1 for p in paths):  # the common case: top-level names
        return {p[0]: item[p[0]] for p in paths if p[0] in item}
    # Build a tree of the requested steps first, so list indexes can be emitted in order.
    tree: dict = {}
    for p in paths:
        if get_path(item, p) is None:
            continue
        node = tree
        for step in p[:-1]:
            node = node.setdefault(step, {})
        node[p[-1]] = None  # leaf: the whole value
    return {name: _pick(item[name], sub) for name, sub in tree.items()}


def _pick(value: Any, sub: dict | None) -> Any:
    if sub is None:
        return value
    if "L" in value:
        return {"L": [_pick(value["L"][i], sub[i]) for i in sorted(sub)]}
    return {"M": {k: _pick(value["M"][k], s) for k, s in sub.items()}}
