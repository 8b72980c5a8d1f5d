"""EventBridge targets through boto3: PutTargets, RemoveTargets, ListTargetsByRule, and what each kind of target
receives: an SQS queue (standard and FIFO), an SNS topic, another event bus (same account; another account with and
without PutPermission), a captured Lambda function; and Input, InputPath, InputTransformer end to end.

Sources: EventBridge API Reference (PutTargets, RemoveTargets, ListTargetsByRule, Target, SqsParameters,
PutPermission); EventBridge User Guide, "Event bus targets in Amazon EventBridge", "Sending and receiving events
between AWS accounts in Amazon EventBridge", "Sending events between event buses in the same account and Region",
"Amazon EventBridge input transformation" (its EC2 example end to end). What AWS delivers is checked against runs
localstack recorded from AWS (tests/aws/services/events/test_events_targets.snapshot.json: the SNS Message is the
compact event JSON).
"""

import json

from tests.integration.events_helpers import (
    ACCOUNT,
    LAMBDA_ARN,
    OTHER_ACCOUNT,
    bus_arn,
    clock_ms,
    deliveries,
    drain,
    entry,
    error_of,
    events_in,
    iso,
    make_queue,
    put_event,
    rule_arn,
    rule_to_queue,
)

PATTERN = {"source": ["com.example.orders"]}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/events-to-bus"


# --- PutTargets / RemoveTargets / ListTargetsByRule ---------------------------------------------------------------

def test_put_list_and_remove_targets(client):
    """API Reference, PutTargets ("If the target already exists, it is updated"), ListTargetsByRule (every field
    given comes back), RemoveTargets; FailedEntryCount 0 and empty FailedEntries on success (recorded)."""
    events, sqs = client("events"), client("sqs")
    _, queue = make_queue(sqs, "q")
    _, dlq = make_queue(sqs, "dlq")
    _, fifo = make_queue(sqs, "q.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    full = {"Id": "full", "Arn": queue, "InputPath": "$.detail",
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
            "DeadLetterConfig": {"Arn": dlq}}
    answer = events.put_targets(Rule="r", Targets=[
        full, {"Id": "fifo", "Arn": fifo, "SqsParameters": {"MessageGroupId": "orders"}},
        {"Id": "fn", "Arn": LAMBDA_ARN, "Input": '{"fixed": true}'}])
    assert (answer["FailedEntryCount"], answer["FailedEntries"]) == (0, [])
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule="r")["Targets"]}
    assert targets["full"] == full
    assert targets["fifo"] == {"Id": "fifo", "Arn": fifo, "SqsParameters": {"MessageGroupId": "orders"}}
    assert targets["fn"] == {"Id": "fn", "Arn": LAMBDA_ARN, "Input": '{"fixed": true}'}

    events.put_targets(Rule="r", Targets=[{"Id": "full", "Arn": queue}])      # same Id: replaced, not added
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule="r")["Targets"]}
    assert sorted(targets) == ["fifo", "fn", "full"] and targets["full"] == {"Id": "full", "Arn": queue}

    page = events.list_targets_by_rule(Rule="r", Limit=2)
    assert len(page["Targets"]) == 2 and page["NextToken"]
    rest = events.list_targets_by_rule(Rule="r", NextToken=page["NextToken"])
    assert sorted(t["Id"] for t in page["Targets"] + rest["Targets"]) == ["fifo", "fn", "full"]

    removed = events.remove_targets(Rule="r", Ids=["fifo", "fn"])
    assert (removed["FailedEntryCount"], removed["FailedEntries"]) == (0, [])
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="r")["Targets"]] == ["full"]


def test_five_targets_is_the_limit_counting_the_ones_already_there(client):
    """User Guide, "Amazon EventBridge quotas": 5 targets per rule; PutTargets refuses the call that would make 6
    (recorded LimitExceededException) and keeps what was there."""
    events = client("events")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": f"t{i}", "Arn": LAMBDA_ARN} for i in range(4)])
    events.put_targets(Rule="r", Targets=[{"Id": "t0", "Arn": LAMBDA_ARN}, {"Id": "t4", "Arn": LAMBDA_ARN}])
    assert error_of(events.put_targets, Rule="r", Targets=[{"Id": "t5", "Arn": LAMBDA_ARN}]) == (
        "LimitExceededException", "The requested resource exceeds the maximum number allowed.", 400)
    assert sorted(t["Id"] for t in events.list_targets_by_rule(Rule="r")["Targets"]) == [f"t{i}" for i in range(5)]


