"""Durability: messages, in-flight state, receipt handles and dedup windows survive kill -9."""

from tests.conftest import make_client
from tests.server import ProcessServer


def test_state_survives_kill_9(tmp_path):
    server = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        sqs = make_client(server.url, "sqs")
        url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "600"})["QueueUrl"]
        fifo = sqs.create_queue(QueueName="d.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="in flight")
        sqs.send_message(QueueUrl=url, MessageBody="waiting")
        handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
        first = sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        sqs = make_client(server.url, "sqs")
        url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == ("1", "1")
        assert attrs["VisibilityTimeout"] == "600"
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["waiting"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)  # the old receipt handle still works
        assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
            "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # only "waiting", just received
        fifo = sqs.get_queue_url(QueueName="d.fifo")["QueueUrl"]
        again = sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d")
        assert again["MessageId"] == first["MessageId"]
        newer = sqs.send_message(QueueUrl=fifo, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="e")
        assert int(newer["SequenceNumber"]) > int(first["SequenceNumber"])
    finally:
        server.stop()
