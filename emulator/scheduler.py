"""One asyncio task that runs whatever is due: outbox deliveries, message-move tasks, sweeps.

Work is described by due-time sources. The task asks each for its next due time (a timestamp in
SQLite, never a poll), sleeps on the clock until the earliest one or until ``wake()`` (called after
a commit that added work), runs what is due, and repeats. ``run_until_idle()`` runs everything due
now, including what finishing work makes due, and waits for spawned deliveries: tests call it (or
``POST /_sluice/clock/advance``) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

from storage.db import UnitOfWork

from .clock import Clock

if TYPE_CHECKING:
    from .core import Emulator

log = logging.getLogger("sluice.scheduler")


class DueSource(Protocol):
    name: str

    async def next_due(self) -> int | None:
        """Epoch ms of the earliest due work, or None."""

    async def run_due(self, now: int) -> None:
        """Start or do all work due at ``now`` (long work goes through ``Scheduler.spawn``)."""


class CachedDueSource:
    """A due-source whose earliest due time (``earliest(uow)``, a query) is read once and kept until something
    changes: ``note`` (called in the transaction that stores a due time) lowers it and wakes the scheduler
    after the commit; ``forget`` and every pass make the next ``next_due`` read it again. A rolled-back note
    is not undone: it can only make a pass come early, which finds nothing and reads the time again."""

    name: str

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self._known = False
        self._next: int | None = None

    def earliest(self, uow: UnitOfWork) -> int | None:
        raise NotImplementedError

    def forget(self) -> None:
        self._known = False

    def note(self, uow: UnitOfWork, due_at: int | None) -> None:
        if due_at is None:
            return
        if self._known and (self._next is None or due_at < self._next):
            self._next = due_at
        uow.after_commit(self.emulator.scheduler.wake)

    async def next_due(self) -> int | None:
        if not self._known:
            self._next = await self.emulator.store.read(self.earliest)
            self._known = True
        return self._next


class Scheduler:
    def __init__(self, clock: Clock):
        self.clock = clock
        self.sources: list[DueSource] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._inflight: set[asyncio.Task] = set()
        self.next_due_left: int | None = None

    def add_source(self, source: DueSource) -> None:
        self.sources.append(source)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def spawn(self, work: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(work)
        self._inflight.add(task)

        def done(t: asyncio.Task) -> None:
            self._inflight.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("scheduled work failed", exc_info=t.exception())
            self.wake()

        task.add_done_callback(done)
        return task

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sluice-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for task in list(self._inflight):
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)

    async def next_due(self) -> int | None:
        dues = [d for d in [await s.next_due() for s in self.sources] if d is not None]
        return min(dues) if dues else None

    async def run_due_once(self) -> bool:
        """Run every source that has work due now; True if any had.

        Leaves the earliest due time still ahead in ``self.next_due_left``: each source is asked
        once, and again only if it just ran, so the task's sleep needs no second round of queries.
        """
        now = self.clock.now_ms()
        ran, earliest = False, None
        for source in self.sources:
            due = await source.next_due()
            if due is not None and due <= now:
                ran = True
                await source.run_due(now)
                due = await source.next_due()
            if due is not None and (earliest is None or due < earliest):
                earliest = due
        self.next_due_left = earliest
        return ran

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_due_once()
                due = self.next_due_left
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler pass failed")
                due = self.clock.now_ms() + 1000
            # Fake time only: a real-time cap would re-run a pass every (due - now) real ms while
            # nobody moves a fake clock, which is polling.
            await self.clock.wait(self._wake, due, capped=False)

    async def run_until_idle(self, max_rounds: int = 10_000) -> None:
        """Run all work due at the current time, and what it makes due, until nothing is left."""
        for _ in range(max_rounds):
            ran = await self.run_due_once()
            if self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)
                continue
            if not ran:
                return
        raise RuntimeError("run_until_idle: work keeps becoming due; is something rescheduling itself at now?")
