"""Messages: bodies, attributes, size, MD5s, system attributes, receipt handles, batches."""

import hashlib

import pytest

from emulator.sqs.md5 import md5_of_attributes
from tests.helpers import error_of


@pytest.fixture
def url(sqs):
    return sqs.create_queue(QueueName="m")["QueueUrl"]


ATTRIBUTES = {
    "s": {"DataType": "String", "StringValue": "caf\u00e9"},
    "n": {"DataType": "Number", "StringValue": "12.5"},
    "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    "custom": {"DataType": "String.uuid", "StringValue": "abc"},
}


def test_send_and_receive_round_trip_with_exact_md5s(sqs, url):
    sent = sqs.send_message(QueueUrl=url, MessageBody="h\u00e9llo \U0001F600", MessageAttributes=ATTRIBUTES)
    assert sent["MD5OfMessageBody"] == hashlib.md5("h\u00e9llo \U0001F600".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(ATTRIBUTES)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert got["MessageId"] == sent["MessageId"]
    assert got["Body"] == "h\u00e9llo \U0001F600"
    assert got["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert got["MessageAttributes"] == ATTRIBUTES
    assert got["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]


def test_message_attribute_name_selection(sqs, url):
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
        "foo.a": {"DataType": "String", "StringValue": "1"}, "foo.b": {"DataType": "String", "StringValue": "2"},
        "bar": {"DataType": "String", "StringValue": "3"}})

    def names(selector):
        sqs.change_message_visibility_batch  # noqa: B018 (keep the client warm)
        message = sqs.receive_message(QueueUrl=url, MessageAttributeNames=selector, VisibilityTimeout=0)["Messages"][0]
        chosen = message.get("MessageAttributes", {})
        if chosen:
            assert message["MD5OfMessageAttributes"] == md5_of_attributes(chosen)
        else:
            assert "MD5OfMessageAttributes" not in message
        return sorted(chosen)

    assert names(["All"]) == ["bar", "foo.a", "foo.b"]
    assert names([".*"]) == ["bar", "foo.a", "foo.b"]
    assert names(["foo.*"]) == ["foo.a", "foo.b"]
    assert names(["bar"]) == ["bar"]
    assert names(["nothing"]) == []


def test_system_attributes_selected_by_either_parameter(sqs, url):
    sqs.send_message(QueueUrl=url, MessageBody="x")
    first = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["SentTimestamp", "SenderId"],
                                VisibilityTimeout=0)["Messages"][0]
    assert set(first["Attributes"]) == {"SentTimestamp", "SenderId"}
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"][0]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert int(second["Attributes"]["ApproximateFirstReceiveTimestamp"]) >= int(second["Attributes"]["SentTimestamp"])
    assert second["Attributes"]["SenderId"] == "000000000000"
    assert "SequenceNumber" not in second["Attributes"]
    none = sqs.send_message(QueueUrl=url, MessageBody="y")
    plain = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert plain["MessageId"] == none["MessageId"] and "Attributes" not in plain


def test_aws_trace_header_and_its_digest(sqs, url):
    system = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="x", MessageSystemAttributes=system)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(system)
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert got["Attributes"] == {"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}


@pytest.mark.parametrize("body", ["\x00", "a\x08b", "\ufffe", "x\uffff"])
def test_invalid_body_characters(sqs, url, body):
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody=body)
    assert code == "InvalidMessageContents"
    assert "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF" in message


def test_size_limit_counts_attributes(sqs):
    url = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1024)
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * 1025)
    assert (code, message) == ("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be "
                                                        "shorter than 1024 bytes.")
    # 1000 body bytes + "name"(4) + "String"(6) + 20 value bytes = 1030 > 1024
    code, _ = error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * 1000,
                       MessageAttributes={"name": {"DataType": "String", "StringValue": "v" * 20}})
    assert code == "InvalidParameterValue"


def test_default_limit_is_one_mebibyte(sqs, url):
    sqs.send_message(QueueUrl=url, MessageBody="x" * 1048576)
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * 1048577)[0] == "InvalidParameterValue"


