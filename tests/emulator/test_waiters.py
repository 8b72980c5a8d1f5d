"""Waiters: a notify between looking and waiting is not lost."""

import asyncio

from emulator.clock import FakeClock
from emulator.waiters import Waiters


async def test_notify_after_mark_ends_the_wait_at_once():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock)
    mark = waiters.mark()
    waiters.notify("q")  # lands after the look, before the wait
    assert await asyncio.wait_for(waiters.wait("q", 60_000, since=mark), 1) is True
    assert waiters.count() == 0


async def test_notify_of_another_key_does_not_end_the_wait():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock)
    mark = waiters.mark()
    waiters.notify("other")
    task = asyncio.ensure_future(waiters.wait("q", 60_000, since=mark))
    await asyncio.sleep(0.01)
    assert not task.done() and waiters.count("q") == 1
    clock.advance(60_000)
    assert await asyncio.wait_for(task, 1) is False
    assert waiters.count() == 0


async def test_notify_all_after_mark_counts_for_every_key():
    waiters = Waiters(FakeClock(0, real_cap=False))
    mark = waiters.mark()
    waiters.notify_all()
    assert await asyncio.wait_for(waiters.wait("anything", 60_000, since=mark), 1) is True
