"""Service principals: an SNS topic or an EventBridge rule delivers to an SQS queue (an EventBridge rule to
an SNS topic) only when the target's policy allows sns.amazonaws.com / events.amazonaws.com, even in one
account (SNS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic": "the queue must
have a policy that allows the Amazon SNS topic to send messages"; EventBridge User Guide, "Using
resource-based policies for Amazon EventBridge": "Amazon SQS permissions").

By default Sluice delivers anyway, marks the delivery log and warns once per subscription or rule target;
with ``SLUICE_STRICT_POLICIES=1`` the delivery fails as on AWS (dead-lettered by the usual rules).
"""

from __future__ import annotations

import json
import logging

import pytest

ACCOUNT = "000000000000"
SNS_NOTE = "AWS would refuse this: the queue policy does not allow sns.amazonaws.com"
EVENTS_NOTE = "AWS would refuse this: the queue policy does not allow events.amazonaws.com"


@pytest.fixture
def strict(sluice, monkeypatch):
    monkeypatch.setattr(sluice.emulator.settings, "strict_policies", True)


def make_queue(sqs, name: str, policy: dict | None = None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if policy is not None:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def allowing(service: str, queue_arn: str, source_arn: str, principal: object = None) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": principal or {"Service": service}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}]}


def entries(admin, kind: str, target: str) -> list[dict]:
    return admin.get("/_sluice/deliveries", params={"kind": kind, "target": target}).json()


def bodies(sqs, url: str) -> list[str]:
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])]


def subscribed(sns, sqs, name: str, policy_for=None, **attributes) -> tuple[str, str, str]:
    """A topic and a queue subscribed to it (raw delivery): (topic arn, queue url, queue arn)."""
    topic = sns.create_topic(Name=name)["TopicArn"]
    url, arn = make_queue(sqs, name)
    if policy_for is not None:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy_for(arn, topic))})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true", **attributes})
    return topic, url, arn


# --- SNS -> SQS ----------------------------------------------------------------------------------------

def test_a_queue_without_a_policy_gets_the_message_a_mark_and_one_warning(client, admin, caplog):
    caplog.set_level(logging.WARNING, logger="sluice.delivery")
    sns, sqs = client("sns"), client("sqs")
    topic, url, arn = subscribed(sns, sqs, "no-policy")
    sns.publish(TopicArn=topic, Message="one")
    sns.publish(TopicArn=topic, Message="two")
    assert sorted(bodies(sqs, url)) == ["one", "two"]
    log = entries(admin, "sns.sqs", arn)
    assert [(e["status"], e["error"]) for e in log] == [("delivered", SNS_NOTE)] * 2
    warnings = [r for r in caplog.records if SNS_NOTE in r.getMessage()]
    assert len(warnings) == 1 and "SLUICE_STRICT_POLICIES" in warnings[0].getMessage()


@pytest.mark.parametrize("principal", [None, "*", {"AWS": "*"}])
def test_a_queue_policy_that_allows_the_topic_leaves_no_mark(client, admin, principal):
    sns, sqs = client("sns"), client("sqs")
    topic, url, arn = subscribed(sns, sqs, "allowed",
                                 policy_for=lambda q, t: allowing("sns.amazonaws.com", q, t, principal))
    sns.publish(TopicArn=topic, Message="welcome")
    assert bodies(sqs, url) == ["welcome"]
    assert [(e["status"], e["error"]) for e in entries(admin, "sns.sqs", arn)] == [("delivered", None)]


def test_a_policy_for_another_topic_or_service_is_still_marked(client, admin):
    sns, sqs = client("sns"), client("sqs")
    other = f"arn:aws:sns:us-east-1:{ACCOUNT}:someone-else"
    topic, url, arn = subscribed(sns, sqs, "wrong-source",
                                 policy_for=lambda q, t: allowing("sns.amazonaws.com", q, other))
    sns.publish(TopicArn=topic, Message="x")
    assert entries(admin, "sns.sqs", arn)[-1]["error"] == SNS_NOTE
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(
        allowing("events.amazonaws.com", arn, topic))})
    sns.publish(TopicArn=topic, Message="y")
    assert entries(admin, "sns.sqs", arn)[-1]["error"] == SNS_NOTE
    assert sorted(bodies(sqs, url)) == ["x", "y"]  # delivered all the same


