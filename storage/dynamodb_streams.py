"""SQL of DynamoDB Streams and TTL (sync functions over a UnitOfWork).

Streams, their shards and their change records; the TTL expiry index. Sequence numbers are the
records' ``AUTOINCREMENT`` rowids: never reused, so they grow across streams, shards and restarts,
and a shard's records are one range of the ``(shard, seq)`` index. Record bodies (Keys, NewImage,
OldImage) are stored as item text by ``storage.dynamodb.encode_item`` (binary values base64).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, NamedTuple

from .db import UnitOfWork
from .dynamodb import decode_item, encode_item


class StreamRow(NamedTuple):
    id: int
    account: str
    region: str
    table_id: int
    table_name: str
    arn: str
    label: str
    view_type: str
    key_schema: list
    secret: bytes
    created_at: int
    disabled_at: int | None
    open_shard: int | None


class ShardRow(NamedTuple):
    id: int
    stream_id: int
    shard_id: str
    parent_id: str | None
    opened_at: int
    closed_at: int | None
    start_seq: int
    end_seq: int | None
    trimmed_seq: int


_STREAM_COLUMNS = ("id, account, region, table_id, table_name, arn, label, view_type, key_schema, secret, created_at, "
                   "disabled_at, open_shard")
_SHARD_COLUMNS = "id, stream_id, shard_id, parent_id, opened_at, closed_at, start_seq, end_seq, trimmed_seq"


def _stream(row: tuple | None) -> StreamRow | None:
    if row is None:
        return None
    return StreamRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]), row[9],
                     row[10], row[11], row[12])


# --- streams --------------------------------------------------------------------------------------

_INSERT_STREAM = ("INSERT INTO dynamodb_streams (account, region, table_id, table_name, arn, label, view_type, "
                  "key_schema, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_ARN_TAKEN = "SELECT 1 FROM dynamodb_streams WHERE arn = ?"
_STREAM_BY_ARN = f"SELECT {_STREAM_COLUMNS} FROM dynamodb_streams WHERE arn = ?"
_STREAM_BY_ID = f"SELECT {_STREAM_COLUMNS} FROM dynamodb_streams WHERE id = ?"
_ENABLED_OF_TABLE = f"SELECT {_STREAM_COLUMNS} FROM dynamodb_streams WHERE table_id = ? AND disabled_at IS NULL"
_LATEST_OF_TABLE = "SELECT arn, label FROM dynamodb_streams WHERE table_id = ? ORDER BY id DESC LIMIT 1"
# The write path's one lookup: the table's enabled stream and its open shard.
_OPEN_SHARD = ("SELECT s.id, sh.id, sh.opened_at FROM dynamodb_streams s "
               "JOIN dynamodb_stream_shards sh ON sh.id = s.open_shard WHERE s.table_id = ? AND s.disabled_at IS NULL")
_SET_OPEN_SHARD = "UPDATE dynamodb_streams SET open_shard = ? WHERE id = ?"
_DISABLE_STREAM = "UPDATE dynamodb_streams SET disabled_at = ?, open_shard = NULL WHERE id = ?"
_LIST_STREAMS = ("SELECT id, arn, table_name, label FROM dynamodb_streams WHERE account = ? AND region = ? "
                 "AND id > ? AND (disabled_at IS NULL OR disabled_at > ?)")


def insert_stream(uow: UnitOfWork, account: str, region: str, table_id: int, table_name: str, arn: str, label: str,
                  view_type: str, key_schema: list, secret: bytes, now: int) -> int:
    cur = uow.sql.execute(_INSERT_STREAM, (account, region, table_id, table_name, arn, label, view_type,
                                           json.dumps(key_schema), secret, now))
    assert cur.lastrowid is not None
    return cur.lastrowid


def arn_taken(uow: UnitOfWork, arn: str) -> bool:
    return uow.sql.execute(_ARN_TAKEN, (arn,)).fetchone() is not None


def stream_by_arn(uow: UnitOfWork, arn: str) -> StreamRow | None:
    return _stream(uow.sql.execute(_STREAM_BY_ARN, (arn,)).fetchone())


def stream_by_id(uow: UnitOfWork, stream_id: int) -> StreamRow | None:
    return _stream(uow.sql.execute(_STREAM_BY_ID, (stream_id,)).fetchone())


def enabled_stream(uow: UnitOfWork, table_id: int) -> StreamRow | None:
    return _stream(uow.sql.execute(_ENABLED_OF_TABLE, (table_id,)).fetchone())


def latest_stream(uow: UnitOfWork, table_id: int) -> tuple[str, str] | None:
    """(ARN, label) of the table's most recent stream, enabled or not (DescribeTable's LatestStreamArn)."""
    return uow.sql.execute(_LATEST_OF_TABLE, (table_id,)).fetchone()


def open_shard(uow: UnitOfWork, table_id: int) -> tuple[int, int, int] | None:
    """(stream id, shard id, shard opened_at) of the table's enabled stream."""
    return uow.sql.execute(_OPEN_SHARD, (table_id,)).fetchone()


