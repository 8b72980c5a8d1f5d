"""EventBridge routing through boto3 against the real server: the event as AWS builds it, PutEvents' per-entry
failures, pattern operators through real rules, input options, FIFO queues, SNS topics, captured targets, and
bus to bus (same account, another account with and without permission, one hop)."""

import json
from datetime import UTC, datetime

import pytest

from tests.helpers import error_of

ACCOUNT = "000000000000"
OTHER = "111111111111"


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs, url):
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        out += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def rule_to_queue(events, sqs, pattern, *, name="r", bus=None, queue="q", **target):
    url, arn = make_queue(sqs, queue)
    kwargs = {"EventBusName": bus} if bus else {}
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), **kwargs)
    events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": arn, **target}], **kwargs)
    return url


def entry(detail=None, **kwargs):
    return {"Source": "my.app", "DetailType": "order", "Detail": json.dumps(detail or {"n": 1}), **kwargs}


def test_event_as_aws_builds_it(client):
    events, sqs = client("events"), client("sqs")
    url = rule_to_queue(events, sqs, {"source": ["my.app"]})
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    out = events.put_events(Entries=[entry({"b": [1, 2], "a": {"é": None}}, Resources=["arn:aws:s3:::x"],
                                           Time=when)])
    assert out["FailedEntryCount"] == 0
    (message,) = drain(sqs, url)
    body = message["Body"]
    event = json.loads(body)
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                           "detail"]
    assert event == {"version": "0", "id": out["Entries"][0]["EventId"], "detail-type": "order", "source": "my.app",
                     "account": ACCOUNT, "time": "2024-05-06T07:08:09Z", "region": "us-east-1",
                     "resources": ["arn:aws:s3:::x"], "detail": {"b": [1, 2], "a": {"é": None}}}
    assert body == json.dumps(event, separators=(",", ":"), ensure_ascii=False)  # compact, as AWS sends it
    assert message["Attributes"]["SenderId"] == ACCOUNT


