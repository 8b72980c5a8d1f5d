"""EventBridge replays: StartReplay / DescribeReplay / CancelReplay / ListReplays, what a replay re-delivers (the
window by the events' time, FilterArns, the replay-name mark, no second archiving), cancelling in the middle of
a replay, and a replay that survives a kill -9 in its middle without losing or repeating an event.

Sources: EventBridge API Reference (StartReplay, DescribeReplay, CancelReplay, ListReplays; ReplayArn
arn:aws:events:<region>:<account>:replay/<name>; IllegalStatusException: "a replay can be canceled only when the
state is Running or Starting"); User Guide, "Replaying archived Amazon EventBridge events" (replayed by the time
in the event, one minute at a time; only to the bus that emitted the events); AWS's answers as recorded by
localstack's AWS-validated snapshots (tests/aws/services/events/test_archive_and_replay.snapshot.json): StartReplay
answers STARTING, CancelReplay CANCELLING, the replayed event carries "replay-name" right after "region", and the
error messages asserted below.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from tests.conftest import make_client
from tests.integration.events_helpers import (
    ACCOUNT,
    REGION,
    bus_arn,
    clock_ms,
    drain,
    entry,
    error_of,
    events_in,
    iso,
    make_queue,
    rule_to_queue,
)
from tests.server import ProcessServer

MINUTE = 60_000
ORDERS = {"source": ["com.example.orders"]}


def _replay_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:replay/{name}"


def _archive_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:archive/{name}"


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _put_minutes(events, start_ms: int, minutes: int, per_minute: int = 1, bus: str | None = None) -> list[str]:
    """Events whose time is ``start_ms`` + 0, 1, ... ``minutes`` - 1 minutes (``per_minute`` in each); their ids."""
    ids = []
    for m in range(minutes):
        extra = {"EventBusName": bus} if bus else {}
        answer = events.put_events(Entries=[
            entry(detail={"minute": m, "n": n}, Time=_at(start_ms + m * MINUTE), **extra) for n in range(per_minute)])
        assert answer["FailedEntryCount"] == 0
        ids += [e["EventId"] for e in answer["Entries"]]
    return ids


def _setup(client, admin, *, minutes: int = 3, per_minute: int = 1):
    """An archive of the default bus, a rule to a queue, and events in ``minutes`` minutes an hour ago, delivered
    once already (drained). (events, sqs, queue url, event ids, first event time)."""
    events, sqs = client("events"), client("sqs")
    events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn("default"))
    _, url, _ = rule_to_queue(events, sqs, "orders", ORDERS)
    start = (clock_ms(admin) // MINUTE - 60) * MINUTE
    ids = _put_minutes(events, start, minutes, per_minute)
    assert len(drain(sqs, url)) == minutes * per_minute
    return events, sqs, url, ids, start


def _start(events, name: str, start: int, end: int, **destination):
    return events.start_replay(ReplayName=name, EventSourceArn=_archive_arn("orders"), EventStartTime=_at(start),
                               EventEndTime=_at(end), Destination={"Arn": bus_arn("default"), **destination},
                               Description="again")


def test_a_replay_redelivers_the_window_marked_with_its_name(client, admin, advance):
    events, sqs, url, ids, start = _setup(client, admin, minutes=4)
    started = _start(events, "again", start, start + 3 * MINUTE)      # the fourth minute is outside the window
    assert (started["ReplayArn"], started["State"]) == (_replay_arn("again"), "STARTING")
    assert isinstance(started["ReplayStartTime"], datetime)
    for _ in range(4):
        advance(1)
    replayed = events_in(sqs, url)
    assert [e["id"] for e in replayed] == ids[:3]
    for minute, event in enumerate(replayed):
        assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "replay-name",
                               "resources", "detail"]
        assert event["replay-name"] == "again"
        assert event["time"] == iso(start + minute * MINUTE)
        assert event["detail"] == {"minute": minute, "n": 0}

    described = events.describe_replay(ReplayName="again")
    described.pop("ResponseMetadata")
    assert described["State"] == "COMPLETED"
    assert described["EventLastReplayedTime"] == _at(start + 2 * MINUTE)
    assert described["ReplayEndTime"] >= described["ReplayStartTime"]
    assert {k: described[k] for k in ("ReplayName", "ReplayArn", "Description", "EventSourceArn", "Destination",
                                      "EventStartTime", "EventEndTime")} == {
        "ReplayName": "again", "ReplayArn": _replay_arn("again"), "Description": "again",
        "EventSourceArn": _archive_arn("orders"), "Destination": {"Arn": bus_arn("default")},
        "EventStartTime": _at(start), "EventEndTime": _at(start + 3 * MINUTE)}
    # Replayed events are not archived again.
    assert events.describe_archive(ArchiveName="orders")["EventCount"] == 4
    [listed] = events.list_replays()["Replays"]
    assert listed["ReplayName"] == "again" and listed["State"] == "COMPLETED" and "Destination" not in listed
    assert events.list_replays(State="RUNNING")["Replays"] == []
    assert [r["ReplayName"] for r in events.list_replays(EventSourceArn=_archive_arn("orders"))["Replays"]] \
        == ["again"]


def test_a_replay_goes_one_minute_of_events_at_a_time(client, admin, advance):
    """STARTING -> RUNNING -> COMPLETED; EventLastReplayedTime follows the minutes replayed."""
    events, sqs, url, ids, start = _setup(client, admin, minutes=3, per_minute=2)
    _start(events, "stepwise", start, start + 10 * MINUTE)
    advance(0)
    assert [e["id"] for e in events_in(sqs, url)] == ids[:2]
    described = events.describe_replay(ReplayName="stepwise")
    assert (described["State"], described["EventLastReplayedTime"]) == ("RUNNING", _at(start))
    advance(1)
    assert [e["id"] for e in events_in(sqs, url)] == ids[2:4]
    advance(1)
    assert [e["id"] for e in events_in(sqs, url)] == ids[4:]
    assert events.describe_replay(ReplayName="stepwise")["State"] == "COMPLETED"


def test_filter_arns_replay_to_those_rules_only(client, admin, advance):
    events, sqs, url, ids, start = _setup(client, admin, minutes=2)
    other_rule, other_url, _ = rule_to_queue(events, sqs, "audit", ORDERS)
    live_only, live_url, _ = rule_to_queue(events, sqs, "live-only",
                                           {**ORDERS, "replay-name": [{"exists": False}]})
    _start(events, "audit-only", start, start + 10 * MINUTE, FilterArns=[other_rule, live_only])
    for _ in range(3):
        advance(1)
    assert events.describe_replay(ReplayName="audit-only")["State"] == "COMPLETED"
    assert [e["id"] for e in events_in(sqs, other_url)] == ids
    assert drain(sqs, url) == []                      # the rule not in FilterArns gets nothing
    assert drain(sqs, live_url) == []                 # a pattern can leave replayed events out
    assert events.describe_replay(ReplayName="audit-only")["Destination"]["FilterArns"] == [other_rule, live_only]


def test_cancel_in_the_middle_of_a_replay(client, admin, advance):
    events, sqs, url, ids, start = _setup(client, admin, minutes=3)
    _start(events, "halt", start, start + 10 * MINUTE)
    advance(0)
    assert [e["id"] for e in events_in(sqs, url)] == ids[:1]
    cancelled = events.cancel_replay(ReplayName="halt")
    assert (cancelled["ReplayArn"], cancelled["State"]) == (_replay_arn("halt"), "CANCELLING")
    advance(0)
    described = events.describe_replay(ReplayName="halt")
    assert described["State"] == "CANCELLED" and "ReplayEndTime" in described
    for _ in range(3):
        advance(1)
    assert drain(sqs, url) == []
    code, message, status = error_of(events.cancel_replay, ReplayName="halt")
    assert (code, status) == ("IllegalStatusException", 400) and "halt" in message


def test_errors(client, admin, advance):
    events, sqs, url, ids, start = _setup(client, admin, minutes=1)
    events.create_event_bus(Name="other")
    _start(events, "done", start, start + MINUTE)
    advance(0)
    assert events.describe_replay(ReplayName="done")["State"] == "COMPLETED"
    assert error_of(_start, events, "done", start, start + MINUTE)[:2] == (
        "ResourceAlreadyExistsException", "Replay done already exists.")
    assert error_of(_start, events, "bad-window", start, start)[:2] == (
        "ValidationException", "Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
        "EventEndTime.")
    assert error_of(events.start_replay, ReplayName="no-archive", EventSourceArn=_archive_arn("missing"),
                    EventStartTime=_at(start), EventEndTime=_at(start + MINUTE),
                    Destination={"Arn": bus_arn("default")})[:2] == (
        "ValidationException", "Parameter EventSourceArn is not valid. Reason: Archive missing does not exist.")
    assert error_of(_start, events, "no-bus", start, start + MINUTE, Arn=bus_arn("missing"))[:2] == (
        "ResourceNotFoundException", "Event bus missing does not exist.")
    assert error_of(_start, events, "cross", start, start + MINUTE, Arn=bus_arn("other"))[:2] == (
        "ValidationException", "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
        "permitted.")
    assert error_of(events.describe_replay, ReplayName="missing")[:2] == (
        "ResourceNotFoundException", "Replay missing does not exist.")
    assert error_of(events.cancel_replay, ReplayName="done")[0] == "IllegalStatusException"
    assert [r["ReplayName"] for r in events.list_replays()["Replays"]] == ["done"]


def test_list_replays_pages_and_filters_by_prefix(client, admin, advance):
    events, sqs, url, ids, start = _setup(client, admin, minutes=1)
    for i in range(3):
        _start(events, f"r-{i}", start, start + MINUTE)
    advance(0)
    first = events.list_replays(Limit=2)
    second = events.list_replays(Limit=2, NextToken=first["NextToken"])
    assert [r["ReplayName"] for r in first["Replays"] + second["Replays"]] == ["r-0", "r-1", "r-2"]
    assert [r["ReplayName"] for r in events.list_replays(NamePrefix="r-2")["Replays"]] == ["r-2"]
    assert {r["State"] for r in events.list_replays()["Replays"]} == {"COMPLETED"}


def _advance(server, ms: int) -> None:
    httpx.post(f"{server.url}/_sluice/clock/advance", json={"ms": ms}, timeout=120).raise_for_status()


def _now(server) -> int:
    return httpx.get(f"{server.url}/_sluice/clock", timeout=10).json()["now_ms"]


def test_a_replay_survives_a_kill_in_its_middle(tmp_path):
    """The replay's progress is data: killed (-9) after its first minute, the restarted Sluice replays the other
    minutes, each event exactly once, and completes."""
    args = ("--data-dir", str(tmp_path), "--clock", "fake")
    first = ProcessServer(*args).start()
    try:
        events, sqs = make_client(first.url, "events"), make_client(first.url, "sqs")
        url, queue = make_queue(sqs, "replayed")
        events.create_archive(ArchiveName="orders", EventSourceArn=bus_arn("default"))
        events.put_rule(Name="orders", EventPattern=json.dumps(ORDERS))
        events.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": queue}])
        start = (_now(first) // MINUTE - 60) * MINUTE
        ids = _put_minutes(events, start, 4)
        assert len(drain(sqs, url)) == 4
        _start(events, "durable", start, start + 10 * MINUTE)
        _advance(first, 0)
        before = [e["id"] for e in events_in(sqs, url)]
        assert before == ids[:1]
        stopped_at = _now(first)
    finally:
        first.kill(9)

    second = ProcessServer(*args).start()
    try:
        events, sqs = make_client(second.url, "events"), make_client(second.url, "sqs")
        assert events.describe_replay(ReplayName="durable")["State"] == "RUNNING"
        _advance(second, max(0, stopped_at - _now(second)))
        for _ in range(4):
            _advance(second, 1000)
        after = [e["id"] for e in events_in(sqs, url)]
        assert before + after == ids
        assert events.describe_replay(ReplayName="durable")["State"] == "COMPLETED"
    finally:
        second.stop()
