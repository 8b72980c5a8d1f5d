"""EventBridge PutEvents through boto3: the event AWS builds from an entry, per-entry errors next to accepted
entries, buses by name or ARN, and rule matching with every operator of the pattern language (through a real rule
and an SQS target).

Sources: EventBridge API Reference, PutEvents, PutEventsRequestEntry and PutEventsResultEntry ("Non-retryable errors
include ... InvalidArgument ... MalformedDetail ... NotAuthorizedForSourceException"); EventBridge User Guide,
"Amazon EventBridge events" (the envelope), "Sending events with PutEvents", "Creating event patterns" and
"Content filtering in Amazon EventBridge event patterns" (prefix, suffix, anything-but, numeric, IP address,
exists, equals-ignore-case, wildcard, $or). Per-entry error texts as AWS answered them in runs localstack recorded
(tests/aws/services/events/test_events.snapshot.json: test_put_events_without_source, ..._malformed_detail).
"""

import json
from datetime import UTC, datetime

import pytest

from tests.integration.events_helpers import (
    OTHER_ACCOUNT,
    bus_arn,
    clock_ms,
    drain,
    entry,
    events_in,
    iso,
    make_queue,
    put_event,
    rule_to_queue,
)

SOURCE = "com.example.orders"
PATTERN = {"source": [SOURCE]}


# --- the event ------------------------------------------------------------------------------------------------------

def test_time_resources_and_the_default_time(client, admin):
    """PutEventsRequestEntry: Time "The time stamp of the event, per RFC3339. If no time stamp is provided, the time
    stamp of the PutEvents call is used"; an event's time has whole seconds ("2015-11-11T21:29:54Z" in the User
    Guide's examples); Resources default to [] (recorded); the detail arrives as an object."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN)
    given = put_event(events, detail={"n": 1}, Time=datetime(2022, 1, 1, 12, 30, 5, 750_000, tzinfo=UTC),
                      Resources=["arn:aws:ec2:us-east-1:000000000000:instance/i-1", "r2"])
    called = put_event(events, detail={"n": 2})
    now = clock_ms(admin)
    by_id = {e["id"]: e for e in events_in(sqs, url)}
    assert by_id[given]["time"] == "2022-01-01T12:30:05Z"
    assert by_id[given]["resources"] == ["arn:aws:ec2:us-east-1:000000000000:instance/i-1", "r2"]
    assert by_id[called]["time"] == iso(now) and by_id[called]["resources"] == []
    assert by_id[called]["detail"] == {"n": 2}


def test_each_entry_is_its_own_event(client):
    """PutEvents: "EventBridge assigns each event a unique ID"; every target of every matching rule gets the same
    event (same id)."""
    events, sqs = client("events"), client("sqs")
    _, url_a, _ = rule_to_queue(events, sqs, "a", PATTERN)
    _, url_b, _ = rule_to_queue(events, sqs, "b", {"detail": {"n": [{"numeric": [">=", 0]}]}})
    answer = events.put_events(Entries=[entry(SOURCE, detail={"n": i}) for i in range(10)])
    ids = [e["EventId"] for e in answer["Entries"]]
    assert answer["FailedEntryCount"] == 0 and len(set(ids)) == 10
    got_a = {e["id"]: e["detail"]["n"] for e in events_in(sqs, url_a)}
    got_b = {e["id"]: e["detail"]["n"] for e in events_in(sqs, url_b)}
    assert got_a == got_b == {event_id: i for i, event_id in enumerate(ids)}


def test_event_bus_by_name_or_arn(client):
    """PutEventsRequestEntry EventBusName: "The name or ARN of the event bus to receive the event. If you omit
    this, the default event bus is used." A custom bus's rules see only its own events."""
    events, sqs = client("events"), client("sqs")
    arn = events.create_event_bus(Name="shop")["EventBusArn"]
    _, shop_url, _ = rule_to_queue(events, sqs, "on-shop", PATTERN, bus="shop")
    _, default_url, _ = rule_to_queue(events, sqs, "on-default", PATTERN)
    by_name = put_event(events, detail={"via": "name"}, EventBusName="shop")
    by_arn = put_event(events, detail={"via": "arn"}, EventBusName=arn)
    on_default = put_event(events, detail={"via": "default"})
    assert sorted(e["id"] for e in events_in(sqs, shop_url)) == sorted([by_name, by_arn])
    assert [e["id"] for e in events_in(sqs, default_url)] == [on_default]


