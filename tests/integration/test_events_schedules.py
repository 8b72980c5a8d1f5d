"""EventBridge scheduled rules under the fake clock: rate and cron expressions, the event a schedule sends, disabled
rules, and a schedule that survives a restart (and a kill -9) without losing or repeating a firing.

Sources: EventBridge User Guide, "Creating a rule that runs on a schedule" / "Setting a schedule pattern for
scheduled rules" (rate and cron expressions, UTC; "If the value is equal to 1, then the unit must be singular");
"Amazon EventBridge events" and the recorded scheduled event (localstack's
tests/aws/services/events/test_events_schedule.snapshot.json: source "aws.events", detail-type "Scheduled Event",
resources [the rule ARN], detail {}); API Reference, PutRule and Target (Input replaces the event).
"""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import make_client
from tests.integration.events_helpers import (
    ACCOUNT,
    clock_ms,
    drain,
    events_in,
    make_queue,
    parse_time,
    rule_arn,
)
from tests.server import ProcessServer

MINUTE = 60_000


def _scheduled(client, name="tick", expression="rate(1 minute)", **rule):
    events, sqs = client("events"), client("sqs")
    url, queue = make_queue(sqs, f"{name}-q")
    events.put_rule(Name=name, ScheduleExpression=expression, **rule)
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": queue}])
    return events, sqs, url


def test_rate_one_minute_fires_sixty_times_an_hour(client, admin, advance):
    """rate(1 minute): advancing one hour sends 60 events, in order, one minute apart; each is the scheduled event
    AWS sends (recorded): version 0, source aws.events, detail-type "Scheduled Event", the rule ARN as its only
    resource, an empty detail; its time is the minute it was scheduled for."""
    start = clock_ms(admin)
    _, sqs, url = _scheduled(client)
    advance(3600)
    fired = events_in(sqs, url)
    assert len(fired) == 60
    times = [parse_time(e["time"]) for e in fired]
    assert times == sorted(times), "received out of order"
    assert all(b - a == MINUTE for a, b in zip(times, times[1:], strict=False)), [e["time"] for e in fired]
    assert start - 1000 < times[0] - MINUTE <= start            # the first one a minute after the rule was made
    assert len({e["id"] for e in fired}) == 60
    for event in fired:
        assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                               "detail"]
        assert (event["version"], event["source"], event["detail-type"]) == ("0", "aws.events", "Scheduled Event")
        assert (event["account"], event["region"]) == (ACCOUNT, "us-east-1")
        assert event["resources"] == [rule_arn("tick")] and event["detail"] == {}
    advance(59.999)
    assert drain(sqs, url) == []
    advance(ms=1)
    [next_one] = events_in(sqs, url)
    assert parse_time(next_one["time"]) == times[-1] + MINUTE


