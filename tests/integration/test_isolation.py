"""Accounts and regions are isolated as on AWS: two accounts x two regions x every SQS and SNS operation that
takes a queue URL, a queue ARN, a topic ARN or a subscription ARN.

Another account gets AWS's refusal (SQS: AccessDenied, 403; SNS: AuthorizationError, 403) unless the
resource's policy allows it; another region does not see the resource (SQS: the URL without a region is
the caller's region; SNS: "Invalid parameter: TopicArn"). The owner-only SQS actions stay refused whatever
the queue's policy says ("Cross-account permissions don't apply to this action", SQS API Reference).
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.helpers import error_of

A, B = "111111111111", "222222222222"
EAST, WEST = "us-east-1", "eu-west-1"


@pytest.fixture
def owner(client):
    return {"sqs": client("sqs", account=A), "sns": client("sns", account=A)}


@pytest.fixture
def other(client):
    return {"sqs": client("sqs", account=B), "sns": client("sns", account=B)}


@pytest.fixture
def elsewhere(client):
    """The owner's account in another region."""
    return {"sqs": client("sqs", account=A, region=WEST), "sns": client("sns", account=A, region=WEST)}


# --- SQS ---------------------------------------------------------------------------------------------

@pytest.fixture
def queue(owner):
    """A's queue with one received message (a receipt handle) and a dead-letter source: (url, arn, handle)."""
    sqs = owner["sqs"]
    url = sqs.create_queue(QueueName="iso")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="iso-source", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})})
    sqs.send_message(QueueUrl=url, MessageBody="secret")
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    return url, arn, message["ReceiptHandle"]


def sqs_calls(url: str, arn: str, handle: str) -> dict:
    """Every SQS operation on A's queue, as a call of a client."""
    return {
        "SendMessage": lambda c: c.send_message(QueueUrl=url, MessageBody="x"),
        "SendMessageBatch": lambda c: c.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}]),
        "ReceiveMessage": lambda c: c.receive_message(QueueUrl=url),
        "DeleteMessage": lambda c: c.delete_message(QueueUrl=url, ReceiptHandle=handle),
        "DeleteMessageBatch": lambda c: c.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "1", "ReceiptHandle": handle}]),
        "ChangeMessageVisibility": lambda c: c.change_message_visibility(QueueUrl=url, ReceiptHandle=handle,
                                                                         VisibilityTimeout=5),
        "ChangeMessageVisibilityBatch": lambda c: c.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "1", "ReceiptHandle": handle, "VisibilityTimeout": 5}]),
        "GetQueueAttributes": lambda c: c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]),
        "SetQueueAttributes": lambda c: c.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "1"}),
        "PurgeQueue": lambda c: c.purge_queue(QueueUrl=url),
        "DeleteQueue": lambda c: c.delete_queue(QueueUrl=url),
        "TagQueue": lambda c: c.tag_queue(QueueUrl=url, Tags={"k": "v"}),
        "UntagQueue": lambda c: c.untag_queue(QueueUrl=url, TagKeys=["k"]),
        "ListQueueTags": lambda c: c.list_queue_tags(QueueUrl=url),
        "AddPermission": lambda c: c.add_permission(QueueUrl=url, Label="l", AWSAccountIds=[B],
                                                    Actions=["SendMessage"]),
        "RemovePermission": lambda c: c.remove_permission(QueueUrl=url, Label="l"),
        "ListDeadLetterSourceQueues": lambda c: c.list_dead_letter_source_queues(QueueUrl=url),
        "StartMessageMoveTask": lambda c: c.start_message_move_task(SourceArn=arn),
        "ListMessageMoveTasks": lambda c: c.list_message_move_tasks(SourceArn=arn),
    }


SQS_OPERATIONS = sorted(sqs_calls("u", "a", "h"))
OWNER_ONLY = {"SetQueueAttributes", "DeleteQueue", "TagQueue", "UntagQueue", "ListQueueTags", "AddPermission",
              "RemovePermission", "StartMessageMoveTask", "ListMessageMoveTasks"}


