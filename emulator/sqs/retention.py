"""Retention: a scheduler due-source that deletes what has expired, at the time it expires.

Queries already ignore expired rows (``expires_at > now``); this sweep makes them go away for good
(and the FIFO deduplication and ReceiveRequestAttemptId windows, and the 60-second tombstones of
deleted queue names). The next due time is cached in memory, lowered as rows are added and
recomputed from SQLite after each sweep. A rolled-back unit's ``note`` is not undone: it can only
make a sweep come early, which finds nothing and recomputes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage import sqs as db
from storage.db import UnitOfWork

if TYPE_CHECKING:
    from .core import SqsCore


class RetentionSweeper:
    name = "sqs.retention"

    def __init__(self, service: SqsCore):
        self.service = service
        self._known = False          # whether _next is known (else: ask SQLite)
        self._next: int | None = None

    def forget(self) -> None:
        self._known = False

    def note(self, uow: UnitOfWork, due_at: int) -> None:
        """Something will expire at ``due_at`` (called in the transaction that stores it)."""
        if not self._known:
            return
        current = self._next
        if current is None or due_at < current:
            self._next = due_at
            uow.after_commit(self.service.emulator.scheduler.wake)

    async def next_due(self) -> int | None:
        if not self._known:
            self._next = await self.service.store.read(db.next_expiry)
            self._known = True
        return self._next

    async def run_due(self, now: int) -> None:
        self._known = False
        await self.service.store.transaction(db.delete_expired)