def set_open_shard(uow: UnitOfWork, stream_id: int, shard: int) -> None:
    uow.sql.execute(_SET_OPEN_SHARD, (shard, stream_id))


def disable_stream(uow: UnitOfWork, stream_id: int, now: int) -> None:
    uow.sql.execute(_DISABLE_STREAM, (now, stream_id))


def list_streams(uow: UnitOfWork, account: str, region: str, table_name: str | None, after_id: int,
                 live_since: int, limit: int) -> list[tuple[int, str, str, str]]:
    """(id, arn, table name, label) of the streams still readable, in creation order."""
    sql, params = _LIST_STREAMS, [account, region, after_id, live_since]
    if table_name is not None:
        sql += " AND table_name = ?"
        params.append(table_name)
    return uow.sql.execute(sql + " ORDER BY id LIMIT ?", (*params, limit)).fetchall()


# --- shards ---------------------------------------------------------------------------------------

_NEXT_SEQ = "SELECT seq FROM sqlite_sequence WHERE name = 'dynamodb_stream_records'"
_INSERT_SHARD = ("INSERT INTO dynamodb_stream_shards (stream_id, shard_id, parent_id, opened_at, start_seq, trimmed_seq) "
                 "VALUES (?, ?, ?, ?, ?, 0)")
_SHARD = f"SELECT {_SHARD_COLUMNS} FROM dynamodb_stream_shards WHERE id = ?"
_SHARD_BY_NAME = f"SELECT {_SHARD_COLUMNS} FROM dynamodb_stream_shards WHERE stream_id = ? AND shard_id = ?"
_SHARDS = (f"SELECT {_SHARD_COLUMNS} FROM dynamodb_stream_shards WHERE stream_id = ? AND id > ? "
           "AND (closed_at IS NULL OR closed_at > ?)")
_LAST_SEQ = "SELECT MAX(seq) FROM dynamodb_stream_records WHERE shard = ?"
_CLOSE_SHARD = "UPDATE dynamodb_stream_shards SET closed_at = ?, end_seq = ? WHERE id = ?"


def last_assigned_seq(uow: UnitOfWork) -> int:
    """The last sequence number handed out (0: none yet); the next record's is greater."""
    row = uow.sql.execute(_NEXT_SEQ).fetchone()
    return row[0] if row else 0


def insert_shard(uow: UnitOfWork, stream_id: int, shard_id: str, parent_id: str | None, now: int) -> int:
    cur = uow.sql.execute(_INSERT_SHARD, (stream_id, shard_id, parent_id, now, last_assigned_seq(uow) + 1))
    assert cur.lastrowid is not None
    return cur.lastrowid


def shard(uow: UnitOfWork, shard: int) -> ShardRow | None:
    row = uow.sql.execute(_SHARD, (shard,)).fetchone()
    return None if row is None else ShardRow(*row)


def shard_by_name(uow: UnitOfWork, stream_id: int, shard_id: str) -> ShardRow | None:
    row = uow.sql.execute(_SHARD_BY_NAME, (stream_id, shard_id)).fetchone()
    return None if row is None else ShardRow(*row)


