"""SNS subscriptions: protocols and endpoints, attributes, filter-policy validation, listing, unsubscribing."""

import json

import pytest
from botocore.exceptions import ClientError

QUEUE = "arn:aws:sqs:us-east-1:000000000000:q"


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"], \
        excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def topic(client):
    return client("sns").create_topic(Name="t")["TopicArn"]


@pytest.mark.parametrize("protocol,endpoint,attributes,pending", [
    ("sqs", QUEUE, {}, False),
    ("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f", {}, False),
    ("firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
     {"SubscriptionRoleArn": "arn:aws:iam::000000000000:role/r"}, False),
    ("sms", "+15555550100", {}, False),
    ("application", "arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/0b1c2d3e-1111-2222-3333-444455556666",
     {}, False),
    ("email", "someone@example.com", {}, True),
    ("email-json", "someone@example.com", {}, True),
    ("http", "http://127.0.0.1:9/hook", {}, True),
    ("https", "https://example.com/hook", {}, True),
])
def test_protocols_and_confirmation_state(client, topic, protocol, endpoint, attributes, pending):
    sns = client("sns")
    arn = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)[
        "SubscriptionArn"]
    if pending:
        assert arn == "pending confirmation"
        listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        assert listed[0]["SubscriptionArn"] == "PendingConfirmation"
        full = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, ReturnSubscriptionArn=True)[
            "SubscriptionArn"]
        attrs = sns.get_subscription_attributes(SubscriptionArn=full)["Attributes"]
        assert attrs["PendingConfirmation"] == "true"
        assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "1"
    else:
        assert arn.startswith(topic + ":")
        attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        assert attrs["PendingConfirmation"] == "false" and attrs["Protocol"] == protocol
        assert attrs["Endpoint"] == endpoint and attrs["TopicArn"] == topic and attrs["Owner"] == "000000000000"
        assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"


@pytest.mark.parametrize("protocol,endpoint,attributes,message", [
    ("carrier-pigeon", "x", {}, "Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon"),
    ("http", "https://example.com", {}, "Invalid parameter: Endpoint must match the specified protocol"),
    ("https", "ftp://example.com", {}, "Invalid parameter: Endpoint must match the specified protocol"),
    ("email", "not-an-address", {}, "Invalid parameter: Email address"),
    ("sqs", "arn:aws:sqs:us-east-1:000000000000", {}, "Invalid parameter: SQS endpoint ARN"),
    ("sqs", "https://sqs.us-east-1.amazonaws.com/000000000000/q", {}, "Invalid parameter: SQS endpoint ARN"),
    ("lambda", "arn:aws:sqs:us-east-1:000000000000:q", {}, "Invalid parameter: Lambda endpoint ARN"),
    ("sms", "call me", {}, "Invalid SMS endpoint: call me"),  # AWS's text has no "Invalid parameter: "
    ("firehose", "arn:aws:firehose:us-east-1:000000000000:deliverystream/s", {}, "SubscriptionRoleArn"),
    ("sqs", QUEUE, {"RawMessageDelivery": "yes"}, "RawMessageDelivery"),
    ("email", "a@b.c", {"RawMessageDelivery": "true"}, "does not support raw message delivery"),
    ("sqs", QUEUE, {"Colour": "blue"}, "Unknown attribute Colour"),
    ("sqs", QUEUE, {"RedrivePolicy": '{"deadLetterTargetArn": "nope"}'}, "RedrivePolicy"),
    ("sqs", QUEUE, {"DeliveryPolicy": '{"healthyRetryPolicy": {}}'}, "DeliveryPolicy"),
    ("sqs", QUEUE, {"FilterPolicy": '{"a": "b"}'}, "FilterPolicy"),
    ("sqs", QUEUE, {"FilterPolicy": '{"a": {"b": ["c"]}}'}, "nested"),
    ("sqs", QUEUE, {"FilterPolicy": '{"a": ["b"]}', "FilterPolicyScope": "Body"}, "FilterPolicyScope"),
    ("sqs", "arn:aws:sqs:us-east-1:000000000000:q.fifo", {}, "FIFO SQS Queues can not be subscribed"),
])
def test_subscribe_validation(client, topic, protocol, endpoint, attributes, message):
    with pytest.raises(ClientError) as err:
        client("sns").subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)
    code, text, status = error(err)
    assert (code, status) == ("InvalidParameter", 400)
    if protocol == "sms":
        assert text == message
    else:
        assert text.startswith("Invalid parameter: ") and message in text


def test_fifo_topic_takes_only_sqs_queues(client):
    """FIFO and standard queues alike (LocalStack's AWS-validated test_validate_fifo_topic_subscription)."""
    sns = client("sns")
    arn = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError):
        sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://example.com")
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=QUEUE)["SubscriptionArn"].startswith(arn)
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=QUEUE + ".fifo")["SubscriptionArn"].startswith(arn)


