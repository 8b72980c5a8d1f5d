"""SNS, wire-exact (issue #14): each test pins a behaviour AWS shows, and cites where it was recorded.

Sources: LocalStack's AWS-validated tests and snapshots (tests/aws/services/sns/), moto's tests
(tests/test_sns/), pail's AWS recordings (its docs/aws.md), and the SNS Developer Guide and API Reference.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.helpers import error_of

ACCOUNT = "000000000000"


@pytest.fixture
def sns(client):
    return client("sns")


def queue(sqs, name: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs, url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"],
                               MessageAttributeNames=["All"]).get("Messages", [])


# --- query error shape --------------------------------------------------------------------------------

def test_query_errors_have_no_detail_element(sluice):
    """SNS's query errors are <Error><Type/><Code/><Message/></Error> (SQS's add an empty <Detail/>)."""
    response = httpx.post(sluice.url + "/", data={"Action": "GetTopicAttributes", "Version": "2010-03-31",
                                                  "TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:nope"}, timeout=10)
    ns = {"s": "http://sns.amazonaws.com/doc/2010-03-31/"}
    error = ET.fromstring(response.content).find("s:Error", ns)
    assert [child.tag.split("}")[1] for child in error] == ["Type", "Code", "Message"]


# --- links in messages -------------------------------------------------------------------------------

def test_unsubscribe_url_carries_the_arn_with_plain_colons(sns, sqs):
    """AWS's notifications: "UnsubscribeURL" : "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&
    SubscriptionArn=arn:aws:sns:us-east-1:123456789012:MyTopic:c9135db0-..." (SNS DG, message formats)."""
    topic = sns.create_topic(Name="links")["TopicArn"]
    url, arn = queue(sqs, "links")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="m")
    body = json.loads(drain(sqs, url)[0]["Body"])
    assert body["UnsubscribeURL"].endswith(f"/?Action=Unsubscribe&SubscriptionArn={sub}")


# --- GetSubscriptionAttributes --------------------------------------------------------------------------

@pytest.mark.parametrize("protocol,endpoint", [
    ("sqs", "arn:aws:sqs:us-east-1:000000000000:principal"),
    ("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f"),
    ("sms", "+15551234567"),
])
def test_subscription_attributes_confirmed_at_creation(sns, protocol, endpoint):
    """LocalStack's AWS-validated snapshots: ConfirmationWasAuthenticated "true" for subscriptions
    confirmed at creation; SubscriptionPrincipal the caller's IAM identity (as STS GetCallerIdentity
    names it); FilterPolicyScope only with a FilterPolicy."""
    topic = sns.create_topic(Name="attrs")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint,
                        Attributes={"FilterPolicyScope": "MessageBody"})["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["ConfirmationWasAuthenticated"] == "true" and attrs["PendingConfirmation"] == "false"
    assert attrs["SubscriptionPrincipal"] == f"arn:aws:iam::{ACCOUNT}:user/sluice"
    assert "FilterPolicyScope" not in attrs
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue=json.dumps({"a": ["b"]}))
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["FilterPolicyScope"] == "MessageBody"


def test_principal_is_the_identity_sts_reports(client, sns):
    identity = client("sts").get_caller_identity()
    topic = sns.create_topic(Name="whoami")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
    assert attrs["SubscriptionPrincipal"] == identity["Arn"]


def test_pending_subscription_is_not_authenticated(sns):
    topic = sns.create_topic(Name="pending")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert (attrs["PendingConfirmation"], attrs["ConfirmationWasAuthenticated"]) == ("true", "false")


# --- FIFO topics ----------------------------------------------------------------------------------------

def test_fifo_topic_notifications_are_unsigned_and_standard_queues_may_subscribe(sns, sqs):
    """LocalStack's AWS-validated test_publish_fifo_messages_to_dlq / snapshots of FIFO deliveries (no
    Signature, SignatureVersion, SigningCertURL), test_validate_fifo_topic_subscription ("not-fifo-queue"
    subscribed to a FIFO topic)."""
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true",
                                                        "ContentBasedDeduplication": "true"})["TopicArn"]
    fifo_url, fifo_arn = queue(sqs, "q.fifo", FifoQueue="true")
    std_url, std_arn = queue(sqs, "std")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=std_arn)
    sns.publish(TopicArn=topic, Message="one", MessageGroupId="g")
    sns.publish(TopicArn=topic, Message="one", MessageGroupId="g")  # a duplicate: dropped at the topic
    [fifo_message] = drain(sqs, fifo_url)
    [std_message] = drain(sqs, std_url)
    for message in (fifo_message, std_message):
        body = json.loads(message["Body"])
        assert body["Type"] == "Notification" and "SequenceNumber" in body
        assert not {"Signature", "SignatureVersion", "SigningCertURL"} & set(body)
    assert fifo_message["Attributes"]["MessageGroupId"] == "g"
    assert "MessageGroupId" not in std_message["Attributes"]
    assert "MessageDeduplicationId" not in std_message["Attributes"]


