"""SQL of the outbox's leases (see schema/outbox_leases.py): which claimed rows are mid-attempt."""

from __future__ import annotations

from collections.abc import Iterable

from .db import UnitOfWork

_ADD = "INSERT OR IGNORE INTO outbox_leases (outbox_id) VALUES (?)"
_END = "DELETE FROM outbox_leases WHERE outbox_id = ?"
_RELEASE_ALL = ("UPDATE outbox SET due_at = MIN(due_at, ?) WHERE id IN (SELECT outbox_id FROM outbox_leases)",
                "DELETE FROM outbox_leases")


def add(uow: UnitOfWork, ids: Iterable[int]) -> None:
    uow.sql.executemany(_ADD, [(i,) for i in ids])


def end(uow: UnitOfWork, row_id: int) -> None:
    uow.sql.execute(_END, (row_id,))


def release_all(uow: UnitOfWork) -> int:
    """At start: every row left mid-attempt by a process that died is due now. Returns how many."""
    count = uow.sql.execute(_RELEASE_ALL[0], (uow.now,)).rowcount
    uow.sql.execute(_RELEASE_ALL[1])
    return count