def _survives(owner, url: str) -> None:
    """A's queue is still there, with its message and without another account's changes."""
    attrs = owner["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1" and attrs["DelaySeconds"] == "0"
    assert "Policy" not in attrs


@pytest.mark.parametrize("operation", SQS_OPERATIONS)
def test_another_account_is_refused_every_queue_operation(owner, other, queue, operation):
    url, arn, handle = queue
    code, message = error_of(sqs_calls(url, arn, handle)[operation], other["sqs"])
    assert code == "AccessDenied"
    assert message.startswith(f"User: arn:aws:iam::{B}:") and f"on resource: {arn}" in message
    _survives(owner, url)


@pytest.mark.parametrize("operation", SQS_OPERATIONS)
def test_the_owner_in_another_region_does_not_reach_the_queue(owner, elsewhere, queue, operation):
    """Neither by the URL without a region (the caller's region completes it) nor by that region's URL."""
    url, arn, handle = queue
    assert "/queue/" not in url  # the default region's URL on a plain host names no region
    west_url = url.replace(f"/{A}/", f"/queue/{WEST}/{A}/")
    for queue_url in (url, west_url):
        code, _ = error_of(sqs_calls(queue_url, arn.replace(EAST, WEST), handle)[operation], elsewhere["sqs"])
        assert code in ("AWS.SimpleQueueService.NonExistentQueue", "ResourceNotFoundException")
    _survives(owner, url)


def test_the_owner_may_do_everything(owner, queue):
    url, arn, handle = queue
    calls = sqs_calls(url, arn, handle)
    for operation in ("SendMessage", "ReceiveMessage", "GetQueueAttributes", "TagQueue", "ListQueueTags",
                      "AddPermission", "RemovePermission", "ListDeadLetterSourceQueues", "DeleteQueue"):
        calls[operation](owner["sqs"])


def test_one_name_in_two_regions_is_two_queues_with_two_urls(owner, elsewhere):
    east = owner["sqs"].create_queue(QueueName="twin")["QueueUrl"]
    west = elsewhere["sqs"].create_queue(QueueName="twin")["QueueUrl"]
    assert east != west and west.endswith("/queue/eu-west-1/111111111111/twin")
    assert elsewhere["sqs"].get_queue_url(QueueName="twin")["QueueUrl"] == west
    assert elsewhere["sqs"].list_queues()["QueueUrls"] == [west]
    owner["sqs"].send_message(QueueUrl=east, MessageBody="east")
    # Each URL names its region, whoever calls: the east client reaches the west queue by its URL.
    owner["sqs"].send_message(QueueUrl=west, MessageBody="west")
    assert [m["Body"] for m in elsewhere["sqs"].receive_message(QueueUrl=west)["Messages"]] == ["west"]
    assert [m["Body"] for m in owner["sqs"].receive_message(QueueUrl=east)["Messages"]] == ["east"]
    arn = elsewhere["sqs"].get_queue_attributes(QueueUrl=west, AttributeNames=["QueueArn"])["Attributes"]
    assert arn["QueueArn"] == f"arn:aws:sqs:{WEST}:{A}:twin"


def test_add_permission_lets_another_account_do_exactly_what_it_grants(owner, other, queue):
    url, arn, handle = queue
    owner["sqs"].add_permission(QueueUrl=url, Label="b-sends", AWSAccountIds=[B], Actions=["SendMessage"])
    other["sqs"].send_message(QueueUrl=url, MessageBody="from b")
    other["sqs"].send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "batch from b"}])
    assert error_of(other["sqs"].receive_message, QueueUrl=url)[0] == "AccessDenied"
    bodies = {m["Body"] for m in owner["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]}
    assert {"from b", "batch from b"} <= bodies
    owner["sqs"].remove_permission(QueueUrl=url, Label="b-sends")
    assert error_of(other["sqs"].send_message, QueueUrl=url, MessageBody="again")[0] == "AccessDenied"


def test_a_queue_policy_grants_another_account_but_never_the_owner_only_actions(owner, other, queue):
    url, arn, handle = queue
    owner["sqs"].set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}, "Action": "sqs:*", "Resource": arn},
            {"Effect": "Deny", "Principal": "*", "Action": "sqs:PurgeQueue", "Resource": arn}]})})
    got = other["sqs"].receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    assert [m["Body"] for m in got] == ["secret"]
    other["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    code, message = error_of(other["sqs"].purge_queue, QueueUrl=url)  # the explicit deny wins
    assert code == "AccessDenied" and message.endswith("with an explicit deny in a resource-based policy")
    calls = sqs_calls(url, arn, handle)
    for operation in sorted(OWNER_ONLY):
        assert error_of(calls[operation], other["sqs"])[0] == "AccessDenied", operation
    # GetQueueUrl with the owner's account id: allowed by the policy.
    assert other["sqs"].get_queue_url(QueueName="iso", QueueOwnerAWSAccountId=A)["QueueUrl"] == url


def test_get_queue_url_of_another_account_hides_a_queue_it_may_not_use(owner, other, queue):
    code, message = error_of(other["sqs"].get_queue_url, QueueName="iso", QueueOwnerAWSAccountId=A)
    assert code == "AWS.SimpleQueueService.NonExistentQueue"
    assert message == "The specified queue does not exist or you do not have access to it."


def test_an_unsigned_call_to_a_regional_host_gets_a_url_of_the_queues_region(sluice):
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Host": "sqs.eu-west-1.localhost.localstack.cloud:4566"}
    r = httpx.post(sluice.url, content=b"Action=CreateQueue&QueueName=hosted-iso", headers=headers)
    assert r.status_code == 200, r.text
    url = r.text.split("<QueueUrl>")[1].split("</QueueUrl>")[0]
    assert url == "http://sqs.eu-west-1.localhost.localstack.cloud:4566/000000000000/hosted-iso"
    r = httpx.post(sluice.url, content=b"Action=GetQueueAttributes&AttributeName.1=QueueArn&QueueUrl=" +
                   url.encode(), headers=headers)
    assert "arn:aws:sqs:eu-west-1:000000000000:hosted-iso" in r.text


# --- SNS ---------------------------------------------------------------------------------------------

@pytest.fixture
def topic(owner):
    """A's topic with a subscription: (topic arn, subscription arn)."""
    sns, sqs = owner["sns"], owner["sqs"]
    arn = sns.create_topic(Name="iso-topic")["TopicArn"]
    url = sqs.create_queue(QueueName="iso-sub")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
    return arn, sub["SubscriptionArn"]


def sns_topic_calls(arn: str) -> dict:
    return {
        "Publish": lambda c: c.publish(TopicArn=arn, Message="x"),
        "PublishBatch": lambda c: c.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "1", "Message": "x"}]),
        "Subscribe": lambda c: c.subscribe(TopicArn=arn, Protocol="email", Endpoint="b@example.com"),
        "DeleteTopic": lambda c: c.delete_topic(TopicArn=arn),
        "GetTopicAttributes": lambda c: c.get_topic_attributes(TopicArn=arn),
        "SetTopicAttributes": lambda c: c.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                                               AttributeValue="mine now"),
        "AddPermission": lambda c: c.add_permission(TopicArn=arn, Label="l", AWSAccountId=[B],
                                                    ActionName=["Publish"]),
        "RemovePermission": lambda c: c.remove_permission(TopicArn=arn, Label="l"),
        "ListSubscriptionsByTopic": lambda c: c.list_subscriptions_by_topic(TopicArn=arn),
        "TagResource": lambda c: c.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}]),
        "UntagResource": lambda c: c.untag_resource(ResourceArn=arn, TagKeys=["k"]),
        "ListTagsForResource": lambda c: c.list_tags_for_resource(ResourceArn=arn),
        "GetDataProtectionPolicy": lambda c: c.get_data_protection_policy(ResourceArn=arn),
    }


