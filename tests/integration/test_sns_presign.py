"""Notifications signed before the publishing transaction verify exactly like those signed inside it,
including when the topic's SignatureVersion changed since the hint was taken."""

import json

from tests.integration.test_sns_http import verify


def _drain(sqs, url):
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in got]


def test_presigned_notifications_verify_and_follow_the_signature_version(client, sluice):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="presign")["TopicArn"]
    url = sqs.create_queue(QueueName="presign")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:presign")
    sns.publish(TopicArn=topic, Message="first", Subject="s")   # signed inside: no hint yet
    assert sluice.emulator.sns.topics.signature_version_hint(topic) == "1"
    sns.publish(TopicArn=topic, Message="second", Subject="s")  # signed before its transaction
    docs = _drain(sqs, url)
    assert sorted(d["Message"] for d in docs) == ["first", "second"]
    for doc in docs:
        assert doc["SignatureVersion"] == "1"
        verify(doc)
    # Moving the topic to "2" drops the cached hint: the next publish signs inside, as version 2 (fan-out
    # also compares a presigned version with the topic's and signs again when they differ).
    sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion", AttributeValue="2")
    sns.publish(TopicArn=topic, Message="third")
    sns.publish(TopicArn=topic, Message="fourth")  # and now signed before, as version 2
    docs = _drain(sqs, url)
    assert sorted(d["Message"] for d in docs) == ["fourth", "third"]
    for doc in docs:
        assert doc["SignatureVersion"] == "2"
        verify(doc)
