"""SQS, wire-exact (issue #14): each test pins a behaviour AWS shows, and cites where it was recorded.

Sources: LocalStack's AWS-validated tests and snapshots (tests/aws/services/sqs/test_sqs.py), moto's
tests (tests/test_sqs/test_sqs.py), AWS answers posted by users, and the SQS API Reference.
The FIFO receive order has its own file, test_wire_exact_fifo_order.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.helpers import error_of

NS = {"q": "http://queue.amazonaws.com/doc/2012-11-05/"}
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def json_call(sluice, operation: str, **params) -> httpx.Response:
    """An SQS call over the JSON protocol, as the SDKs send it (unsigned: the default account)."""
    return httpx.post(sluice.url + "/", content=json.dumps(params), timeout=10,
                      headers={"X-Amz-Target": f"AmazonSQS.{operation}",
                               "Content-Type": "application/x-amz-json-1.0"})


def query_call(sluice, path: str = "/", *, method: str = "POST", headers: dict | None = None,
               **form) -> httpx.Response:
    if method == "GET":
        return httpx.get(sluice.url + path, params=form, headers=headers or {}, timeout=10)
    form.setdefault("Version", "2012-11-05")
    return httpx.post(sluice.url + path, data=form, headers=headers or {}, timeout=10)


def with_trace_header(client, operation: str):
    """Make ``client`` send X-Amzn-Trace-Id with ``operation``."""
    def add(request, **_):
        request.headers["X-Amzn-Trace-Id"] = TRACE
    client.meta.events.register(f"before-sign.{client.meta.service_model.endpoint_prefix}.{operation}", add)
    return client


# --- error shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("operation,params,status,type_,query", [
    # AWS's answer posted in http4k/http4k#1336: {"__type": "com.amazon.coral.service#InvalidParameterValueException",
    # ...}; pail's AWS recordings (test/diff): InvalidParameterValue and MissingParameter are Coral's
    # generic exceptions, the errors the model defines are com.amazonaws.sqs#<shape>.
    ("ReceiveMessage", {"MaxNumberOfMessages": 11}, 400,
     "com.amazon.coral.service#InvalidParameterValueException", "InvalidParameterValue;Sender"),
    ("SendMessage", {"MessageBody": ""}, 400,
     "com.amazon.coral.service#MissingRequiredParameterException", "MissingParameter;Sender"),
    ("GetQueueAttributes", {"AttributeNames": ["Nope"]}, 400,
     "com.amazonaws.sqs#InvalidAttributeName", "InvalidAttributeName;Sender"),
    ("DeleteMessage", {"ReceiptHandle": "junk"}, 400,
     "com.amazonaws.sqs#ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid;Sender"),
    ("SendMessageBatch", {"Entries": []}, 400,
     "com.amazonaws.sqs#EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest;Sender"),
])
def test_json_error_type_names(sqs, sluice, operation, params, status, type_, query):
    url = sqs.create_queue(QueueName="errors")["QueueUrl"]
    response = json_call(sluice, operation, QueueUrl=url, **params)
    assert response.status_code == status
    assert response.json()["__type"] == type_
    assert response.headers["x-amzn-query-error"] == query


def test_json_error_of_a_missing_queue(sluice):
    response = json_call(sluice, "GetQueueUrl", QueueName="nope")
    assert response.json()["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"
    assert response.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"


def test_sdk_codes_are_the_legacy_ones(sqs):
    """botocore reads the code from x-amzn-query-error (awsQueryCompatible): the query codes."""
    url = sqs.create_queue(QueueName="legacy")["QueueUrl"]
    assert error_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)[0] == "InvalidParameterValue"


# --- ChangeMessageVisibility ----------------------------------------------------------------------

def test_change_visibility_of_a_message_whose_timeout_ran_out_answers_200(sqs, advance):
    """moto test_batch_change_message_visibility_on_old_message (AWS answers Successful); issue #14."""
    url = sqs.create_queue(QueueName="cmv")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]["ReceiptHandle"]
    advance(2)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # in flight again, for the new timeout
    advance(5)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "x"


# --- standard queue order -------------------------------------------------------------------------

def test_standard_queue_serves_the_oldest_visible_message_first(sqs, advance):
    """Among visible messages the oldest by send time comes first, also when it came back from a
    visibility timeout after newer ones were sent (issue #14)."""
    url = sqs.create_queue(QueueName="std-order")["QueueUrl"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=2)["Messages"][0]
    assert first["Body"] == "a"
    advance(1)
    sqs.send_message(QueueUrl=url, MessageBody="d", DelaySeconds=1)
    advance(1)  # a is visible again (after b and c were sent), d just became visible
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert [m["Body"] for m in got] == ["a", "b", "c", "d"]
    # received with VisibilityTimeout=0: still the same order
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert [m["Body"] for m in got] == ["a", "b"]