def sns_subscription_calls(sub: str) -> dict:
    return {
        "Unsubscribe": lambda c: c.unsubscribe(SubscriptionArn=sub),
        "GetSubscriptionAttributes": lambda c: c.get_subscription_attributes(SubscriptionArn=sub),
        "SetSubscriptionAttributes": lambda c: c.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="RawMessageDelivery", AttributeValue="true"),
    }


TOPIC_OPERATIONS = sorted(sns_topic_calls("t"))
SUBSCRIPTION_OPERATIONS = sorted(sns_subscription_calls("s"))
# Operations whose TopicArn is checked against the caller's region (the tag and data-protection operations
# take a ResourceArn).
REGIONAL = [op for op in TOPIC_OPERATIONS if not op.endswith("Resource") and "DataProtection" not in op]


def _topic_survives(owner, arn: str, sub: str) -> None:
    attrs = owner["sns"].get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs.get("DisplayName", "") == "" and attrs["SubscriptionsConfirmed"] == "1"
    assert json.loads(attrs["Policy"])["Statement"][0]["Sid"] == "__default_statement_ID"
    assert len(json.loads(attrs["Policy"])["Statement"]) == 1
    assert owner["sns"].get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["RawMessageDelivery"] == \
        "false"


@pytest.mark.parametrize("operation", TOPIC_OPERATIONS)
def test_another_account_is_refused_every_topic_operation(owner, other, topic, operation):
    arn, sub = topic
    code, message = error_of(sns_topic_calls(arn)[operation], other["sns"])
    assert code == "AuthorizationError"
    assert message.startswith(f"User: arn:aws:iam::{B}:") and f"on resource: {arn}" in message
    _topic_survives(owner, arn, sub)


