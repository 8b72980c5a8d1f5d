"""DLQ redrive with message-move tasks (SQS API Reference: StartMessageMoveTask, ListMessageMoveTasks,
CancelMessageMoveTask; SQS Developer Guide: "Configuring a dead-letter queue redrive"). Time moves on
the fake clock; a task ticks once per second."""

import json

import pytest
from botocore.exceptions import ClientError


def _arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _dead_letter(sqs, source_url, n):
    """Send n messages to source and receive each twice (maxReceiveCount 1) so they land in the DLQ."""
    for i in range(n):
        sqs.send_message(QueueUrl=source_url, MessageBody=f"m{i}",
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(i)}})
    moved = 0
    for _ in range(4 * n):
        got = sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        moved += 0 if got.get("Messages") else 1
        if moved > 2:
            break


@pytest.fixture
def pipe(client):
    sqs = client("sqs")
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq)
    src = sqs.create_queue(QueueName="orders", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    return sqs, src, dlq, dlq_arn


def _count(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])


def test_move_back_to_origin_resets_receive_count(pipe, advance):
    sqs, src, dlq, dlq_arn = pipe
    _dead_letter(sqs, src, 3)
    assert _count(sqs, dlq) == 3 and _count(sqs, src) == 0
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert handle
    advance(0)
    listed = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert listed[0]["Status"] == "COMPLETED"
    assert listed[0]["ApproximateNumberOfMessagesMoved"] == 3
    assert listed[0]["ApproximateNumberOfMessagesToMove"] == 3
    assert "DestinationArn" not in listed[0] and "TaskHandle" not in listed[0]
    assert _count(sqs, dlq) == 0 and _count(sqs, src) == 3
    got = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, AttributeNames=["All"],
                              MessageAttributeNames=["All"])["Messages"]
    assert sorted(m["Body"] for m in got) == ["m0", "m1", "m2"]
    for m in got:
        assert m["Attributes"]["ApproximateReceiveCount"] == "1"
        assert "DeadLetterQueueSourceArn" not in m["Attributes"]
        assert m["MessageAttributes"]["n"]["DataType"] == "Number"


def test_rate_limit_and_cancel(pipe, advance, client):
    sqs, src, dlq, dlq_arn = pipe
    other = sqs.create_queue(QueueName="elsewhere")["QueueUrl"]
    _dead_letter(sqs, src, 10)
    assert _count(sqs, dlq) == 10
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, other),
                                         MaxNumberOfMessagesPerSecond=2)["TaskHandle"]
    advance(0)
    assert _count(sqs, other) == 2
    advance(1)
    assert _count(sqs, other) == 4
    running = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert running["Status"] == "RUNNING" and running["TaskHandle"] == handle
    assert running["MaxNumberOfMessagesPerSecond"] == 2 and running["DestinationArn"] == _arn(sqs, other)
    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 4
    advance(5)
    assert _count(sqs, other) == 4 and _count(sqs, dlq) == 6
    assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "CANCELLED"


def test_one_running_task_per_source(pipe, advance):
    sqs, src, dlq, dlq_arn = pipe
    _dead_letter(sqs, src, 3)
    sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)
    with pytest.raises(ClientError) as err:
        sqs.start_message_move_task(SourceArn=dlq_arn)
    assert err.value.response["Error"]["Code"] in ("InvalidParameterValue", "AWS.SimpleQueueService.InvalidParameterValue")
    assert "Only one active task" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize("case", ["not_dlq", "missing_source", "missing_destination", "bad_handle", "unknown_task"])
def test_errors_as_aws_reports_them(pipe, client, case):
    sqs, src, dlq, dlq_arn = pipe
    if case == "not_dlq":
        call, kwargs, code, status = sqs.start_message_move_task, {"SourceArn": _arn(sqs, src)}, "InvalidParameterValue", 400
        text = "Source queue must be configured as a Dead Letter Queue."
    elif case == "missing_source":
        call, kwargs = sqs.start_message_move_task, {"SourceArn": "arn:aws:sqs:us-east-1:000000000000:nope"}
        code, status, text = "ResourceNotFoundException", 404, "SourceArn"
    elif case == "missing_destination":
        call, kwargs = sqs.start_message_move_task, {"SourceArn": dlq_arn,
                                                     "DestinationArn": "arn:aws:sqs:us-east-1:000000000000:nope"}
        code, status, text = "ResourceNotFoundException", 404, "DestinationArn"
    elif case == "bad_handle":
        call, kwargs, code, status = sqs.cancel_message_move_task, {"TaskHandle": "garbage!"}, "InvalidParameterValue", 400
        text = "Value for parameter TaskHandle is invalid."
    else:
        import base64
        handle = base64.b64encode(json.dumps({"taskId": "x", "sourceArn": dlq_arn}).encode()).decode()
        call, kwargs, code, status, text = sqs.cancel_message_move_task, {"TaskHandle": handle}, \
            "ResourceNotFoundException", 404, "Task does not exist."
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    assert err.value.response["Error"]["Code"] == code
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert text in err.value.response["Error"]["Message"]


def test_destination_deleted_while_running_fails_the_task(pipe, advance):
    sqs, src, dlq, dlq_arn = pipe
    other = sqs.create_queue(QueueName="gone")["QueueUrl"]
    _dead_letter(sqs, src, 4)
    sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=_arn(sqs, other), MaxNumberOfMessagesPerSecond=1)
    advance(0)
    sqs.delete_queue(QueueUrl=other)
    advance(1)
    task = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
    assert task["Status"] == "FAILED"
    assert task["FailureReason"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert task["ApproximateNumberOfMessagesMoved"] == 1
