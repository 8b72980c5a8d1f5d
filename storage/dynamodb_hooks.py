"""SQL of DynamoDB's per-table extras: write hooks (PITR log, replication queue), settings, DELETING tables.

The triggers on ``dynamodb_items`` (``storage/schema/dynamodb.py``) log and queue every change of a
table that has a ``dynamodb_write_hooks`` row; they take their time from the SQL function
``sluice_dynamodb_now(kind)``, registered here on every connection of the store's engine.
"""

from __future__ import annotations

import json
from typing import Any

from .db import UnitOfWork

NOW_FUNCTION = "sluice_dynamodb_now"


# --- write hooks ----------------------------------------------------------------------------------

_GET_HOOKS = "SELECT pitr, pitr_since, pitr_days, replicate FROM dynamodb_write_hooks WHERE table_id = ?"
_PUT_HOOKS = ("INSERT OR REPLACE INTO dynamodb_write_hooks (table_id, pitr, pitr_since, pitr_days, replicate) "
              "VALUES (?, ?, ?, ?, ?)")
_DELETE_HOOKS = "DELETE FROM dynamodb_write_hooks WHERE table_id = ?"


def get_hooks(uow: UnitOfWork, table_id: int) -> dict:
    """{"pitr": bool, "pitr_since": ms|None, "pitr_days": int|None, "replicate": bool}."""
    row = uow.sql.execute(_GET_HOOKS, (table_id,)).fetchone()
    if row is None:
        return {"pitr": False, "pitr_since": None, "pitr_days": None, "replicate": False}
    return {"pitr": bool(row[0]), "pitr_since": row[1], "pitr_days": row[2], "replicate": bool(row[3])}


def set_hooks(uow: UnitOfWork, table_id: int, hooks: dict) -> None:
    if not hooks["pitr"] and not hooks["replicate"]:
        uow.sql.execute(_DELETE_HOOKS, (table_id,))
        return
    uow.sql.execute(_PUT_HOOKS, (table_id, int(hooks["pitr"]), hooks["pitr_since"] if hooks["pitr"] else None,
                                 hooks["pitr_days"] if hooks["pitr"] else None, int(hooks["replicate"])))


def pitr_tables(uow: UnitOfWork) -> list[tuple[int, int, int]]:
    """(table_id, pitr_since, pitr_days) of every table with point-in-time recovery enabled."""
    return list(uow.sql.execute("SELECT table_id, pitr_since, pitr_days FROM dynamodb_write_hooks WHERE pitr = 1"))


# --- settings (JSON per table, kind and key) -------------------------------------------------------

_GET_SETTING = "SELECT value FROM dynamodb_table_settings WHERE table_id = ? AND kind = ? AND key = ?"
_PUT_SETTING = "INSERT OR REPLACE INTO dynamodb_table_settings (table_id, kind, key, value) VALUES (?, ?, ?, ?)"
_DELETE_SETTING = "DELETE FROM dynamodb_table_settings WHERE table_id = ? AND kind = ? AND key = ?"
_TABLE_SETTINGS = "SELECT key, value FROM dynamodb_table_settings WHERE table_id = ? AND kind = ? ORDER BY key"
_KIND_SETTINGS = "SELECT table_id, key, value FROM dynamodb_table_settings WHERE kind = ? ORDER BY table_id, key"
_DELETE_TABLE_SETTINGS = "DELETE FROM dynamodb_table_settings WHERE table_id = ?"


def get_setting(uow: UnitOfWork, table_id: int, kind: str, key: str = "") -> Any:
    row = uow.sql.execute(_GET_SETTING, (table_id, kind, key)).fetchone()
    return None if row is None else json.loads(row[0])


def put_setting(uow: UnitOfWork, table_id: int, kind: str, key: str, value: Any) -> None:
    uow.sql.execute(_PUT_SETTING, (table_id, kind, key, json.dumps(value)))


def delete_setting(uow: UnitOfWork, table_id: int, kind: str, key: str = "") -> None:
    uow.sql.execute(_DELETE_SETTING, (table_id, kind, key))


def table_settings(uow: UnitOfWork, table_id: int, kind: str) -> list[tuple[str, Any]]:
    """[(key, value)] of one kind of a table, by key."""
    return [(k, json.loads(v)) for k, v in uow.sql.execute(_TABLE_SETTINGS, (table_id, kind))]


def settings_of_kind(uow: UnitOfWork, kind: str) -> list[tuple[int, str, Any]]:
    """[(table_id, key, value)] of one kind across tables."""
    return [(t, k, json.loads(v)) for t, k, v in uow.sql.execute(_KIND_SETTINGS, (kind,))]


def forget_table(uow: UnitOfWork, table_id: int) -> None:
    """A deleted table's settings, hooks and point-in-time log (its replication entries stay: the
    replicator drops those of tables that left their group)."""
    uow.sql.execute(_DELETE_TABLE_SETTINGS, (table_id,))
    uow.sql.execute(_DELETE_HOOKS, (table_id,))
    uow.sql.execute("DELETE FROM dynamodb_pitr_log WHERE table_id = ?", (table_id,))


# --- tables in their DELETING phase ---------------------------------------------------------------

_PUT_DELETING = ("INSERT OR REPLACE INTO dynamodb_deleting_tables (account, region, name, description, until) "
                 "VALUES (?, ?, ?, ?, ?)")
_GET_DELETING = ("SELECT description FROM dynamodb_deleting_tables "
                 "WHERE account = ? AND region = ? AND name = ? AND until > ?")
_EXPIRE_DELETING = "DELETE FROM dynamodb_deleting_tables WHERE until <= ?"


def put_deleting(uow: UnitOfWork, account: str, region: str, name: str, description: dict, until: int) -> None:
    uow.sql.execute(_EXPIRE_DELETING, (uow.now,))
    uow.sql.execute(_PUT_DELETING, (account, region, name, json.dumps(description), until))


def get_deleting(uow: UnitOfWork, account: str, region: str, name: str, now: int) -> dict | None:
    row = uow.sql.execute(_GET_DELETING, (account, region, name, now)).fetchone()
    return None if row is None else json.loads(row[0])
