"""The scheduler task: sleeps exactly until the earliest due time or a wake(), never polls."""

from __future__ import annotations

import asyncio

import pytest

from emulator.scheduler import Scheduler

from .conftest import T0


class Source:
    """A due-time source over a list of due times; running it records the time and drops what is due."""

    def __init__(self, name: str, clock, dues: list[int] | None = None):
        self.name, self.clock = name, clock
        self.dues = sorted(dues or [])
        self.ran: list[int] = []
        self.on_run = None

    async def next_due(self):
        return self.dues[0] if self.dues else None

    async def run_due(self, now: int) -> None:
        self.ran.append(now)
        self.dues = [d for d in self.dues if d > now]
        if self.on_run:
            self.on_run(now)


def count_passes(scheduler: Scheduler) -> list[int]:
    """Record the clock time of every pass the scheduler task makes."""
    passes: list[int] = []
    original = scheduler.run_due_once

    async def counted():
        passes.append(scheduler.clock.now_ms())
        return await original()

    scheduler.run_due_once = counted
    return passes


async def settle():
    for _ in range(20):
        await asyncio.sleep(0)


async def test_sleeps_until_the_earliest_due_time_without_polling(scheduler, clock):
    late, early = Source("late", clock, [T0 + 5_000]), Source("early", clock, [T0 + 200])
    scheduler.add_source(late)
    scheduler.add_source(early)
    passes = count_passes(scheduler)
    await scheduler.start()
    try:
        await asyncio.sleep(0.4)  # real time passes; fake time does not: the task must stay asleep
        assert passes == [T0]
        clock.advance(199)
        await settle()
        assert passes == [T0] and early.ran == []
        clock.advance(1)
        await settle()
        assert early.ran == [T0 + 200] and late.ran == []
        assert passes == [T0, T0 + 200]
        clock.advance(4_800)
        await settle()
        assert late.ran == [T0 + 5_000]
        assert passes == [T0, T0 + 200, T0 + 5_000]
        await asyncio.sleep(0.2)
        assert len(passes) == 3  # nothing due any more: asleep until woken
    finally:
        await scheduler.stop()


async def test_wake_runs_newly_due_work_at_once(scheduler, clock):
    source = Source("s", clock)
    scheduler.add_source(source)
    passes = count_passes(scheduler)
    await scheduler.start()
    try:
        await settle()
        assert passes == [T0]
        source.dues = [T0]  # e.g. a commit added a row due now
        scheduler.wake()
        await settle()
        assert source.ran == [T0]
        assert passes == [T0, T0]
    finally:
        await scheduler.stop()


async def test_wake_with_later_work_reschedules_the_sleep(scheduler, clock):
    source = Source("s", clock, [T0 + 10_000])
    scheduler.add_source(source)
    await scheduler.start()
    try:
        await settle()
        source.dues = [T0 + 1_000, T0 + 10_000]  # something earlier arrived
        scheduler.wake()
        await settle()
        clock.advance(1_000)
        await settle()
        assert source.ran == [T0 + 1_000]
    finally:
        await scheduler.stop()


async def test_a_failing_pass_does_not_kill_the_task(scheduler, clock):
    source = Source("s", clock, [T0])
    fails = [True]

    def maybe_fail(now):
        if fails.pop(0) if fails else False:
            source.dues = [now]  # still due: it will be retried
            raise RuntimeError("boom")

    source.on_run = maybe_fail
    scheduler.add_source(source)
    await scheduler.start()
    try:
        await settle()
        assert source.ran == [T0]
        clock.advance(1_000)  # a failed pass retries a second later
        await settle()
        assert source.ran == [T0, T0 + 1_000] and source.dues == []
    finally:
        await scheduler.stop()


async def test_run_until_idle_runs_chained_and_spawned_work(scheduler, clock):
    source = Source("chain", clock, [T0])
    done = []

    async def slow(n):
        await asyncio.sleep(0.01)
        done.append(n)

    def chain(now):
        if len(source.ran) < 3:
            source.dues = [now]  # running makes more work due now
        scheduler.spawn(slow(len(source.ran)))

    source.on_run = chain
    scheduler.add_source(source)
    await scheduler.run_until_idle()
    assert source.ran == [T0, T0, T0]
    assert sorted(done) == [1, 2, 3]  # spawned work was awaited


async def test_run_until_idle_refuses_work_that_never_ends(scheduler, clock):
    source = Source("forever", clock, [T0])
    source.on_run = lambda now: setattr(source, "dues", [now])
    scheduler.add_source(source)
    with pytest.raises(RuntimeError, match="keeps becoming due"):
        await scheduler.run_until_idle(max_rounds=50)
    assert len(source.ran) == 50


async def test_run_until_idle_leaves_future_work_alone(scheduler, clock):
    source = Source("s", clock, [T0 + 1])
    scheduler.add_source(source)
    await scheduler.run_until_idle()
    assert source.ran == []
    assert await scheduler.next_due() == T0 + 1


async def test_stop_cancels_in_flight_work(scheduler, clock):
    started = asyncio.Event()

    async def forever():
        started.set()
        await asyncio.sleep(3600)

    await scheduler.start()
    task = scheduler.spawn(forever())
    await asyncio.wait_for(started.wait(), 5)
    await scheduler.stop()
    assert task.cancelled()
    assert scheduler._task is None