def shards(uow: UnitOfWork, stream_id: int, after: int, live_since: int, parent_id: str | None,
           limit: int) -> list[ShardRow]:
    """The stream's shards after shard row ``after``, in creation order; closed ones only while they
    closed after ``live_since`` (their records still readable)."""
    sql = _SHARDS
    params: list[Any] = [stream_id, after, live_since]
    if parent_id is not None:
        sql += " AND parent_id = ?"
        params.append(parent_id)
    return [ShardRow(*row) for row in uow.sql.execute(sql + " ORDER BY id LIMIT ?", (*params, limit))]


def close_shard(uow: UnitOfWork, shard: ShardRow, now: int) -> int:
    """Close a shard at its last record (its StartingSequenceNumber if it has none); the ending number."""
    last = uow.sql.execute(_LAST_SEQ, (shard.id,)).fetchone()[0]
    end = max(last or 0, shard.start_seq)
    uow.sql.execute(_CLOSE_SHARD, (now, end, shard.id))
    return end


def last_seq(uow: UnitOfWork, shard: int) -> int | None:
    return uow.sql.execute(_LAST_SEQ, (shard,)).fetchone()[0]


# --- records --------------------------------------------------------------------------------------

_ADD_RECORD = ("INSERT INTO dynamodb_stream_records (shard, created_at, event, body, size, service) "
               "VALUES (?, ?, ?, ?, ?, ?)")
_RECORDS_AFTER = ("SELECT seq, created_at, event, body, size, service FROM dynamodb_stream_records "
                  "WHERE shard = ? AND seq > ? ORDER BY seq LIMIT ?")
_FIRST_SINCE = ("SELECT seq FROM dynamodb_stream_records WHERE shard = ? AND seq > ? AND created_at >= ? "
                "ORDER BY seq LIMIT 1")


def add_record(uow: UnitOfWork, shard: int, now: int, event: int, body: dict, size: int, service: bool) -> None:
    uow.sql.execute(_ADD_RECORD, (shard, now, event, encode_item(body), size, int(service)))


def records_after(uow: UnitOfWork, shard: int, after: int, limit: int) -> sqlite3.Cursor:
    """A cursor over ``(seq, created_at, event, body_text, size, service)`` of a shard after ``after``."""
    return uow.sql.execute(_RECORDS_AFTER, (shard, after, limit))


def decode_body(text: str) -> dict:
    return decode_item(text)


def first_since(uow: UnitOfWork, shard: int, after: int, created_from: int) -> int | None:
    """The first sequence number of a shard, after ``after``, of a record created at or after ``created_from``."""
    row = uow.sql.execute(_FIRST_SINCE, (shard, after, created_from)).fetchone()
    return None if row is None else row[0]


# --- housekeeping (the scheduler's due-source) ----------------------------------------------------

_OLDEST_RECORD = "SELECT created_at FROM dynamodb_stream_records ORDER BY seq LIMIT 1"
_OLDEST_OPEN = ("SELECT MIN(sh.opened_at) FROM dynamodb_streams s JOIN dynamodb_stream_shards sh "
                "ON sh.id = s.open_shard WHERE s.disabled_at IS NULL")
_OLDEST_CLOSED = "SELECT MIN(closed_at) FROM dynamodb_stream_shards WHERE closed_at IS NOT NULL"
_OLDEST_DISABLED = "SELECT MIN(disabled_at) FROM dynamodb_streams WHERE disabled_at IS NOT NULL"
_DUE_ROLLOVERS = ("SELECT s.table_id, s.id, s.open_shard FROM dynamodb_streams s JOIN dynamodb_stream_shards sh ON sh.id = s.open_shard "
                  "WHERE s.disabled_at IS NULL AND sh.opened_at <= ?")
_AGED = "SELECT seq, created_at FROM dynamodb_stream_records ORDER BY seq"
_TRIM_POINTS = "SELECT shard, MAX(seq) FROM dynamodb_stream_records WHERE seq <= ? GROUP BY shard"
_SET_TRIMMED = "UPDATE dynamodb_stream_shards SET trimmed_seq = ? WHERE id = ?"
_TRIM = "DELETE FROM dynamodb_stream_records WHERE seq <= ?"
_DROP_CLOSED = "DELETE FROM dynamodb_stream_shards WHERE closed_at IS NOT NULL AND closed_at <= ?"
_DISABLED_BEFORE = "SELECT id FROM dynamodb_streams WHERE disabled_at IS NOT NULL AND disabled_at <= ?"
_DROP_STREAM = (
    "DELETE FROM dynamodb_stream_records WHERE shard IN (SELECT id FROM dynamodb_stream_shards WHERE stream_id = ?)",
    "DELETE FROM dynamodb_stream_shards WHERE stream_id = ?",
    "DELETE FROM dynamodb_streams WHERE id = ?",
)


