"""The ``boto3.dynamodb`` resource API as applications write it: Table, Key/Attr conditions, the batch writer,
Decimal numbers, Binary, sets, paginated scans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import Binary

from tests.integration.test_dynamodb_helpers import make_resource


@pytest.fixture
def resource(sluice):
    return make_resource(sluice.url)


@pytest.fixture
def users(resource):
    table = resource.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "org", "KeyType": "HASH"}, {"AttributeName": "user_id", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "org", "AttributeType": "S"},
                              {"AttributeName": "user_id", "AttributeType": "N"},
                              {"AttributeName": "email", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-email", "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST")
    table.wait_until_exists()
    return table


def test_table_resource_round_trip(users):
    assert users.table_status == "ACTIVE" and users.item_count == 0
    users.put_item(Item={"org": "acme", "user_id": 1, "email": "a@acme.test", "score": Decimal("9.5"),
                         "tags": {"x", "y"}, "avatar": Binary(b"\x89PNG"), "profile": {"age": 30, "langs": ["en"]}})
    item = users.get_item(Key={"org": "acme", "user_id": 1})["Item"]
    assert item == {"org": "acme", "user_id": Decimal(1), "email": "a@acme.test", "score": Decimal("9.5"),
                    "tags": {"x", "y"}, "avatar": Binary(b"\x89PNG"), "profile": {"age": Decimal(30), "langs": ["en"]}}
    users.update_item(Key={"org": "acme", "user_id": 1}, UpdateExpression="SET profile.age = profile.age + :one",
                      ExpressionAttributeValues={":one": 1})
    assert users.get_item(Key={"org": "acme", "user_id": 1})["Item"]["profile"]["age"] == 31
    users.reload()
    assert users.item_count == 1


def test_conditions_and_the_batch_writer(users):
    with users.batch_writer() as batch:
        for i in range(60):  # more than one BatchWriteItem: the writer flushes every 25
            batch.put_item(Item={"org": "acme" if i < 50 else "other", "user_id": i, "email": f"u{i}@test",
                                 "active": i % 3 == 0})
    assert users.scan(Select="COUNT")["Count"] == 60
    page = users.query(KeyConditionExpression=Key("org").eq("acme") & Key("user_id").between(10, 19),
                       FilterExpression=Attr("active").eq(True))
    assert [int(i["user_id"]) for i in page["Items"]] == [12, 15, 18]
    last = users.query(KeyConditionExpression=Key("org").eq("acme"), ScanIndexForward=False, Limit=1)["Items"][0]
    assert last["user_id"] == 49
    by_email = users.query(IndexName="by-email", KeyConditionExpression=Key("email").eq("u7@test"))["Items"]
    assert [i["user_id"] for i in by_email] == [7]
    found = users.scan(FilterExpression=Attr("user_id").gte(55) & Attr("email").begins_with("u5"))["Items"]
    assert sorted(int(i["user_id"]) for i in found) == [55, 56, 57, 58, 59]
    with pytest.raises(users.meta.client.exceptions.ConditionalCheckFailedException):
        users.put_item(Item={"org": "acme", "user_id": 1}, ConditionExpression=Attr("user_id").not_exists())
    with users.batch_writer(overwrite_by_pkeys=["org", "user_id"]) as batch:
        for i in range(50):
            batch.delete_item(Key={"org": "acme", "user_id": i})
    assert users.query(KeyConditionExpression=Key("org").eq("acme"))["Count"] == 0


def test_paginated_scan_with_the_resource(users):
    with users.batch_writer() as batch:
        for i in range(30):
            batch.put_item(Item={"org": f"o{i % 4}", "user_id": i, "email": f"e{i}"})
    seen, kwargs = [], {"Limit": 7}
    while True:
        page = users.scan(**kwargs)
        seen += [int(i["user_id"]) for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert sorted(seen) == list(range(30))
