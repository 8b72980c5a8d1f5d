"""SNS topics: creation rules, attributes, listing, tags, permissions, data protection policies."""

import json

import pytest
from botocore.exceptions import ClientError


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"], \
        excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_create_topic_is_idempotent_and_rejects_different_attributes(client):
    sns = client("sns")
    arn = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:000000000000:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == arn
    assert sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"})["TopicArn"] == arn
    with pytest.raises(ClientError) as err:
        sns.create_topic(Name="orders", Attributes={"DisplayName": "Other"})
    assert error(err) == ("InvalidParameter",
                          "Invalid parameter: Attributes Reason: Topic already exists with different attributes", 400)


@pytest.mark.parametrize("name,attributes,message", [
    ("bad name", {}, "Invalid parameter: Topic Name"),
    ("x" * 257, {}, "Invalid parameter: Topic Name"),
    ("plain.fifo", {}, "Invalid parameter: Topic Name"),
    ("nofifo", {"FifoTopic": "true"}, "Invalid parameter: Topic Name"),
])
def test_topic_name_rules(client, name, attributes, message):
    with pytest.raises(ClientError) as err:
        client("sns").create_topic(Name=name, Attributes=attributes)
    code, text, status = error(err)
    assert (code, status) == ("InvalidParameter", 400) and text.startswith(message)