def test_events_stay_in_their_account_and_region(client):
    """An event goes to the bus of the caller's account and Region (the event's account and region say which)."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN)
    west = client("events", region="us-west-2")
    _, west_url, _ = rule_to_queue(west, client("sqs", region="us-west-2"), "r", PATTERN)
    put_event(west, detail={"where": "west"})
    put_event(client("events", account=OTHER_ACCOUNT), detail={"where": "other account"})
    assert events_in(sqs, url) == []
    [event] = events_in(client("sqs", region="us-west-2"), west_url)
    assert (event["region"], event["account"], event["detail"]) == ("us-west-2", "000000000000", {"where": "west"})


def test_an_unknown_bus_name_is_accepted_and_goes_nowhere(client):
    """Recorded (test_put_events_nonexistent_event_bus): AWS answers an entry for a bus that does not exist with an
    EventId and FailedEntryCount 0; the other entries are delivered; no bus is created."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN)
    answer = events.put_events(Entries=[entry(SOURCE, detail={"to": "default"}),
                                        entry(SOURCE, detail={"to": "ghost"}, EventBusName="ghost")])
    assert answer["FailedEntryCount"] == 0 and all("EventId" in e for e in answer["Entries"])
    assert [e["detail"] for e in events_in(sqs, url)] == [{"to": "default"}]
    assert "ghost" not in [b["Name"] for b in events.list_event_buses()["EventBuses"]]


# --- per-entry errors --------------------------------------------------------------------------------------------------

def test_per_entry_errors_and_the_other_entries_still_accepted(client):
    """PutEvents: FailedEntryCount counts the entries that failed; "For each record, the index of the response
    element is the same as the index in the request array"; a failed entry has ErrorCode/ErrorMessage and no
    EventId, and the others are delivered. Texts recorded from AWS; a detail that is JSON but not an object (array,
    number, string) is MalformedDetail like one that is not JSON."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN)
    malformed = {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    cases = [
        (entry(SOURCE, detail={"i": 0}), None),
        ({"DetailType": "t", "Detail": "{}"},
         {"ErrorCode": "InvalidArgument",
          "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument."}),
        ({"Source": SOURCE, "Detail": "{}"},
         {"ErrorCode": "InvalidArgument",
          "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument."}),
        ({"Source": SOURCE, "DetailType": "t"},
         {"ErrorCode": "InvalidArgument",
          "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument."}),
        ({"Source": SOURCE, "DetailType": "t", "Detail": "[1, 2]"}, malformed),
        ({"Source": SOURCE, "DetailType": "t", "Detail": "5"}, malformed),
        ({"Source": SOURCE, "DetailType": "t", "Detail": '"a string"'}, malformed),
        ({"Source": SOURCE, "DetailType": "t", "Detail": "{not json"}, malformed),
        ({"Source": SOURCE, "DetailType": "t", "Detail": json.dumps(json.dumps({"double": "encoded"}))}, malformed),
        (entry(SOURCE, detail={"i": 9}), None),
    ]
    answer = events.put_events(Entries=[e for e, _ in cases])
    assert answer["FailedEntryCount"] == 8
    assert len(answer["Entries"]) == len(cases)
    for (_, expected), result in zip(cases, answer["Entries"], strict=True):
        if expected is None:
            assert set(result) == {"EventId"}, result
        else:
            assert result == expected
    delivered = events_in(sqs, url)
    assert sorted(e["detail"]["i"] for e in delivered) == [0, 9]
    assert {e["id"] for e in delivered} == {answer["Entries"][0]["EventId"], answer["Entries"][9]["EventId"]}


def test_an_aws_source_is_not_authorized(client):
    """PutEventsResultEntry: NotAuthorizedForSourceException "You do not have permissions to publish events with this
    source onto this event bus"; AWS answers it for an aws.* source (aws-samples/serverless-patterns#3089 quotes
    "Not authorized for the source ...")."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", {"source": ["aws.ec2", SOURCE]})
    answer = events.put_events(Entries=[entry("aws.ec2"), entry(SOURCE)])
    assert answer["FailedEntryCount"] == 1
    refused, accepted = answer["Entries"]
    assert refused["ErrorCode"] == "NotAuthorizedForSourceException" and "EventId" not in refused
    assert refused["ErrorMessage"].startswith("Not authorized for the source")
    assert [e["id"] for e in events_in(sqs, url)] == [accepted["EventId"]]


# --- matching ---------------------------------------------------------------------------------------------------------

