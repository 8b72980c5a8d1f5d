"""SQL of the outbox and the delivery log (sync functions over a UnitOfWork)."""

from __future__ import annotations

import json

from .db import UnitOfWork


def enqueue(uow: UnitOfWork, kind: str, target: str, payload: dict, *, due_at: int | None = None,
            attempts: int = 0, message_id: str | None = None, source_arn: str | None = None) -> int:
    cursor = uow.sql.execute(
        "INSERT INTO outbox (kind, target, payload, due_at, attempts, created_at, message_id, source_arn) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, target, json.dumps(payload), uow.now if due_at is None else due_at, attempts, uow.now, message_id,
         source_arn))
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


_COLUMNS = ("id", "kind", "target", "payload", "due_at", "attempts", "created_at", "message_id", "source_arn")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM outbox"
# Rows whose attempt runs in this process are passed as one JSON array, whatever their number.
_NOT_IN_FLIGHT = "id NOT IN (SELECT value FROM json_each(?))"


def _rows(cursor) -> list[dict]:
    return [dict(zip(_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def next_due(uow: UnitOfWork, exclude: frozenset[int] | set[int] = frozenset()) -> int | None:
    row = uow.sql.execute(f"SELECT min(due_at) FROM outbox WHERE {_NOT_IN_FLIGHT}",
                          (json.dumps(sorted(exclude)),)).fetchone()
    return row[0] if row else None


def claim_due(uow: UnitOfWork, limit: int, lease_ms: int,
              exclude: frozenset[int] | set[int] = frozenset()) -> list[dict]:
    """Due rows, each pushed to ``now + lease_ms`` so that a crash mid-delivery retries it after the lease.

    ``exclude``: rows whose attempt is still running here; their lease may have run out (a fake clock moved
    past it) but claiming them again would POST the same attempt twice.
    """
    rows = _rows(uow.sql.execute(f"{_SELECT} WHERE due_at <= ? AND {_NOT_IN_FLIGHT} ORDER BY due_at, id LIMIT ?",
                                 (uow.now, json.dumps(sorted(exclude)), limit)))
    if rows:
        uow.sql.executemany("UPDATE outbox SET due_at = ?, attempts = attempts + 1 WHERE id = ?",
                            [(uow.now + lease_ms, r["id"]) for r in rows])
    return [{**r, "payload": json.loads(r["payload"]), "attempts": r["attempts"] + 1} for r in rows]


def reschedule(uow: UnitOfWork, row_id: int, due_at: int, *, attempts: int | None = None) -> bool:
    """Move a row's next attempt; with ``attempts``, only if no later claim took the row (False if one did)."""
    if attempts is None:
        return uow.sql.execute("UPDATE outbox SET due_at = ? WHERE id = ?", (due_at, row_id)).rowcount > 0
    return uow.sql.execute("UPDATE outbox SET due_at = ? WHERE id = ? AND attempts = ?",
                           (due_at, row_id, attempts)).rowcount > 0


def is_at(uow: UnitOfWork, row_id: int, attempts: int) -> bool:
    """The row still exists at ``attempts`` (no later claim took it)."""
    return uow.sql.execute("SELECT 1 FROM outbox WHERE id = ? AND attempts = ?", (row_id, attempts)).fetchone() is not None


def remove(uow: UnitOfWork, row_id: int, *, attempts: int | None = None) -> bool:
    """Delete a row; with ``attempts``, only if no later claim took the row (False if one did)."""
    if attempts is None:
        return uow.sql.execute("DELETE FROM outbox WHERE id = ?", (row_id,)).rowcount > 0
    return uow.sql.execute("DELETE FROM outbox WHERE id = ? AND attempts = ?", (row_id, attempts)).rowcount > 0


def pending(uow: UnitOfWork) -> list[dict]:
    rows = _rows(uow.sql.execute(f"{_SELECT} ORDER BY due_at, id"))
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


def log_attempt(uow: UnitOfWork, *, kind: str, target: str, message_id: str | None, attempt: int,
                status: str, error: str | None, outbox_id: int | None, source_arn: str | None = None) -> None:
    uow.sql.execute(
        "INSERT INTO delivery_log (at, kind, target, message_id, attempt, status, error, outbox_id, source_arn) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uow.now, kind, target, message_id, attempt, status, error, outbox_id, source_arn))


_LOG_COLUMNS = ("id", "at", "kind", "target", "message_id", "attempt", "status", "error", "outbox_id", "source_arn")


def read_log(uow: UnitOfWork, *, after_id: int = 0, limit: int = 1000, target: str | None = None,
             kind: str | None = None) -> list[dict]:
    where: list[str] = ["id > ?"]
    args: list[object] = [after_id]
    if target:
        where.append("target = ?")
        args.append(target)
    if kind:
        where.append("kind = ?")
        args.append(kind)
    rows = uow.sql.execute(f"SELECT {', '.join(_LOG_COLUMNS)} FROM delivery_log WHERE {' AND '.join(where)} "
                           "ORDER BY id LIMIT ?", (*args, limit)).fetchall()
    return [dict(zip(_LOG_COLUMNS, row, strict=True)) for row in rows]