def test_fifo_subscription_needs_a_fifo_dlq(sns, sqs):
    """LocalStack's AWS-validated test_validate_fifo_topic_subscription snapshot."""
    topic = sns.create_topic(Name="dlq.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    _, fifo_arn = queue(sqs, "sub.fifo", FifoQueue="true")
    _, std_arn = queue(sqs, "plain-dlq")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=fifo_arn)["SubscriptionArn"]
    assert error_of(sns.set_subscription_attributes, SubscriptionArn=sub, AttributeName="RedrivePolicy",
                    AttributeValue=json.dumps({"deadLetterTargetArn": std_arn})) == (
        "InvalidParameter", "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription "
        "to a FIFO Topic.")
    std_sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=std_arn)["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=std_sub, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": std_arn}))


def test_fifo_topic_name(sns):
    assert error_of(sns.create_topic, Name="nofifo", Attributes={"FifoTopic": "true"}) == (
        "InvalidParameter", "Invalid parameter: Topic Name")


# --- PublishBatch ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("attributes,entry,code,message", [
    ({"FifoTopic": "true"}, {"MessageDeduplicationId": "d"}, "InvalidParameter",
     "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"),
    ({"FifoTopic": "true"}, {"MessageGroupId": "g"}, "InvalidParameter",
     "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
     "MessageDeduplicationId provided explicitly"),
    ({}, {"MessageStructure": "json", "Message": json.dumps({"sqs": "x"})}, "InvalidParameter",
     "Invalid parameter: Message Structure - No default entry in JSON message body"),
    ({}, {"MessageAttributes": {"a": {"DataType": "String", "BinaryValue": b"x"}}}, "ParameterValueInvalid",
     "The message attribute 'a' with type 'String' must use field 'String'."),
])
def test_publish_batch_fails_whole_with_publish_texts(sns, sqs, attributes, entry, code, message):
    """LocalStack's AWS-validated PublishBatch tests: such an entry fails the whole request."""
    name = "batch.fifo" if attributes else "batch"
    topic = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    url, arn = queue(sqs, "batch-q.fifo" if attributes else "batch-q", **({"FifoQueue": "true"} if attributes else {}))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    good = {"Id": "good", "Message": "fine", **({"MessageGroupId": "g", "MessageDeduplicationId": "1"}
                                                  if attributes else {})}
    bad = {"Id": "bad", "Message": "m", **entry}
    assert error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[good, bad]) == (code, message)
    assert drain(sqs, url) == []


@pytest.mark.parametrize("entry_id,message", [
    ("a" * 81, "The Id of a batch entry in the batch request is too long: " + "a" * 81),
    ("a.b", "The Id of a batch entry in the batch request contains an impermissible character: a.b"),
])
def test_publish_batch_entry_ids(sns, entry_id, message):
    topic = sns.create_topic(Name="ids")["TopicArn"]
    assert error_of(sns.publish_batch, TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": entry_id, "Message": "m"}]) == ("InvalidBatchEntryId", message)


# --- message attributes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("attributes,message", [
    ({"a": {"DataType": "String", "BinaryValue": b"x"}}, "The message attribute 'a' with type 'String' must use "
                                                         "field 'String'."),
    ({"a": {"DataType": "Binary", "StringValue": "x"}}, "The message attribute 'a' with type 'Binary' must use "
                                                        "field 'Binary'."),
    ({"a" * 257: {"DataType": "String", "StringValue": "x"}}, "Length of message attribute name must be less than "
                                                              "256 bytes."),
    ({"a^b": {"DataType": "String", "StringValue": "x"}}, "Invalid non-alphanumeric character '#x5E' was found in "
                                                          "the message attribute name. Can only include alphanumeric "
                                                          "characters, hyphens, underscores, or dots."),
    ({".a": {"DataType": "String", "StringValue": "x"}}, "Invalid message attribute name starting with character "
                                                         "'.' was found."),
    ({"a.": {"DataType": "String", "StringValue": "x"}}, "Invalid message attribute name ending with character "
                                                         "'.' was found."),
    ({"a..b": {"DataType": "String", "StringValue": "x"}}, "Message attribute name can not have successive '.' "
                                                           "character."),
    ({"a": {"DataType": "String.", "StringValue": "x"}}, "The message attribute 'a' has an invalid message "
                                                         "attribute type, the set of supported type prefixes is "
                                                         "Binary, Number, and String."),
])
def test_message_attribute_errors(sns, attributes, message):
    """LocalStack's AWS-validated test_publish_wrong_datatype / test_message_attributes_name_validation."""
    topic = sns.create_topic(Name="mattrs")["TopicArn"]
    assert error_of(sns.publish, TopicArn=topic, Message="m", MessageAttributes=attributes) == (
        "ParameterValueInvalid", message)


