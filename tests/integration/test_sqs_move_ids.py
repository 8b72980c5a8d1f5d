"""A move task moves only the messages that were in its DLQ when it started (StartMessageMoveTask), which
Sluice bounds by the highest message row id at the start. Row ids must therefore never be handed out again:
a message dead-lettered after the start must not get the id of one deleted since."""

import json


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _count(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])


def _dead_letter(sqs, url):
    """Receive a queue's one message twice (maxReceiveCount 1): the second receive moves it to the DLQ."""
    assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)


def _receive_all(sqs, url):
    return {m["Body"]: m for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                      VisibilityTimeout=0).get("Messages", [])}


def test_a_message_dead_lettered_after_the_start_is_not_moved(client, advance):
    sqs = client("sqs")
    dlq = sqs.create_queue(QueueName="ids-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq)
    redrive = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})}
    source = sqs.create_queue(QueueName="ids-source", Attributes=redrive)["QueueUrl"]
    other = sqs.create_queue(QueueName="ids-other", Attributes=redrive)["QueueUrl"]

    # The late message is sent first: its row is older than every row the DLQ holds at the start.
    sqs.send_message(QueueUrl=other, MessageBody="late")
    for body in ("m0", "m1", "m2"):  # one at a time, so that the DLQ's rows are in this order
        sqs.send_message(QueueUrl=source, MessageBody=body)
        _dead_letter(sqs, source)
    assert _count(sqs, dlq) == 3

    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)
    advance(0)  # the first tick: m0 goes back to its source (a new row, the newest)
    moved_back = _receive_all(sqs, source)
    assert set(moved_back) == {"m0"}
    # Delete the two newest rows (m0 moved back, and m2, the DLQ's newest at the start): without
    # AUTOINCREMENT the next row would take m2's id, which is within the task's bound.
    sqs.delete_message(QueueUrl=source, ReceiptHandle=moved_back["m0"]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=dlq, ReceiptHandle=_receive_all(sqs, dlq)["m2"]["ReceiptHandle"])
    _dead_letter(sqs, other)
    assert set(_receive_all(sqs, dlq)) == {"m1", "late"}

    for _ in range(4):  # one tick a second, one message a tick
        advance(1)
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesToMove"] == 3
    assert task["ApproximateNumberOfMessagesMoved"] == 2      # m0 and m1; m2 was deleted
    assert set(_receive_all(sqs, dlq)) == {"late"}           # dead-lettered after the start: stays
    assert set(_receive_all(sqs, source)) == {"m1"}
    assert _count(sqs, other) == 0
