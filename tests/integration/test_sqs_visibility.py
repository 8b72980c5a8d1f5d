"""Time: visibility timeouts, delays, long polling, retention and the purge rule (fake clock)."""

import json
import socket

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of, parked, receive_in_thread, response_of, wait_until


def counts(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return (int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"]),
            int(a["ApproximateNumberOfMessagesDelayed"]))


def test_visibility_timeout_per_queue_and_per_receive(sqs, advance):
    url = sqs.create_queue(QueueName="v", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
    assert counts(sqs, url) == (0, 1, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(19)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(1)
    again = sqs.receive_message(QueueUrl=url, VisibilityTimeout=5, AttributeNames=["ApproximateReceiveCount"])
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    advance(5)
    assert counts(sqs, url) == (1, 0, 0)


def test_change_message_visibility(sqs, advance):
    url = sqs.create_queue(QueueName="c")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=100)
    advance(30)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    # Its visibility timeout already ran out: AWS still answers 200 (not MessageNotInflight), and the
    # message is in flight again for the new timeout (see test_wire_exact_sqs.py).
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=10)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert error_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle="junk",
                    VisibilityTimeout=10)[0] == "ReceiptHandleIsInvalid"


def test_visibility_is_capped_at_12_hours_from_the_receive(sqs, advance):
    url = sqs.create_queue(QueueName="cap")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43200)
    advance(100)
    code, message = error_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handle,
                             VisibilityTimeout=43200)
    assert code == "InvalidParameterValue" and "43200" in message
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=43100)
    assert error_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=handle,
                    VisibilityTimeout=43201)[0] == "InvalidParameterValue"


def test_change_visibility_batch(sqs):
    url = sqs.create_queue(QueueName="cb")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}])
    handles = [m["ReceiptHandle"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    result = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": handles[0], "VisibilityTimeout": 0},
        {"Id": "b", "ReceiptHandle": "bad", "VisibilityTimeout": 0}])
    assert [e["Id"] for e in result["Successful"]] == ["a"]
    assert result["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    assert counts(sqs, url) == (1, 1, 0)


def test_queue_and_message_delays(sqs, advance):
    url = sqs.create_queue(QueueName="d", Attributes={"DelaySeconds": "10"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue-delay")
    sqs.send_message(QueueUrl=url, MessageBody="own-delay", DelaySeconds=3)
    sqs.send_message(QueueUrl=url, MessageBody="no-delay", DelaySeconds=0)
    assert counts(sqs, url) == (1, 0, 2)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["no-delay"]
    advance(3)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["own-delay"]
    advance(7)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == \
        ["queue-delay"]


# Long polls. The server's clock is fake and a test moves it only with advance(); a fake-clock wait
# is capped in real time by its own length, so each poll here waits (or has a next visible time)
# longer than response_of() lets it take: one that answers was woken by what the test did.

def test_long_poll_returns_as_soon_as_a_message_is_sent(client, sluice):
    consumer, producer = client("sqs"), client("sqs")
    url = producer.create_queue(QueueName="lp")["QueueUrl"]
    thread, out = receive_in_thread(sluice, consumer, QueueUrl=url, WaitTimeSeconds=20)
    producer.send_message(QueueUrl=url, MessageBody="wake")
    assert response_of(thread, out)["Messages"][0]["Body"] == "wake"  # at once: no time passed


def test_long_poll_uses_the_queue_default_wait(client, sluice):
    consumer, producer = client("sqs"), client("sqs")
    url = producer.create_queue(QueueName="lpq", Attributes={"ReceiveMessageWaitTimeSeconds": "20"})["QueueUrl"]
    thread, out = receive_in_thread(sluice, consumer, QueueUrl=url)
    assert "response" not in out  # it waits (no WaitTimeSeconds: the queue's)
    producer.send_message(QueueUrl=url, MessageBody="wake")
    assert response_of(thread, out)["Messages"][0]["Body"] == "wake"


def test_long_poll_wakes_when_a_delay_runs_out(client, advance, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="lpd")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=15)
    thread, out = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20)
    assert "response" not in out
    advance(15)  # the delay ends, 5 s before the wait does
    assert response_of(thread, out)["Messages"][0]["Body"] == "later"


def test_long_poll_wakes_on_visibility_reset(client, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="lpv")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    thread, out = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    assert response_of(thread, out)["Messages"][0]["Body"] == "again"


def test_long_poll_times_out_empty_after_the_wait(client, advance, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="lpe")["QueueUrl"]
    thread, out = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20)
    assert "response" not in out
    advance(20)
    assert "Messages" not in response_of(thread, out)
    assert parked(sluice) == 0  # the waiter left with the call


def test_retention_removes_expired_messages(sqs, advance, sluice):
    url = sqs.create_queue(QueueName="r", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    advance(30)
    sqs.send_message(QueueUrl=url, MessageBody="young")
    advance(30)
    assert counts(sqs, url) == (1, 0, 0)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["young"]

    def rows(uow):
        return [row[0] for row in uow.sql.execute("SELECT body FROM sqs_messages")]

    assert sluice.call(sluice.emulator.store.read, rows) == ["young"]  # swept, not only hidden
    advance(31)
    assert counts(sqs, url) == (0, 0, 0)
    assert sluice.call(sluice.emulator.store.read, rows) == []


def test_shorter_retention_applies_to_queued_messages(sqs, advance):
    url = sqs.create_queue(QueueName="r2")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    advance(120)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    assert counts(sqs, url) == (0, 0, 0)


def test_purge_and_the_60_second_rule(sqs, advance):
    url = sqs.create_queue(QueueName="p")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)])
    sqs.receive_message(QueueUrl=url)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)
    sqs.send_message(QueueUrl=url, MessageBody="after")
    with pytest.raises(ClientError) as err:
        sqs.purge_queue(QueueUrl=url)
    assert err.value.response["Error"]["Code"] == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert err.value.response["Error"]["Message"] == "Only one PurgeQueue operation on p is allowed every 60 seconds."
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert counts(sqs, url) == (1, 0, 0)
    advance(60)
    sqs.purge_queue(QueueUrl=url)
    assert counts(sqs, url) == (0, 0, 0)


def test_long_poll_of_a_client_that_leaves_frees_its_waiter(sluice, client):
    """A long poll whose client disconnects must not keep a waiter (SQS DG: long polling)."""
    url = client("sqs").create_queue(QueueName="left")["QueueUrl"]
    body = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}).encode()
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{sluice.port}\r\nX-Amz-Target: AmazonSQS.ReceiveMessage\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nContent-Length: {len(body)}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", sluice.port)) as sock:
        sock.sendall(head.encode() + body)
        wait_until(lambda: parked(sluice) == 1, what="the poll to park")
    # the client is gone, 20 s before the poll's wait (and its real-time cap) ends
    wait_until(lambda: parked(sluice) == 0, what="the waiter to leave")
