"""EventBridge at the emulator level, on a FakeClock: scheduled rules (firing order, catch-up after a restart,
a real clock's backlog), retries with their exact schedule and dead letters, and the bus cache's discipline."""

from __future__ import annotations

import json

import pytest

from emulator.caller import Caller
from emulator.clock import FakeClock
from emulator.core import Emulator
from emulator.delivery.retry import events_delay_ms
from emulator.settings import Settings

T0 = 1_700_000_040_000  # a whole minute: cron firings fall on whole minutes
ME = Caller("000000000000", "us-east-1", "http://localhost")


async def started(path: str = ":memory:", now: int = T0) -> Emulator:
    settings = Settings(in_memory=path == ":memory:", data_dir=path if path != ":memory:" else "/tmp",
                        clock="fake", log_level="warning")
    emu = Emulator(settings, clock=FakeClock(now))
    await emu.start()
    return emu


@pytest.fixture
async def emu():
    e = await started()
    yield e
    await e.stop()


async def queue(emu: Emulator, name: str, **attributes: str) -> tuple[str, str]:
    url = (await emu.sqs.create_queue(ME, queue_name=name, attributes=attributes))["QueueUrl"]
    return url, f"arn:aws:sqs:us-east-1:000000000000:{name}"


async def bodies(emu: Emulator, url: str) -> list[dict]:
    return [json.loads(m["Body"]) for m in await emu.sqs.peek(ME, queue_url=url)]


async def scheduled_rule(emu: Emulator, expression: str, target_arn: str, name: str = "tick") -> str:
    arn = await emu.events.put_rule(ME, name, schedule_expression=expression)
    await emu.events.put_targets(ME, name, None, [{"Id": "q", "Arn": target_arn}])
    return arn


def iso(ms: int) -> str:
    from emulator.events.common import iso_time
    return iso_time(ms)


# --- scheduled rules ------------------------------------------------------------------------------------

async def test_rate_rule_fires_every_period_in_order_under_the_fake_clock(emu):
    url, arn = await queue(emu, "ticks")
    rule = await scheduled_rule(emu, "rate(1 minute)", arn)
    await emu.advance_clock(59_999)
    assert await bodies(emu, url) == []
    await emu.advance_clock(3_600_000 - 59_999)
    events = await bodies(emu, url)
    assert [e["time"] for e in events] == [iso(T0 + k * 60_000) for k in range(1, 61)]
    first = events[0]
    assert list(first) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                           "detail"]
    assert (first["source"], first["detail-type"], first["resources"], first["detail"]) == \
        ("aws.events", "Scheduled Event", [rule], {})
    assert len({e["id"] for e in events}) == 60


async def test_cron_rule_fires_on_its_minutes(emu):
    url, arn = await queue(emu, "quarters")
    await scheduled_rule(emu, "cron(0/15 * * * ? *)", arn)
    await emu.advance_clock(3_600_000)
    times = [e["time"] for e in await bodies(emu, url)]
    assert len(times) == 4 and all(t[14:16] in ("00", "15", "30", "45") and t.endswith(":00Z") for t in times)


async def test_disabled_rule_does_not_fire_and_enabling_starts_again_from_now(emu):
    url, arn = await queue(emu, "ticks")
    await scheduled_rule(emu, "rate(5 minutes)", arn)
    await emu.events.disable_rule(ME, "tick", None)
    await emu.advance_clock(3_600_000)
    assert await bodies(emu, url) == []
    enabled_at = T0 + 3_600_000
    await emu.events.enable_rule(ME, "tick", None)
    await emu.advance_clock(600_000)
    assert [e["time"] for e in await bodies(emu, url)] == [iso(enabled_at + 300_000), iso(enabled_at + 600_000)]


async def test_changing_the_schedule_restarts_it_and_deleting_the_rule_stops_it(emu):
    url, arn = await queue(emu, "ticks")
    await scheduled_rule(emu, "rate(10 minutes)", arn)
    await emu.advance_clock(120_000)
    await emu.events.put_rule(ME, "tick", schedule_expression="rate(1 minute)")  # anchored now
    await emu.advance_clock(60_000)
    assert [e["time"] for e in await bodies(emu, url)] == [iso(T0 + 180_000)]
    await emu.events.remove_targets(ME, "tick", None, ["q"], False)
    await emu.events.delete_rule(ME, "tick", None, False)
    await emu.advance_clock(600_000)
    assert len(await bodies(emu, url)) == 1