# --- SendMessageBatch on a FIFO queue, batch answers --------------------------------------------------

@pytest.mark.parametrize("attributes,entry,message", [
    ({}, {"MessageGroupId": "g"},
     "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
     "explicitly"),
    ({"ContentBasedDeduplication": "true"}, {}, "The request must contain the parameter MessageGroupId."),
])
def test_fifo_batch_entry_without_ids_fails_the_whole_request(sqs, attributes, entry, message):
    url = sqs.create_queue(QueueName="b.fifo", Attributes={"FifoQueue": "true", **attributes})["QueueUrl"]
    entries = [{"Id": "ok", "MessageBody": "1", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
               {"Id": "bad", "MessageBody": "2", **entry}]
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=entries) == ("InvalidParameterValue", message)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # nothing of the batch was sent


def test_an_empty_failed_list_is_left_out(sqs, sluice):
    url = sqs.create_queue(QueueName="nofail")["QueueUrl"]
    body = json_call(sluice, "SendMessageBatch", QueueUrl=url,
                     Entries=[{"Id": "a", "MessageBody": "x"}]).json()
    assert "Failed" not in body and [e["Id"] for e in body["Successful"]] == ["a"]
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    for operation, entry in (("ChangeMessageVisibilityBatch", {"VisibilityTimeout": 0}), ("DeleteMessageBatch", {})):
        body = json_call(sluice, operation, QueueUrl=url,
                         Entries=[{"Id": "a", "ReceiptHandle": handle, **entry}]).json()
        assert "Failed" not in body, operation
    body = json_call(sluice, "SendMessageBatch", QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "\x01"}]).json()
    assert [e["Code"] for e in body["Failed"]] == ["InvalidMessageContents"]


# --- FifoQueue ------------------------------------------------------------------------------------

def test_fifo_queue_attribute_rules(sqs):
    """moto test_create_fifo_queue_fail (InvalidParameterValue); issue #14 for the texts."""
    assert error_of(sqs.create_queue, QueueName="plain", Attributes={"FifoQueue": "true"}) == (
        "InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
        "or underscores, must end with .fifo suffix and be 1 to 80 in length.")
    url = sqs.create_queue(QueueName="t.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})  # no change: 200
    assert error_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={"FifoQueue": "false"}) == (
        "InvalidAttributeValue", "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is "
        "not supported.")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue"])["Attributes"] == {"FifoQueue": "true"}


# --- message attributes -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,ok", [
    ("attr.1øßä", True), ("Größe", True), ("a_b-c.d", True),
    ("a!b", False), ("a§b", False), ("a(b", False), ("a?b", False),
])
def test_message_attribute_names_may_hold_letters_of_any_script(sqs, name, ok):
    """LocalStack's AWS-validated test_send_message_with_attributes / issue #14: Unicode letters are
    alphanumeric characters; punctuation is not."""
    url = sqs.create_queue(QueueName="names")["QueueUrl"]
    attributes = {name: {"DataType": "String", "StringValue": "v"}}
    if ok:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
        got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
        assert list(got["MessageAttributes"]) == [name]
    else:
        assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x",
                        MessageAttributes=attributes)[0] == "InvalidParameterValue"


@pytest.mark.parametrize("names,expected", [
    (["*"], ["General", "Hello", "Help.Me"]),
    ([".*"], ["General", "Hello", "Help.Me"]),
    (["All"], ["General", "Hello", "Help.Me"]),
    (["Hel.*"], ["Hello", "Help.Me"]),
    (["Help.*"], ["Help.Me"]),
    (["Foo", "Hello"], ["Hello"]),
    (["Foo", "Help"], []),
])
def test_receive_message_attribute_name_filters(sqs, names, expected):
    """LocalStack's AWS-validated test_receive_message_message_attribute_names_filters."""
    url = sqs.create_queue(QueueName="filters", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes={
        "Help.Me": {"DataType": "String", "StringValue": "Me"},
        "Hello": {"DataType": "String", "StringValue": "There"},
        "General": {"DataType": "String", "StringValue": "Kenobi"}})
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=names)["Messages"][0]
    assert sorted(got.get("MessageAttributes", {})) == expected


# --- X-Amzn-Trace-Id ----------------------------------------------------------------------------------

