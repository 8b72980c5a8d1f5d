"""EventBridge archives: CreateArchive / DescribeArchive / UpdateArchive / DeleteArchive / ListArchives, what an
archive keeps (with and without an EventPattern, events forwarded from another bus) and retention.

Sources: EventBridge API Reference (CreateArchive, DescribeArchive, UpdateArchive, DeleteArchive, ListArchives:
ARN form arn:aws:events:<region>:<account>:archive/<name>, the errors each may raise); User Guide, "Archiving
EventBridge events" (RetentionDays, 0 = indefinitely); AWS's answers as recorded by localstack's AWS-validated
snapshots (tests/aws/services/events/test_archive_and_replay.snapshot.json): "Archive X already exists.",
"Archive X does not exist.", "Event bus X does not exist.", State ENABLED right after CreateArchive.
"""

from __future__ import annotations

import json
from datetime import datetime

from tests.integration.events_helpers import (
    ACCOUNT,
    REGION,
    bus_arn,
    entry,
    error_of,
    events_in,
    put_event,
    rule_arn,
    rule_to_queue,
)

DAY = 86_400
PATTERN = {"source": ["com.example.orders"], "detail": {"kind": ["big"]}}


def _archive_arn(name: str) -> str:
    return f"arn:aws:events:{REGION}:{ACCOUNT}:archive/{name}"


def _count(events, name: str) -> int:
    return events.describe_archive(ArchiveName=name)["EventCount"]


def test_create_describe_list_update_delete(client):
    events = client("events")
    events.create_event_bus(Name="orders")
    created = events.create_archive(ArchiveName="orders-archive", EventSourceArn=bus_arn("orders"),
                                    Description="all big orders", EventPattern=json.dumps(PATTERN), RetentionDays=7)
    assert created["ArchiveArn"] == _archive_arn("orders-archive")
    assert created["State"] == "ENABLED"
    assert isinstance(created["CreationTime"], datetime)

    described = events.describe_archive(ArchiveName="orders-archive")
    described.pop("ResponseMetadata")
    assert described == {
        "ArchiveArn": _archive_arn("orders-archive"), "ArchiveName": "orders-archive",
        "EventSourceArn": bus_arn("orders"), "Description": "all big orders", "EventPattern": json.dumps(PATTERN),
        "State": "ENABLED", "RetentionDays": 7, "SizeBytes": 0, "EventCount": 0,
        "CreationTime": created["CreationTime"]}

    events.create_archive(ArchiveName="default-archive", EventSourceArn=bus_arn("default"))
    listed = events.list_archives()["Archives"]
    assert [a["ArchiveName"] for a in listed] == ["default-archive", "orders-archive"]
    assert listed[1] == {"ArchiveName": "orders-archive", "EventSourceArn": bus_arn("orders"), "State": "ENABLED",
                         "RetentionDays": 7, "SizeBytes": 0, "EventCount": 0,
                         "CreationTime": created["CreationTime"]}
    assert [a["ArchiveName"] for a in events.list_archives(NamePrefix="orders")["Archives"]] == ["orders-archive"]
    assert [a["ArchiveName"] for a in events.list_archives(EventSourceArn=bus_arn("default"))["Archives"]] \
        == ["default-archive"]
    assert events.list_archives(State="DISABLED")["Archives"] == []
    assert events.list_archives(NamePrefix="nothing")["Archives"] == []

    updated = events.update_archive(ArchiveName="orders-archive", Description="changed", RetentionDays=0)
    assert (updated["ArchiveArn"], updated["State"], updated["CreationTime"]) == (
        _archive_arn("orders-archive"), "ENABLED", created["CreationTime"])
    described = events.describe_archive(ArchiveName="orders-archive")
    assert (described["Description"], described["RetentionDays"], described["EventPattern"]) == (
        "changed", 0, json.dumps(PATTERN))

    events.delete_archive(ArchiveName="orders-archive")
    code, message, status = error_of(events.describe_archive, ArchiveName="orders-archive")
    assert (code, message, status) == ("ResourceNotFoundException", "Archive orders-archive does not exist.", 400)
    assert [a["ArchiveName"] for a in events.list_archives()["Archives"]] == ["default-archive"]


