"""The durable outbox on a FakeClock: claim, deliver, retry per policy, dead-letter, log, survive crashes."""

from __future__ import annotations

import asyncio

from emulator.clock import FakeClock
from emulator.delivery.outbox import OutboxRunner, Outcome
from emulator.scheduler import Scheduler
from storage import outbox as repo
from storage.db import Store

from .conftest import LEASE_MS, T0, Script


async def enqueue(store, outbox, payload: dict, *, due_in: int = 0, kind: str = "test.kind", target: str = "t") -> int:
    return await store.transaction(lambda uow: outbox.enqueue(uow, kind, target, payload, due_at=uow.now + due_in,
                                                              message_id=payload.get("id")))


async def log(store, **kw) -> list[dict]:
    return await store.read(repo.read_log, **kw)


async def pending(store) -> list[dict]:
    return await store.read(repo.pending)


async def test_due_rows_are_claimed_and_delivered_later_ones_wait(store, outbox, scheduler, script, clock):
    await enqueue(store, outbox, {"id": "a"})
    await enqueue(store, outbox, {"id": "b"})
    later = await enqueue(store, outbox, {"id": "c"}, due_in=5_000)
    await scheduler.run_until_idle()
    assert sorted(p["id"] for _, p in script.attempts) == ["a", "b"]
    assert [(r["id"], r["due_at"], r["attempts"]) for r in await pending(store)] == [(later, T0 + 5_000, 0)]
    entries = await log(store)
    assert [(e["message_id"], e["attempt"], e["status"], e["at"]) for e in entries] == \
        [("a", 1, "delivered", T0), ("b", 1, "delivered", T0)]
    clock.advance(5_000)
    await scheduler.run_until_idle()
    assert script.times == [T0, T0, T0 + 5_000]
    assert await pending(store) == []


async def test_failures_follow_the_retry_policy_exactly_then_dead_letter(store, outbox, scheduler, script, clock):
    script.outcomes = [Outcome(False, f"HTTP 500 #{i}") for i in range(1, 10)]
    script.delays = [1_000, 2_000, 4_000]  # after attempts 1, 2, 3; None after the 4th: exhausted
    row = await enqueue(store, outbox, {"id": "m", "body": "x"})
    await scheduler.run_until_idle()
    for step in (999, 1, 1_999, 1, 3_999, 1):
        clock.advance(step)
        await scheduler.run_until_idle()
    assert script.times == [T0, T0 + 1_000, T0 + 3_000, T0 + 7_000]
    assert [a for a, _ in script.delay_calls] == [1, 2, 3, 4]
    assert {created for _, created in script.delay_calls} == {T0}  # the policy sees the row's age
    assert script.dead == [({"id": "m", "body": "x"}, "HTTP 500 #4")]
    entries = await log(store)
    assert [(e["attempt"], e["status"], e["error"], e["at"]) for e in entries] == [
        (1, "retrying", "HTTP 500 #1", T0), (2, "retrying", "HTTP 500 #2", T0 + 1_000),
        (3, "retrying", "HTTP 500 #3", T0 + 3_000), (4, "dead-lettered", "HTTP 500 #4", T0 + 7_000)]
    assert {e["outbox_id"] for e in entries} == {row}
    assert await pending(store) == []
    clock.advance(3_600_000)
    await scheduler.run_until_idle()
    assert len(script.attempts) == 4  # nothing left to retry


async def test_success_after_a_retry_stops_retrying(store, outbox, scheduler, script, clock):
    script.outcomes = [Outcome(False, "timeout")]
    script.delays = [20_000, 20_000, 20_000]
    await enqueue(store, outbox, {"id": "m"})
    await scheduler.run_until_idle()
    clock.advance(20_000)
    await scheduler.run_until_idle()
    assert [(e["attempt"], e["status"]) for e in await log(store)] == [(1, "retrying"), (2, "delivered")]
    assert script.dead == [] and await pending(store) == []


async def test_non_retryable_failure_goes_straight_to_dead_letter(store, outbox, scheduler, script):
    script.outcomes = [Outcome(False, "HTTP 403", retryable=False)]
    script.delays = [1_000] * 5
    await enqueue(store, outbox, {"id": "m"})
    await scheduler.run_until_idle()
    assert script.delay_calls == []  # the policy is not even asked
    assert script.dead == [({"id": "m"}, "HTTP 403")]
    assert [(e["attempt"], e["status"]) for e in await log(store)] == [(1, "dead-lettered")]


