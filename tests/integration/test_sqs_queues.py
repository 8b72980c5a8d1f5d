"""Queues: names, attributes, idempotent create, listing, tags, permissions, URLs, isolation."""

import json

import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of


def test_create_queue_url_is_built_on_the_request_endpoint(client, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url == f"{sluice.url}/000000000000/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url


def test_create_is_idempotent_for_same_attributes_and_refuses_different(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "40"})["QueueUrl"]
    assert sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "40"})["QueueUrl"] == url
    assert sqs.create_queue(QueueName="q")["QueueUrl"] == url
    code, message = error_of(sqs.create_queue, QueueName="q", Attributes={"VisibilityTimeout": "50"})
    assert code == "QueueAlreadyExists"
    assert message == "A queue already exists with the same name and a different value for attribute VisibilityTimeout"


@pytest.mark.parametrize("name,attributes,code,message", [
    ("bad name", {}, "InvalidParameterValue",
     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    ("x" * 81, {}, "InvalidParameterValue",
     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    ("std.fifo", {}, "InvalidParameterValue",
     "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"),
    ("nofifo", {"FifoQueue": "true"}, "InvalidParameterValue",
     "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end "
     "with .fifo suffix and be 1 to 80 in length."),
    ("std", {"FifoQueue": "false"}, "InvalidAttributeName", "Unknown Attribute FifoQueue."),
    ("std", {"ContentBasedDeduplication": "true"}, "InvalidAttributeName",
     "Unknown Attribute ContentBasedDeduplication."),
    ("std", {"Foo": "1"}, "InvalidAttributeName", "Unknown Attribute Foo."),
    ("std", {"VisibilityTimeout": "43201"}, "InvalidAttributeValue",
     "Invalid value for the parameter VisibilityTimeout."),
    ("std", {"DelaySeconds": "-1"}, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."),
    ("std", {"MaximumMessageSize": "1023"}, "InvalidAttributeValue",
     "Invalid value for the parameter MaximumMessageSize."),
    ("std", {"MessageRetentionPeriod": "59"}, "InvalidAttributeValue",
     "Invalid value for the parameter MessageRetentionPeriod."),
    ("std", {"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue",
     "Invalid value for the parameter ReceiveMessageWaitTimeSeconds."),
    ("std", {"Policy": "not json"}, "InvalidAttributeValue", "Invalid value for the parameter Policy."),
    ("f.fifo", {"FifoQueue": "true", "DeduplicationScope": "nope"}, "InvalidAttributeValue",
     "Invalid value for the parameter DeduplicationScope."),
])
def test_create_queue_validation(client, name, attributes, code, message):
    assert error_of(client("sqs").create_queue, QueueName=name, Attributes=attributes) == (code, message)


def test_defaults_and_computed_attributes(client, advance):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["DelaySeconds"] == "0"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:q"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert "FifoQueue" not in attrs and "Policy" not in attrs
    created = int(attrs["CreatedTimestamp"])
    assert len(attrs["CreatedTimestamp"]) == 10  # epoch seconds
    advance(5)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout", "LastModifiedTimestamp",
                                                                   "CreatedTimestamp"])["Attributes"]
    assert attrs == {"VisibilityTimeout": "45", "CreatedTimestamp": str(created),
                     "LastModifiedTimestamp": str(created + 5)}


def test_fifo_defaults_and_unknown_attribute_name(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="f.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["DeduplicationScope"] == "queue"
    assert attrs["FifoThroughputLimit"] == "perQueue"
    std = sqs.create_queue(QueueName="std")["QueueUrl"]
    assert error_of(sqs.get_queue_attributes, QueueUrl=std, AttributeNames=["FifoQueue"]) == \
        ("InvalidAttributeName", "Unknown Attribute FifoQueue.")
    assert error_of(sqs.set_queue_attributes, QueueUrl=std, Attributes={"QueueArn": "x"})[0] == "InvalidAttributeName"


def test_kms_attributes_round_trip(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="k", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attrs["KmsMasterKeyId"], attrs["KmsDataKeyReusePeriodSeconds"], attrs["SqsManagedSseEnabled"]) == \
        ("alias/aws/sqs", "300", "false")
    code, _ = error_of(sqs.create_queue, QueueName="k2",
                       Attributes={"KmsMasterKeyId": "alias/aws/sqs", "SqsManagedSseEnabled": "true"})
    assert code == "InvalidAttributeValue"


def test_list_queues_prefix_and_pagination(client):
    sqs = client("sqs")
    for name in ("a1", "a2", "a3", "b1"):
        sqs.create_queue(QueueName=name)
    names = [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]]
    assert names == ["a1", "a2", "a3", "b1"]
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues(QueueNamePrefix="a")["QueueUrls"]] == ["a1", "a2", "a3"]
    page = sqs.list_queues(QueueNamePrefix="a", MaxResults=2)
    assert len(page["QueueUrls"]) == 2 and page["NextToken"]
    rest = sqs.list_queues(QueueNamePrefix="a", MaxResults=2, NextToken=page["NextToken"])
    assert [u.rsplit("/", 1)[1] for u in rest["QueueUrls"]] == ["a3"] and "NextToken" not in rest
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="zzz")
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 1})
                 for u in p.get("QueueUrls", [])]
    assert len(paginated) == 4