def test_trace_header_becomes_the_aws_trace_header_attribute(client):
    """SQS DG, "AWS X-Ray and Amazon SQS": the X-Amzn-Trace-Id header of a send is kept as the
    AWSTraceHeader system attribute (also through SNS: SNS DG, "Active tracing in Amazon SNS")."""
    sqs = with_trace_header(client("sqs"), "SendMessage")
    url = sqs.create_queue(QueueName="traced")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert got["Attributes"] == {"AWSTraceHeader": TRACE}

    sns = with_trace_header(client("sns"), "Publish")
    topic = sns.create_topic(Name="traced")["TopicArn"]
    queue = sqs.create_queue(QueueName="from-sns")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="m")
    got = sqs.receive_message(QueueUrl=queue, MessageSystemAttributeNames=["All"])["Messages"][0]
    assert got["Attributes"]["AWSTraceHeader"] == TRACE


# --- deduplication ------------------------------------------------------------------------------------

def test_purge_queue_ends_the_deduplication_window(sqs):
    url = sqs.create_queue(QueueName="p.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
    sqs.purge_queue(QueueUrl=url)
    again = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
    assert again["MessageId"] != first["MessageId"]
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == again["MessageId"]


def test_changing_the_deduplication_scope_keeps_what_was_sent_deduplicated_queue_wide(sqs):
    url = sqs.create_queue(QueueName="s.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="a", MessageDeduplicationId="d")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup"})
    # sent while the scope was the queue: still a duplicate in another group
    assert sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId="b",
                            MessageDeduplicationId="d")["MessageId"] == first["MessageId"]
    # new ids deduplicate per group now
    e1 = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="a", MessageDeduplicationId="e")
    e2 = sqs.send_message(QueueUrl=url, MessageBody="2", MessageGroupId="b", MessageDeduplicationId="e")
    assert e1["MessageId"] != e2["MessageId"]


# --- attributes, permissions, tags ------------------------------------------------------------------