async def test_dead_letter_callback_names_the_final_status(store, outbox, scheduler, script):
    script.outcomes = [Outcome(False, "gone", retryable=False)]
    script.dead_status = "dropped"  # e.g. a subscription without a RedrivePolicy
    await enqueue(store, outbox, {"id": "m"})
    await scheduler.run_until_idle()
    assert [e["status"] for e in await log(store)] == ["dropped"]


async def test_a_raising_delivery_is_a_failed_attempt_not_a_lost_one(store, outbox, scheduler, clock):
    calls = []

    async def explode(payload):
        calls.append(clock.now_ms())
        if len(calls) == 1:
            raise RuntimeError("boom")
        return Outcome(True)

    script = Script(clock, delays=[500])
    kind = script.kind("test.raises")
    kind.deliver = explode
    outbox.register(kind)
    await enqueue(store, outbox, {"id": "m"}, kind="test.raises")
    await scheduler.run_until_idle()
    clock.advance(500)
    await scheduler.run_until_idle()
    assert calls == [T0, T0 + 500]
    entries = await log(store)
    assert [(e["status"], e["error"]) for e in entries] == [("retrying", "RuntimeError: boom"), ("delivered", None)]


async def test_crash_mid_delivery_is_retried_after_the_lease(store, outbox, scheduler, script, clock):
    row = await enqueue(store, outbox, {"id": "m"})
    claimed = await store.transaction(repo.claim_due, 10, LEASE_MS)  # a runner that then died
    assert [(r["id"], r["attempts"]) for r in claimed] == [(row, 1)]
    await scheduler.run_until_idle()
    assert script.attempts == []  # leased: nobody else takes it
    clock.advance(LEASE_MS - 1)
    await scheduler.run_until_idle()
    assert script.attempts == []
    clock.advance(1)
    await scheduler.run_until_idle()
    assert script.times == [T0 + LEASE_MS]
    assert [(e["attempt"], e["status"]) for e in await log(store)] == [(2, "delivered")]


async def test_unknown_kind_is_left_for_its_lease(store, outbox, scheduler, script):
    row = await enqueue(store, outbox, {"id": "m"}, kind="test.unregistered")
    await scheduler.run_until_idle()
    assert await log(store) == []
    assert [(r["id"], r["due_at"], r["attempts"]) for r in await pending(store)] == [(row, T0 + LEASE_MS, 1)]


async def test_every_attempt_of_several_targets_is_logged(store, outbox, scheduler, script, clock):
    script.outcomes = [Outcome(False, "e1"), Outcome(False, "e2")]
    script.delays = [100, 100]
    await enqueue(store, outbox, {"id": "1"}, target="arn:one")
    await enqueue(store, outbox, {"id": "2"}, target="arn:two")
    await scheduler.run_until_idle()
    clock.advance(100)
    await scheduler.run_until_idle()
    entries = await log(store)
    assert len(entries) == 4 and sum(e["status"] == "delivered" for e in entries) == 2
    assert [e["attempt"] for e in await log(store, target="arn:one")] == [1, 2]
    assert [e["attempt"] for e in await log(store, target="arn:two")] == [1, 2]
    assert await log(store, kind="other") == []


async def test_enqueue_wakes_the_running_scheduler_after_commit(store, outbox, scheduler, clock):
    delivered = asyncio.Event()

    async def deliver(payload):
        delivered.set()
        return Outcome(True)

    script = Script(clock)
    kind = script.kind("test.wake")
    kind.deliver = deliver
    outbox.register(kind)
    await scheduler.start()
    await asyncio.sleep(0.05)  # the task is asleep: nothing is due and the fake clock does not move
    await enqueue(store, outbox, {"id": "m"}, kind="test.wake")
    await asyncio.wait_for(delivered.wait(), 5)  # woken by the commit, not by a timer
    assert clock.now_ms() == T0


async def test_rows_and_leases_survive_closing_and_reopening_a_file_store(tmp_path):
    path = str(tmp_path / "sluice.db")
    clock = FakeClock(T0, real_cap=False)

    async def open_runner():
        store = Store(path, clock.now_ms)
        await store.open()
        scheduler = Scheduler(clock)
        runner = OutboxRunner(store, scheduler, lease_ms=LEASE_MS)
        scheduler.add_source(runner)
        script = Script(clock, delays=[1_000])
        runner.register(script.kind())
        return store, scheduler, runner, script

    store, scheduler, runner, script = await open_runner()
    waiting = await enqueue(store, runner, {"id": "later"}, due_in=10_000)
    crashed = await enqueue(store, runner, {"id": "crashed"})
    await store.transaction(repo.claim_due, 10, LEASE_MS)  # claimed, never settled: the process dies
    await store.close()

    store, scheduler, runner, script = await open_runner()
    try:
        rows = {r["id"]: (r["due_at"], r["attempts"]) for r in await pending(store)}
        assert rows == {waiting: (T0 + 10_000, 0), crashed: (T0 + LEASE_MS, 1)}
        assert await runner.next_due() == T0 + 10_000
        clock.advance(10_000)
        await scheduler.run_until_idle()
        clock.advance(LEASE_MS - 10_000)
        await scheduler.run_until_idle()
        assert script.attempts == [(T0 + 10_000, {"id": "later"}), (T0 + LEASE_MS, {"id": "crashed"})]
        assert [(e["message_id"], e["attempt"]) for e in await log(store)] == [("later", 1), ("crashed", 2)]
        assert await pending(store) == []
    finally:
        await scheduler.stop()
        await store.close()