def test_tags(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="t", tags={"team": "a"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "b"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "env"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)


def test_permissions_are_reflected_in_policy(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="p")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    sqs.add_permission(QueueUrl=url, Label="both", AWSAccountIds=["111111111111", "222222222222"],
                       Actions=["ReceiveMessage", "DeleteMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["send", "both"]
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert policy["Statement"][0]["Action"] == "SQS:SendMessage"
    assert policy["Statement"][1]["Action"] == ["SQS:ReceiveMessage", "SQS:DeleteMessage"]
    assert policy["Statement"][0]["Resource"] == "arn:aws:sqs:us-east-1:000000000000:p"
    code, message = error_of(sqs.add_permission, QueueUrl=url, Label="send", AWSAccountIds=["111111111111"],
                             Actions=["SendMessage"])
    assert code == "InvalidParameterValue" and "Already exists" in message
    sqs.remove_permission(QueueUrl=url, Label="send")
    sqs.remove_permission(QueueUrl=url, Label="both")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    assert error_of(sqs.remove_permission, QueueUrl=url, Label="send")[0] == "InvalidParameterValue"


def test_queue_does_not_exist_codes(client):
    sqs = client("sqs")
    with pytest.raises(ClientError) as err:
        sqs.get_queue_url(QueueName="missing")
    response = err.value.response
    assert response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert response["Error"]["Message"] == "The specified queue does not exist."
    assert isinstance(err.value, sqs.exceptions.QueueDoesNotExist)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_then_recreate_within_60_seconds(client, advance):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    assert error_of(sqs.get_queue_url, QueueName="gone")[0] == "AWS.SimpleQueueService.NonExistentQueue"
    code, message = error_of(sqs.create_queue, QueueName="gone")
    assert code == "AWS.SimpleQueueService.QueueDeletedRecently"
    assert message == "You must wait 60 seconds after deleting a queue before you can create another with the same name."
    advance(61)
    assert sqs.create_queue(QueueName="gone")["QueueUrl"] == url


def test_accounts_and_regions_are_isolated(client):
    a = client("sqs", account="111111111111")
    b = client("sqs", account="222222222222")
    west = client("sqs", account="111111111111", region="us-west-2")
    url = a.create_queue(QueueName="mine")["QueueUrl"]
    assert "/111111111111/mine" in url
    assert "QueueUrls" not in b.list_queues()
    assert "QueueUrls" not in west.list_queues()
    assert error_of(west.get_queue_url, QueueName="mine")[0] == "AWS.SimpleQueueService.NonExistentQueue"
    # Another account names the owner explicitly, and needs the queue's policy to allow it.
    assert error_of(b.get_queue_url, QueueName="mine", QueueOwnerAWSAccountId="111111111111")[0] == \
        "AWS.SimpleQueueService.NonExistentQueue"
    a.add_permission(QueueUrl=url, Label="b", AWSAccountIds=["222222222222"], Actions=["GetQueueUrl"])
    assert b.get_queue_url(QueueName="mine", QueueOwnerAWSAccountId="111111111111")["QueueUrl"] == url
    west.create_queue(QueueName="mine")
    arn = west.get_queue_attributes(QueueUrl=west.get_queue_url(QueueName="mine")["QueueUrl"],
                                    AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == "arn:aws:sqs:us-west-2:111111111111:mine"


@pytest.mark.parametrize("form", [
    "{base}/000000000000/{name}",
    "http://sqs.us-east-1.localhost.localstack.cloud:4566/000000000000/{name}",
    "http://localhost:4566/queue/us-east-1/000000000000/{name}",
    "https://sqs.us-east-1.amazonaws.com/000000000000/{name}",
    "http://anything.example:9324/000000000000/{name}",
    "{name}",
])
def test_every_common_queue_url_form_is_accepted(client, sluice, form):
    sqs = client("sqs")
    sqs.create_queue(QueueName="forms")
    url = form.format(base=sluice.url, name="forms")
    sqs.send_message(QueueUrl=url, MessageBody="x")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_region_named_in_the_url_wins(client):
    west = client("sqs", region="us-west-2")
    west.create_queue(QueueName="w")
    east = client("sqs")
    url = "https://sqs.us-west-2.amazonaws.com/000000000000/w"
    assert east.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"] == \
        "arn:aws:sqs:us-west-2:000000000000:w"
