"""Row helpers the aggregates' SQL modules share: a row as a dict with its JSON columns decoded, and a
checked UPDATE built from a dict of new values (JSON columns encoded)."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from .db import UnitOfWork


def as_dict(columns: Sequence[str], values: Sequence[Any] | None,
            json_columns: Collection[str] = ()) -> dict | None:
    """``values`` (a fetched row, or None) by column name; JSON columns decoded (NULL stays None)."""
    if values is None:
        return None
    out = dict(zip(columns, values, strict=True))
    for key in json_columns:
        if out.get(key) is not None:
            out[key] = json.loads(out[key])
    return out


def encode(values: dict, json_columns: Collection[str]) -> dict:
    """``values`` with its JSON columns as text (None stays NULL)."""
    return {k: (json.dumps(v) if k in json_columns and v is not None else v) for k, v in values.items()}


def update(uow: UnitOfWork, table: str, columns: Sequence[str], key: str, key_value: Any, values: dict,
           json_columns: Collection[str] = ()) -> None:
    """``UPDATE table SET <values> WHERE key = key_value``; a name that is not a column is a bug, not SQL."""
    unknown = set(values) - set(columns)
    if unknown:
        raise ValueError(f"not columns of {table}: {', '.join(sorted(unknown))}")
    encoded = encode(values, json_columns)
    sets = ", ".join(f"{name} = ?" for name in encoded)
    uow.sql.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*encoded.values(), key_value])