def test_event_time_defaults_to_now_without_fraction(client, advance):
    events, sqs = client("events"), client("sqs")
    url = rule_to_queue(events, sqs, {"source": ["my.app"]})
    now_ms = advance(0)
    events.put_events(Entries=[entry()])
    (message,) = drain(sqs, url)
    assert json.loads(message["Body"])["time"] == datetime.fromtimestamp(now_ms // 1000, UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def test_per_entry_failures_leave_the_other_entries_accepted(client):
    events, sqs = client("events"), client("sqs")
    url = rule_to_queue(events, sqs, {"source": ["my.app"]})
    out = events.put_events(Entries=[
        entry({"ok": 1}),
        {"DetailType": "x", "Detail": "{}"},
        {"Source": "my.app", "Detail": "{}"},
        {"Source": "my.app", "DetailType": "x"},
        {"Source": "my.app", "DetailType": "x", "Detail": "[1, 2]"},
        {"Source": "my.app", "DetailType": "x", "Detail": "\"text\""},
        {"Source": "my.app", "DetailType": "x", "Detail": "{not json"},
        {"Source": "aws.ec2", "DetailType": "x", "Detail": "{}"},
        entry({"ok": 2}),
    ])
    assert out["FailedEntryCount"] == 7
    results = out["Entries"]
    assert "EventId" in results[0] and "EventId" in results[8]
    assert [(r.get("ErrorCode"), r.get("ErrorMessage")) for r in results[1:8]] == [
        ("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."),
        ("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."),
        ("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."),
        ("MalformedDetail", "Detail is malformed."),
        ("MalformedDetail", "Detail is malformed."),
        ("MalformedDetail", "Detail is malformed."),
        ("NotAuthorizedForSourceException", "Not authorized for the source."),
    ]
    assert [json.loads(m["Body"])["detail"] for m in drain(sqs, url)] == [{"ok": 1}, {"ok": 2}]


def test_request_size_limit_is_one_mebibyte(client):
    events = client("events")
    detail = json.dumps({"x": "y" * (1024 * 1024 - 100)})
    fits = {"Source": "s", "DetailType": "d", "Detail": detail}
    assert events.put_events(Entries=[fits])["FailedEntryCount"] == 0
    over = {"Source": "s", "DetailType": "d", "Detail": json.dumps({"x": "y" * (1024 * 1024)})}
    code, message = error_of(events.put_events, Entries=[over])
    assert (code, message) == ("ValidationException", "Total size of the entries in the request is over the limit.")
    code, message = error_of(events.put_events, Entries=[fits, fits])
    assert code == "ValidationException"
    code, _ = error_of(events.put_events, Entries=[entry()] * 11)
    assert code == "ValidationException"


def test_missing_bus_of_this_account_swallows_the_event(client):
    out = client("events").put_events(Entries=[entry(EventBusName="no-such-bus")])
    assert out["FailedEntryCount"] == 0 and out["Entries"][0]["EventId"]


def test_disabled_rule_matches_nothing(client):
    events, sqs = client("events"), client("sqs")
    url = rule_to_queue(events, sqs, {"source": ["my.app"]})
    events.disable_rule(Name="r")
    events.put_events(Entries=[entry()])
    assert drain(sqs, url) == []
    events.enable_rule(Name="r")
    events.put_events(Entries=[entry()])
    assert len(drain(sqs, url)) == 1


@pytest.mark.parametrize("pattern,detail,matches", [
    ({"detail": {"state": ["running"]}}, {"state": "running"}, True),
    ({"detail": {"state": [{"prefix": "run"}]}}, {"state": "stopped"}, False),
    ({"detail": {"state": [{"suffix": "ing"}]}}, {"state": "running"}, True),
    ({"detail": {"state": [{"equals-ignore-case": "RUNNING"}]}}, {"state": "running"}, True),
    ({"detail": {"state": [{"anything-but": ["running"]}]}}, {"state": "running"}, False),
    ({"detail": {"state": [{"anything-but": {"prefix": "stop"}}]}}, {"state": "running"}, True),
    ({"detail": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"n": 5}, True),
    ({"detail": {"n": [{"numeric": ["=", 3]}]}}, {"n": 3.0}, True),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/8"}]}}, {"ip": "10.1.2.3"}, True),
    ({"detail": {"gone": [{"exists": False}]}}, {"here": 1}, True),
    ({"detail": {"here": [{"exists": True}]}}, {"other": 1}, False),
    ({"detail": {"path": [{"wildcard": "a/*/c"}]}}, {"path": "a/b/c"}, True),
    ({"detail": {"flag": [True]}}, {"flag": True}, True),
    ({"detail": {"v": [None]}}, {"v": None}, True),
    ({"$or": [{"detail": {"a": [1]}}, {"detail": {"b": [2]}}]}, {"b": 2}, True),
    ({"detail": {"tags": ["x"]}}, {"tags": ["w", "x"]}, True),
    ({"resources": [{"prefix": "arn:aws:s3"}]}, {}, False),
])
def test_pattern_operators_through_real_rules(client, pattern, detail, matches):
    events, sqs = client("events"), client("sqs")
    url = rule_to_queue(events, sqs, {"source": ["my.app"], **pattern})
    events.put_events(Entries=[entry(detail)])
    assert len(drain(sqs, url)) == (1 if matches else 0)


def test_invalid_pattern_is_refused_by_put_rule(client):
    code, message = error_of(client("events").put_rule, Name="r", EventPattern=json.dumps({"source": "x"}))
    assert code == "InvalidEventPatternException" and message.startswith("Event pattern is not valid. Reason: ")


def test_rules_match_with_many_rules_on_the_bus(client):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "q")
    for i in range(30):
        events.put_rule(Name=f"r{i}", EventPattern=json.dumps({"detail-type": [f"type-{i}"]}))
        events.put_targets(Rule=f"r{i}", Targets=[{"Id": "t", "Arn": arn, "Input": json.dumps({"rule": i})}])
    events.put_events(Entries=[{"Source": "s", "DetailType": f"type-{i}", "Detail": "{}"} for i in (3, 17, 29)])
    assert sorted(json.loads(m["Body"])["rule"] for m in drain(sqs, url)) == [3, 17, 29]


# --- input options ---------------------------------------------------------------------------------------