def test_custom_type_labels_are_accepted(sns):
    topic = sns.create_topic(Name="labels")["TopicArn"]
    sns.publish(TopicArn=topic, Message="m", MessageAttributes={"a": {"DataType": "String.x", "StringValue": "v"}})


# --- MessageStructure=json ------------------------------------------------------------------------------

def test_message_structure_values_that_are_not_strings_count_as_absent(sns, sqs):
    """Publish (API Reference): keys for protocols "must have simple JSON string values"."""
    topic = sns.create_topic(Name="structure")["TopicArn"]
    assert error_of(sns.publish, TopicArn=topic, MessageStructure="json",
                    Message=json.dumps({"default": {"a": 1}})) == (
        "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
    url, arn = queue(sqs, "structure")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": {"x": 1}}))
    assert drain(sqs, url)[0]["Body"] == "d"


# --- ARNs -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call", ["publish", "get_topic_attributes", "subscribe", "list_subscriptions_by_topic",
                                  "delete_topic", "set_topic_attributes"])
def test_malformed_and_foreign_region_topic_arns(sns, call):
    """moto test_publish_to_sqs_bad (An ARN must have at least 6 elements, not 1); issue #14 for the region."""
    params = {"publish": {"Message": "m"}, "subscribe": {"Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:"
                                                                                        f"{ACCOUNT}:q"},
              "set_topic_attributes": {"AttributeName": "DisplayName", "AttributeValue": "x"}}.get(call, {})
    assert error_of(getattr(sns, call), TopicArn="randomstring", **params) == (
        "InvalidParameter", "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1")
    other = sns.create_topic(Name="elsewhere")["TopicArn"].replace("us-east-1", "eu-west-1")
    assert error_of(getattr(sns, call), TopicArn=other, **params) == ("InvalidParameter",
                                                                       "Invalid parameter: TopicArn")


def test_delivery_across_regions_still_works(client, sqs):
    sns_west = client("sns", region="eu-west-1")
    topic = sns_west.create_topic(Name="west")["TopicArn"]
    url, arn = queue(sqs, "east")  # us-east-1
    sns_west.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    sns_west.publish(TopicArn=topic, Message="across")
    assert drain(sqs, url)[0]["Body"] == "across"


def test_subscription_arns(sns):
    """A malformed subscription ARN is refused; a well-formed one of a deleted subscription unsubscribes
    with 200 (pail's AWS recording sns-edge-cases)."""
    for call in (sns.get_subscription_attributes, sns.unsubscribe):
        assert error_of(call, SubscriptionArn="randomstring") == ("InvalidParameter",
                                                                  "Invalid parameter: SubscriptionId")
    topic = sns.create_topic(Name="unsub")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q")
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])  # gone already: still 200
    assert error_of(sns.get_subscription_attributes, SubscriptionArn=sub["SubscriptionArn"])[0] == "NotFound"


def test_confirm_subscription_checks_the_token_first(sns):
    """LocalStack's AWS-validated test_subscribe_with_invalid_token... (Invalid parameter: Token, also for a
    missing topic); moto (Invalid token) for a token that is not one."""
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:missing"
    assert error_of(sns.confirm_subscription, TopicArn=missing, Token="abcd1234") == (
        "InvalidParameter", "Invalid parameter: Token")
    assert error_of(sns.confirm_subscription, TopicArn=missing, Token="not a token!") == (
        "InvalidParameter", "Invalid token")


# --- topics: tags, permissions ------------------------------------------------------------------------------

def test_create_topic_is_idempotent_for_a_subset_of_its_tags(sns):
    """LocalStack's AWS-validated test_create_duplicate_topic_check_idempotency."""
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    arn = sns.create_topic(Name="tagged", Tags=tags)["TopicArn"]
    assert sns.create_topic(Name="tagged", Tags=tags[:1])["TopicArn"] == arn
    assert sns.create_topic(Name="tagged")["TopicArn"] == arn
    assert error_of(sns.create_topic, Name="tagged", Tags=[{"Key": "a", "Value": "other"}])[0] == "InvalidParameter"


def test_tag_resource_with_duplicated_keys(sns):
    arn = sns.create_topic(Name="dups")["TopicArn"]
    assert error_of(sns.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]) \
        == ("InvalidParameter", "Invalid parameter: Duplicated keys are not allowed.")


