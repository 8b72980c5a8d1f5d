"""A scheduler due-source whose next due time is cached, recomputed after each pass or poke.

``poke_threadsafe`` is called on the writer thread, inside a transaction, by the triggers' clock
function (``sluice_dynamodb_now``) when they log or queue a change: if nothing is scheduled it asks
the event loop to forget the cached time and wake the scheduler, which then reads it again after
that transaction (reads queue behind it on the one writer). A poke for a rolled-back change only
makes a pass look early and find nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from storage.db import UnitOfWork

if TYPE_CHECKING:
    from . import DynamoDB


class CachedDue:
    name = "dynamodb"

    def __init__(self, service: DynamoDB):
        self.service = service
        self._known = False
        self._next: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poke_pending = False

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def forget(self) -> None:
        self._known = False

    def refresh(self) -> None:
        """After a control-plane change that may bring the due time forward (on the event loop)."""
        self._known = False
        scheduler = getattr(self.service.emulator, "scheduler", None)  # a bare test double may have none
        if scheduler is not None:
            scheduler.wake()

    def poke_threadsafe(self) -> None:
        if self._poke_pending or self._loop is None or (self._known and self._next is not None):
            return
        self._poke_pending = True
        self._loop.call_soon_threadsafe(self._poked)

    def _poked(self) -> None:
        self._poke_pending = False
        self.refresh()

    def compute(self, uow: UnitOfWork) -> int | None:
        raise NotImplementedError

    async def next_due(self) -> int | None:
        if not self._known:
            self._next = await self.service.store.read(self.compute)
            self._known = True
        return self._next