def test_input_options(client):
    events, sqs = client("events"), client("sqs")
    queues = {name: make_queue(sqs, name) for name in ("whole", "constant", "path", "transformed", "text")}
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", Targets=[
        {"Id": "whole", "Arn": queues["whole"][1]},
        {"Id": "constant", "Arn": queues["constant"][1], "Input": '{"fixed": true}'},
        {"Id": "path", "Arn": queues["path"][1], "InputPath": "$.detail.order"},
        {"Id": "transformed", "Arn": queues["transformed"][1], "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.order.id", "kind": "$.detail-type"},
            "InputTemplate": '{"order": <id>, "what": "a <kind>", "rule": <aws.events.rule-name>}'}},
        {"Id": "text", "Arn": queues["text"][1], "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.order.id"}, "InputTemplate": '"order <id> arrived"'}},
    ])
    events.put_events(Entries=[entry({"order": {"id": 42, "items": ["a"]}})])
    got = {name: [m["Body"] for m in drain(sqs, url)] for name, (url, _) in queues.items()}
    assert json.loads(got["whole"][0])["detail"] == {"order": {"id": 42, "items": ["a"]}}
    assert got["constant"] == ['{"fixed": true}']
    assert got["path"] == ['{"id":42,"items":["a"]}']
    assert got["transformed"] == ['{"order":42,"what":"a order","rule":"r"}']
    assert got["text"] == ['"order 42 arrived"']


@pytest.mark.parametrize("target,message", [
    ({"Input": "{}", "InputPath": "$.detail"}, "Only one of Input, InputPath, or InputTransformer must be provided"),
    ({"Input": "not json"}, "JSON syntax error in input for target t"),
    ({"InputTransformer": {"InputTemplate": "<nope>"}}, "InputTemplate for target t contains invalid placeholder nope."),
])
def test_input_validation(client, target, message):
    events = client("events")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["x"]}))
    code, text = error_of(events.put_targets, Rule="r",
                          Targets=[{"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q", **target}])
    assert code == "ValidationException" and message in text


# --- FIFO queues, SNS topics, captured targets -------------------------------------------------------------

def test_fifo_queue_target_gets_the_group_and_the_event_id_as_deduplication_id(client):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "orders.fifo", FifoQueue="true")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
    code, message = error_of(events.put_targets, Rule="r", Targets=[{"Id": "fifo", "Arn": arn}])
    assert (code, message) == ("ValidationException", "Parameter(s) SqsParameters must be specified for target: fifo.")
    events.put_targets(Rule="r", Targets=[{"Id": "fifo", "Arn": arn, "SqsParameters": {"MessageGroupId": "g1"}}])
    out = events.put_events(Entries=[entry({"n": i}) for i in range(3)])
    got = drain(sqs, url)
    assert [json.loads(m["Body"])["detail"]["n"] for m in got] == [0, 1, 2]
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"g1"}
    assert [m["Attributes"]["MessageDeduplicationId"] for m in got] == [e["EventId"] for e in out["Entries"]]


def test_sns_topic_target_publishes_the_event(client):
    events, sqs, sns = client("events"), client("sqs"), client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    url, arn = make_queue(sqs, "sub")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="r", Targets=[{"Id": "topic", "Arn": topic}])
    out = events.put_events(Entries=[entry()])
    (message,) = drain(sqs, url)
    assert json.loads(message["Body"])["id"] == out["Entries"][0]["EventId"]


def test_captured_targets_record_the_exact_invocation(client, sluice):
    events = client("events")
    function = "arn:aws:lambda:us-east-1:000000000000:function:handler"
    stream = "arn:aws:kinesis:us-east-1:000000000000:stream/clicks"
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["my.app"]}))
    code, message = error_of(events.put_targets, Rule="r", Targets=[{"Id": "k", "Arn": stream}])
    assert (code, message) == ("ValidationException", f"RoleArn is required for target {stream}.")
    role = "arn:aws:iam::000000000000:role/events"
    events.put_targets(Rule="r", Targets=[
        {"Id": "fn", "Arn": function, "InputPath": "$.detail"},
        {"Id": "k", "Arn": stream, "RoleArn": role, "KinesisParameters": {"PartitionKeyPath": "$.detail.user"}},
    ])
    out = events.put_events(Entries=[entry({"user": "ann"})])
    rows = sluice.call(lambda: sluice.emulator.delivery.captured(source="events"))
    by_protocol = {row["protocol"]: row for row in rows}
    assert by_protocol["lambda"]["target"] == function and by_protocol["lambda"]["route"] == "fn"
    assert by_protocol["lambda"]["payload"] == {"Input": '{"user":"ann"}'}
    assert by_protocol["lambda"]["source_arn"] == "arn:aws:events:us-east-1:000000000000:rule/r"
    kinesis = by_protocol["kinesis"]["payload"]
    assert kinesis["PartitionKey"] == "ann" and kinesis["RoleArn"] == role
    assert json.loads(kinesis["Input"])["id"] == out["Entries"][0]["EventId"]


