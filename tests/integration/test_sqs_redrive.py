"""Dead-letter queues: RedrivePolicy moves, RedriveAllowPolicy, ListDeadLetterSourceQueues."""

import json

import pytest

from tests.helpers import error_of


def arn_of(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def redrive(arn, count):
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count})


def test_message_moves_on_the_receive_that_exceeds_max_receive_count(sqs, advance):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": redrive(arn_of(sqs, dlq), 2),
                                                        "VisibilityTimeout": "10"})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison",
                            MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    for _ in range(2):
        assert len(sqs.receive_message(QueueUrl=src)["Messages"]) == 1
        advance(10)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)  # the third receive moves it
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison"
    assert moved["MessageAttributes"] == {"k": {"DataType": "String", "StringValue": "v"}}
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == arn_of(sqs, src)
    assert moved["Attributes"]["ApproximateReceiveCount"] == "3"


def test_fifo_dead_letter_keeps_group_order(sqs, advance):
    dlq = sqs.create_queue(QueueName="d.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    src = sqs.create_queue(QueueName="s.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true",
        "RedrivePolicy": redrive(arn_of(sqs, dlq), 1)})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="1", MessageGroupId="g")
    sqs.send_message(QueueUrl=src, MessageBody="2", MessageGroupId="g")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=1)["Messages"]] == ["1"]
    advance(30)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=1)["Messages"]] == ["2"]
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "1" and moved["Attributes"]["MessageGroupId"] == "g"


@pytest.mark.parametrize("policy,fragment", [
    ("not json", "Redrive policy is not a valid JSON map."),
    (json.dumps({"maxReceiveCount": 5}), "does not contain mandatory attribute: deadLetterTargetArn."),
    (json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": 0}),
     "Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive."),
    (json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 3}),
     "Dead letter target does not exist."),
    (json.dumps({"deadLetterTargetArn": "arn:aws:sns:us-east-1:000000000000:t", "maxReceiveCount": 3}),
     "Only SQS queues are valid resources for deadLetterTargetArn."),
    (json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq.fifo", "maxReceiveCount": 3}),
     "Dead-letter queue must be same type of queue as the source.."),
])
def test_redrive_policy_validation(sqs, policy, fragment):
    sqs.create_queue(QueueName="dlq")
    sqs.create_queue(QueueName="dlq.fifo", Attributes={"FifoQueue": "true"})
    url = sqs.create_queue(QueueName="src")["QueueUrl"]
    code, message = error_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={"RedrivePolicy": policy})
    assert code in ("InvalidParameterValue", "InvalidAttributeValue") and fragment in message


def test_redrive_allow_policy_is_enforced(sqs):
    deny = sqs.create_queue(QueueName="deny", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})["QueueUrl"]
    src = sqs.create_queue(QueueName="src")["QueueUrl"]
    code, _ = error_of(sqs.set_queue_attributes, QueueUrl=src,
                       Attributes={"RedrivePolicy": redrive(arn_of(sqs, deny), 3)})
    assert code == "InvalidParameterValue"
    allowed = sqs.create_queue(QueueName="byq", Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [arn_of(sqs, src)]})})["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": redrive(arn_of(sqs, allowed), 3)})
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    assert error_of(sqs.set_queue_attributes, QueueUrl=other,
                    Attributes={"RedrivePolicy": redrive(arn_of(sqs, allowed), 3)})[0] == "InvalidParameterValue"
    code, message = error_of(sqs.create_queue, QueueName="x", Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue"})})
    assert "must also specify one or more sourceQueueArns" in message


def test_redrive_policy_round_trip_and_removal(sqs):
    dlq_arn = arn_of(sqs, sqs.create_queue(QueueName="dlq")["QueueUrl"])
    src = sqs.create_queue(QueueName="src", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})})["QueueUrl"]
    stored = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert json.loads(stored) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4}
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": ""})
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])


def test_list_dead_letter_source_queues(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    for name in ("s1", "s2", "s3"):
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive(arn_of(sqs, dlq), 3)})
    sqs.create_queue(QueueName="unrelated")
    urls = sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["s1", "s2", "s3"]
    page = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2)
    assert len(page["queueUrls"]) == 2
    rest = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2, NextToken=page["NextToken"])
    assert [u.rsplit("/", 1)[1] for u in rest["queueUrls"]] == ["s3"]