def test_fifo_topic_attributes(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"})[
        "TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    with pytest.raises(ClientError) as err:
        sns.create_topic(Name="std", Attributes={"ContentBasedDeduplication": "true"})
    assert error(err)[0] == "InvalidParameter"


def test_default_attributes_and_policy(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["Owner"] == "000000000000" and attrs["TopicArn"] == arn and attrs["DisplayName"] == ""
    assert (attrs["SubscriptionsConfirmed"], attrs["SubscriptionsPending"], attrs["SubscriptionsDeleted"]) == \
        ("0", "0", "0")
    policy = json.loads(attrs["Policy"])
    statement = policy["Statement"][0]
    assert policy["Id"] == "__default_policy_ID" and statement["Sid"] == "__default_statement_ID"
    assert "SNS:Publish" in statement["Action"] and statement["Resource"] == arn
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": "000000000000"}}
    effective = json.loads(attrs["EffectiveDeliveryPolicy"])
    assert effective["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 3
    assert "FifoTopic" not in attrs


def test_set_topic_attributes(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    policy = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1,
                                                                "maxDelayTarget": 4}}})
    for name, value in [("DisplayName", "Shown"), ("SignatureVersion", "2"), ("TracingConfig", "Active"),
                        ("DeliveryPolicy", policy), ("MaximumMessageSize", "1048576"),
                        ("KmsMasterKeyId", "alias/aws/sns")]:
        sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Shown" and attrs["SignatureVersion"] == "2" and attrs["TracingConfig"] == "Active"
    assert attrs["DeliveryPolicy"] == policy and attrs["MaximumMessageSize"] == "1048576"
    assert json.loads(attrs["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]["numRetries"] == 5


@pytest.mark.parametrize("name,value", [
    ("SignatureVersion", "3"), ("TracingConfig", "On"), ("MaximumMessageSize", "1048577"), ("Nope", "x"),
    ("DeliveryPolicy", '{"http": {"defaultHealthyRetryPolicy": {"numRetries": 500}}}'), ("Policy", "not json"),
    ("FifoTopic", "true"), ("ContentBasedDeduplication", "true"),
])
def test_set_topic_attributes_validation(client, name, value):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    with pytest.raises(ClientError) as err:
        sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)
    code, message, status = error(err)
    assert (code, status) == ("InvalidParameter", 400) and message.startswith("Invalid parameter: ")


def test_missing_topic_is_not_found(client):
    sns = client("sns")
    missing = "arn:aws:sns:us-east-1:000000000000:missing"
    for call in (lambda: sns.get_topic_attributes(TopicArn=missing),
                 lambda: sns.set_topic_attributes(TopicArn=missing, AttributeName="DisplayName", AttributeValue="x"),
                 lambda: sns.publish(TopicArn=missing, Message="x"),
                 lambda: sns.list_subscriptions_by_topic(TopicArn=missing)):
        with pytest.raises(ClientError) as err:
            call()
        assert error(err) == ("NotFound", "Topic does not exist", 404)
    sns.delete_topic(TopicArn=missing)  # deleting a missing topic is not an error


def test_list_topics_pages_by_100_and_is_per_region(client):
    sns = client("sns")
    created = {sns.create_topic(Name=f"t{i:03d}")["TopicArn"] for i in range(105)}
    client("sns", region="eu-west-1").create_topic(Name="elsewhere")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and "NextToken" in first
    second = sns.list_topics(NextToken=first["NextToken"])
    assert len(second["Topics"]) == 5 and "NextToken" not in second
    assert {t["TopicArn"] for t in first["Topics"] + second["Topics"]} == created


def test_delete_topic_removes_it_and_its_subscriptions(client):
    sns, sqs = client("sns"), client("sqs")
    arn = sns.create_topic(Name="t")["TopicArn"]
    sqs.create_queue(QueueName="q")
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:q")
    sns.delete_topic(TopicArn=arn)
    assert sns.list_topics()["Topics"] == []
    assert sns.list_subscriptions()["Subscriptions"] == []


def test_tags(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t", Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "b", "env": "dev"}
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as err:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert error(err)[0] == "TagLimitExceeded"
    with pytest.raises(ClientError) as err:
        sns.list_tags_for_resource(ResourceArn=arn + "x")
    assert error(err)[:2] == ("ResourceNotFound", "Resource does not exist")
    with pytest.raises(ClientError) as err:
        sns.create_topic(Name="t", Tags=[{"Key": "other", "Value": "x"}])
    assert "different tags" in error(err)[1]


def test_permissions_are_reflected_in_the_policy(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111111111111"], ActionName=["Publish"])
    sns.add_permission(TopicArn=arn, Label="two", AWSAccountId=["111111111111", "222222222222"],
                       ActionName=["Publish", "Subscribe"])
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID", "pub", "two"]
    assert statements[1] == {"Sid": "pub", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                             "Action": "SNS:Publish", "Resource": arn}
    assert statements[2]["Action"] == ["SNS:Publish", "SNS:Subscribe"]
    with pytest.raises(ClientError) as err:
        sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111111111111"], ActionName=["Publish"])
    assert error(err) == ("InvalidParameter", "Invalid parameter: Statement already exists", 400)
    sns.remove_permission(TopicArn=arn, Label="pub")
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["__default_statement_ID", "two"]


def test_data_protection_policy_round_trip(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert "DataProtectionPolicy" not in sns.get_data_protection_policy(ResourceArn=arn)
    policy = json.dumps({"Name": "p", "Version": "2021-06-01", "Statement": [{"Sid": "s", "DataDirection": "Inbound",
                         "Principal": ["*"], "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/Name"],
                         "Operation": {"Audit": {"SampleRate": "99", "FindingsDestination": {}}}}]})
    sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=policy)
    assert sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"] == policy
    with pytest.raises(ClientError) as err:
        sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy="{bad")
    assert error(err)[0] == "InvalidParameter"


@pytest.mark.parametrize("policy", [
    {"Statement": [1]}, {"Statement": ["s"]}, {"Statement": [{"Effect": "Allow"}, None]}, {"Statement": "x"},
    {"Statement": [{"Sid": "s", "Action": "SNS:Publish"}]}, [], {"Version": "2012-10-17"},
])
def test_policy_documents_are_validated_so_permissions_never_fail_later(client, policy):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    with pytest.raises(ClientError) as err:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    assert error(err) == ("InvalidParameter", "Invalid parameter: Policy Error: null", 400)
    with pytest.raises(ClientError) as err:
        sns.create_topic(Name="t2", Attributes={"Policy": json.dumps(policy)})
    assert error(err)[0] == "InvalidParameter"
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111111111111"], ActionName=["Publish"])


def test_a_single_statement_object_policy_takes_permissions(client):
    sns = client("sns")
    arn = sns.create_topic(Name="t")["TopicArn"]
    statement = {"Sid": "mine", "Effect": "Allow", "Principal": "*", "Action": "SNS:Publish", "Resource": arn}
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                             AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": statement}))
    sns.add_permission(TopicArn=arn, Label="pub", AWSAccountId=["111111111111"], ActionName=["Publish"])
    statements = json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["mine", "pub"]
