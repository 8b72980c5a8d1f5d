"""FIFO queues: group order, group blocking, deduplication, sequence numbers, ReceiveRequestAttemptId."""

import pytest

from tests.helpers import error_of


@pytest.fixture
def fifo(sqs):
    return sqs.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true",
                                                            "ContentBasedDeduplication": "true"})["QueueUrl"]


def bodies(sqs, url, n=10, **kwargs):
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, **kwargs).get("Messages", [])]


def test_fifo_send_rules(sqs):
    url = sqs.create_queue(QueueName="r.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageDeduplicationId="d") == \
        ("MissingParameter", "The request must contain the parameter MessageGroupId.")
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert code == "InvalidParameterValue" and "ContentBasedDeduplication" in message
    code, message = error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g",
                             MessageDeduplicationId="d", DelaySeconds=5)
    assert code == "InvalidParameterValue" and "DelaySeconds" in message
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=0)


def test_order_within_a_group_including_batch_order(sqs, fifo):
    sqs.send_message_batch(QueueUrl=fifo, Entries=[
        {"Id": str(i), "MessageBody": f"m{i}", "MessageGroupId": "g"} for i in range(5)])
    sqs.send_message(QueueUrl=fifo, MessageBody="m5", MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, AttributeNames=["SequenceNumber"])["Messages"]
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(6)]
    sequence = [int(m["Attributes"]["SequenceNumber"]) for m in got]
    assert sequence == sorted(sequence) and len(set(sequence)) == 6
    assert all(len(m["Attributes"]["SequenceNumber"]) >= 20 for m in got)


def test_group_is_blocked_while_a_message_is_in_flight(sqs, fifo, advance):
    for body, group in (("a1", "a"), ("a2", "a"), ("b1", "b"), ("a3", "a")):
        sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1)["Messages"][0]
    assert first["Body"] == "a1"
    assert bodies(sqs, fifo) == ["b1"]  # group a waits for a1
    assert bodies(sqs, fifo) == []
    advance(30)  # a1 and b1 come back, a1's first (received first)
    assert bodies(sqs, fifo, n=2) == ["a1", "a2"]
    advance(30)
    # Groups come back in the order their head became receivable: b (visible again at +30 s, not
    # received since) before a (visible again at +60 s); each group's whole visible prefix at once.
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["b1", "a1", "a2", "a3"]
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=got[0]["ReceiptHandle"])


def test_a_head_visible_again_opens_only_the_visible_prefix(sqs, fifo):
    """LocalStack's AWS-validated test_fifo_message_group_visibility_after_terminate_visibility_timeout:
    a group is receivable while its head is visible, and only its visible messages are returned."""
    sqs.send_message(QueueUrl=fifo, MessageBody="1", MessageGroupId="g")
    sqs.send_message(QueueUrl=fifo, MessageBody="2", MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    sqs.change_message_visibility(QueueUrl=fifo, ReceiptHandle=got[1]["ReceiptHandle"], VisibilityTimeout=0)
    assert bodies(sqs, fifo) == []  # the head (1) is in flight: the whole group is blocked
    sqs.change_message_visibility(QueueUrl=fifo, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
    assert bodies(sqs, fifo) == ["1", "2"]


def test_deduplication_window(sqs, fifo, advance):
    first = sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="g")
    duplicate = sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="other")
    assert duplicate["MessageId"] == first["MessageId"]
    explicit = sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="id1")
    assert sqs.send_message(QueueUrl=fifo, MessageBody="y", MessageGroupId="g",
                            MessageDeduplicationId="id1")["MessageId"] == explicit["MessageId"]
    assert bodies(sqs, fifo) == ["same", "x"]
    advance(301)
    again = sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="g")
    assert again["MessageId"] != first["MessageId"]


def test_deduplication_scope_message_group(sqs):
    url = sqs.create_queue(QueueName="hg.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId",
        "ContentBasedDeduplication": "true"})["QueueUrl"]
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="a")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="b")
    assert a["MessageId"] != b["MessageId"]
    assert sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="a")["MessageId"] == a["MessageId"]
    code, _ = error_of(sqs.create_queue, QueueName="bad.fifo", Attributes={
        "FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"})
    assert code == "InvalidAttributeValue"


def test_receive_request_attempt_id_returns_the_same_batch(sqs, fifo, advance):
    for i in range(3):
        sqs.send_message(QueueUrl=fifo, MessageBody=str(i), MessageGroupId=f"g{i}")
    first = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    retry = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in retry] == \
        [(m["MessageId"], m["ReceiptHandle"]) for m in first]
    assert bodies(sqs, fifo) == ["2"]
    advance(301)
    assert sorted(bodies(sqs, fifo, ReceiveRequestAttemptId="try-1")) == ["0", "1", "2"]


def test_fifo_delete_with_expired_receipt_handle_fails(sqs, fifo, advance):
    sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=fifo)["Messages"][0]["ReceiptHandle"]
    advance(31)
    code, message = error_of(sqs.delete_message, QueueUrl=fifo, ReceiptHandle=handle)
    assert code == "InvalidParameterValue" and "expired" in message
    fresh = sqs.receive_message(QueueUrl=fifo)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=fresh)
    assert bodies(sqs, fifo) == []


def test_fifo_system_attributes(sqs, fifo):
    sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
    attrs = sqs.receive_message(QueueUrl=fifo, MessageSystemAttributeNames=["All"])["Messages"][0]["Attributes"]
    assert attrs["MessageGroupId"] == "g" and attrs["MessageDeduplicationId"] == "d"
    assert attrs["SequenceNumber"].isdigit()
