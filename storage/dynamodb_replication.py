"""SQL of DynamoDB global tables: replication groups, their member tables, the replication queue.

The queue is written by the triggers on ``dynamodb_items`` (``storage/schema/dynamodb.py``) in the
transaction of each change of a replicated table; the replicator (``emulator/dynamodb/replication.py``)
reads it in commit order and applies each change to the other members.
"""

from __future__ import annotations

import json

from .db import UnitOfWork

# --- groups and members ---------------------------------------------------------------------------

_GROUP_COLUMNS = "id, account, name, version, created_at"


def _group(row: tuple | None) -> dict | None:
    return None if row is None else dict(zip(("id", "account", "name", "version", "created_at"), row, strict=True))


def get_group(uow: UnitOfWork, account: str, name: str) -> dict | None:
    return _group(uow.sql.execute(f"SELECT {_GROUP_COLUMNS} FROM dynamodb_global_tables "
                                  "WHERE account = ? AND name = ?", (account, name)).fetchone())


def group_of_table(uow: UnitOfWork, table_id: int) -> dict | None:
    return _group(uow.sql.execute(
        f"SELECT {', '.join('g.' + c for c in _GROUP_COLUMNS.split(', '))} FROM dynamodb_replicas r "
        "JOIN dynamodb_global_tables g ON g.id = r.global_table_id WHERE r.table_id = ?", (table_id,)).fetchone())


def insert_group(uow: UnitOfWork, account: str, name: str, version: str, created_at: int) -> int:
    cur = uow.sql.execute("INSERT INTO dynamodb_global_tables (account, name, version, created_at) VALUES (?, ?, ?, ?)",
                          (account, name, version, created_at))
    group_id = cur.lastrowid
    assert group_id is not None
    return group_id


def delete_group(uow: UnitOfWork, group_id: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_replicas WHERE global_table_id = ?", (group_id,))
    uow.sql.execute("DELETE FROM dynamodb_global_tables WHERE id = ?", (group_id,))


def list_groups(uow: UnitOfWork, account: str, version: str, after: str, limit: int) -> list[dict]:
    rows = uow.sql.execute(f"SELECT {_GROUP_COLUMNS} FROM dynamodb_global_tables "
                           "WHERE account = ? AND version = ? AND name > ? ORDER BY name LIMIT ?",
                           (account, version, after, limit))
    return [g for g in (_group(row) for row in rows) if g is not None]


def members(uow: UnitOfWork, group_id: int) -> list[dict]:
    """The member tables of a group, in the order they joined."""
    rows = uow.sql.execute("SELECT region, table_id, created_at, ready_at, settings FROM dynamodb_replicas "
                           "WHERE global_table_id = ? ORDER BY created_at, region", (group_id,))
    return [{"region": r, "table_id": t, "created_at": c, "ready_at": ready, "settings": json.loads(s)}
            for r, t, c, ready, s in rows]


def add_member(uow: UnitOfWork, group_id: int, region: str, table_id: int, created_at: int, ready_at: int,
               settings: dict) -> None:
    uow.sql.execute("INSERT INTO dynamodb_replicas (global_table_id, region, table_id, created_at, ready_at, settings) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (group_id, region, table_id, created_at, ready_at, json.dumps(settings)))


def update_member(uow: UnitOfWork, group_id: int, region: str, ready_at: int, settings: dict) -> None:
    uow.sql.execute("UPDATE dynamodb_replicas SET ready_at = ?, settings = ? WHERE global_table_id = ? AND region = ?",
                    (ready_at, json.dumps(settings), group_id, region))


def remove_member(uow: UnitOfWork, table_id: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_replicas WHERE table_id = ?", (table_id,))


# --- the replication queue ------------------------------------------------------------------------

def first_queued_at(uow: UnitOfWork) -> int | None:
    row = uow.sql.execute("SELECT at FROM dynamodb_replication_queue ORDER BY seq LIMIT 1").fetchone()
    return None if row is None else row[0]


def queued(uow: UnitOfWork, limit: int) -> list[tuple[int, int, bytes, bytes, str | None, int, int]]:
    """The oldest queued changes: (seq, table_id, pk, sk, item_text | None, size, at), in commit order."""
    return list(uow.sql.execute("SELECT seq, table_id, pk, sk, item, size, at FROM dynamodb_replication_queue "
                                "ORDER BY seq LIMIT ?", (limit,)))


def written_later(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes, seq: int) -> bool:
    """Whether the table has a change of this key queued after ``seq`` (a later write there)."""
    return uow.sql.execute("SELECT 1 FROM dynamodb_replication_queue WHERE table_id = ? AND pk = ? AND sk = ? "
                           "AND seq > ? LIMIT 1", (table_id, pk, sk, seq)).fetchone() is not None


def dequeue(uow: UnitOfWork, through_seq: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_replication_queue WHERE seq <= ?", (through_seq,))


def drop_queued(uow: UnitOfWork, table_id: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_replication_queue WHERE table_id = ?", (table_id,))


def set_applying(uow: UnitOfWork, applying: bool) -> None:
    """While set, the triggers queue nothing: the replicator's own writes are not replicated back."""
    if applying:
        uow.sql.execute("INSERT OR IGNORE INTO dynamodb_replication_applying (id) VALUES (1)")
    else:
        uow.sql.execute("DELETE FROM dynamodb_replication_applying")