def test_errors(client):
    events = client("events")
    events.create_archive(ArchiveName="a", EventSourceArn=bus_arn("default"))
    assert error_of(events.create_archive, ArchiveName="a", EventSourceArn=bus_arn("default"))[:2] == (
        "ResourceAlreadyExistsException", "Archive a already exists.")
    assert error_of(events.create_archive, ArchiveName="b", EventSourceArn=bus_arn("missing"))[:2] == (
        "ResourceNotFoundException", "Event bus missing does not exist.")
    code, message, _ = error_of(events.create_archive, ArchiveName="c", EventSourceArn=bus_arn("default"),
                                EventPattern='{"source": "not-a-list"}')
    assert code == "InvalidEventPatternException" and message.startswith("Event pattern is not valid.")
    assert error_of(events.update_archive, ArchiveName="c", Description="x")[:2] == (
        "ResourceNotFoundException", "Archive c does not exist.")
    assert error_of(events.delete_archive, ArchiveName="c")[:2] == (
        "ResourceNotFoundException", "Archive c does not exist.")
    assert error_of(events.list_archives, EventSourceArn=bus_arn("missing"))[:2] == (
        "ResourceNotFoundException", "Event bus missing does not exist.")
    code, _, _ = error_of(events.update_archive, ArchiveName="a", EventPattern='{"detail": 1}')
    assert code == "InvalidEventPatternException"


def test_an_archive_without_a_pattern_keeps_every_event_of_its_bus(client):
    """Every event put on the bus is archived, whether or not a rule matches it; other buses' events are not."""
    events = client("events")
    events.create_event_bus(Name="other")
    events.create_archive(ArchiveName="everything", EventSourceArn=bus_arn("default"))
    put_event(events)
    put_event(events, source="com.example.users", detail={"kind": "small"})
    put_event(events, EventBusName="other")
    described = events.describe_archive(ArchiveName="everything")
    assert described["EventCount"] == 2
    assert described["SizeBytes"] > 2 * len('{"version":"0"}')


def test_an_archive_with_a_pattern_keeps_only_matching_events(client):
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "all-orders", {"source": ["com.example.orders"]})
    events.create_archive(ArchiveName="big", EventSourceArn=bus_arn("default"), EventPattern=json.dumps(PATTERN))
    events.create_archive(ArchiveName="all", EventSourceArn=bus_arn("default"))
    answer = events.put_events(Entries=[entry(detail={"kind": "big"}), entry(detail={"kind": "small"}),
                                        entry(source="com.example.users", detail={"kind": "big"})])
    assert answer["FailedEntryCount"] == 0
    assert (_count(events, "big"), _count(events, "all")) == (1, 3)
    assert len(events_in(sqs, url)) == 2                 # routing is unchanged by archives

    events.update_archive(ArchiveName="big", EventPattern=json.dumps({"source": ["com.example.users"]}))
    put_event(events, source="com.example.users")
    put_event(events, detail={"kind": "big"})
    assert _count(events, "big") == 2                     # the new pattern applies from the update on


def test_events_forwarded_from_another_bus_are_archived(client):
    """An archive keeps the events arriving on its bus, also those another bus's rule sends to it."""
    events = client("events")
    events.create_event_bus(Name="downstream")
    events.create_archive(ArchiveName="downstream-archive", EventSourceArn=bus_arn("downstream"))
    events.put_rule(Name="forward", EventPattern=json.dumps({"source": ["com.example.orders"]}))
    events.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": bus_arn("downstream")}])
    put_event(events)
    assert _count(events, "downstream-archive") == 1
    assert events.list_rules(EventBusName="downstream")["Rules"] == []   # no managed rule is shown
    assert [r["Arn"] for r in events.list_rules()["Rules"]] == [rule_arn("forward")]


def test_retention_forgets_events_after_retention_days(client, advance):
    events = client("events")
    events.create_archive(ArchiveName="week", EventSourceArn=bus_arn("default"), RetentionDays=1)
    events.create_archive(ArchiveName="forever", EventSourceArn=bus_arn("default"), RetentionDays=0)
    put_event(events)
    advance(DAY / 2)
    put_event(events)
    advance(DAY / 2 - 1)
    assert (_count(events, "week"), _count(events, "forever")) == (2, 2)
    advance(1)
    assert (_count(events, "week"), _count(events, "forever")) == (1, 2)
    advance(DAY / 2)
    assert (_count(events, "week"), _count(events, "forever")) == (0, 2)
    advance(30 * DAY)
    assert _count(events, "forever") == 2


def test_list_archives_pages(client):
    events = client("events")
    for i in range(5):
        events.create_archive(ArchiveName=f"archive-{i}", EventSourceArn=bus_arn("default"))
    first = events.list_archives(Limit=2)
    second = events.list_archives(Limit=2, NextToken=first["NextToken"])
    third = events.list_archives(Limit=2, NextToken=second["NextToken"])
    names = [a["ArchiveName"] for page in (first, second, third) for a in page["Archives"]]
    assert names == [f"archive-{i}" for i in range(5)]
    assert "NextToken" not in third