class Held:
    """A delivery kind whose attempts wait until the test releases them (a receiver holding the request)."""

    def __init__(self, clock):
        self.script = Script(clock)
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def deliver(self, payload):
        self.script.attempts.append((self.script.clock.now_ms(), payload))
        self.started.set()
        await self.release.wait()
        return Outcome(True)

    def kind(self, name="test.held"):
        kind = self.script.kind(name)
        kind.deliver = self.deliver
        return kind


async def test_an_attempt_in_flight_is_not_claimed_again_when_the_clock_passes_its_lease(store, outbox, scheduler,
                                                                                        clock):
    held = Held(clock)
    outbox.register(held.kind())
    row = await enqueue(store, outbox, {"id": "m"}, kind="test.held")
    await scheduler.run_due_once()
    await asyncio.wait_for(held.started.wait(), 5)
    clock.advance(LEASE_MS + 1)                      # a test moves the fake clock while the POST is held
    assert await outbox.next_due() is None           # nothing due: the only row is in flight here
    await scheduler.run_due_once()
    await asyncio.sleep(0.05)
    assert len(held.script.attempts) == 1
    held.release.set()
    await scheduler.run_until_idle()
    assert len(held.script.attempts) == 1
    assert [(e["outbox_id"], e["attempt"], e["status"]) for e in await log(store)] == [(row, 1, "delivered")]
    assert await pending(store) == []


async def test_a_stale_attempt_neither_settles_nor_logs(store, outbox, scheduler, clock):
    held = Held(clock)
    outbox.register(held.kind())
    row = await enqueue(store, outbox, {"id": "m"}, kind="test.held")
    await scheduler.run_due_once()
    await asyncio.wait_for(held.started.wait(), 5)
    clock.advance(LEASE_MS)
    # Another claimer (a process that took over after the lease) claims the row: attempt 2 is now its own.
    assert [r["attempts"] for r in await store.transaction(repo.claim_due, 10, LEASE_MS)] == [2]
    held.release.set()
    await scheduler.run_until_idle()
    assert await log(store) == []                    # attempt 1 came back late: no settle, no log line
    assert [(r["id"], r["attempts"], r["due_at"]) for r in await pending(store)] == [(row, 2, T0 + 2 * LEASE_MS)]


async def test_a_settle_that_raises_gives_the_row_up_instead_of_retrying_it_every_lease(store, outbox, scheduler,
                                                                                      script, clock):
    def broken(payload, attempt, created_at):
        raise TypeError("'float' object cannot be interpreted as an integer")

    script.outcomes = [Outcome(False, "HTTP 500")] * 5
    outbox.kinds["test.kind"].next_delay = broken
    await enqueue(store, outbox, {"id": "m"})
    await scheduler.run_until_idle()
    for _ in range(3):
        clock.advance(LEASE_MS)
        await scheduler.run_until_idle()
    assert len(script.attempts) == 1
    assert await pending(store) == []
    [entry] = await log(store)
    assert entry["status"] == "dead-lettered" and entry["attempt"] == 1
    assert entry["error"].startswith("HTTP 500; settling failed: TypeError: 'float' object")
    assert [error for _, error in script.dead] == [entry["error"]]


async def test_a_dead_letter_that_raises_drops_the_row(store, outbox, scheduler, script, clock):
    def broken(uow, payload, error, **_):
        raise RuntimeError("DLQ handler bug")

    script.outcomes = [Outcome(False, "HTTP 404", retryable=False)]
    outbox.kinds["test.kind"].dead_letter = broken
    await enqueue(store, outbox, {"id": "m"})
    await scheduler.run_until_idle()
    clock.advance(LEASE_MS)
    await scheduler.run_until_idle()
    assert len(script.attempts) == 1 and await pending(store) == []
    [entry] = await log(store)
    assert entry["status"] == "dropped" and entry["error"] == "HTTP 404; settling failed: RuntimeError: DLQ handler bug"
