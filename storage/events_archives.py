"""SQL of EventBridge archives and replays (sync functions over a UnitOfWork).

Every statement is a SQL string run on ``uow.sql``; ``schema/events_archives.py`` defines the tables. Rows come
back as dicts; a replay's ``destination`` is decoded here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import rows
from .db import UnitOfWork

_ARCHIVE_COLUMNS = ("arn", "account", "region", "name", "bus_arn", "description", "event_pattern", "retention_days",
                    "kms_key", "state", "created_at")
_REPLAY_COLUMNS = ("arn", "account", "region", "name", "archive_arn", "description", "destination", "event_start",
                   "event_end", "state", "state_reason", "started_at", "ended_at", "last_replayed", "cursor_time",
                   "cursor_id", "due_at")
_TOP = "\U0010ffff"  # name >= prefix AND name < prefix + U+10FFFF: a prefix match that uses the index


_JSON = ("destination",)


def _row(columns: Sequence[str], values: Sequence[Any] | None) -> dict | None:
    return rows.as_dict(columns, values, _JSON)


def _update(uow: UnitOfWork, table: str, columns: Sequence[str], arn: str, values: dict) -> None:
    rows.update(uow, table, columns, "arn", arn, values, _JSON)


# --- archives ---------------------------------------------------------------------------------------

_ARCHIVE_SELECT = f"SELECT {', '.join(_ARCHIVE_COLUMNS)} FROM events_archives"
_GET_ARCHIVE = f"{_ARCHIVE_SELECT} WHERE arn = ?"
_INSERT_ARCHIVE = (f"INSERT INTO events_archives ({', '.join(_ARCHIVE_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(_ARCHIVE_COLUMNS))})")
_DELETE_ARCHIVE = "DELETE FROM events_archives WHERE arn = ?"
_DELETE_ARCHIVED = "DELETE FROM events_archived WHERE archive_arn = ?"
_LIST_ARCHIVES = f"{_ARCHIVE_SELECT} WHERE account = ? AND region = ? AND name >= ? AND name < ? AND name > ?"
_ROUTING_ARCHIVES = ("SELECT arn, event_pattern, retention_days FROM events_archives WHERE bus_arn = ? AND state = 'ENABLED' "
                     "ORDER BY name")
_ARCHIVE_STATS = "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM events_archived WHERE archive_arn = ?"
_INSERT_ARCHIVED = ("INSERT INTO events_archived (archive_arn, event_time, archived_at, size, event) "
                    "VALUES (?, ?, ?, ?, ?)")
_RETAINED = ("SELECT a.arn, a.retention_days, (SELECT MIN(e.archived_at) FROM events_archived e "
             "WHERE e.archive_arn = a.arn) FROM events_archives a WHERE a.retention_days > 0")
_EXPIRE = "DELETE FROM events_archived WHERE archive_arn = ? AND archived_at <= ?"
_ARCHIVED_IN_WINDOW = ("SELECT id, event_time, event FROM events_archived WHERE archive_arn = ? "
                       "AND event_time >= ? AND event_time < ? AND (event_time > ? OR (event_time = ? AND id > ?)) "
                       "ORDER BY event_time, id LIMIT ?")


def get_archive(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(_ARCHIVE_COLUMNS, uow.sql.execute(_GET_ARCHIVE, (arn,)).fetchone())


def insert_archive(uow: UnitOfWork, **values: Any) -> None:
    row = {c: None for c in _ARCHIVE_COLUMNS} | values | {"created_at": uow.now}
    uow.sql.execute(_INSERT_ARCHIVE, [row[c] for c in _ARCHIVE_COLUMNS])


def update_archive(uow: UnitOfWork, arn: str, **values: Any) -> None:
    _update(uow, "events_archives", _ARCHIVE_COLUMNS, arn, values)


def delete_archive(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_ARCHIVED, (arn,))
    uow.sql.execute(_DELETE_ARCHIVE, (arn,))


def _list(uow: UnitOfWork, sql: str, columns, account: str, region: str, prefix: str, after: str, limit: int,
          filters: dict[str, str | None]) -> list[dict]:
    """A page of names after ``after`` starting with ``prefix``, with the given column filters (None: any)."""
    args: list = [account, region, prefix, prefix + _TOP, after]
    for column, value in filters.items():
        if value is not None:
            sql, args = f"{sql} AND {column} = ?", [*args, value]
    rows = uow.sql.execute(sql + " ORDER BY name LIMIT ?", [*args, limit])
    return [_row(columns, r) for r in rows]  # type: ignore[misc]


def list_archives(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, limit: int, *,
                  bus_arn: str | None = None, state: str | None = None) -> list[dict]:
    return _list(uow, _LIST_ARCHIVES, _ARCHIVE_COLUMNS, account, region, prefix, after, limit,
                 {"bus_arn": bus_arn, "state": state})


def archive_stats(uow: UnitOfWork, arn: str) -> tuple[int, int]:
    """(EventCount, SizeBytes) of an archive."""
    count, size = uow.sql.execute(_ARCHIVE_STATS, (arn,)).fetchone()
    return count, size


def routing_archives(uow: UnitOfWork, bus_arn: str) -> list[tuple[str, str | None, int | None]]:
    """(ARN, EventPattern, RetentionDays) of the enabled archives of a bus: what the bus cache compiles."""
    return uow.sql.execute(_ROUTING_ARCHIVES, (bus_arn,)).fetchall()


def archive_event(uow: UnitOfWork, archive_arn: str, event_time: int, size: int, event: str) -> None:
    uow.sql.execute(_INSERT_ARCHIVED, (archive_arn, event_time, uow.now, size, event))


def retained(uow: UnitOfWork) -> list[tuple[str, int, int | None]]:
    """(ARN, RetentionDays, oldest archived_at) of every archive that forgets its events."""
    return uow.sql.execute(_RETAINED).fetchall()


def expire(uow: UnitOfWork, archive_arn: str, archived_before: int) -> int:
    return uow.sql.execute(_EXPIRE, (archive_arn, archived_before)).rowcount


def archived_in_window(uow: UnitOfWork, archive_arn: str, start: int, end: int, cursor_time: int, cursor_id: int,
                       limit: int) -> list[tuple[int, int, str]]:
    """(id, event_time, event JSON) of archived events in [start, end), after the cursor, in time order."""
    return uow.sql.execute(_ARCHIVED_IN_WINDOW, (archive_arn, start, end, cursor_time, cursor_time, cursor_id,
                                                 limit)).fetchall()


# --- replays ----------------------------------------------------------------------------------------

_REPLAY_SELECT = f"SELECT {', '.join(_REPLAY_COLUMNS)} FROM events_replays"
_GET_REPLAY = f"{_REPLAY_SELECT} WHERE arn = ?"
_INSERT_REPLAY = (f"INSERT INTO events_replays ({', '.join(_REPLAY_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_REPLAY_COLUMNS))})")
_LIST_REPLAYS = f"{_REPLAY_SELECT} WHERE account = ? AND region = ? AND name >= ? AND name < ? AND name > ?"
_NEXT_REPLAY_DUE = "SELECT MIN(due_at) FROM events_replays WHERE due_at IS NOT NULL"
_DUE_REPLAYS = f"{_REPLAY_SELECT} WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, arn LIMIT ?"
_ACTIVE_REPLAYS = ("SELECT COUNT(*) FROM events_replays WHERE account = ? AND region = ? "
                   "AND state IN ('STARTING', 'RUNNING', 'CANCELLING')")


def get_replay(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(_REPLAY_COLUMNS, uow.sql.execute(_GET_REPLAY, (arn,)).fetchone())


def insert_replay(uow: UnitOfWork, **values: Any) -> None:
    row = {c: None for c in _REPLAY_COLUMNS} | rows.encode(values, _JSON)
    uow.sql.execute(_INSERT_REPLAY, [row[c] for c in _REPLAY_COLUMNS])


def update_replay(uow: UnitOfWork, arn: str, **values: Any) -> None:
    _update(uow, "events_replays", _REPLAY_COLUMNS, arn, values)


def list_replays(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, limit: int, *,
                 archive_arn: str | None = None, state: str | None = None) -> list[dict]:
    return _list(uow, _LIST_REPLAYS, _REPLAY_COLUMNS, account, region, prefix, after, limit,
                 {"archive_arn": archive_arn, "state": state})


def active_replays(uow: UnitOfWork, account: str, region: str) -> int:
    return uow.sql.execute(_ACTIVE_REPLAYS, (account, region)).fetchone()[0]


def next_replay_due(uow: UnitOfWork) -> int | None:
    return uow.sql.execute(_NEXT_REPLAY_DUE).fetchone()[0]


def due_replays(uow: UnitOfWork, now: int, limit: int) -> list[dict]:
    return [_row(_REPLAY_COLUMNS, r) for r in uow.sql.execute(_DUE_REPLAYS, (now, limit))]  # type: ignore[misc]