@pytest.mark.parametrize("operation", SUBSCRIPTION_OPERATIONS)
def test_another_account_is_refused_every_subscription_operation(owner, other, topic, operation):
    arn, sub = topic
    assert error_of(sns_subscription_calls(sub)[operation], other["sns"])[0] == "AuthorizationError"
    _topic_survives(owner, arn, sub)


@pytest.mark.parametrize("operation", REGIONAL)
def test_a_topic_arn_of_another_region_is_an_invalid_parameter(owner, elsewhere, topic, operation):
    arn, sub = topic
    assert error_of(sns_topic_calls(arn)[operation], elsewhere["sns"]) == ("InvalidParameter",
                                                                          "Invalid parameter: TopicArn")
    _topic_survives(owner, arn, sub)


def test_the_topic_policy_grants_another_account_what_it_names(owner, other, topic):
    arn, sub = topic
    owner["sns"].add_permission(TopicArn=arn, Label="b-publishes", AWSAccountId=[B], ActionName=["Publish"])
    assert other["sns"].publish(TopicArn=arn, Message="from b")["MessageId"]
    assert error_of(other["sns"].delete_topic, TopicArn=arn)[0] == "AuthorizationError"
    owner["sns"].remove_permission(TopicArn=arn, Label="b-publishes")
    assert error_of(other["sns"].publish, TopicArn=arn, Message="again")[0] == "AuthorizationError"
    owner["sns"].set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": B},
                                                "Action": ["sns:Subscribe", "sns:List*"], "Resource": arn}]}))
    assert other["sns"].list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert error_of(other["sns"].publish, TopicArn=arn, Message="no")[0] == "AuthorizationError"


def test_another_accounts_topic_cannot_take_a_queue_without_its_owner(owner, other, admin):
    """B subscribes A's queue to B's topic: the subscription waits for A to confirm (the confirmation is
    the only message A's queue gets), so B's publishes do not land in A's queue."""
    sqs = owner["sqs"]
    url = sqs.create_queue(QueueName="not-yours")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    b_topic = other["sns"].create_topic(Name="b-topic")["TopicArn"]
    sub = other["sns"].subscribe(TopicArn=b_topic, Protocol="sqs", Endpoint=queue_arn)
    assert sub["SubscriptionArn"] == "pending confirmation"
    other["sns"].publish(TopicArn=b_topic, Message="spam")
    [got] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    confirmation = json.loads(got["Body"])
    assert confirmation["Type"] == "SubscriptionConfirmation" and confirmation["TopicArn"] == b_topic
    # The queue's owner confirms (with the token, as from the SubscribeURL); from then on B's publishes arrive.
    confirmed = owner["sns"].confirm_subscription(TopicArn=b_topic, Token=confirmation["Token"])
    assert confirmed["SubscriptionArn"].startswith(b_topic + ":")
    other["sns"].publish(TopicArn=b_topic, Message="welcome")
    bodies = [json.loads(m["Body"])["Message"] for m in sqs.receive_message(QueueUrl=url)["Messages"]]
    assert bodies == ["welcome"]


def test_the_owners_own_queue_subscription_needs_no_confirmation(owner):
    sqs, sns = owner["sqs"], owner["sns"]
    url = sqs.create_queue(QueueName="own")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    arn = sns.create_topic(Name="own")["TopicArn"]
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"].startswith(arn)
