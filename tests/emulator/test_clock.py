"""FakeClock and Waiters: deadlines fire in order when time is advanced; notify wakes only its key."""

from __future__ import annotations

import asyncio
import time

import pytest

from emulator.clock import Clock, FakeClock
from emulator.waiters import Waiters

from .conftest import T0


async def settle():
    for _ in range(20):
        await asyncio.sleep(0)


async def test_advance_fires_waiters_in_deadline_order():
    clock = FakeClock(T0, real_cap=False)
    woke: list[int] = []

    async def sleeper(deadline):
        fired = await clock.wait(asyncio.Event(), deadline)
        woke.append(deadline)
        return fired

    deadlines = [T0 + 300, T0 + 100, T0 + 500, T0 + 200, T0 + 400]
    tasks = [asyncio.create_task(sleeper(d)) for d in deadlines]
    await settle()
    assert woke == []
    clock.advance(250)
    await settle()
    assert woke == [T0 + 100, T0 + 200]
    clock.advance(10_000)
    await settle()
    assert woke == sorted(deadlines)
    assert [t.result() for t in tasks] == [False] * 5  # deadlines, not events


async def test_an_event_ends_the_wait_before_the_deadline():
    clock = FakeClock(T0, real_cap=False)
    event = asyncio.Event()
    task = asyncio.create_task(clock.wait(event, T0 + 60_000))
    await settle()
    assert not task.done()
    event.set()
    assert await asyncio.wait_for(task, 5) is True
    assert clock.now_ms() == T0


async def test_past_deadline_and_set_event_return_at_once():
    clock = FakeClock(T0, real_cap=False)
    assert await clock.wait(asyncio.Event(), T0) is False
    assert await clock.wait(asyncio.Event(), T0 - 1) is False
    done = asyncio.Event()
    done.set()
    assert await clock.wait(done, T0 + 1_000) is True


async def test_no_deadline_waits_for_the_event_only():
    clock = FakeClock(T0, real_cap=False)
    event = asyncio.Event()
    task = asyncio.create_task(clock.wait(event, None))
    clock.advance(10**9)
    await settle()
    assert not task.done()
    event.set()
    assert await asyncio.wait_for(task, 5) is True


def test_time_moves_only_forward():
    clock = FakeClock(T0)
    assert clock.advance(1_500) == T0 + 1_500
    assert clock.set(T0 + 2_000) == T0 + 2_000
    assert clock.set(T0) == T0 + 2_000  # set() never goes back
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.now_ms() == T0 + 2_000


async def test_real_cap_bounds_a_fake_wait_in_real_time():
    # A client long-polling a fake-clock server that nobody advances is not held forever.
    clock = FakeClock(T0)
    started = time.monotonic()
    assert await clock.wait(asyncio.Event(), T0 + 50) is False
    assert time.monotonic() - started < 5
    assert clock.now_ms() == T0


async def test_uncapped_fake_wait_ignores_real_time():
    clock = FakeClock(T0)
    task = asyncio.create_task(clock.wait(asyncio.Event(), T0 + 20, capped=False))
    await asyncio.sleep(0.15)
    assert not task.done()
    clock.advance(20)
    assert await asyncio.wait_for(task, 5) is False


async def test_real_clock_wait():
    clock = Clock()
    assert clock.fake is False
    event = asyncio.Event()
    assert await clock.wait(event, clock.now_ms() + 20) is False  # times out
    event.set()
    assert await clock.wait(event, clock.now_ms() + 60_000) is True
    assert abs(clock.now_ms() - time.time() * 1000) < 1_000


# --- Waiters -----------------------------------------------------------------------------------

async def test_notify_wakes_only_the_keys_waiters():
    clock = FakeClock(T0, real_cap=False)
    waiters = Waiters(clock)
    a1 = asyncio.create_task(waiters.wait("queue-a", T0 + 20_000))
    a2 = asyncio.create_task(waiters.wait("queue-a", T0 + 20_000))
    b = asyncio.create_task(waiters.wait("queue-b", T0 + 20_000))
    await settle()
    assert (waiters.count("queue-a"), waiters.count("queue-b"), waiters.count()) == (2, 1, 3)
    waiters.notify("queue-a")
    assert await asyncio.wait_for(asyncio.gather(a1, a2), 5) == [True, True]
    await settle()
    assert not b.done()
    assert (waiters.count("queue-a"), waiters.count("queue-b")) == (0, 1)
    waiters.notify("nobody-waits-here")  # harmless
    clock.advance(20_000)
    assert await asyncio.wait_for(b, 5) is False
    assert waiters.count() == 0


async def test_timed_out_waiter_leaves_nothing_behind():
    clock = FakeClock(T0, real_cap=False)
    waiters = Waiters(clock)
    task = asyncio.create_task(waiters.wait(("000000000000", "q"), T0 + 1_000))
    await settle()
    assert waiters.count(("000000000000", "q")) == 1
    clock.advance(1_000)
    assert await asyncio.wait_for(task, 5) is False
    assert waiters.count() == 0
    assert waiters._waiting == {}


async def test_cancelled_waiter_leaves_nothing_behind():
    clock = FakeClock(T0, real_cap=False)
    waiters = Waiters(clock)
    task = asyncio.create_task(waiters.wait("q", T0 + 20_000))  # e.g. the client disconnected
    await settle()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert waiters.count() == 0 and waiters._waiting == {}


async def test_notify_is_not_remembered_and_notify_all_wakes_everyone():
    clock = FakeClock(T0, real_cap=False)
    waiters = Waiters(clock)
    waiters.notify("q")  # nobody waiting: receivers re-read the store before they wait
    late = asyncio.create_task(waiters.wait("q", T0 + 100))
    other = asyncio.create_task(waiters.wait("r", None))
    await settle()
    assert not late.done()
    waiters.notify_all()
    assert await asyncio.wait_for(asyncio.gather(late, other), 5) == [True, True]
    assert waiters.count() == 0
