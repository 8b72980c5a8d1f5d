"""Retention: a scheduler due-source that deletes what has expired, at the time it expires.

Queries already ignore expired rows (``expires_at > now``); this sweep makes them go away for good
(and the FIFO deduplication and ReceiveRequestAttemptId windows, and the 60-second tombstones of
deleted queue names). The next due time is cached in memory, lowered as rows are added and
recomputed from SQLite after each sweep.
"""

from __future__ import annotations

from storage import sqs as db

_UNKNOWN = object()


class RetentionSweeper:
    name = "sqs.retention"

    def __init__(self, service):
        self.service = service
        self._next = _UNKNOWN

    def forget(self) -> None:
        self._next = _UNKNOWN

    def note(self, uow, due_at: int) -> None:
        """Something will expire at ``due_at`` (called in the transaction that stores it)."""
        current = self._next
        if current is _UNKNOWN:
            return
        if current is None or due_at < current:
            self._next = due_at
            uow.after_commit(self.service.emulator.scheduler.wake)

    async def next_due(self) -> int | None:
        if self._next is _UNKNOWN:
            self._next = await self.service.store.read(db.next_expiry)
        return self._next

    async def run_due(self, now: int) -> None:
        self._next = _UNKNOWN
        await self.service.store.transaction(db.delete_expired)
