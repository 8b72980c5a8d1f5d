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


async def _settle():
    for _ in range(5):
        await asyncio.sleep(0)


async def test_counted_notify_wakes_the_longest_waiters_only():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock)
    tasks = []
    for _ in range(3):
        tasks.append(asyncio.ensure_future(waiters.wait("q", 60_000)))
        await _settle()
    waiters.notify("q", 1)
    assert await asyncio.wait_for(tasks[0], 1) is True
    await _settle()
    assert not tasks[1].done() and not tasks[2].done() and waiters.count("q") == 2
    waiters.notify("q", 5)  # more than are waiting: all of them, harmless
    assert await asyncio.wait_for(asyncio.gather(tasks[1], tasks[2]), 1) == [True, True]
    assert waiters.count() == 0


async def test_a_woken_waiter_that_has_not_left_yet_does_not_absorb_the_next_wake():
    waiters = Waiters(FakeClock(0, real_cap=False))
    first = asyncio.ensure_future(waiters.wait("q", 60_000))
    await _settle()
    second = asyncio.ensure_future(waiters.wait("q", 60_000))
    await _settle()
    waiters.notify("q", 1)
    waiters.notify("q", 1)  # before the first one has run: the second one is woken
    assert await asyncio.wait_for(asyncio.gather(first, second), 1) == [True, True]


async def test_a_woken_waiter_that_leaves_passes_its_wake_on():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock)
    first = asyncio.ensure_future(waiters.wait("q", 60_000))
    await _settle()
    second = asyncio.ensure_future(waiters.wait("q", 60_000))
    await _settle()
    waiters.notify("q", 1)
    first.cancel()  # e.g. its client went away before it could look
    try:
        await first
    except asyncio.CancelledError:
        pass
    assert await asyncio.wait_for(second, 1) is True
    assert waiters.count() == 0


async def test_notified_keys_are_not_kept_forever():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock, keep=8)
    for i in range(1000):  # one key per queue ever notified, each looked at through the mark protocol
        key = ("sqs", i)
        mark = waiters.mark()
        task = asyncio.ensure_future(waiters.wait(key, 60_000, since=mark))
        await _settle()
        assert not task.done()
        waiters.notify(key, 1)
        assert await asyncio.wait_for(task, 1) is True
        mark = waiters.mark()
        waiters.notify(key)  # lands between the look and the wait
        assert await asyncio.wait_for(waiters.wait(key, 60_000, since=mark), 1) is True
    assert len(waiters._notified) <= 8 and len(waiters._previous) <= 8
    assert waiters._waiting == {} and waiters.count() == 0


async def test_a_notify_after_the_mark_is_not_lost_when_its_entry_is_dropped():
    waiters = Waiters(FakeClock(0, real_cap=False), keep=4)
    mark = waiters.mark()
    waiters.notify("q")
    for i in range(20):  # enough other keys to drop "q"'s entry
        waiters.notify(("other", i))
    assert "q" not in waiters._notified and "q" not in waiters._previous
    assert await asyncio.wait_for(waiters.wait("q", 60_000, since=mark), 1) is True


async def test_dropping_entries_does_not_wake_a_recent_mark():
    clock = FakeClock(0, real_cap=False)
    waiters = Waiters(clock, keep=4)
    for i in range(20):
        waiters.notify(("before", i))
    mark = waiters.mark()
    waiters.notify(("before", 19))  # a key already known: newer than the mark, and in the map rotated next
    for i in range(4):  # one more rotation at most: entries newer than the mark are all still known
        waiters.notify(("after", i))
    task = asyncio.ensure_future(waiters.wait("q", 60_000, since=mark))
    await _settle()
    assert not task.done() and waiters.count("q") == 1
    clock.advance(60_000)
    assert await asyncio.wait_for(task, 1) is False
