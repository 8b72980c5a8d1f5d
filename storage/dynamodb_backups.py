"""SQL of DynamoDB backups, table copies (restores, new replicas) and the point-in-time recovery log.

A backup is a copy of a table's item rows, index entries and counters made with ``INSERT ... SELECT``
in the CreateBackup transaction; a restore copies them back under the new table's id, renumbering
the index entries of the indexes it keeps. The point-in-time log is written by triggers
(``storage/schema/dynamodb.py``); here it is read (newest state back to a time) and pruned.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from .db import UnitOfWork

# --- backups --------------------------------------------------------------------------------------

_INSERT_BACKUP = ("INSERT INTO dynamodb_backups (arn, account, region, name, kind, table_name, source, size_bytes, "
                  "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_BACKUP_COLUMNS = "id, arn, account, region, name, kind, table_name, source, size_bytes, created_at, expires_at"
_GET_BACKUP = f"SELECT {_BACKUP_COLUMNS} FROM dynamodb_backups WHERE arn = ?"
_SNAPSHOT = (
    "INSERT INTO dynamodb_backup_items (backup_id, pk, sk, item, size) "
    "SELECT ?, pk, sk, item, size FROM dynamodb_items WHERE table_id = ?",
    "INSERT INTO dynamodb_backup_index_entries (backup_id, index_no, ipk, isk, pk, sk) "
    "SELECT ?, index_no, ipk, isk, pk, sk FROM dynamodb_index_entries WHERE table_id = ?",
    "INSERT INTO dynamodb_backup_stats (backup_id, index_no, item_count, size_bytes) "
    "SELECT ?, index_no, item_count, size_bytes FROM dynamodb_stats WHERE table_id = ?",
)
_DELETE_BACKUP = (
    "DELETE FROM dynamodb_backup_index_entries WHERE backup_id = ?",
    "DELETE FROM dynamodb_backup_items WHERE backup_id = ?",
    "DELETE FROM dynamodb_backup_stats WHERE backup_id = ?",
    "DELETE FROM dynamodb_backups WHERE id = ?",
)


def _backup(row: tuple | None) -> dict | None:
    if row is None:
        return None
    keys = ("id", "arn", "account", "region", "name", "kind", "table_name", "source", "size_bytes", "created_at",
            "expires_at")
    out = dict(zip(keys, row, strict=True))
    out["source"] = json.loads(out["source"])
    return out


def insert_backup(uow: UnitOfWork, arn: str, account: str, region: str, name: str, kind: str, table_name: str,
                  source: dict, size_bytes: int, created_at: int, expires_at: int | None) -> int:
    cur = uow.sql.execute(_INSERT_BACKUP, (arn, account, region, name, kind, table_name, json.dumps(source),
                                           size_bytes, created_at, expires_at))
    backup_id = cur.lastrowid
    assert backup_id is not None
    return backup_id


def snapshot(uow: UnitOfWork, backup_id: int, table_id: int) -> None:
    """Copy a table's items, index entries and counters into a backup."""
    for statement in _SNAPSHOT:
        uow.sql.execute(statement, (backup_id, table_id))


def get_backup(uow: UnitOfWork, arn: str) -> dict | None:
    return _backup(uow.sql.execute(_GET_BACKUP, (arn,)).fetchone())


def delete_backup(uow: UnitOfWork, backup_id: int) -> None:
    for statement in _DELETE_BACKUP:
        uow.sql.execute(statement, (backup_id,))


def list_backups(uow: UnitOfWork, account: str, region: str, table_name: str | None, lower: int | None,
                 upper: int | None, kinds: tuple[str, ...], after: tuple[int, str] | None, limit: int) -> list[dict]:
    """Backups by creation time (then ARN): of one table name if given, created in [lower, upper), of
    the kinds given, after the cursor ``(created_at, arn)``."""
    where = ["account = ?", "region = ?", f"kind IN ({', '.join('?' * len(kinds))})"]
    params: list = [account, region, *kinds]
    for clause, value in (("table_name = ?", table_name), ("created_at >= ?", lower), ("created_at < ?", upper)):
        if value is not None:
            where.append(clause)
            params.append(value)
    if after is not None:
        where.append("(created_at, arn) > (?, ?)")
        params.extend(after)
    sql = (f"SELECT {_BACKUP_COLUMNS} FROM dynamodb_backups WHERE {' AND '.join(where)} "
           "ORDER BY created_at, arn LIMIT ?")
    return [b for b in (_backup(row) for row in uow.sql.execute(sql, (*params, limit))) if b is not None]