def test_subscribe_to_missing_topic(client):
    with pytest.raises(ClientError) as err:
        client("sns").subscribe(TopicArn="arn:aws:sns:us-east-1:000000000000:nope", Protocol="sqs", Endpoint=QUEUE)
    assert error(err) == ("NotFound", "Topic does not exist", 404)


def test_subscribe_is_idempotent(client, topic):
    sns = client("sns")
    first = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE,
                          Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE)["SubscriptionArn"] == first
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE,
                         Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"] == first
    with pytest.raises(ClientError) as err:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE, Attributes={"RawMessageDelivery": "false"})
    assert "already exists with different attributes" in error(err)[1]


def test_subscription_attributes(client, topic):
    sns = client("sns")
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=QUEUE)["SubscriptionArn"]
    policy = json.dumps({"store": ["eu"]})
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy", AttributeValue=policy)
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="true")
    redrive = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"})
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy", AttributeValue=redrive)
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["FilterPolicy"] == policy and attrs["FilterPolicyScope"] == "MessageAttributes"
    assert attrs["RawMessageDelivery"] == "true" and attrs["RedrivePolicy"] == redrive
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicyScope",
                                    AttributeValue="MessageBody")
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["FilterPolicyScope"] == "MessageBody"
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"a": {"b": ["c"]}}))   # nested: body scope only
    with pytest.raises(ClientError) as err:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicyScope",
                                        AttributeValue="MessageAttributes")
    assert error(err)[0] == "InvalidParameter"
    with pytest.raises(ClientError) as err:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="FilterPolicy",
                                        AttributeValue='{"a": [{"numeric": [">", "x"]}]}')
    code, message, _ = error(err)
    assert code == "InvalidParameter" and message.startswith("Invalid parameter: FilterPolicy: ")
    with pytest.raises(ClientError) as err:
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="Protocol", AttributeValue="http")
    assert error(err) == ("InvalidParameter", "Invalid parameter: AttributeName", 400)


def test_http_subscription_reports_effective_delivery_policy(client, topic):
    sns = client("sns")
    policy = json.dumps({"healthyRetryPolicy": {"numRetries": 7, "minDelayTarget": 2, "maxDelayTarget": 9}})
    arn = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint="http://127.0.0.1:9/",
                        Attributes={"DeliveryPolicy": policy}, ReturnSubscriptionArn=True)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["DeliveryPolicy"] == policy
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["healthyRetryPolicy"]["numRetries"] == 7
    assert effective["healthyRetryPolicy"]["backoffFunction"] == "linear"


def test_missing_subscription(client, topic):
    sns = client("sns")
    with pytest.raises(ClientError) as err:
        sns.get_subscription_attributes(SubscriptionArn=topic + ":nope")
    assert error(err) == ("NotFound", "Subscription does not exist", 404)
    sns.unsubscribe(SubscriptionArn=topic + ":nope")  # well-formed: 200 even when there is no such subscription
    with pytest.raises(ClientError) as err:
        sns.get_subscription_attributes(SubscriptionArn="garbage")
    assert error(err) == ("InvalidParameter", "Invalid parameter: SubscriptionId", 400)


def test_list_subscriptions_pages_and_unsubscribe(client, topic):
    sns = client("sns")
    arns = [sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"{QUEUE}{i}")["SubscriptionArn"]
            for i in range(103)]
    first = sns.list_subscriptions()
    assert len(first["Subscriptions"]) == 100 and first["NextToken"]
    second = sns.list_subscriptions(NextToken=first["NextToken"])
    assert len(second["Subscriptions"]) == 3 and "NextToken" not in second
    by_topic = sns.list_subscriptions_by_topic(TopicArn=topic)
    assert len(by_topic["Subscriptions"]) == 100
    assert {s["SubscriptionArn"] for s in first["Subscriptions"] + second["Subscriptions"]} == set(arns)
    entry = first["Subscriptions"][0]
    assert set(entry) == {"SubscriptionArn", "Owner", "Protocol", "Endpoint", "TopicArn"}
    sns.unsubscribe(SubscriptionArn=arns[0])
    attrs = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["SubscriptionsConfirmed"] == "102" and attrs["SubscriptionsDeleted"] == "1"


def test_confirm_subscription_with_token_from_the_email(client, admin, topic):
    sns = client("sns")
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="me@example.com")
    captured = admin.get("/_sluice/sns/messages", params={"protocol": "email-json"}).json()
    confirmation = json.loads(captured[0]["payload"]["Message"])
    assert confirmation["Type"] == "SubscriptionConfirmation"
    with pytest.raises(ClientError) as err:
        sns.confirm_subscription(TopicArn=topic, Token="wrong")
    assert error(err) == ("InvalidParameter", "Invalid parameter: Token", 400)
    arn = sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"],
                                   AuthenticateOnUnsubscribe="true")["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["PendingConfirmation"] == "false" and attrs["ConfirmationWasAuthenticated"] == "true"
    # Confirming again is harmless and answers the same ARN.
    assert sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])["SubscriptionArn"] == arn