async def test_a_real_clock_backlog_of_several_periods_fires_once(emu):
    url, arn = await queue(emu, "ticks")
    await scheduled_rule(emu, "rate(1 minute)", arn)
    emu.clock.advance(10 * 60_000 + 5_000)  # as a suspended laptop's clock jumps: nothing ran meanwhile
    fired = await emu.store.transaction(emu.events.schedules.fire_due, collapse=True)
    assert fired == 1
    assert [e["time"] for e in await bodies(emu, url)] == [iso(T0 + 605_000)]
    await emu.advance_clock(55_000)  # goes on from then, on its own anchor
    assert [e["time"] for e in await bodies(emu, url)][1:] == [iso(T0 + 660_000)]


async def test_restart_neither_loses_nor_repeats_firings_and_a_long_outage_fires_once(tmp_path):
    path = str(tmp_path)
    emu = await started(path)
    url, arn = await queue(emu, "ticks")
    await scheduled_rule(emu, "rate(1 minute)", arn)
    await emu.advance_clock(150_000)  # fires at +60 s and +120 s
    await emu.stop()

    emu = await started(path, now=T0 + 150_000)  # back at once: nothing missed
    try:
        assert [e["time"] for e in await bodies(emu, url)] == [iso(T0 + 60_000), iso(T0 + 120_000)]
        await emu.advance_clock(30_000)
        assert [e["time"] for e in await bodies(emu, url)][2:] == [iso(T0 + 180_000)]
    finally:
        await emu.stop()

    down_until = T0 + 180_000 + 20 * 60_000 + 7_000  # twenty minutes down
    emu = await started(path, now=down_until)
    try:
        times = [e["time"] for e in await bodies(emu, url)][3:]
        assert times == [iso(down_until)]  # once, not twenty times
        await emu.advance_clock(60_000)
        assert [e["time"] for e in await bodies(emu, url)][4:] == [iso(T0 + 180_000 + 21 * 60_000)]
    finally:
        await emu.stop()


# --- retries and dead letters ---------------------------------------------------------------------------

