"""PurgeQueue's deletions, in the background: a scheduler due-source.

A purge is one bounded transaction whatever the queue's depth: it sets the queue's ``purged_below`` (see
storage/schema/sqs.py) and every read skips the rows under it from then on. This source then deletes those
rows ``BATCH`` at a time, one short transaction each, so a request arriving meanwhile waits for one batch
at most, never for the whole queue; the last batch ends the purge and checkpoints the WAL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage import sqs as db
from storage.db import UnitOfWork

if TYPE_CHECKING:
    from .core import SqsCore

BATCH = 2000


class PurgeSweeper:
    name = "sqs.purge"

    def __init__(self, service: SqsCore):
        self.service = service
        self._pending: bool | None = None   # None: ask SQLite (at start, after a reset)

    def forget(self) -> None:
        self._pending = None

    def note(self, uow: UnitOfWork) -> None:
        """A purge was written in this unit: run once it commits."""
        def pending() -> None:
            self._pending = True
            self.service.emulator.scheduler.wake()
        uow.after_commit(pending)

    async def next_due(self) -> int | None:
        if self._pending is None:
            self._pending = bool(await self.service.store.read(db.purges_pending))
        return self.service.clock.now_ms() if self._pending else None

    async def run_due(self, now: int) -> None:
        self._pending = not await self.service.store.transaction(self._batch)

    @staticmethod
    def _batch(uow: UnitOfWork) -> bool:
        """Delete one batch of the first purge pending; True when no purge is pending any more."""
        queues = db.purges_pending(uow)
        if not queues:
            return True
        if db.delete_purged(uow, queues[0], BATCH):
            uow.checkpoint = True  # the WAL grew by the whole queue: cut it back after the commit
            return len(queues) == 1
        return False