def test_cron_at_noon_fires_at_noon_utc(client, admin, advance):
    """cron(0 12 * * ? *): "Run at 12:00 pm (UTC) every day" (User Guide example); nothing before noon, one event at
    noon, the next one a day later."""
    _, sqs, url = _scheduled(client, "noon", "cron(0 12 * * ? *)")
    now = clock_ms(admin)
    today = datetime.fromtimestamp(now / 1000, UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    noon = today if today.timestamp() * 1000 > now else today + timedelta(days=1)
    noon_ms = int(noon.timestamp() * 1000)
    advance(ms=noon_ms - now - 1)
    assert drain(sqs, url) == []
    advance(ms=1)
    [event] = events_in(sqs, url)
    assert event["time"] == noon.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (event["source"], event["detail-type"], event["resources"]) == ("aws.events", "Scheduled Event",
                                                                          [rule_arn("noon")])
    advance(ms=86_400_000 - 1)
    assert drain(sqs, url) == []
    advance(ms=1)
    [tomorrow] = events_in(sqs, url)
    assert tomorrow["time"] == (noon + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_cron_every_fifteen_minutes_on_weekdays(client, admin, advance):
    """cron(0/15 * ? * MON-FRI *) (recorded as valid; UG: "0/15" in minutes is every 15 minutes from 0): four
    firings an hour on a weekday, none on a weekend."""
    now = clock_ms(admin)
    day = datetime.fromtimestamp(now / 1000, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = day + timedelta(days=7 - day.weekday())                     # the next Monday, 00:00 UTC
    advance(ms=int(monday.timestamp() * 1000) - now - 1)
    events, sqs, url = _scheduled(client, "quarter", "cron(0/15 * ? * MON-FRI *)")
    advance(ms=1 + 3_600_000)                                            # Monday 00:00 to 01:00 inclusive
    times = sorted(e["time"] for e in events_in(sqs, url))
    stamp = monday.strftime("%Y-%m-%d")
    assert times == [f"{stamp}T00:00:00Z", f"{stamp}T00:15:00Z", f"{stamp}T00:30:00Z", f"{stamp}T00:45:00Z",
                     f"{stamp}T01:00:00Z"]
    events.disable_rule(Name="quarter")
    saturday = monday + timedelta(days=5)
    advance(ms=int(saturday.timestamp() * 1000) - clock_ms(admin))
    events.enable_rule(Name="quarter")
    advance(ms=2 * 86_400_000 - 1)                                       # the whole weekend
    assert drain(sqs, url) == []
    advance(ms=1)                                                        # Monday 00:00 again
    assert [e["time"] for e in events_in(sqs, url)] == [(monday + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")]


def test_a_disabled_scheduled_rule_does_not_fire(client, advance):
    """API Reference, DisableRule / PutRule State DISABLED: a disabled scheduled rule is not triggered; once enabled
    it fires again."""
    events, sqs, url = _scheduled(client, State="DISABLED")
    advance(600)
    assert drain(sqs, url) == []
    events.enable_rule(Name="tick")
    advance(120)
    assert len(drain(sqs, url)) == 2
    events.disable_rule(Name="tick")
    advance(600)
    assert drain(sqs, url) == []


def test_a_deleted_scheduled_rule_stops(client, advance):
    events, sqs, url = _scheduled(client)
    advance(60)
    assert len(drain(sqs, url)) == 1
    events.remove_targets(Rule="tick", Ids=["q"])
    events.delete_rule(Name="tick")
    advance(600)
    assert drain(sqs, url) == []


def test_a_scheduled_rule_with_constant_input(client, advance):
    """Recorded (tests_schedule_rate_custom_input_target_sqs): the target's Input replaces the scheduled event."""
    events, sqs = client("events"), client("sqs")
    url, queue = make_queue(sqs, "q")
    events.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue,
                                              "Input": json.dumps({"custom-value": "somecustominput"})}])
    advance(300)
    assert events_in(sqs, url) == [{"custom-value": "somecustominput"}]


def test_changing_the_schedule_takes_effect(client, advance):
    """API Reference, PutRule: an existing rule is replaced with what PutRule specifies."""
    events, sqs, url = _scheduled(client)
    advance(120)
    assert len(drain(sqs, url)) == 2
    events.put_rule(Name="tick", ScheduleExpression="rate(10 minutes)")
    advance(1200)
    assert len(drain(sqs, url)) == 2


# --- durability -------------------------------------------------------------------------------------------------

def _advance(server, ms):
    httpx.post(f"{server.url}/_sluice/clock/advance", json={"ms": ms}, timeout=120).raise_for_status()


def _now(server):
    return httpx.get(f"{server.url}/_sluice/clock", timeout=10).json()["now_ms"]


@pytest.mark.parametrize("signal", [9, 15])
def test_a_schedule_survives_a_restart_without_lost_or_repeated_firings(tmp_path, signal):
    """The schedule is data in the database: after a stop (SIGTERM) or a kill -9 the restarted Sluice goes on from the
    next firing. A restarted fake clock starts again from the wall clock, behind the first run's fake time, so
    nothing fires until the clock passes the last firing; then every minute fires exactly once."""
    args = ("--data-dir", str(tmp_path), "--clock", "fake")
    first = ProcessServer(*args).start()
    try:
        events, sqs = make_client(first.url, "events"), make_client(first.url, "sqs")
        url, queue = make_queue(sqs, "ticks")
        start = _now(first)
        events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue}])
        _advance(first, 10 * MINUTE)
        before = [parse_time(e["time"]) for e in events_in(sqs, url)]
        assert len(before) == 10
    finally:
        first.kill(signal)

    second = ProcessServer(*args).start()
    try:
        events, sqs = make_client(second.url, "events"), make_client(second.url, "sqs")
        assert events.describe_rule(Name="tick")["ScheduleExpression"] == "rate(1 minute)"
        now = _now(second)
        assert now < before[-1], "the restarted fake clock should start behind the last firing"
        _advance(second, before[-1] + 999 - now)        # at the last firing (its time is whole seconds): not again
        assert drain(sqs, url) == []
        _advance(second, 10 * MINUTE + 1)
        after = [parse_time(e["time"]) for e in events_in(sqs, url)]
        times = before + sorted(after)
        assert len(after) == 10 and len(set(times)) == 20
        assert all(b - a == MINUTE for a, b in zip(times, times[1:], strict=False)), times
        assert start - 1000 < times[0] - MINUTE <= start
    finally:
        second.stop()
