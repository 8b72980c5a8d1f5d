"""SQL of the outbox and the delivery log (sync functions over a UnitOfWork)."""

from __future__ import annotations

import json

from sqlalchemy import bindparam, func, select, text

from .db import UnitOfWork
from .schema import delivery_log, outbox


def enqueue(uow: UnitOfWork, kind: str, target: str, payload: dict, *, due_at: int | None = None,
            message_id: str | None = None) -> int:
    # SQL strings on the hot paths (every HTTP delivery, every logged attempt): a Core insert with
    # .values() is compiled on each call, which costs more than the insert.
    return uow.sql.execute(
        "INSERT INTO outbox (kind, target, payload, due_at, attempts, created_at, message_id) "
        "VALUES (?, ?, ?, ?, 0, ?, ?)",
        (kind, target, json.dumps(payload), uow.now if due_at is None else due_at, uow.now, message_id)).lastrowid


def _not_in(query, exclude):
    """Rows other than ``exclude`` (ids in flight in this process): one JSON parameter, whatever its size."""
    if not exclude:
        return query
    ids = select(text("value")).select_from(func.json_each(bindparam("exclude", json.dumps(sorted(exclude)))))
    return query.where(outbox.c.id.not_in(ids.scalar_subquery()))


def next_due(uow: UnitOfWork, exclude: frozenset[int] | set[int] = frozenset()) -> int | None:
    return uow.conn.execute(_not_in(select(func.min(outbox.c.due_at)), exclude)).scalar()


def claim_due(uow: UnitOfWork, limit: int, lease_ms: int,
              exclude: frozenset[int] | set[int] = frozenset()) -> list[dict]:
    """Due rows, each pushed to ``now + lease_ms`` so that a crash mid-delivery retries it after the lease.

    ``exclude``: rows whose attempt is still running here; their lease may have run out (a fake clock moved
    past it) but claiming them again would POST the same attempt twice.
    """
    query = select(outbox).where(outbox.c.due_at <= uow.now).order_by(outbox.c.due_at, outbox.c.id).limit(limit)
    rows = uow.conn.execute(_not_in(query, exclude)).mappings().all()
    if rows:
        ids = [r["id"] for r in rows]
        uow.conn.execute(outbox.update().where(outbox.c.id.in_(ids)).values(
            due_at=uow.now + lease_ms, attempts=outbox.c.attempts + 1))
    return [{**r, "payload": json.loads(r["payload"]), "attempts": r["attempts"] + 1} for r in rows]


def reschedule(uow: UnitOfWork, row_id: int, due_at: int, *, attempts: int | None = None) -> bool:
    """Move a row's next attempt; with ``attempts``, only if no later claim took the row (False if one did)."""
    query = outbox.update().where(outbox.c.id == row_id)
    if attempts is not None:
        query = query.where(outbox.c.attempts == attempts)
    return uow.conn.execute(query.values(due_at=due_at)).rowcount > 0


def remove(uow: UnitOfWork, row_id: int, *, attempts: int | None = None) -> bool:
    """Delete a row; with ``attempts``, only if no later claim took the row (False if one did)."""
    query = outbox.delete().where(outbox.c.id == row_id)
    if attempts is not None:
        query = query.where(outbox.c.attempts == attempts)
    return uow.conn.execute(query).rowcount > 0


def pending(uow: UnitOfWork) -> list[dict]:
    rows = uow.conn.execute(select(outbox).order_by(outbox.c.due_at, outbox.c.id)).mappings().all()
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


def log_attempt(uow: UnitOfWork, *, kind: str, target: str, message_id: str | None, attempt: int,
                status: str, error: str | None, outbox_id: int | None) -> None:
    uow.sql.execute(
        "INSERT INTO delivery_log (at, kind, target, message_id, attempt, status, error, outbox_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (uow.now, kind, target, message_id, attempt, status, error, outbox_id))


def read_log(uow: UnitOfWork, *, after_id: int = 0, limit: int = 1000, target: str | None = None,
             kind: str | None = None) -> list[dict]:
    query = select(delivery_log).where(delivery_log.c.id > after_id)
    if target:
        query = query.where(delivery_log.c.target == target)
    if kind:
        query = query.where(delivery_log.c.kind == kind)
    return [dict(r) for r in uow.conn.execute(query.order_by(delivery_log.c.id).limit(limit)).mappings()]