# (pattern on the event, a detail that matches, a detail that does not); User Guide, "Content filtering".
OPERATORS = {
    "exact": ({"detail": {"state": ["running"]}}, {"state": "running"}, {"state": "stopped"}),
    "exact is case-sensitive": ({"detail": {"state": ["running"]}}, {"state": "running"}, {"state": "Running"}),
    "a number is not a string": ({"detail": {"n": [5]}}, {"n": 5}, {"n": "5"}),
    "null": ({"detail": {"state": [None]}}, {"state": None}, {"state": "running"}),
    "array value": ({"detail": {"tags": ["eu"]}}, {"tags": ["us", "eu"]}, {"tags": ["us"]}),
    "prefix": ({"detail": {"state": [{"prefix": "run"}]}}, {"state": "running"}, {"state": "stopped"}),
    "prefix ignoring case": ({"detail": {"state": [{"prefix": {"equals-ignore-case": "RUN"}}]}},
                             {"state": "Running"}, {"state": "stopped"}),
    "suffix": ({"detail": {"file": [{"suffix": ".png"}]}}, {"file": "cat.png"}, {"file": "cat.jpg"}),
    "anything-but": ({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}},
                     {"state": "running"}, {"state": "stopped"}),
    "anything-but prefix": ({"detail": {"env": [{"anything-but": {"prefix": "test"}}]}},
                            {"env": "prod"}, {"env": "test-7"}),
    "numeric": ({"detail": {"price": [{"numeric": [">", 10, "<=", 20]}]}}, {"price": 15}, {"price": 25}),
    "numeric needs a JSON number": ({"detail": {"price": [{"numeric": [">", 10]}]}}, {"price": 15}, {"price": "15"}),
    "numeric equals": ({"detail": {"price": [{"numeric": ["=", 3.0e2]}]}}, {"price": 300}, {"price": 300.5}),
    "exists": ({"detail": {"coupon": [{"exists": True}]}}, {"coupon": "X"}, {"other": 1}),
    "does not exist": ({"detail": {"coupon": [{"exists": False}]}}, {"other": 1}, {"coupon": "X"}),
    "equals-ignore-case": ({"detail": {"state": [{"equals-ignore-case": "RUNNING"}]}},
                           {"state": "running"}, {"state": "stopped"}),
    "wildcard": ({"detail": {"path": [{"wildcard": "orders/*/paid"}]}}, {"path": "orders/7/paid"},
                 {"path": "orders/7/open"}),
    "cidr": ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, {"ip": "10.0.0.7"}, {"ip": "10.0.1.7"}),
    "cidr IPv6": ({"detail": {"ip": [{"cidr": "2001:db8::/32"}]}}, {"ip": "2001:db8::1"}, {"ip": "2001:db9::1"}),
    "$or": ({"$or": [{"detail": {"a": [1]}}, {"detail": {"b": [2]}}]}, {"b": 2}, {"a": 2, "b": 1}),
    "nested fields": ({"detail": {"order": {"customer": {"tier": ["gold"]}}}},
                      {"order": {"customer": {"tier": "gold"}}}, {"order": {"customer": {"tier": "silver"}}}),
    "several fields (all must match)": ({"detail": {"a": ["x"], "b": [{"prefix": "y"}]}},
                                        {"a": "x", "b": "yes"}, {"a": "x", "b": "no"}),
    "envelope fields": ({"source": [SOURCE], "detail-type": [{"prefix": "Order"}], "account": ["000000000000"],
                         "region": ["us-east-1"]}, {"any": 1}, None),
}


@pytest.mark.parametrize("operator", list(OPERATORS))
def test_each_pattern_operator_through_a_rule(client, operator):
    """A rule whose pattern uses the operator sends the matching event to its queue and not the other one."""
    events, sqs = client("events"), client("sqs")
    pattern, matching, other = OPERATORS[operator]
    _, url, _ = rule_to_queue(events, sqs, "r", pattern)
    match_id = put_event(events, detail=matching)
    if other is None:                       # an envelope pattern: the other event differs by its detail-type
        put_event(events, detail=matching, detail_type="Refund Issued")
    else:
        put_event(events, detail=other)
    got = events_in(sqs, url)
    assert [e["id"] for e in got] == [match_id], f"{operator}: {[e['detail'] for e in got]}"


def test_disabled_rules_match_nothing(client):
    """API Reference, DisableRule: "A disabled rule won't match any events"; EnableRule brings it back; a rule created
    DISABLED matches nothing either."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN, State="DISABLED")
    put_event(events, detail={"n": 1})
    assert drain(sqs, url) == []
    events.enable_rule(Name="r")
    second = put_event(events, detail={"n": 2})
    assert [e["id"] for e in events_in(sqs, url)] == [second]
    events.disable_rule(Name="r")
    put_event(events, detail={"n": 3})
    assert drain(sqs, url) == []


def test_a_rule_enabled_with_all_cloudtrail_management_events_matches_like_enabled(client):
    """API Reference, PutRule State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: the rule is enabled (it also
    receives CloudTrail management events, which Sluice has none of)."""
    events, sqs = client("events"), client("sqs")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN, State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    event_id = put_event(events, detail={"n": 1})
    assert [e["id"] for e in events_in(sqs, url)] == [event_id]


def test_a_scheduled_rule_does_not_match_put_events(client):
    """API Reference, PutRule: a rule with only a ScheduleExpression self-triggers; PutEvents events do not trigger
    it (localstack/localstack#7848)."""
    events, sqs = client("events"), client("sqs")
    url, queue = make_queue(sqs, "timer-q")
    events.put_rule(Name="timer", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="timer", Targets=[{"Id": "q", "Arn": queue}])
    put_event(events, detail={"n": 1})
    assert drain(sqs, url) == []


def test_an_event_on_a_custom_bus_names_its_bus_in_no_field(client):
    """User Guide, "Amazon EventBridge events": the envelope has no bus field; an event put on a custom bus has the
    same shape as one on the default bus."""
    events, sqs = client("events"), client("sqs")
    events.create_event_bus(Name="shop")
    _, url, _ = rule_to_queue(events, sqs, "r", PATTERN, bus="shop")
    put_event(events, detail={"n": 1}, EventBusName=bus_arn("shop"))
    [event] = events_in(sqs, url)
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                           "detail"]
