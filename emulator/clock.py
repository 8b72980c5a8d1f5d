"""Injected time. Every "later" in Sluice is an epoch-millisecond timestamp compared with ``now_ms()``.

``wait(event, deadline_ms)`` is the only way the emulator sleeps: until the event is set or the
clock passes the deadline. A ``FakeClock`` passes deadlines only when a test advances it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Any


class Clock:
    fake = False

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    async def wait(self, event: asyncio.Event, deadline_ms: int | None, *, capped: bool = True) -> bool:
        """Wait for ``event`` until ``deadline_ms``; True if the event was set. (``capped``: see FakeClock.)"""
        if event.is_set():
            return True
        if deadline_ms is None:
            await event.wait()
            return True
        timeout = (deadline_ms - self.now_ms()) / 1000
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except TimeoutError:
            return event.is_set()


class FakeClock(Clock):
    """A clock that moves only when told to. Waiters whose deadline is passed by ``advance`` wake up.

    ``real_cap`` bounds a wait in real time too (the same span as asked in fake time), so that a
    client that long-polls a fake-clock server without advancing it is not held forever.
    """

    fake = True

    def __init__(self, start_ms: int | None = None, *, real_cap: bool = True):
        self._now = int(start_ms if start_ms is not None else time.time() * 1000)
        self._timers: list[tuple[int, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self.real_cap = real_cap

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> int:
        if ms < 0:
            raise ValueError("the clock does not go backwards")
        self._now += int(ms)
        self._fire()
        return self._now

    def set(self, now_ms: int) -> int:
        return self.advance(max(0, int(now_ms) - self._now))

    def _fire(self) -> None:
        while self._timers and self._timers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._timers)
            if not fut.done():
                fut.set_result(None)

    async def wait(self, event: asyncio.Event, deadline_ms: int | None, *, capped: bool = True) -> bool:
        """As Clock.wait, in fake time; ``capped=False`` opts out of the real-time cap (the scheduler)."""
        if event.is_set():
            return True
        loop = asyncio.get_running_loop()
        waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(event.wait())]
        timer = None
        if deadline_ms is not None:
            if deadline_ms <= self._now:
                waits[0].cancel()
                return False
            timer = loop.create_future()
            heapq.heappush(self._timers, (deadline_ms, next(self._seq), timer))
            waits.append(timer)
        try:
            timeout = (deadline_ms - self._now) / 1000 if (deadline_ms is not None and self.real_cap and capped) else None
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                if not w.done():
                    w.cancel()
        return event.is_set()