async def test_retryable_failure_follows_the_exact_schedule_then_dead_letters(emu):
    small_url, small = await queue(emu, "small", MaximumMessageSize="1024")
    dlq_url, dlq = await queue(emu, "dlq")
    await emu.events.put_rule(ME, "big", event_pattern=json.dumps({"source": ["app"]}))
    await emu.events.put_targets(ME, "big", None, [{
        "Id": "small", "Arn": small, "RetryPolicy": {"MaximumRetryAttempts": 3},
        "DeadLetterConfig": {"Arn": dlq}}])
    out = await emu.events.put_events(ME, [{"Source": "app", "DetailType": "t", "Detail": json.dumps({"x": "y" * 2000})}])
    event_id = out["Entries"][0]["EventId"]
    delays = [events_delay_ms(event_id, n) for n in (1, 2, 3)]
    now = T0
    for delay in delays:
        await emu.advance_clock(delay - 1)
        assert await emu.sqs.peek(ME, queue_url=dlq_url) == []
        await emu.advance_clock(1)
        now += delay
    log = await emu.delivery.log(kind="events.sqs")
    assert [(r["attempt"], r["status"], r["at"]) for r in log] == [
        (1, "retrying", T0), (2, "retrying", T0 + delays[0]), (3, "retrying", T0 + delays[0] + delays[1]),
        (4, "dead-lettered", now)]
    assert all(r["message_id"] == event_id and r["source_arn"].endswith(":rule/big") for r in log)
    (dead,) = await emu.sqs.peek(ME, queue_url=dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    attrs = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attrs["RULE_ARN"] == "arn:aws:events:us-east-1:000000000000:rule/big"
    assert attrs["TARGET_ARN"] == small
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts" and attrs["RETRY_ATTEMPTS"] == "3"
    assert attrs["ERROR_CODE"] == "INVALID_PARAMETER" and "shorter than 1024 bytes" in attrs["ERROR_MESSAGE"]
    assert await emu.sqs.peek(ME, queue_url=small_url) == []


async def test_missing_queue_is_not_retried_and_goes_to_the_dead_letter_queue_at_once(emu):
    dlq_url, dlq = await queue(emu, "dlq")
    await emu.events.put_rule(ME, "r", event_pattern=json.dumps({"source": ["app"]}))
    await emu.events.put_targets(ME, "r", None, [{"Id": "gone", "Arn": "arn:aws:sqs:us-east-1:000000000000:gone",
                                                  "DeadLetterConfig": {"Arn": dlq}}])
    await emu.events.put_events(ME, [{"Source": "app", "DetailType": "t", "Detail": "{}"}])
    log = await emu.delivery.log(kind="events.sqs")
    assert [(r["attempt"], r["status"]) for r in log] == [(1, "dead-lettered")]
    (dead,) = await emu.sqs.peek(ME, queue_url=dlq_url)
    attrs = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attrs["ERROR_CODE"] == "NO_RESOURCE" and "EXHAUSTED_RETRY_CONDITION" not in attrs
    assert attrs["ERROR_MESSAGE"].startswith("QueueDoesNotExist")
    assert await emu.delivery.pending() == []


async def test_maximum_event_age_ends_the_retries(emu):
    _, small = await queue(emu, "small", MaximumMessageSize="1024")
    dlq_url, dlq = await queue(emu, "dlq")
    await emu.events.put_rule(ME, "r", event_pattern=json.dumps({"source": ["app"]}))
    await emu.events.put_targets(ME, "r", None, [{"Id": "t", "Arn": small, "DeadLetterConfig": {"Arn": dlq},
                                                  "RetryPolicy": {"MaximumEventAgeInSeconds": 60}}])
    out = await emu.events.put_events(ME, [{"Source": "app", "DetailType": "t", "Detail": json.dumps({"x": "y" * 2000})}])
    event_id = out["Entries"][0]["EventId"]
    elapsed, attempts = 0, 1
    while elapsed + events_delay_ms(event_id, attempts) <= 60_000:  # the schedule, computed as the policy does
        await emu.advance_clock(events_delay_ms(event_id, attempts))
        elapsed += events_delay_ms(event_id, attempts)
        attempts += 1
    await emu.advance_clock(120_000)
    log = await emu.delivery.log(kind="events.sqs")
    assert len(log) == attempts and log[-1]["status"] == "dead-lettered" and log[-1]["at"] == T0 + elapsed
    (dead,) = await emu.sqs.peek(ME, queue_url=dlq_url)
    assert dead["MessageAttributes"]["EXHAUSTED_RETRY_CONDITION"]["StringValue"] == "MaximumEventAgeInSeconds"


# --- the bus cache --------------------------------------------------------------------------------------

async def test_cache_entries_of_a_rolled_back_unit_are_dropped(emu):
    arn = "arn:aws:events:us-east-1:000000000000:event-bus/default"

    def load_then_fail(uow):
        emu.events.buses.get(uow, arn)
        raise RuntimeError("undone")

    with pytest.raises(RuntimeError):
        await emu.store.transaction(load_then_fail)
    assert arn not in emu.events.buses._buses

    await emu.store.transaction(lambda uow: emu.events.buses.get(uow, arn))
    assert arn in emu.events.buses._buses

    def change_then_fail(uow):
        emu.events.buses.changed(uow, arn)
        emu.events.buses.get(uow, arn)  # reloaded inside the unit that is then undone
        raise RuntimeError("undone")

    with pytest.raises(RuntimeError):
        await emu.store.transaction(change_then_fail)
    assert arn not in emu.events.buses._buses


async def test_rule_changes_reach_routing_at_once(emu):
    url, arn = await queue(emu, "q")
    await emu.events.put_rule(ME, "r", event_pattern=json.dumps({"source": ["a"]}))
    await emu.events.put_targets(ME, "r", None, [{"Id": "q", "Arn": arn}])
    entry = [{"Source": "a", "DetailType": "t", "Detail": "{}"}]
    await emu.events.put_events(ME, entry)
    await emu.events.put_rule(ME, "r", event_pattern=json.dumps({"source": ["b"]}))
    await emu.events.put_events(ME, entry)
    await emu.events.put_rule(ME, "r", event_pattern=json.dumps({"source": ["a"]}), state="DISABLED")
    await emu.events.put_events(ME, entry)
    await emu.events.enable_rule(ME, "r", None)
    await emu.events.put_events(ME, entry)
    await emu.events.remove_targets(ME, "r", None, ["q"], False)
    await emu.events.put_events(ME, entry)
    assert len(await bodies(emu, url)) == 2