def test_kms_data_key_reuse_period_is_shown_only_with_a_kms_key(sqs):
    url = sqs.create_queue(QueueName="kms", Attributes={"KmsDataKeyReusePeriodSeconds": "600"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "KmsDataKeyReusePeriodSeconds" not in attrs and attrs["SqsManagedSseEnabled"] == "true"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "600"


def test_add_permission_policy_and_limits(sqs):
    """moto test_add_permission_errors (OverLimit 403, owner-only actions, PrincipalId); issue #14 for
    the policy's Version."""
    url = sqs.create_queue(QueueName="perm")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="one", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Version"] == "2008-10-17"
    assert policy["Id"] == "arn:aws:sqs:us-east-1:000000000000:perm/SQSDefaultPolicy"
    assert policy["Statement"] == [{"Sid": "one", "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                                    "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-1:000000000000:perm"}]
    eight = ["ChangeMessageVisibility", "DeleteMessage", "GetQueueAttributes", "GetQueueUrl",
             "ListDeadLetterSourceQueues", "PurgeQueue", "ReceiveMessage", "SendMessage"]
    with pytest.raises(Exception) as err:
        sqs.add_permission(QueueUrl=url, Label="two", AWSAccountIds=["111111111111"], Actions=eight)
    response = err.value.response
    assert (response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]) \
        == ("OverLimit", "8 Actions were found, maximum allowed is 7.", 403)
    assert error_of(sqs.add_permission, QueueUrl=url, Label="two", AWSAccountIds=["111111111111"],
                    Actions=["RemovePermission"]) == (
        "InvalidParameterValue", "Value SQS:RemovePermission for parameter ActionName is invalid. Reason: Only the "
        "queue owner is allowed to invoke this action.")
    assert error_of(sqs.add_permission, QueueUrl=url, Label="two", AWSAccountIds=[],
                    Actions=["ReceiveMessage"]) == (
        "InvalidParameterValue", "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.")
    assert error_of(sqs.remove_permission, QueueUrl=url, Label="nope") == (
        "InvalidParameterValue", "Value nope for parameter Label is invalid. Reason: can't find label on existing "
        "policy.")


def test_empty_tag_and_untag_requests_are_errors(sqs):
    """moto test_tag_queue_errors / test_untag_queue_errors."""
    url = sqs.create_queue(QueueName="tags", tags={"k": "v"})["QueueUrl"]
    assert error_of(sqs.tag_queue, QueueUrl=url, Tags={})[1] == "The request must contain the parameter Tags."
    assert error_of(sqs.untag_queue, QueueUrl=url, TagKeys=[])[1] == \
        "Tag keys must be between 1 and 128 characters in length."
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"k": "v"}


# --- the query protocol -----------------------------------------------------------------------------

def test_query_tag_queue_sends_its_map_as_tag_n(sluice, sqs):
    """SQS API Reference, TagQueue (query): Tag.N.Key / Tag.N.Value."""
    url = sqs.create_queue(QueueName="qtags")["QueueUrl"]
    response = query_call(sluice, Action="TagQueue", QueueUrl=url, **{"Tag.1.Key": "team", "Tag.1.Value": "core",
                                                                      "Tag.2.Key": "env", "Tag.2.Value": "dev"})
    assert response.status_code == 200, response.text
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core", "env": "dev"}
    response = query_call(sluice, Action="UntagQueue", QueueUrl=url, **{"TagKey.1": "env"})
    assert response.status_code == 200 and sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "core"}


def test_query_missing_queue_wording(sluice):
    """moto test_get_queue_url_error_not_exists: "... does not exist for this wsdl version." (query)."""
    response = query_call(sluice, Action="GetQueueUrl", QueueName="nope")
    xml = ET.fromstring(response.content)
    assert (response.status_code, xml.find("q:Error/q:Code", NS).text, xml.find("q:Error/q:Message", NS).text) == (
        400, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version.")
    assert xml.find("q:Error/q:Detail", NS) is not None  # SQS's errors carry an empty <Detail/>


@pytest.mark.parametrize("action", ["Frobnicate", "CreateQueue", "ListQueues"])
def test_query_action_not_for_a_queue_url_is_invalid_action(sluice, sqs, action):
    sqs.create_queue(QueueName="target")
    response = query_call(sluice, "/000000000000/target", Action=action, QueueName="x")
    xml = ET.fromstring(response.content)
    assert (response.status_code, xml.find("q:Error/q:Code", NS).text, xml.find("q:Error/q:Message", NS).text) == (
        400, "InvalidAction", f"The action {action} is not valid for this endpoint.")


def test_query_get_of_a_queue_url_without_action(sluice, sqs):
    sqs.create_queue(QueueName="browse")
    for headers in ({}, {"Accept": "application/json"}):
        response = query_call(sluice, "/000000000000/browse", method="GET", headers=headers)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/xml")
        assert ET.fromstring(response.content).tag == "UnknownOperationException"


def test_query_empty_receive(sluice, sqs):
    url = sqs.create_queue(QueueName="empty")["QueueUrl"]
    response = query_call(sluice, Action="ReceiveMessage", QueueUrl=url)
    assert b"<ReceiveMessageResult/>" in response.content


def test_query_answer_in_json_when_json_is_accepted(sluice, sqs):
    """AWS's JSON form of a query answer, as recorded behind API Gateway SQS integrations (aws-samples):
    {"SendMessageResponse": {"ResponseMetadata": {...}, "SendMessageResult": {"MD5OfMessageAttributes": null,
    ...}}} and {"ReceiveMessageResponse": {"ReceiveMessageResult": {"messages": null}, ...}}."""
    url = sqs.create_queue(QueueName="jsonq")["QueueUrl"]
    accept = {"Accept": "application/json"}
    empty = query_call(sluice, Action="ReceiveMessage", QueueUrl=url, headers=accept)
    assert empty.headers["content-type"].startswith("application/json")
    body = empty.json()
    assert body["ReceiveMessageResponse"]["ReceiveMessageResult"] == {"messages": None}
    assert "RequestId" in body["ReceiveMessageResponse"]["ResponseMetadata"]
    sent = query_call(sluice, Action="SendMessage", QueueUrl=url, MessageBody="hello", headers=accept)
    assert sent.text.startswith('{"SendMessageResponse":{"ResponseMetadata":{"RequestId":')
    result = sent.json()["SendMessageResponse"]["SendMessageResult"]
    assert list(result) == ["MD5OfMessageAttributes", "MD5OfMessageBody", "MD5OfMessageSystemAttributes",
                            "MessageId", "SequenceNumber"]
    assert result["MD5OfMessageBody"] == "5d41402abc4b2a76b9719d911017c592" and result["SequenceNumber"] is None
    got = query_call(sluice, Action="ReceiveMessage", QueueUrl=url, headers=accept).json()
    [message] = got["ReceiveMessageResponse"]["ReceiveMessageResult"]["messages"]
    assert (message["Body"], message["MessageId"], message["Attributes"]) == ("hello", result["MessageId"], None)
