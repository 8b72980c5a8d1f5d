"""The query protocol codec on hand-written wire forms: what older SDKs, the AWS CLI v1 and curl send.

The round-trip test covers what botocore produces; these pin the wire names and the tolerances
(order, gaps, empty lists) that botocore never exercises.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from botocore.parsers import create_parser

from api.gateway import _form
from api.protocol import query
from api.protocol.models import query_error, service_model
from api.protocol.timestamps import format_iso8601, parse_timestamp
from emulator.errors import AwsError


def parse(model: str, op: str, params: dict) -> dict:
    form = _form(b"", urlencode(params).encode())
    return query.parse_params(form, service_model(model).operation_model(op).input_shape)


def sqs(op: str, params: dict) -> dict:
    return parse("sqs-query", op, {"Action": op, "Version": "2012-11-05", **params})


def sns(op: str, params: dict) -> dict:
    return parse("sns", op, {"Action": op, "Version": "2010-03-31", **params})


# --- lists ------------------------------------------------------------------------------------

def test_flattened_list_uses_the_member_name():
    got = sqs("GetQueueAttributes", {"QueueUrl": "u", "AttributeName.1": "All", "AttributeName.2": "Policy"})
    assert got == {"QueueUrl": "u", "AttributeNames": ["All", "Policy"]}


def test_wrapped_list_uses_member_elements():
    got = sns("TagResource", {"ResourceArn": "arn", "Tags.member.1.Key": "k1", "Tags.member.1.Value": "v1",
                              "Tags.member.2.Key": "k2", "Tags.member.2.Value": ""})
    assert got["Tags"] == [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": ""}]


def test_empty_lists_are_sent_as_a_bare_name():
    assert sqs("GetQueueAttributes", {"QueueUrl": "u", "AttributeNames": ""})["AttributeNames"] == []
    assert sns("TagResource", {"ResourceArn": "arn", "Tags": ""})["Tags"] == []


def test_indices_are_ordered_numerically_and_gaps_close():
    got = sqs("GetQueueAttributes", {"QueueUrl": "u", "AttributeName.10": "Policy", "AttributeName.2": "All",
                                     "AttributeName.3": "QueueArn"})
    assert got["AttributeNames"] == ["All", "QueueArn", "Policy"]


def test_out_of_order_entries_keep_their_fields_together():
    got = sqs("DeleteMessageBatch", {
        "QueueUrl": "u",
        "DeleteMessageBatchRequestEntry.2.Id": "b", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": "rh-a",
        "DeleteMessageBatchRequestEntry.2.ReceiptHandle": "rh-b", "DeleteMessageBatchRequestEntry.1.Id": "a"})
    assert got["Entries"] == [{"Id": "a", "ReceiptHandle": "rh-a"}, {"Id": "b", "ReceiptHandle": "rh-b"}]


def test_non_numeric_list_keys_are_ignored():
    got = sqs("GetQueueAttributes", {"QueueUrl": "u", "AttributeName.1": "All", "AttributeName.x": "Policy"})
    assert got["AttributeNames"] == ["All"]


# --- maps and SQS legacy names ----------------------------------------------------------------

def test_sqs_attribute_map_is_flattened_with_name_and_value():
    got = sqs("CreateQueue", {"QueueName": "q", "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "5",
                              "Attribute.2.Name": "FifoQueue", "Attribute.2.Value": "true",
                              "Tag.1.Key": "team", "Tag.1.Value": "a&b"})
    assert got == {"QueueName": "q", "Attributes": {"DelaySeconds": "5", "FifoQueue": "true"},
                   "tags": {"team": "a&b"}}


def test_sqs_set_queue_attributes_and_untag_keys():
    got = sqs("SetQueueAttributes", {"QueueUrl": "u", "Attribute.1.Name": "Policy", "Attribute.1.Value": "{}"})
    assert got["Attributes"] == {"Policy": "{}"}
    assert sqs("UntagQueue", {"QueueUrl": "u", "TagKey.1": "a", "TagKey.2": "b"})["TagKeys"] == ["a", "b"]


def test_sqs_message_attributes():
    blob = base64.b64encode(b"\x00\xffbin").decode()
    got = sqs("SendMessage", {
        "QueueUrl": "u", "MessageBody": "hello\r\n<&>", "DelaySeconds": "3",
        "MessageAttribute.1.Name": "s", "MessageAttribute.1.Value.DataType": "String",
        "MessageAttribute.1.Value.StringValue": "v",
        "MessageAttribute.2.Name": "b", "MessageAttribute.2.Value.DataType": "Binary",
        "MessageAttribute.2.Value.BinaryValue": blob,
        "MessageSystemAttribute.1.Name": "AWSTraceHeader",
        "MessageSystemAttribute.1.Value.DataType": "String",
        "MessageSystemAttribute.1.Value.StringValue": "Root=1-abc"})
    assert got == {
        "QueueUrl": "u", "MessageBody": "hello\r\n<&>", "DelaySeconds": 3,
        "MessageAttributes": {"s": {"DataType": "String", "StringValue": "v"},
                              "b": {"DataType": "Binary", "BinaryValue": b"\x00\xffbin"}},
        "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}}}


def test_sqs_message_attribute_list_values():
    got = sqs("SendMessage", {"QueueUrl": "u", "MessageBody": "x", "MessageAttribute.1.Name": "l",
                              "MessageAttribute.1.Value.DataType": "String",
                              "MessageAttribute.1.Value.StringListValue.1": "a",
                              "MessageAttribute.1.Value.StringListValue.2": "b"})
    assert got["MessageAttributes"]["l"]["StringListValues"] == ["a", "b"]


def test_sqs_send_message_batch_entries():
    got = sqs("SendMessageBatch", {
        "QueueUrl": "u",
        "SendMessageBatchRequestEntry.1.Id": "m1", "SendMessageBatchRequestEntry.1.MessageBody": "one",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "a",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "Number",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue": "1",
        "SendMessageBatchRequestEntry.2.Id": "m2", "SendMessageBatchRequestEntry.2.MessageBody": "two",
        "SendMessageBatchRequestEntry.2.DelaySeconds": "10"})
    assert got["Entries"] == [
        {"Id": "m1", "MessageBody": "one", "MessageAttributes": {"a": {"DataType": "Number", "StringValue": "1"}}},
        {"Id": "m2", "MessageBody": "two", "DelaySeconds": 10}]


def test_sqs_change_visibility_batch_and_receive_names():
    got = sqs("ChangeMessageVisibilityBatch", {
        "QueueUrl": "u", "ChangeMessageVisibilityBatchRequestEntry.1.Id": "a",
        "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle": "rh",
        "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout": "0"})
    assert got["Entries"] == [{"Id": "a", "ReceiptHandle": "rh", "VisibilityTimeout": 0}]
    got = sqs("ReceiveMessage", {"QueueUrl": "u", "AttributeName.1": "SentTimestamp",
                                 "MessageSystemAttributeName.1": "SenderId", "MessageAttributeName.1": "All",
                                 "MaxNumberOfMessages": "10", "WaitTimeSeconds": "20"})
    assert got == {"QueueUrl": "u", "AttributeNames": ["SentTimestamp"], "MessageSystemAttributeNames": ["SenderId"],
                   "MessageAttributeNames": ["All"], "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20}


def test_sqs_add_permission_lists():
    got = sqs("AddPermission", {"QueueUrl": "u", "Label": "l", "AWSAccountId.1": "111122223333",
                                "ActionName.1": "SendMessage", "ActionName.2": "*"})
    assert got["AWSAccountIds"] == ["111122223333"] and got["Actions"] == ["SendMessage", "*"]


def test_sns_wrapped_map_with_entry_key_value():
    got = sns("CreateTopic", {"Name": "t", "Attributes.entry.1.key": "DisplayName",
                              "Attributes.entry.1.value": "x", "Attributes.entry.2.key": "FifoTopic",
                              "Attributes.entry.2.value": "false"})
    assert got["Attributes"] == {"DisplayName": "x", "FifoTopic": "false"}


def test_sns_message_attributes_use_name_and_value():
    got = sns("Publish", {"TopicArn": "arn", "Message": "m",
                          "MessageAttributes.entry.1.Name": "n",
                          "MessageAttributes.entry.1.Value.DataType": "String",
                          "MessageAttributes.entry.1.Value.StringValue": "v"})
    assert got["MessageAttributes"] == {"n": {"DataType": "String", "StringValue": "v"}}


def test_sns_publish_batch_entries():
    got = sns("PublishBatch", {"TopicArn": "arn",
                               "PublishBatchRequestEntries.member.1.Id": "1",
                               "PublishBatchRequestEntries.member.1.Message": "m1",
                               "PublishBatchRequestEntries.member.2.Id": "2",
                               "PublishBatchRequestEntries.member.2.Message": "m2"})
    assert got["PublishBatchRequestEntries"] == [{"Id": "1", "Message": "m1"}, {"Id": "2", "Message": "m2"}]


# --- scalars ----------------------------------------------------------------------------------

def test_scalars_are_converted_to_the_shape_type():
    got = sqs("ReceiveMessage", {"QueueUrl": "u", "MaxNumberOfMessages": "+7", "VisibilityTimeout": "-1"})
    assert got["MaxNumberOfMessages"] == 7 and got["VisibilityTimeout"] == -1
    got = sns("Subscribe", {"TopicArn": "a", "Protocol": "sqs", "ReturnSubscriptionArn": "TRUE"})
    assert got["ReturnSubscriptionArn"] is True
    got = sns("Subscribe", {"TopicArn": "a", "Protocol": "sqs", "ReturnSubscriptionArn": "false"})
    assert got["ReturnSubscriptionArn"] is False


@pytest.mark.parametrize("text", ["abc", "1_000", " 5", "5.0", "", "0x10"])
def test_bad_integers_name_their_path(text):
    with pytest.raises(query.QueryValueError) as caught:
        sqs("SendMessageBatch", {"QueueUrl": "u", "SendMessageBatchRequestEntry.1.Id": "a",
                                 "SendMessageBatchRequestEntry.1.MessageBody": "b",
                                 "SendMessageBatchRequestEntry.1.DelaySeconds": text})
    assert caught.value.path == "Entries.1.DelaySeconds"
    assert caught.value.value == text and caught.value.type_name == "integer"


def test_bad_booleans_and_blobs_are_rejected():
    with pytest.raises(query.QueryValueError):
        sns("Subscribe", {"TopicArn": "a", "Protocol": "sqs", "ReturnSubscriptionArn": "yes"})
    with pytest.raises(query.QueryValueError):
        sqs("SendMessage", {"QueueUrl": "u", "MessageBody": "x", "MessageAttribute.1.Name": "b",
                            "MessageAttribute.1.Value.DataType": "Binary",
                            "MessageAttribute.1.Value.BinaryValue": "not base64!"})


def test_unknown_parameters_are_ignored():
    got = sqs("DeleteQueue", {"QueueUrl": "u", "Bogus": "1", "Attribute.1.Name": "x"})
    assert got == {"QueueUrl": "u"}


@pytest.mark.parametrize("text,expected", [
    ("2024-02-29T13:14:15Z", datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)),
    ("2024-02-29T13:14:15.123Z", datetime(2024, 2, 29, 13, 14, 15, 123000, tzinfo=UTC)),
    ("2024-02-29T15:14:15+02:00", datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)),
    ("2024-02-29T13:14:15", datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)),
    ("1709212455", datetime(2024, 2, 29, 13, 14, 15, tzinfo=UTC)),
    ("1709212455.5", datetime(2024, 2, 29, 13, 14, 15, 500000, tzinfo=UTC)),
])
def test_timestamps_in(text, expected):
    got = parse_timestamp(text)
    assert got == expected and got.tzinfo is not None


def test_timestamps_out_are_iso8601_utc_with_milliseconds():
    assert format_iso8601(datetime(2024, 2, 29, 15, 14, 15, 123456, tzinfo=UTC)) == "2024-02-29T15:14:15.123Z"
    naive = datetime(2024, 2, 29, 13, 14, 15)
    assert format_iso8601(naive) == "2024-02-29T13:14:15.000Z"


# --- XML out ----------------------------------------------------------------------------------

def _xml(model: str, op: str, result: dict) -> tuple[str, dict]:
    operation = service_model(model).operation_model(op)
    body = query.serialize_result(operation, result, "rid-1")
    ET.fromstring(body)  # well-formed
    parsed = create_parser("query").parse({"body": body, "headers": {}, "status_code": 200}, operation.output_shape)
    return body.decode(), parsed


def test_xml_escapes_text_and_carriage_returns():
    text = "a & b < c > d \" e ' f\r\ng"
    body, parsed = _xml("sqs-query", "SendMessage", {"MessageId": text, "MD5OfMessageBody": "x"})
    assert "&amp; b &lt; c &gt; d" in body and "&#xD;" in body and "\r" not in body
    assert parsed["MessageId"] == text


def test_xml_sqs_receive_uses_legacy_flattened_names():
    body, parsed = _xml("sqs-query", "ReceiveMessage", {"Messages": [{
        "MessageId": "m", "Body": "b", "Attributes": {"SentTimestamp": "1"},
        "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}}]})
    assert "<ReceiveMessageResult><Message><MessageId>m</MessageId>" in body
    assert "<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>" in body
    assert "<MessageAttribute><Name>a</Name><Value><StringValue>v</StringValue>" in body
    assert parsed["Messages"][0]["MessageAttributes"]["a"]["StringValue"] == "v"
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-1"


def test_xml_sqs_queue_attributes_and_urls():
    body, parsed = _xml("sqs-query", "GetQueueAttributes", {"Attributes": {"DelaySeconds": "0"}})
    assert "<Attribute><Name>DelaySeconds</Name><Value>0</Value></Attribute>" in body
    body, parsed = _xml("sqs-query", "ListQueues", {"QueueUrls": ["u1", "u2"]})
    assert "<QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl>" in body
    assert parsed["QueueUrls"] == ["u1", "u2"]


def test_xml_sns_wrapped_lists_and_maps():
    body, parsed = _xml("sns", "GetTopicAttributes", {"Attributes": {"Owner": "1", "Policy": "{\"a\":1}"}})
    assert "<Attributes><entry><key>Owner</key><value>1</value></entry>" in body
    assert parsed["Attributes"] == {"Owner": "1", "Policy": "{\"a\":1}"}
    body, parsed = _xml("sns", "ListTopics", {"Topics": [{"TopicArn": "a1"}], "NextToken": "n"})
    assert "<Topics><member><TopicArn>a1</TopicArn></member></Topics>" in body
    body, parsed = _xml("sns", "ListTopics", {"Topics": []})
    assert "<Topics></Topics>" in body and parsed["Topics"] == []


def test_xml_booleans_and_numbers():
    body, parsed = _xml("sns", "CheckIfPhoneNumberIsOptedOut", {"isOptedOut": False})
    assert "<isOptedOut>false</isOptedOut>" in body and parsed["isOptedOut"] is False
    body, parsed = _xml("sqs-query", "CancelMessageMoveTask", {"ApproximateNumberOfMessagesMoved": 2**62})
    assert parsed["ApproximateNumberOfMessagesMoved"] == 2**62


def test_xml_result_wrapper_without_output_members():
    body, parsed = _xml("sqs-query", "DeleteQueue", {})
    assert body.startswith('<?xml version="1.0"?>\n<DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">')
    assert "<RequestId>rid-1</RequestId>" in body


def test_xml_error_escapes_and_parses():
    status, headers, body = query.serialize_error(
        AwsError("bad <value> & \"x\"\r", sender_fault=False), code="InternalError", status=500,
        namespace="http://sns.amazonaws.com/doc/2010-03-31/", request_id="rid-2")
    assert status == 500 and headers["Content-Type"] == "text/xml"
    ET.fromstring(body)
    parsed = create_parser("query").parse({"body": body, "headers": headers, "status_code": 500}, None)
    error = parsed["Error"]
    assert (error["Type"], error["Code"], error["Message"]) == ("Receiver", "InternalError", "bad <value> & \"x\"\r")
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-2"


# --- error codes on the query protocol --------------------------------------------------------

@pytest.mark.parametrize("service,code,status,expected", [
    ("sns", "NotFoundException", 400, ("NotFound", 404)),      # shape name -> wire code
    ("sns", "NotFound", 400, ("NotFound", 404)),               # already the wire code
    ("sns", "ThrottledException", 400, ("Throttled", 429)),
    ("sns", "InvalidParameter", 400, ("InvalidParameter", 400)),
    ("sns", "ValidationError", 400, ("ValidationError", 400)),  # not modeled: unchanged
    ("sqs", "QueueDoesNotExist", 400, ("AWS.SimpleQueueService.NonExistentQueue", 400)),
    ("sqs", "QueueNameExists", 400, ("QueueAlreadyExists", 400)),
    ("sqs", "OverLimit", 400, ("OverLimit", 403)),
    ("sqs", "ReceiptHandleIsInvalid", 404, ("ReceiptHandleIsInvalid", 404)),
    ("sqs", "InvalidParameterValue", 400, ("InvalidParameterValue", 400)),
    ("events", "ResourceNotFoundException", 400, ("ResourceNotFoundException", 400)),
])
def test_query_error_codes(service, code, status, expected):
    assert query_error(service, code, status) == expected