def test_targets_on_a_custom_bus(client):
    """API Reference, PutTargets EventBusName (name or ARN): a rule of the same name on another bus is another rule
    (terraform issues: forgetting EventBusName gives "Rule X does not exist on EventBus default.")."""
    events, sqs = client("events"), client("sqs")
    _, queue = make_queue(sqs, "q")
    arn = events.create_event_bus(Name="shop")["EventBusArn"]
    events.put_rule(Name="r", EventBusName="shop", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", EventBusName=arn, Targets=[{"Id": "t", "Arn": queue}])
    assert events.list_targets_by_rule(Rule="r", EventBusName="shop")["Targets"] == [{"Id": "t", "Arn": queue}]
    events.remove_targets(Rule="r", EventBusName="shop", Ids=["t"])
    assert events.list_targets_by_rule(Rule="r", EventBusName=arn)["Targets"] == []


# --- what each kind of target receives ------------------------------------------------------------------------------

def test_sqs_target_receives_the_event_as_aws_builds_it(client, admin):
    """User Guide, "Amazon EventBridge events": version "0", id (the EventId PutEvents answered), detail-type,
    source, account, time, region, resources, detail, in that order (recorded), as compact JSON; the delivery log
    names the attempt events.sqs with the event id."""
    events, sqs = client("events"), client("sqs")
    rule, url, queue = rule_to_queue(events, sqs, "orders", PATTERN)
    event_id = put_event(events, detail={"order": 7, "items": ["a", "b"]},
                         Resources=["arn:aws:s3:::bucket/key"])
    [message] = drain(sqs, url)
    body = message["Body"]
    event = json.loads(body)
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region", "resources",
                           "detail"]
    assert event["version"] == "0" and event["id"] == event_id
    assert event["detail-type"] == "Order Placed" and event["source"] == "com.example.orders"
    assert (event["account"], event["region"]) == (ACCOUNT, "us-east-1")
    assert event["resources"] == ["arn:aws:s3:::bucket/key"] and event["detail"] == {"order": 7, "items": ["a", "b"]}
    assert body == json.dumps(event, separators=(",", ":"))
    [row] = deliveries(admin, kind="events.sqs")
    assert (row["target"], row["message_id"], row["attempt"], row["status"]) == (queue, event_id, 1, "delivered")
    assert row["source_arn"] == rule


def test_fifo_queue_target_with_a_message_group(client):
    """API Reference, SqsParameters: "Contains the message group ID to use when the target is a FIFO queue. If you
    specify an SQS FIFO queue as a target, the queue must have content-based deduplication enabled." Every event has
    its own id, so the same entry sent twice is two messages; both arrive in the group, in order."""
    events, sqs = client("events"), client("sqs")
    url, queue = make_queue(sqs, "orders.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": queue, "SqsParameters": {"MessageGroupId": "orders"}}])
    same = entry(detail={"order": 1})
    first = events.put_events(Entries=[same])["Entries"][0]["EventId"]
    second = events.put_events(Entries=[same])["Entries"][0]["EventId"]
    assert first != second
    messages = drain(sqs, url)
    assert [json.loads(m["Body"])["id"] for m in messages] == [first, second]
    assert [m["Attributes"]["MessageGroupId"] for m in messages] == ["orders", "orders"]


def test_sns_topic_target_fans_out_to_its_subscription(client):
    """User Guide, "Event bus targets": an SNS topic; its subscribers get the event JSON as the notification's
    Message (recorded: compact JSON)."""
    events, sqs, sns = client("events"), client("sqs"), client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    url, queue = make_queue(sqs, "sub")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "topic", "Arn": topic}])
    event_id = put_event(events, detail={"order": 1})
    [notification] = events_in(sqs, url)
    assert notification["Type"] == "Notification" and notification["TopicArn"] == topic
    event = json.loads(notification["Message"])
    assert event["id"] == event_id and event["detail"] == {"order": 1}
    assert notification["Message"] == json.dumps(event, separators=(",", ":"))