def test_add_permission_with_an_unknown_action(sns):
    arn = sns.create_topic(Name="perm")["TopicArn"]
    assert error_of(sns.add_permission, TopicArn=arn, Label="l", AWSAccountId=["111111111111"],
                    ActionName=["Fly"]) == ("InvalidParameter",
                                            "Invalid parameter: Policy statement action out of service scope!")
    sns.add_permission(TopicArn=arn, Label="l", AWSAccountId=["111111111111"], ActionName=["Publish"])


# --- SMS endpoints ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("endpoint,ok", [
    ("+15551234567", True), ("+12/34-567.890", True), ("+1 555 123 4567", True), ("15551234567", True),
    ("+15--551234567", False), ("+15551234567-", False), ("-15551234567", False), ("+1555/", False),
    ("NAA+15551234567", False),
])
def test_sms_endpoints(sns, endpoint, ok):
    """moto test_subscribe_sms / test_subscribe_bad_sms (Invalid SMS endpoint: <endpoint>)."""
    topic = sns.create_topic(Name="sms")["TopicArn"]
    if ok:
        sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint=endpoint)
    else:
        assert error_of(sns.subscribe, TopicArn=topic, Protocol="sms", Endpoint=endpoint) == (
            "InvalidParameter", f"Invalid SMS endpoint: {endpoint}")


# --- filter policies --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope,value,matches", [
    ("MessageAttributes", {"price": {"DataType": "Number", "StringValue": "100.1234567"}}, True),
    ("MessageAttributes", {"price": {"DataType": "Number", "StringValue": "100.1234561"}}, False),
    ("MessageAttributes", {"price": {"DataType": "String.Array", "StringValue": "[100.1234567]"}}, True),
    ("MessageAttributes", {"price": {"DataType": "String.Array", "StringValue": "[100.1234561]"}}, False),
    ("MessageBody", {"price": 100.1234567}, True),
    ("MessageBody", {"price": 100.1234561}, False),
])
def test_numeric_equality_precision(sns, sqs, scope, value, matches):
    """SNS DG, filter policy constraints: numbers match "with five digits of accuracy after the decimal
    point"; issue #14's recorded case: 100.123456789 matches 100.1234567, not 100.1234561."""
    topic = sns.create_topic(Name="precise")["TopicArn"]
    url, arn = queue(sqs, "precise")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={
        "FilterPolicyScope": scope, "FilterPolicy": json.dumps({"price": [100.123456789]}),
        "RawMessageDelivery": "true"})
    if scope == "MessageBody":
        sns.publish(TopicArn=topic, Message=json.dumps(value))
    else:
        sns.publish(TopicArn=topic, Message="m", MessageAttributes=value)
    assert bool(drain(sqs, url)) is matches


def test_filter_policy_leaf_error_comes_before_the_nesting_rule(sns):
    topic = sns.create_topic(Name="leaf")["TopicArn"]
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
                    Attributes={"FilterPolicy": json.dumps({"key": {"suffix": "x"}})}) == (
        "InvalidParameter", 'Invalid parameter: Attributes Reason: FilterPolicy: "suffix" must be an object or an '
        "array")


# --- Subscribe idempotency, list tokens --------------------------------------------------------------------

def test_subscribe_idempotency_compares_effective_attributes(sns):
    topic = sns.create_topic(Name="idem")["TopicArn"]
    endpoint = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint,
                         Attributes={"RawMessageDelivery": "false"})["SubscriptionArn"] == arn
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery", AttributeValue="true")
    assert sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=endpoint,
                         Attributes={"RawMessageDelivery": "True"})["SubscriptionArn"] == arn
    assert error_of(sns.subscribe, TopicArn=topic, Protocol="sqs", Endpoint=endpoint,
                    Attributes={"RawMessageDelivery": "false"})[0] == "InvalidParameter"


def test_list_next_tokens_are_opaque(sns):
    for i in range(101):
        sns.create_topic(Name=f"page-{i:03d}")
    first = sns.list_topics()
    token = first["NextToken"]
    assert not token.startswith("arn:")
    assert base64.b64decode(token).decode() == first["Topics"][-1]["TopicArn"]
    rest = sns.list_topics(NextToken=token)
    assert len(first["Topics"]) + len(rest["Topics"]) == 101 and "NextToken" not in rest


def test_subscribe_url_carries_the_topic_arn_with_plain_colons(sns, admin):
    topic = sns.create_topic(Name="confirm")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="a@example.com")
    [row] = admin.get("/_sluice/sns/messages", params={"protocol": "email"}).json()
    payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
    doc = json.loads(payload["Message"])
    assert doc["Type"] == "SubscriptionConfirmation"
    assert f"&TopicArn={topic}&Token=" in doc["SubscribeURL"]
    assert parse_qs(urlsplit(doc["SubscribeURL"]).query)["TopicArn"] == [topic]