def next_backup_expiry(uow: UnitOfWork) -> int | None:
    return uow.sql.execute("SELECT MIN(expires_at) FROM dynamodb_backups").fetchone()[0]


def expired_backups(uow: UnitOfWork, now: int) -> list[int]:
    return [row[0] for row in uow.sql.execute("SELECT id FROM dynamodb_backups WHERE expires_at <= ?", (now,))]


# --- copies into a new table ----------------------------------------------------------------------

def _copy(uow: UnitOfWork, source: str, source_id: int, table_id: int, index_map: dict[int, int]) -> None:
    """Items, counters and the entries of the mapped indexes (source index no -> new index no) of a
    table (``source`` "table") or a backup ("backup") into the table ``table_id``."""
    if source == "table":
        items, entries, stats, key = "dynamodb_items", "dynamodb_index_entries", "dynamodb_stats", "table_id"
    else:
        items, entries, stats = "dynamodb_backup_items", "dynamodb_backup_index_entries", "dynamodb_backup_stats"
        key = "backup_id"
    uow.sql.execute(f"INSERT INTO dynamodb_items (table_id, pk, sk, item, size) "
                    f"SELECT ?, pk, sk, item, size FROM {items} WHERE {key} = ?", (table_id, source_id))
    for old_no, new_no in {0: 0, **index_map}.items():
        uow.sql.execute(f"INSERT OR REPLACE INTO dynamodb_stats (table_id, index_no, item_count, size_bytes) "
                        f"SELECT ?, ?, item_count, size_bytes FROM {stats} WHERE {key} = ? AND index_no = ?",
                        (table_id, new_no, source_id, old_no))
        if old_no:
            uow.sql.execute(f"INSERT INTO dynamodb_index_entries (table_id, index_no, ipk, isk, pk, sk) "
                            f"SELECT ?, ?, ipk, isk, pk, sk FROM {entries} WHERE {key} = ? AND index_no = ?",
                            (table_id, new_no, source_id, old_no))


def copy_table(uow: UnitOfWork, source_table_id: int, table_id: int, index_map: dict[int, int]) -> None:
    _copy(uow, "table", source_table_id, table_id, index_map)


def copy_backup(uow: UnitOfWork, backup_id: int, table_id: int, index_map: dict[int, int]) -> None:
    _copy(uow, "backup", backup_id, table_id, index_map)


def table_counts(uow: UnitOfWork, table_id: int) -> tuple[int, int]:
    """(item count, bytes) of a table, counted (for counters rebuilt after a copy)."""
    row = uow.sql.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM dynamodb_items WHERE table_id = ?",
                          (table_id,)).fetchone()
    return row[0], row[1]


# --- point-in-time recovery log -------------------------------------------------------------------

def changes_after(uow: UnitOfWork, table_id: int, at: int) -> sqlite3.Cursor:
    """``(pk, sk, item_text | None, size)`` logged after ``at`` (each the image before a change), oldest first."""
    return uow.sql.execute("SELECT pk, sk, item, size FROM dynamodb_pitr_log WHERE table_id = ? AND at > ? "
                           "ORDER BY seq", (table_id, at))


def drop_log(uow: UnitOfWork, table_id: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_pitr_log WHERE table_id = ?", (table_id,))


def prune_log(uow: UnitOfWork, windows: Iterable[tuple[int, int]]) -> None:
    """Forget the images a restore can no longer need: ``windows`` is (table_id, earliest restorable)."""
    uow.sql.executemany("DELETE FROM dynamodb_pitr_log WHERE table_id = ? AND at <= ?", list(windows))


def oldest_at(uow: UnitOfWork, table_id: int) -> int | None:
    """The time of a table's oldest logged image (an index probe)."""
    return uow.sql.execute("SELECT MIN(at) FROM dynamodb_pitr_log WHERE table_id = ?", (table_id,)).fetchone()[0]


def log_size(uow: UnitOfWork, table_id: int) -> int:
    return uow.sql.execute("SELECT COUNT(*) FROM dynamodb_pitr_log WHERE table_id = ?", (table_id,)).fetchone()[0]
