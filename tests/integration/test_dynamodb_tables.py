"""DynamoDB tables through boto3: create/describe/update/delete, GSIs with backfill, listing, tags, TTL.

Messages are AWS's as recorded by nubo-db/dynamodb-conformance (tier3 createTable, run against
DynamoDB) and architect/dynalite; where the tests pin a text, the emulator's source names its origin.
"""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, n, s

KEYS = [{"AttributeName": "pk", "KeyType": "HASH"}]
DEFS = [{"AttributeName": "pk", "AttributeType": "S"}]


def test_create_describe_and_counters(ddb):
    created = create_table(ddb, "orders", extra={"gpk": "S", "lsk": "N"},
                           GlobalSecondaryIndexes=[gsi("by-gpk", "gpk", projection="KEYS_ONLY")],
                           LocalSecondaryIndexes=[lsi("by-lsk", "lsk")], Tags=[{"Key": "team", "Value": "a"}])
    assert created["TableStatus"] == "ACTIVE"
    assert created["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    assert created["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert created["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert created["LocalSecondaryIndexes"][0]["IndexArn"].endswith(":table/orders/index/by-lsk")
    assert created["DeletionProtectionEnabled"] is False
    assert created["ItemCount"] == 0 and created["TableSizeBytes"] == 0

    ddb.put_item(TableName="orders", Item={"pk": s("a"), "sk": s("1"), "gpk": s("g"), "lsk": n(1)})
    ddb.put_item(TableName="orders", Item={"pk": s("a"), "sk": s("2"), "data": s("x" * 100)})
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["ItemCount"] == 2
    assert table["TableSizeBytes"] == (2 + 1 + 2 + 1 + 3 + 1 + 3 + 2) + (2 + 1 + 2 + 1 + 4 + 100)
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 1  # sparse: only the item with gpk
    assert table["LocalSecondaryIndexes"][0]["ItemCount"] == 1
    ddb.delete_item(TableName="orders", Key={"pk": s("a"), "sk": s("1")})
    table = ddb.describe_table(TableName="orders")["Table"]
    assert table["ItemCount"] == 1
    assert table["GlobalSecondaryIndexes"][0]["ItemCount"] == 0
    assert table["GlobalSecondaryIndexes"][0]["IndexSizeBytes"] == 0


def test_boto3_waiters_see_active_and_deleted_tables_at_once(ddb):
    create_table(ddb, "waited")
    ddb.get_waiter("table_exists").wait(TableName="waited")
    assert ddb.delete_table(TableName="waited")["TableDescription"]["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName="waited")


def test_table_errors(ddb):
    create_table(ddb, "dupe")
    assert error_of(create_table, ddb, "dupe") == ("ResourceInUseException", "Table already exists: dupe")
    assert error_of(ddb.describe_table, TableName="nope") == (
        "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
    assert error_of(ddb.delete_table, TableName="nope")[0] == "ResourceNotFoundException"
    assert error_of(ddb.get_item, TableName="nope", Key={"pk": s("a")}) == (
        "ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize(("request_", "message"), [
    ({"TableName": "ab", "AttributeDefinitions": DEFS, "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST"},
     "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length "
     "greater than or equal to 3"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS, "KeySchema": KEYS},
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified "
     "when BillingMode is PROVISIONED"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS, "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST",
      "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
     "when BillingMode is PAY_PER_REQUEST"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS, "KeySchema": KEYS + [{"AttributeName": "pk", "KeyType": "RANGE"}],
      "BillingMode": "PAY_PER_REQUEST"},
     "Invalid KeySchema: Some index key attribute have no definition"),
    ({"TableName": "tbl", "AttributeDefinitions": [{"AttributeName": "other", "AttributeType": "S"}], "KeySchema": KEYS,
      "BillingMode": "PAY_PER_REQUEST"},
     "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. "
     "Keys: [pk], AttributeDefinitions: [other]"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS + [{"AttributeName": "x", "AttributeType": "S"}],
      "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST"},
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of "
     "attributes defined in AttributeDefinitions"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS + [{"AttributeName": "lsk", "AttributeType": "S"}],
      "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST", "LocalSecondaryIndexes": [lsi("lsi1", "lsk")]},
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when "
     "specifying a LocalSecondaryIndex"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS + [{"AttributeName": "g1", "AttributeType": "S"}],
      "KeySchema": KEYS, "BillingMode": "PAY_PER_REQUEST",
      "GlobalSecondaryIndexes": [gsi("same", "g1"), gsi("same", "g1")]},
     "One or more parameter values were invalid: Duplicate index name: same"),
    ({"TableName": "tbl", "AttributeDefinitions": DEFS, "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}],
      "BillingMode": "PAY_PER_REQUEST"},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
])
def test_create_table_validation(ddb, request_, message):
    assert error_of(ddb.create_table, **request_) == ("ValidationException", message)
    assert ddb.list_tables()["TableNames"] == []