def test_another_bus_in_the_same_account(client):
    """User Guide, "Sending events between event buses in the same account and Region": a rule's target is another
    bus; that bus's rules match the event as it was sent (source, detail-type, detail, account kept)."""
    events, sqs = client("events"), client("sqs")
    receiver = events.create_event_bus(Name="receiver")["EventBusArn"]
    _, url, _ = rule_to_queue(events, sqs, "on-receiver", PATTERN, bus="receiver")
    events.put_rule(Name="forward", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": receiver, "RoleArn": ROLE}])
    put_event(events, detail={"order": 3})
    [event] = events_in(sqs, url)
    assert (event["source"], event["detail-type"], event["detail"]) == ("com.example.orders", "Order Placed",
                                                                        {"order": 3})
    assert event["account"] == ACCOUNT


def test_another_account_bus_needs_its_permission(client, admin):
    """User Guide, "Sending and receiving events between AWS accounts": "On the receiver account, edit the
    permissions on an event bus to allow specified AWS accounts ... to send events to the receiver account"
    (PutPermission). Without it the delivery is refused (a permission failure: not retried, so dropped without a
    DLQ); with it the receiver's rules match the event, which keeps the sender's account."""
    sender, sqs_receiver = client("events"), client("sqs", account=OTHER_ACCOUNT)
    receiver = client("events", account=OTHER_ACCOUNT)
    target_bus = receiver.create_event_bus(Name="inbox")["EventBusArn"]
    assert target_bus == bus_arn("inbox", account=OTHER_ACCOUNT)
    url, queue = make_queue(sqs_receiver, "inbox-q")
    receiver.put_rule(Name="from-sender", EventBusName="inbox", EventPattern=json.dumps(PATTERN))
    receiver.put_targets(Rule="from-sender", EventBusName="inbox", Targets=[{"Id": "q", "Arn": queue}])
    sender.put_rule(Name="forward", EventPattern=json.dumps(PATTERN))
    sender.put_targets(Rule="forward", Targets=[{"Id": "bus", "Arn": target_bus, "RoleArn": ROLE}])

    refused = put_event(sender, detail={"n": 1})
    assert drain(sqs_receiver, url) == []
    [row] = [r for r in deliveries(admin, target=target_bus) if r["message_id"] == refused]
    assert row["status"] == "dropped" and row["attempt"] == 1
    assert admin.get("/_sluice/deliveries/pending").json() == []

    receiver.put_permission(EventBusName="inbox", Action="events:PutEvents", Principal=ACCOUNT, StatementId="sender")
    put_event(sender, detail={"n": 2})
    [event] = events_in(sqs_receiver, url)
    assert event["detail"] == {"n": 2} and event["source"] == "com.example.orders"
    assert event["account"] == ACCOUNT


def test_lambda_target_is_captured(client, admin):
    """Lambda is a target Sluice does not run: the invocation is recorded (delivery log kind events.lambda) with the
    event as the function would receive it."""
    events = client("events")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "fn", "Arn": LAMBDA_ARN}])
    event_id = put_event(events, detail={"order": 9})
    [row] = deliveries(admin, kind="events.lambda")
    assert (row["target"], row["message_id"], row["status"]) == (LAMBDA_ARN, event_id, "delivered")
    assert row["source_arn"] == rule_arn("r")
    [invocation] = admin.get("/_sluice/captured", params={"source": "events", "protocol": "lambda"}).json()
    assert (invocation["target"], invocation["route"], invocation["message_id"]) == (LAMBDA_ARN, "fn", event_id)
    received = json.loads(invocation["payload"]["Input"])
    assert received["id"] == event_id and received["detail"] == {"order": 9}


# --- Input, InputPath, InputTransformer -------------------------------------------------------------------------