@pytest.mark.parametrize("attributes,fragment", [
    ({f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}, "exceeds the allowed maximum [10]"),
    ({"n": {"DataType": "Number", "StringValue": "twelve"}}, "to a number"),
    ({"s": {"DataType": "String", "StringValue": ""}}, "non-empty value"),
    ({"t": {"DataType": "Text", "StringValue": "x"}}, "supported type prefixes"),
    ({"AWS.x": {"DataType": "String", "StringValue": "x"}}, "reserved"),
    ({"a b": {"DataType": "String", "StringValue": "x"}}, "invalid"),
])
def test_message_attribute_validation(sqs, url, attributes, fragment):
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes=attributes)
    assert code == "InvalidParameterValue" and fragment in message


def test_receipt_handles_differ_per_receive_and_garbage_is_invalid(sqs, url):
    sqs.send_message(QueueUrl=url, MessageBody="x")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["ReceiptHandle"]
    second = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    assert first != second
    code, message = error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
    assert code == "ReceiptHandleIsInvalid"
    assert message == 'The input receipt handle "garbage" is not a valid receipt handle.'
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    assert error_of(sqs.delete_message, QueueUrl=other, ReceiptHandle=second)[0] == "ReceiptHandleIsInvalid"
    # An old receipt handle still deletes on a standard queue; deleting twice is fine.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"


def test_send_batch_success_and_per_entry_failures(sqs, url):
    result = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok-1", "MessageBody": "one", "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "bad_2", "MessageBody": "\x00"},
        {"Id": "ok3", "MessageBody": "three", "DelaySeconds": 901},
        {"Id": "ok4", "MessageBody": "four"},
    ])
    assert [e["Id"] for e in result["Successful"]] == ["ok-1", "ok4"]
    assert result["Successful"][0]["MD5OfMessageAttributes"] == md5_of_attributes(
        {"a": {"DataType": "String", "StringValue": "v"}})
    failed = {e["Id"]: e for e in result["Failed"]}
    assert failed["bad_2"]["Code"] == "InvalidMessageContents" and failed["bad_2"]["SenderFault"] is True
    assert failed["ok3"]["Code"] == "InvalidParameterValue"
    bodies = sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"])
    assert bodies == ["four", "one"]


@pytest.mark.parametrize("entries,code", [
    ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
    ([{"Id": str(i), "MessageBody": "x"} for i in range(11)], "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
    ([{"Id": "a", "MessageBody": "x"}, {"Id": "a", "MessageBody": "y"}],
     "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
    ([{"Id": "no spaces", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ([{"Id": "a", "MessageBody": "x" * 600000}, {"Id": "b", "MessageBody": "y" * 600000}],
     "AWS.SimpleQueueService.BatchRequestTooLong"),
])
def test_batch_request_errors(sqs, url, entries, code):
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=entries)[0] == code


def test_delete_batch_reports_invalid_handles_per_entry(sqs, url):
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}])
    handles = [m["ReceiptHandle"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    result = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "x", "ReceiptHandle": handles[0]}, {"Id": "y", "ReceiptHandle": "nope"},
        {"Id": "z", "ReceiptHandle": handles[1]}])
    assert [e["Id"] for e in result["Successful"]] == ["x", "z"]
    assert result["Failed"] == [{"Id": "y", "SenderFault": True, "Code": "ReceiptHandleIsInvalid",
                                 "Message": 'The input receipt handle "nope" is not a valid receipt handle.'}]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
        "ApproximateNumberOfMessagesNotVisible"] == "0"


def test_receive_parameter_ranges(sqs, url):
    code, message = error_of(sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
    assert (code, message) == ("InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid. "
                                                        "Reason: Must be between 1 and 10, if provided.")
    assert error_of(sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)[0] == "InvalidParameterValue"


def test_standard_queue_rejects_deduplication_id(sqs, url):
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert code == "InvalidParameterValue" and "MessageDeduplicationId" in message


def test_receive_many_returns_up_to_max(sqs, url):
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(10)])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i + 10)} for i in range(5)])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == [str(i) for i in range(10)]
    assert len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == 5
