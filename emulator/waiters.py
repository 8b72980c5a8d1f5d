"""Long-poll waiters: a receive with nothing to return sleeps on its queue's key until notified or due.

``notify(key)`` is called after the commit that made something receivable (send, visibility reset,
redrive). One Event per waiting call, so a waiter that leaves (timeout, client gone) costs nothing
to the others and nothing is left behind.

A waiter looks (one transaction) before it waits, and a notify can land in between. So a caller
takes ``mark()`` before looking and passes it to ``wait(..., since=mark)``: a notify for the key
after the mark ends the wait at once instead of being lost.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from .clock import Clock


class Waiters:
    def __init__(self, clock: Clock):
        self.clock = clock
        self._waiting: dict[object, set[asyncio.Event]] = defaultdict(set)
        self._generation = 0
        self._notified: dict[object, int] = {}  # key -> generation of its latest notify
        self._all = 0                             # generation of the latest notify_all

    def mark(self) -> int:
        return self._generation

    def notify(self, key: object) -> None:
        self._generation += 1
        self._notified[key] = self._generation
        events = self._waiting.get(key)
        if events:
            for event in events:
                event.set()

    def notify_all(self) -> None:
        self._generation += 1
        self._all = self._generation
        for events in self._waiting.values():
            for event in events:
                event.set()

    def count(self, key: object | None = None) -> int:
        if key is None:
            return sum(len(v) for v in self._waiting.values())
        return len(self._waiting.get(key, ()))

    async def wait(self, key: object, deadline_ms: int | None, *, since: int | None = None) -> bool:
        """Sleep until notified for ``key`` or the clock passes ``deadline_ms``; True if notified.

        With ``since`` (a ``mark()``), a notify that came after the mark counts as already received.
        """
        if since is not None and max(self._notified.get(key, -1), self._all) > since:
            return True
        event = asyncio.Event()
        events = self._waiting[key]
        events.add(event)
        try:
            return await self.clock.wait(event, deadline_ms)
        finally:
            events.discard(event)
            if not events:
                self._waiting.pop(key, None)