# User Guide, "Amazon EventBridge input transformation", "Input transform examples": the example EC2 event. A user's
# PutEvents may not use an aws.* source (AWS answers NotAuthorizedForSourceException), so its source is changed.
EC2_DETAIL_TYPE = "EC2 Instance State-change Notification"
EC2_DETAIL = {"instance-id": "i-0123456789", "state": "RUNNING"}
EC2_SOURCE = "example.ec2"
EC2_PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}


def _transformed(client, template, paths=EC2_PATHS):
    events, sqs = client("events"), client("sqs")
    target = {"InputTransformer": {"InputPathsMap": paths, "InputTemplate": template}} if template is not None else {}
    rule, url, _ = rule_to_queue(events, sqs, "ec2", {"source": [EC2_SOURCE]}, target=target)
    event_id = put_event(events, source=EC2_SOURCE, detail_type=EC2_DETAIL_TYPE, detail=EC2_DETAIL)
    [message] = drain(sqs, url)
    return message["Body"], rule, event_id


def test_input_transformer_simple_string(client):
    """UG example "Simple string": the template is a JSON string; the target gets it with its quotes."""
    body, _, _ = _transformed(client, '"instance <instance> is in <state>"')
    assert body == '"instance i-0123456789 is in RUNNING"'


def test_input_transformer_string_with_escaped_quotes(client):
    """UG example "String with escaped quotes"."""
    body, _, _ = _transformed(client, '"instance \\"<instance>\\" is in <state>"')
    assert body == '"instance \\"i-0123456789\\" is in RUNNING"'


def test_input_transformer_simple_json_is_minified(client):
    """UG examples "Simple JSON" and "JSON with strings and variables" (UG, common issues: "The JSON that is passed
    to the target is minified")."""
    body, _, _ = _transformed(client, '{\n "instance" : <instance>,\n "state": "<state>",\n'
                                      ' "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}')
    assert body == ('{"instance":"i-0123456789","state":"RUNNING",'
                    '"instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}')


def test_input_transformer_reserved_variables(client, admin):
    """UG, "Predefined variables": aws.events.rule-arn, aws.events.rule-name, aws.events.event.ingestion-time (an
    ISO 8601 timestamp), aws.events.event (the original event without detail)."""
    body, rule, event_id = _transformed(
        client, '{"instance": <instance>, "ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, '
                '"received": <aws.events.event.ingestion-time>, "original": <aws.events.event>}')
    doc = json.loads(body)
    assert doc["instance"] == "i-0123456789" and doc["ruleArn"] == rule and doc["ruleName"] == "ec2"
    now = iso(clock_ms(admin))                               # the fake clock did not move
    assert doc["received"].startswith(now[:19]) and doc["received"].endswith("Z")
    assert doc["original"]["id"] == event_id and doc["original"]["detailType"] == EC2_DETAIL_TYPE
    assert "detail" not in doc["original"]


def test_input_and_input_path(client):
    """API Reference, Target: Input "the matched event is overridden with this constant"; InputPath selects part of
    the event with JSONPath ("$.detail" is the detail object, a string arrives as a JSON string)."""
    events, sqs = client("events"), client("sqs")
    fixed_url, fixed = make_queue(sqs, "fixed")
    detail_url, detail_arn = make_queue(sqs, "detail")
    state_url, state_arn = make_queue(sqs, "state")
    events.put_rule(Name="r", EventPattern=json.dumps({"source": [EC2_SOURCE]}))
    events.put_targets(Rule="r", Targets=[
        {"Id": "fixed", "Arn": fixed, "Input": '{"constant": [1, 2]}'},
        {"Id": "detail", "Arn": detail_arn, "InputPath": "$.detail"},
        {"Id": "state", "Arn": state_arn, "InputPath": "$.detail.state"}])
    put_event(events, source=EC2_SOURCE, detail_type=EC2_DETAIL_TYPE, detail=EC2_DETAIL)
    assert [m["Body"] for m in drain(sqs, fixed_url)] == ['{"constant": [1, 2]}']
    assert [json.loads(m["Body"]) for m in drain(sqs, detail_url)] == [EC2_DETAIL]
    assert [m["Body"] for m in drain(sqs, state_url)] == ['"RUNNING"']