def housekeeping_times(uow: UnitOfWork) -> tuple[int | None, int | None, int | None, int | None]:
    """(oldest record's created_at, oldest open shard's opened_at, oldest closed_at, oldest disabled_at)."""
    row = uow.sql.execute(_OLDEST_RECORD).fetchone()
    return (row[0] if row else None, uow.sql.execute(_OLDEST_OPEN).fetchone()[0],
            uow.sql.execute(_OLDEST_CLOSED).fetchone()[0], uow.sql.execute(_OLDEST_DISABLED).fetchone()[0])


def shards_to_roll(uow: UnitOfWork, opened_before: int) -> list[tuple[int, int, int]]:
    """(table id, stream id, shard id) of the enabled streams' open shards opened at or before ``opened_before``."""
    return uow.sql.execute(_DUE_ROLLOVERS, (opened_before,)).fetchall()


def trim(uow: UnitOfWork, created_before: int) -> int:
    """Delete the records created at or before ``created_before`` (the oldest ones, in sequence order)
    and raise their shards' trim points; how many went."""
    cutoff = None
    for seq, created_at in uow.sql.execute(_AGED):
        if created_at > created_before:
            break
        cutoff = seq
    if cutoff is None:
        return 0
    points = uow.sql.execute(_TRIM_POINTS, (cutoff,)).fetchall()
    uow.sql.executemany(_SET_TRIMMED, [(seq, shard) for shard, seq in points])
    return uow.sql.execute(_TRIM, (cutoff,)).rowcount


def drop_aged(uow: UnitOfWork, before: int) -> None:
    """Forget the shards closed, and the streams disabled, at or before ``before`` (their records aged out)."""
    uow.sql.execute(_DROP_CLOSED, (before,))
    for (stream_id,) in uow.sql.execute(_DISABLED_BEFORE, (before,)).fetchall():
        for statement in _DROP_STREAM:
            uow.sql.execute(statement, (stream_id,))


# --- TTL ------------------------------------------------------------------------------------------

_TTL_PUT = "INSERT OR REPLACE INTO dynamodb_ttl (table_id, pk, sk, expires_at) VALUES (?, ?, ?, ?)"
_TTL_DELETE = "DELETE FROM dynamodb_ttl WHERE table_id = ? AND pk = ? AND sk = ?"
_TTL_DROP_TABLE = "DELETE FROM dynamodb_ttl WHERE table_id = ?"
_TTL_NEXT = "SELECT MIN(expires_at) FROM dynamodb_ttl"
_TTL_DUE = "SELECT table_id, pk, sk, expires_at FROM dynamodb_ttl WHERE expires_at <= ? ORDER BY expires_at LIMIT ?"


def ttl_put(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes, expires_at: int) -> None:
    uow.sql.execute(_TTL_PUT, (table_id, pk, sk, expires_at))


def ttl_put_many(uow: UnitOfWork, table_id: int, rows: list[tuple[bytes, bytes, int]]) -> None:
    uow.sql.executemany(_TTL_PUT, [(table_id, pk, sk, at) for pk, sk, at in rows])


def ttl_delete(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes) -> None:
    uow.sql.execute(_TTL_DELETE, (table_id, pk, sk))


def ttl_drop_table(uow: UnitOfWork, table_id: int) -> None:
    uow.sql.execute(_TTL_DROP_TABLE, (table_id,))


def ttl_next(uow: UnitOfWork) -> int | None:
    return uow.sql.execute(_TTL_NEXT).fetchone()[0]


def ttl_due(uow: UnitOfWork, expired_by: int, limit: int) -> list[tuple[int, bytes, bytes, int]]:
    """(table_id, pk, sk, expires_at) of the entries that expired at or before ``expired_by``, oldest first."""
    return uow.sql.execute(_TTL_DUE, (expired_by, limit)).fetchall()