def test_strict_policies_refuse_and_dead_letter_as_aws(client, admin, strict):
    sns, sqs = client("sns"), client("sqs")
    dlq_url, dlq_arn = make_queue(sqs, "refused-dlq")
    topic, url, arn = subscribed(sns, sqs, "refused",
                                 RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}))
    sns.publish(TopicArn=topic, Message="not for you")
    assert bodies(sqs, url) == []
    [entry] = entries(admin, "sns.sqs", arn)
    assert entry["status"] == "dead-lettered"  # a refused permission is not retried (client-side failure)
    assert entry["error"].startswith("AccessDenied: User: sns.amazonaws.com is not authorized to perform: "
                                     f"sqs:SendMessage on resource: {arn}")
    assert bodies(sqs, dlq_url) == ["not for you"]


def test_strict_policies_deliver_what_the_policy_allows(client, admin, strict):
    sns, sqs = client("sns"), client("sqs")
    topic, url, arn = subscribed(sns, sqs, "strict-allowed",
                                 policy_for=lambda q, t: allowing("sns.amazonaws.com", q, t))
    sns.publish(TopicArn=topic, Message="fine")
    assert bodies(sqs, url) == ["fine"]
    assert [e["status"] for e in entries(admin, "sns.sqs", arn)] == ["delivered"]


def test_a_topic_of_another_account_is_allowed_by_the_queue_policy(client, admin):
    a_sqs, a_sns = client("sqs", account="111111111111"), client("sns", account="111111111111")
    b_sns = client("sns", account="222222222222")
    topic = b_sns.create_topic(Name="b-feed")["TopicArn"]
    url, arn = make_queue(a_sqs, "a-feed")
    a_sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(
        allowing("sns.amazonaws.com", arn, topic))})
    b_sns.add_permission(TopicArn=topic, Label="a", AWSAccountId=["111111111111"], ActionName=["Subscribe"])
    # The queue's owner subscribes its queue to B's topic: no confirmation needed.
    sub = a_sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    assert sub["SubscriptionArn"].startswith(topic + ":")
    b_sns.publish(TopicArn=topic, Message="across")
    assert bodies(a_sqs, url) == ["across"]
    assert [e["error"] for e in entries(admin, "sns.sqs", arn)] == [None]


# --- EventBridge -> SQS, EventBridge -> SNS ----------------------------------------------------------

def rule_to(events, name: str, target_arn: str, **target) -> str:
    rule = events.put_rule(Name=name, EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "t", "Arn": target_arn, **target}])
    return rule


def put(events) -> None:
    assert events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": "{}"}])[
        "FailedEntryCount"] == 0


def test_a_rule_target_queue_without_a_policy_is_marked(client, admin):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "events-no-policy")
    rule_to(events, "to-unpolicied", arn)
    put(events)
    assert len(bodies(sqs, url)) == 1
    [entry] = entries(admin, "events.sqs", arn)
    assert entry["status"] == "delivered" and entry["error"] == EVENTS_NOTE


def test_a_rule_target_queue_allowing_the_rule_is_not_marked(client, admin):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "events-allowed")
    rule = rule_to(events, "to-allowed", arn)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(
        allowing("events.amazonaws.com", arn, rule))})
    put(events)
    assert len(bodies(sqs, url)) == 1
    assert [e["error"] for e in entries(admin, "events.sqs", arn)] == [None]


def test_strict_policies_send_a_refused_rule_target_to_its_dead_letter_queue(client, admin, strict):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "events-refused")
    dlq_url, dlq_arn = make_queue(sqs, "events-refused-dlq")
    rule = rule_to(events, "to-refused", arn, DeadLetterConfig={"Arn": dlq_arn})
    put(events)
    assert bodies(sqs, url) == []
    [entry] = entries(admin, "events.sqs", arn)
    assert entry["status"] == "dead-lettered" and entry["error"].startswith("AccessDenied: ")
    [dead] = sqs.receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
    assert dead["MessageAttributes"]["RULE_ARN"]["StringValue"] == rule


def test_a_rule_target_topic_with_its_default_policy_is_marked(client, admin):
    """A topic's default policy allows only its own account's principals: EventBridge needs a statement."""
    events, sns = client("events"), client("sns")
    topic = sns.create_topic(Name="events-topic")["TopicArn"]
    rule = rule_to(events, "to-topic", topic)
    put(events)
    [entry] = entries(admin, "events.sns", topic)
    assert entry["status"] == "delivered"
    assert entry["error"] == "AWS would refuse this: the topic policy does not allow events.amazonaws.com"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                                                "Action": "sns:Publish", "Resource": topic,
                                                "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]}))
    put(events)
    assert entries(admin, "events.sns", topic)[-1]["error"] is None
