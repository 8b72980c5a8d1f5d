"""Long-poll waiters: a receive with nothing to return sleeps on its queue's key until notified or due.

``notify(key, n)`` is called after the commit that made ``n`` messages receivable (send, visibility
reset, redrive): it wakes the ``n`` longest-waiting callers of the key, not all of them, so a send
to a queue with hundreds of long polls costs one receive, not hundreds. ``notify(key)`` (no count)
wakes them all: for changes every waiter must look at again (a delay that moves the next visible
time, a deleted queue), as does ``notify_all`` (clock advanced, reset).

One Event per waiting call, so a waiter that leaves (timeout, client gone) costs nothing to the
others. A waiter woken by a counted notify that leaves without looking (cancelled) passes its wake
on to the next one, so the wake is not lost.

A waiter looks (one transaction) before it waits, and a notify can land in between. So a caller
takes ``mark()`` before looking and passes it to ``wait(..., since=mark)``: a notify for the key
after the mark ends the wait at once instead of being lost.

A long poll's end is a ``Deadline``: in the clock's time, and on a fake clock also in real time, so a
client long-polling a fake-clock server that nobody advances gets its empty answer after the wait it
asked for (as it would from AWS), and still gets it at once when the clock is advanced past the end.

Marks need the generation of each key's latest notify, and keys come and go (one per queue ever
notified), so that memory is two bounded maps: when a new key finds the current one holding ``keep``
keys, the current one becomes the previous one and the previous one is dropped; ``_dropped`` is then
at least the generation of every entry ever dropped. A wait whose mark is older than ``_dropped``
may have lost its key's entry, so it counts as notified: a spurious wake-up (the caller looks once
more) instead of a lost one. That takes two rotations between a caller's mark and its wait (``keep``
new keys notified, twice). Marks need no release, which matters: a receive that finds messages never
waits on its mark, so a registry of outstanding marks would need every caller to release them.
"""

from __future__ import annotations

import asyncio

from .clock import Clock


class Deadline:
    """The end of a wait of ``span_ms`` from now: ``at`` in the clock's time; on a fake clock, also the same
    span in real time (the event loop's monotonic clock), whichever passes first."""

    __slots__ = ("clock", "at", "_real")

    def __init__(self, clock: Clock, span_ms: int):
        self.clock = clock
        self.at = clock.now_ms() + span_ms
        self._real = asyncio.get_running_loop().time() + span_ms / 1000 if clock.fake else None

    def real_left(self) -> float | None:
        """Seconds of real time left (None on a real clock: ``at`` says it all)."""
        if self._real is None:
            return None
        return max(0.0, self._real - asyncio.get_running_loop().time())

    def passed(self) -> bool:
        left = self.real_left()
        return self.clock.now_ms() >= self.at or (left is not None and left <= 0)


class Waiters:
    def __init__(self, clock: Clock, *, keep: int = 1024):
        self.clock = clock
        # key -> the waiting calls' events in arrival order (a dict as an ordered set)
        self._waiting: dict[object, dict[asyncio.Event, None]] = {}
        self._generation = 0
        self._keep = keep
        self._notified: dict[object, int] = {}  # key -> generation of its latest notify (current map)
        self._previous: dict[object, int] = {}  # the map before the last rotation
        self._rotated = 0                         # every entry of ``_notified`` is newer than this
        self._dropped = 0                         # no entry dropped so far is newer than this
        self._all = 0                             # generation of the latest notify_all

    def mark(self) -> int:
        return self._generation

    def _notified_since(self, key: object, since: int) -> bool:
        """True if a notify for ``key`` (or a notify_all) may have come after the mark ``since``."""
        latest = self._notified.get(key)
        if latest is None:
            latest = self._previous.get(key, -1)
        return max(latest, self._all) > since or since < self._dropped

    def notify(self, key: object, n: int | None = None) -> None:
        """Wake the ``n`` longest waiters of ``key`` (all of them if ``n`` is None)."""
        self._generation += 1
        if key not in self._notified and len(self._notified) >= self._keep:
            # The map dropped now holds only entries up to the generation the current one started after.
            self._dropped, self._rotated = self._rotated, self._generation - 1
            self._previous, self._notified = self._notified, {}
        self._notified[key] = self._generation
        events = self._waiting.get(key)
        if not events:
            return
        woken = 0
        for event in events:
            if n is not None and woken >= n:
                break
            if not event.is_set():  # an already woken one that has not left yet does not count
                event.set()
                woken += 1

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

    async def wait(self, key: object, deadline_ms: int | None, *, since: int | None = None,
                   real_left: float | None = None) -> bool:
        """Sleep until notified for ``key`` or the clock passes ``deadline_ms``; True if notified.

        With ``since`` (a ``mark()``), a notify that came after the mark counts as already received.
        ``real_left``: also stop after that many seconds of real time (a fake clock's ``Deadline``).
        """
        if since is not None and self._notified_since(key, since):
            return True
        event = asyncio.Event()
        events = self._waiting.setdefault(key, {})
        events[event] = None
        woken_but_gone = False
        try:
            if real_left is None:
                return await self.clock.wait(event, deadline_ms)
            try:
                return await asyncio.wait_for(self.clock.wait(event, deadline_ms), real_left)
            except TimeoutError:
                return event.is_set()
        except BaseException:
            woken_but_gone = event.is_set()  # cancelled after a notify chose this waiter
            raise
        finally:
            events.pop(event, None)
            if not events and self._waiting.get(key) is events:
                del self._waiting[key]
            if woken_but_gone:
                self.notify(key, 1)