# --- bus to bus ----------------------------------------------------------------------------------------

def test_bus_to_bus_in_one_account_is_one_hop(client, admin):
    events, sqs = client("events"), client("sqs")
    for name in ("second", "third"):
        events.create_event_bus(Name=name)
    second = "arn:aws:events:us-east-1:000000000000:event-bus/second"
    third = "arn:aws:events:us-east-1:000000000000:event-bus/third"
    events.put_rule(Name="forward", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="forward", Targets=[{"Id": "b", "Arn": second}])
    url = rule_to_queue(events, sqs, {"source": ["my.app"]}, name="on-second", bus="second", queue="q2")
    events.put_rule(Name="onward", EventPattern=json.dumps({"source": ["my.app"]}), EventBusName="second")
    events.put_targets(Rule="onward", EventBusName="second", Targets=[{"Id": "b", "Arn": third}])
    url3 = rule_to_queue(events, sqs, {"source": ["my.app"]}, name="on-third", bus="third", queue="q3")
    out = events.put_events(Entries=[entry({"hop": 1})])
    (message,) = drain(sqs, url)
    forwarded = json.loads(message["Body"])
    assert forwarded["detail"] == {"hop": 1} and forwarded["account"] == ACCOUNT
    assert forwarded["id"] != out["Entries"][0]["EventId"]  # arrives as a new event
    assert drain(sqs, url3) == []  # not forwarded a second time: refused, not tried
    log = admin.get("/_sluice/deliveries", params={"kind": "events.bus"}).json()
    assert [(r["target"], r["status"], (r["error"] or "").split(":")[0]) for r in log] == [
        (third, "dropped", "THIRD_ACCOUNT_HOP_DETECTED"), (second, "delivered", "")]  # inner one logged first


def test_cross_account_bus_target_needs_a_role_and_the_receivers_permission(client, admin):
    sender, receiver = client("events"), client("events", account=OTHER)
    sqs_other = client("sqs", account=OTHER)
    target_bus = f"arn:aws:events:us-east-1:{OTHER}:event-bus/default"
    url = rule_to_queue(receiver, sqs_other, {"source": ["my.app"]}, name="in", queue="inbox")
    sender.put_rule(Name="out", EventPattern=json.dumps({"source": ["my.app"]}))
    code, message = error_of(sender.put_targets, Rule="out", Targets=[{"Id": "b", "Arn": target_bus}])
    assert (code, message) == ("ValidationException", f"RoleArn is required for target {target_bus}.")
    sender.put_targets(Rule="out", Targets=[{"Id": "b", "Arn": target_bus,
                                             "RoleArn": "arn:aws:iam::000000000000:role/send"}])
    sender.put_events(Entries=[entry({"try": 1})])  # no permission yet: refused, not retried
    assert drain(sqs_other, url) == []
    log = admin.get("/_sluice/deliveries", params={"kind": "events.bus"}).json()
    assert [(r["status"], r["error"].split(":")[0]) for r in log] == [("dropped", "AccessDeniedException")]
    receiver.put_permission(Action="events:PutEvents", Principal=ACCOUNT, StatementId="sender")
    sender.put_events(Entries=[entry({"try": 2})])
    (message,) = drain(sqs_other, url)
    event = json.loads(message["Body"])
    assert event["detail"] == {"try": 2} and event["account"] == ACCOUNT


def test_cross_account_put_events_needs_the_buses_permission(client):
    sender, receiver = client("events"), client("events", account=OTHER)
    url = rule_to_queue(receiver, client("sqs", account=OTHER), {"source": ["my.app"]}, name="in", queue="inbox")
    target_bus = f"arn:aws:events:us-east-1:{OTHER}:event-bus/default"
    out = sender.put_events(Entries=[entry(EventBusName=target_bus)])
    assert out["FailedEntryCount"] == 1
    assert out["Entries"][0]["ErrorCode"] == "AccessDeniedException"
    assert target_bus in out["Entries"][0]["ErrorMessage"]
    receiver.put_permission(Action="events:PutEvents", Principal="*", StatementId="everyone")
    out = sender.put_events(Entries=[entry(EventBusName=target_bus)])
    assert out["FailedEntryCount"] == 0
    (message,) = drain(client("sqs", account=OTHER), url)
    assert json.loads(message["Body"])["account"] == ACCOUNT