def test_provisioned_throughput_updates(ddb):
    create_table(ddb, "prov", BillingMode="PROVISIONED", extra={"g": "S"},
                 ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                 GlobalSecondaryIndexes=[{**gsi("by-g", "g"),
                                          "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}])
    table = ddb.update_table(TableName="prov", ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
                             )["TableDescription"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert "LastIncreaseDateTime" in table["ProvisionedThroughput"]
    table = ddb.update_table(TableName="prov", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                             )["TableDescription"]
    assert table["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 1
    code, message = error_of(ddb.update_table, TableName="prov",
                             ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert code == "ValidationException" and message.startswith("The provisioned throughput for the table will not change")
    table = ddb.update_table(TableName="prov", GlobalSecondaryIndexUpdates=[{"Update": {
        "IndexName": "by-g", "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 7}}}])["TableDescription"]
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 7
    # Switching to on-demand drops the provisioned figures, table and indexes.
    table = ddb.update_table(TableName="prov", BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert table["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert error_of(ddb.update_table, TableName="prov")[1].startswith("At least one of ProvisionedThroughput")


def test_update_table_creates_a_gsi_with_backfill_and_deletes_it(ddb):
    create_table(ddb, "backfill")
    for i in range(10):
        item = {"pk": s(f"p{i}"), "sk": s("x"), "n": n(i)}
        if i % 2 == 0:
            item["color"] = s("red" if i < 6 else "blue")
        ddb.put_item(TableName="backfill", Item=item)
    ddb.put_item(TableName="backfill", Item={"pk": s("odd"), "sk": s("x"), "color": n(5)})  # wrong type: skipped
    table = ddb.update_table(
        TableName="backfill", AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"},
                                                    {"AttributeName": "n", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[{"Create": {**gsi("by-color", "color", "n")}}])["TableDescription"]
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexStatus"] == "ACTIVE" and index["ItemCount"] == 5
    assert {"AttributeName": "color", "AttributeType": "S"} in table["AttributeDefinitions"]
    red = ddb.query(TableName="backfill", IndexName="by-color", KeyConditionExpression="color = :c",
                    ExpressionAttributeValues={":c": s("red")})
    assert [i["n"]["N"] for i in red["Items"]] == ["0", "2", "4"]
    # Later writes maintain the new index.
    ddb.put_item(TableName="backfill", Item={"pk": s("new"), "sk": s("x"), "n": n(1), "color": s("red")})
    red = ddb.query(TableName="backfill", IndexName="by-color", KeyConditionExpression="color = :c",
                    ExpressionAttributeValues={":c": s("red")})
    assert [i["n"]["N"] for i in red["Items"]] == ["0", "1", "2", "4"]
    assert error_of(ddb.update_table, TableName="backfill", AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
                    GlobalSecondaryIndexUpdates=[{"Create": gsi("by-color", "color")}]) == (
        "ValidationException", "Attempting to create an index which already exists")
    table = ddb.update_table(TableName="backfill",
                             GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-color"}}])["TableDescription"]
    assert "GlobalSecondaryIndexes" not in table
    assert [d["AttributeName"] for d in table["AttributeDefinitions"]] == ["pk", "sk"]
    assert error_of(ddb.query, TableName="backfill", IndexName="by-color", KeyConditionExpression="color = :c",
                    ExpressionAttributeValues={":c": s("red")}) == (
        "ValidationException", "The table does not have the specified index: by-color")


def test_stream_sse_class_and_deletion_protection(ddb):
    table = create_table(ddb, "settings", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                         SSESpecification={"Enabled": True}, TableClass="STANDARD_INFREQUENT_ACCESS",
                         DeletionProtectionEnabled=True)
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{table['LatestStreamLabel']}"
    assert table["SSEDescription"]["Status"] == "ENABLED" and table["SSEDescription"]["SSEType"] == "KMS"
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert error_of(ddb.delete_table, TableName="settings") == (
        "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. "
                               "Disable deletion protection first.")
    table = ddb.update_table(TableName="settings", DeletionProtectionEnabled=False,
                             StreamSpecification={"StreamEnabled": False})["TableDescription"]
    assert table["DeletionProtectionEnabled"] is False and "StreamSpecification" not in table
    ddb.delete_table(TableName="settings")
    assert ddb.list_tables()["TableNames"] == []


def test_list_tables_pages(ddb):
    for name in ("tab-c", "tab-a", "tab-e", "tab-b", "tab-d"):
        create_table(ddb, name)
    first = ddb.list_tables(Limit=2)
    assert first["TableNames"] == ["tab-a", "tab-b"] and first["LastEvaluatedTableName"] == "tab-b"
    second = ddb.list_tables(Limit=2, ExclusiveStartTableName="tab-b")
    assert second["TableNames"] == ["tab-c", "tab-d"]
    last = ddb.list_tables(Limit=1, ExclusiveStartTableName="tab-d")
    assert last == {**last, "TableNames": ["tab-e"]} and "LastEvaluatedTableName" not in last
    names = [n for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2})
             for n in page["TableNames"]]
    assert names == ["tab-a", "tab-b", "tab-c", "tab-d", "tab-e"]


def test_tables_are_per_account_and_region(ddb, client):
    create_table(ddb, "mine")
    assert client("dynamodb", region="eu-west-1").list_tables()["TableNames"] == []
    assert client("dynamodb", account="111111111111").list_tables()["TableNames"] == []
    # A table ARN names the table wherever the client points.
    arn = ddb.describe_table(TableName="mine")["Table"]["TableArn"]
    other = client("dynamodb", region="eu-west-1")
    other.put_item(TableName=arn, Item={"pk": s("a"), "sk": s("b")})
    assert ddb.get_item(TableName="mine", Key={"pk": s("a"), "sk": s("b")})["Item"] == {"pk": s("a"), "sk": s("b")}


def test_tags(ddb):
    arn = create_table(ddb, "tagged", Tags=[{"Key": "env", "Value": "dev"}])["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "core"}, {"Key": "env", "Value": "prod"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"},
                                                                  {"Key": "team", "Value": "core"}]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "core"}]
    missing = arn.replace("tagged", "missing")
    assert error_of(ddb.list_tags_of_resource, ResourceArn=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: ResourcArn: {missing} not found")
    assert error_of(ddb.tag_resource, ResourceArn="not-an-arn", Tags=[{"Key": "a", "Value": "b"}])[0] == \
        "ValidationException"


def test_time_to_live_state(ddb):
    create_table(ddb, "ttl-tab")
    assert ddb.describe_time_to_live(TableName="ttl-tab")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    out = ddb.update_time_to_live(TableName="ttl-tab", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    assert ddb.describe_time_to_live(TableName="ttl-tab")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert error_of(ddb.update_time_to_live, TableName="ttl-tab",
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"}) == (
        "ValidationException", "TimeToLive is already enabled")


def test_limits_and_endpoints(ddb, sluice):
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000 and limits["AccountMaxWriteCapacityUnits"] == 80000
    endpoints = ddb.describe_endpoints()["Endpoints"]
    assert endpoints == [{"Address": sluice.url.split("://")[1], "CachePeriodInMinutes": 1440}]
