"""PutItem, GetItem, UpdateItem, DeleteItem through boto3: values, keys, conditions, ReturnValues, capacity.

Messages pinned here were captured from DynamoDB by nubo-db/dynamodb-conformance (tier3
error-messages and limits) unless a comment says otherwise; the capacity figures are the ones it
measured (tier1 putItem/indexConsumedCapacity).
"""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, n, s

KEY = {"pk": s("a"), "sk": s("1")}


@pytest.fixture
def table(ddb):
    create_table(ddb, "items")
    return "items"


def test_every_type_round_trips_and_numbers_are_normalized(ddb, table):
    item = {**KEY, "str": s("héllo"), "num": n("1.50"), "big": n("-0.000120E5"), "bin": {"B": b"\x00\xff"},
            "bool": {"BOOL": False}, "null": {"NULL": False}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2.0"]},
            "bs": {"BS": [b"\x01", b"\x02"]}, "list": {"L": [s("a"), n(1), {"M": {"deep": {"B": b"\x07"}}}]},
            "map": {"M": {"inner": {"L": []}, "empty": {"M": {}}}}}
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key=KEY, ConsistentRead=True)["Item"]
    assert got == {**item, "num": n("1.5"), "big": n("-12"), "null": {"NULL": True}, "ns": {"NS": ["1", "2"]}}


def test_get_missing_item_and_projection(ddb, table):
    assert "Item" not in ddb.get_item(TableName=table, Key=KEY)
    ddb.put_item(TableName=table, Item={**KEY, "a": {"M": {"b": s("x"), "c": s("y")}}, "l": {"L": [n(0), n(1), n(2)]},
                                        "name": s("n")})
    got = ddb.get_item(TableName=table, Key=KEY, ProjectionExpression="a.b, l[2], #n, absent",
                       ExpressionAttributeNames={"#n": "name"})["Item"]
    assert got == {"a": {"M": {"b": s("x")}}, "l": {"L": [n(2)]}, "name": s("n")}
    assert ddb.get_item(TableName=table, Key=KEY, AttributesToGet=["name"])["Item"] == {"name": s("n")}


@pytest.mark.parametrize(("item", "message"), [
    ({"sk": s("1")}, "One or more parameter values were invalid: Missing the key pk in the item"),
    ({"pk": n(1), "sk": s("1")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
    ({"pk": s(""), "sk": s("1")}, "One or more parameter values are not valid. The AttributeValue for a key attribute "
                                  "cannot contain an empty string value. Key: pk"),
    ({"pk": s("a" * 2049), "sk": s("1")}, "One or more parameter values were invalid: Size of hashkey has exceeded the "
                                          "maximum size limit of2048 bytes"),
    ({"pk": s("a"), "sk": s("b" * 1025)}, "One or more parameter values were invalid: Aggregated size of all range "
                                          "keys has exceeded the size limit of 1024 bytes"),
    ({**KEY, "x": {"SS": []}}, "One or more parameter values were invalid: An string set  may not be empty"),
])
def test_put_item_key_and_value_errors(ddb, table, item, message):
    assert error_of(ddb.put_item, TableName=table, Item=item) == ("ValidationException", message)


@pytest.mark.parametrize("key", [{"pk": s("a")}, {**KEY, "x": s("y")}, {"pk": s("a"), "sk": n(1)},
                                 {"pk": s("a"), "sk": {"L": [s("x")]}}])
def test_lookup_keys_must_match_the_schema(ddb, table, key):
    assert error_of(ddb.get_item, TableName=table, Key=key) == (
        "ValidationException", "The provided key element does not match the schema")
    assert error_of(ddb.delete_item, TableName=table, Key=key)[1] == "The provided key element does not match the schema"


def test_binary_keys_and_empty_binary_key(ddb):
    create_table(ddb, "bins", hash_key=("pk", "B"), range_key=None)
    ddb.put_item(TableName="bins", Item={"pk": {"B": b"\x00\x01"}, "v": n(1)})
    assert ddb.get_item(TableName="bins", Key={"pk": {"B": b"\x00\x01"}})["Item"]["v"] == n(1)
    assert error_of(ddb.get_item, TableName="bins", Key={"pk": {"B": b""}}) == (
        "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute "
                               "cannot contain an empty binary value. Key: pk")


def test_index_key_values_are_checked(ddb):
    create_table(ddb, "indexed", extra={"g": "S"}, GlobalSecondaryIndexes=[gsi("gsi1", "g")])
    assert error_of(ddb.put_item, TableName="indexed", Item={**KEY, "g": n(5)}) == (
        "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S "
                               "Actual: N IndexName: gsi1")
    assert error_of(ddb.put_item, TableName="indexed", Item={**KEY, "g": s("")}) == (
        "ValidationException", "One or more parameter values are not valid. A value specified for a secondary index "
                               "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
                               "string value. IndexName: gsi1, IndexKey: g")
    assert error_of(ddb.update_item, TableName="indexed", Key=KEY, UpdateExpression="SET g = :v",
                    ExpressionAttributeValues={":v": s("")}) == (
        "ValidationException", "One or more parameter values are not valid. The update expression attempted to update "
                               "a secondary index key to a value that is not supported. The AttributeValue for a key "
                               "attribute cannot contain an empty string value.")
    assert "Item" not in ddb.get_item(TableName="indexed", Key=KEY)


def test_item_size_gate_is_409600_bytes(ddb, table):
    # pk(2)+a(1) + sk(2)+1(1) + data(4) = 10 bytes besides the payload.
    ddb.put_item(TableName=table, Item={**KEY, "data": s("x" * (409600 - 10))})
    assert error_of(ddb.put_item, TableName=table, Item={**KEY, "data": s("x" * (409601 - 10))}) == (
        "ValidationException", "Item size has exceeded the maximum allowed size")
    assert error_of(ddb.update_item, TableName=table, Key=KEY, UpdateExpression="SET more = :v",
                    ExpressionAttributeValues={":v": s("y")}) == (
        "ValidationException", "Item size to update has exceeded the maximum allowed size")


def test_conditional_put_and_return_values_on_failure(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "v": s("first")}, ConditionExpression="attribute_not_exists(pk)")
    assert error_of(ddb.put_item, TableName=table, Item={**KEY, "v": s("second")},
                    ConditionExpression="attribute_not_exists(pk)") == (
        "ConditionalCheckFailedException", "The conditional request failed")
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException) as err:
        ddb.put_item(TableName=table, Item={**KEY, "v": s("second")}, ConditionExpression="v = :x",
                     ExpressionAttributeValues={":x": s("nope")}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert err.value.response["Item"] == {**KEY, "v": s("first")}
    old = ddb.put_item(TableName=table, Item={**KEY, "v": s("third")}, ConditionExpression="v = :x",
                       ExpressionAttributeValues={":x": s("first")}, ReturnValues="ALL_OLD")["Attributes"]
    assert old == {**KEY, "v": s("first")}
    assert error_of(ddb.put_item, TableName=table, Item=KEY, ReturnValues="ALL_NEW") == (
        "ValidationException", "ReturnValues can only be ALL_OLD or NONE")


def test_expression_parameter_errors(ddb, table):
    assert error_of(ddb.put_item, TableName=table, Item=KEY, ExpressionAttributeValues={":v": s("x")}) == (
        "ValidationException", "ExpressionAttributeValues can only be specified when using expressions")
    assert error_of(ddb.put_item, TableName=table, Item=KEY, ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeNames={"#u": "x"}) == (
        "ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}")
    assert error_of(ddb.put_item, TableName=table, Item=KEY, Expected={"pk": {"Exists": False}},
                    ConditionExpression="attribute_not_exists(pk)") == (
        "ValidationException", "Can not use both expression and non-expression parameters in the same request: "
                               "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}")
    assert error_of(ddb.update_item, TableName=table, Key=KEY, UpdateExpression="SET pk = :v",
                    ExpressionAttributeValues={":v": s("x")}) == (
        "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute "
                               "is part of the key")
    assert error_of(ddb.update_item, TableName=table, Key=KEY, UpdateExpression="SET status = :v",
                    ExpressionAttributeValues={":v": s("x")}) == (
        "ValidationException", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status")


def test_update_item_expressions_and_every_return_value(ddb, table):
    new = ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET c = if_not_exists(c, :zero) + :one",
                          ExpressionAttributeValues={":zero": n(0), ":one": n(1)}, ReturnValues="ALL_NEW")
    assert new["Attributes"] == {**KEY, "c": n(1)}
    assert "Attributes" not in ddb.update_item(TableName=table, Key={"pk": s("b"), "sk": s("1")},
                                               UpdateExpression="SET x = :v", ExpressionAttributeValues={":v": n(1)},
                                               ReturnValues="UPDATED_OLD")
    upd = ddb.update_item(TableName=table, Key=KEY,
                          UpdateExpression="SET l = list_append(if_not_exists(l, :empty), :items), m = :m ADD c :one, "
                                           "tags :tag",
                          ExpressionAttributeValues={":empty": {"L": []}, ":items": {"L": [s("a")]}, ":one": n(1),
                                                     ":tag": {"SS": ["t1", "t2"]}, ":m": {"M": {"k": s("v")}}},
                          ReturnValues="UPDATED_NEW")
    assert upd["Attributes"] == {"l": {"L": [s("a")]}, "m": {"M": {"k": s("v")}}, "c": n(2),
                                 "tags": {"SS": ["t1", "t2"]}}
    old = ddb.update_item(TableName=table, Key=KEY, UpdateExpression="REMOVE m.k, l[0] DELETE tags :t",
                          ExpressionAttributeValues={":t": {"SS": ["t1"]}}, ReturnValues="UPDATED_OLD")
    assert old["Attributes"] == {"m": {"M": {"k": s("v")}}, "l": {"L": [s("a")]}, "tags": {"SS": ["t1", "t2"]}}
    all_old = ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET c = c - :one",
                              ExpressionAttributeValues={":one": n(1)}, ReturnValues="ALL_OLD")["Attributes"]
    assert all_old["c"] == n(2)
    assert ddb.get_item(TableName=table, Key=KEY)["Item"] == {**KEY, "c": n(1), "l": {"L": []}, "m": {"M": {}},
                                                              "tags": {"SS": ["t2"]}}
    assert error_of(ddb.update_item, TableName=table, Key=KEY, UpdateExpression="SET c = c + :s",
                    ExpressionAttributeValues={":s": s("x")})[1].startswith("Invalid UpdateExpression: Incorrect operand")
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.update_item(TableName=table, Key=KEY, UpdateExpression="SET c = :v", ConditionExpression="c > :v",
                        ExpressionAttributeValues={":v": n(5)})
    # An update without an expression creates the item from its key alone.
    ddb.update_item(TableName=table, Key={"pk": s("c"), "sk": s("1")})
    assert ddb.get_item(TableName=table, Key={"pk": s("c"), "sk": s("1")})["Item"] == {"pk": s("c"), "sk": s("1")}


def test_delete_item(ddb, table):
    assert "Attributes" not in ddb.delete_item(TableName=table, Key=KEY, ReturnValues="ALL_OLD")
    ddb.put_item(TableName=table, Item={**KEY, "v": n(1)})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.delete_item(TableName=table, Key=KEY, ConditionExpression="v = :two", ExpressionAttributeValues={":two": n(2)})
    old = ddb.delete_item(TableName=table, Key=KEY, ConditionExpression="v = :one",
                          ExpressionAttributeValues={":one": n("1.0")}, ReturnValues="ALL_OLD")
    assert old["Attributes"] == {**KEY, "v": n(1)}
    assert "Item" not in ddb.get_item(TableName=table, Key=KEY)


def test_consumed_capacity_of_single_item_operations(ddb, table):
    def cap(response):
        return response["ConsumedCapacity"]
    assert cap(ddb.put_item(TableName=table, Item={**KEY, "d": s("x" * 1500)}, ReturnConsumedCapacity="TOTAL")) == {
        "TableName": table, "CapacityUnits": 2.0}
    assert cap(ddb.get_item(TableName=table, Key=KEY, ReturnConsumedCapacity="TOTAL"))["CapacityUnits"] == 0.5
    assert cap(ddb.get_item(TableName=table, Key=KEY, ConsistentRead=True,
                            ReturnConsumedCapacity="TOTAL"))["CapacityUnits"] == 1.0
    ddb.put_item(TableName=table, Item={**KEY, "d": s("x" * 5000)})
    assert cap(ddb.get_item(TableName=table, Key=KEY, ConsistentRead=True,
                            ReturnConsumedCapacity="INDEXES")) == {"TableName": table, "CapacityUnits": 2.0,
                                                                   "Table": {"CapacityUnits": 2.0}}
    # A write is sized by the larger of the item before and after.
    assert cap(ddb.put_item(TableName=table, Item=KEY, ReturnConsumedCapacity="TOTAL"))["CapacityUnits"] == 5.0
    assert cap(ddb.delete_item(TableName=table, Key={"pk": s("none"), "sk": s("1")},
                               ReturnConsumedCapacity="TOTAL"))["CapacityUnits"] == 1.0
    assert "ConsumedCapacity" not in ddb.put_item(TableName=table, Item=KEY, ReturnConsumedCapacity="NONE")


def test_index_write_capacity_ladder(ddb):
    """The figures nubo-db/dynamodb-conformance measured against DynamoDB (indexConsumedCapacity)."""
    create_table(ddb, "idx_wcu", extra={"gsiPk": "S", "lsiSk": "S"},
                 GlobalSecondaryIndexes=[gsi("gsi-inc", "gsiPk", projection="INCLUDE", non_key=["proj"])],
                 LocalSecondaryIndexes=[lsi("lsi1", "lsiSk")])

    def arms(response):
        c = response["ConsumedCapacity"]
        return (c["CapacityUnits"], c["Table"]["CapacityUnits"],
                c.get("GlobalSecondaryIndexes", {}).get("gsi-inc", {}).get("CapacityUnits"),
                c.get("LocalSecondaryIndexes", {}).get("lsi1", {}).get("CapacityUnits"))

    def put(item):
        return arms(ddb.put_item(TableName="idx_wcu", Item=item, ReturnConsumedCapacity="INDEXES"))

    full = {"pk": s("p1"), "sk": s("1"), "gsiPk": s("g"), "lsiSk": s("L1"), "proj": s("p"), "other": s("o")}
    assert put({"pk": s("p0"), "sk": s("1"), "other": s("o")}) == (1, 1, None, None)
    assert put(full) == (3, 1, 1, 1)
    assert put(full) == (1, 1, None, None)  # an identical overwrite charges no index

    def update(expr, **values):
        extra = {"ExpressionAttributeValues": values} if values else {}
        if "#o" in expr:
            extra["ExpressionAttributeNames"] = {"#o": "other"}
        return arms(ddb.update_item(TableName="idx_wcu", Key={"pk": s("p1"), "sk": s("1")}, UpdateExpression=expr,
                                    ReturnConsumedCapacity="INDEXES", **extra))

    assert update("SET #o = :v", **{":v": s("o2")}) == (2, 1, None, 1)
    assert update("SET proj = :v", **{":v": s("p2")}) == (3, 1, 1, 1)
    assert update("SET gsiPk = :v", **{":v": s("g2")}) == (4, 1, 2, 1)
    assert update("SET lsiSk = :v", **{":v": s("L2")}) == (3, 1, None, 2)
    assert update("REMOVE gsiPk") == (3, 1, 1, 1)
    total = ddb.put_item(TableName="idx_wcu", Item={**full, "pk": s("p2")}, ReturnConsumedCapacity="TOTAL")
    assert total["ConsumedCapacity"] == {"TableName": "idx_wcu", "CapacityUnits": 3.0}
    deleted = ddb.delete_item(TableName="idx_wcu", Key={"pk": s("p2"), "sk": s("1")}, ReturnConsumedCapacity="INDEXES")
    assert arms(deleted) == (3, 1, 1, 1)


def test_item_collection_metrics_only_with_local_indexes(ddb):
    create_table(ddb, "coll", extra={"l": "S"}, LocalSecondaryIndexes=[lsi("by-l", "l")])
    out = ddb.put_item(TableName="coll", Item={**KEY, "l": s("x")}, ReturnItemCollectionMetrics="SIZE")
    assert out["ItemCollectionMetrics"] == {"ItemCollectionKey": {"pk": s("a")}, "SizeEstimateRangeGB": [0.0, 1.0]}
    create_table(ddb, "plain")
    assert "ItemCollectionMetrics" not in ddb.put_item(TableName="plain", Item=KEY, ReturnItemCollectionMetrics="SIZE")


def test_legacy_expected_and_attribute_updates(ddb, table):
    ddb.put_item(TableName=table, Item={**KEY, "v": n(1)}, Expected={"pk": {"Exists": False}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=table, Item=KEY, Expected={"pk": {"Exists": False}})
    new = ddb.update_item(TableName=table, Key=KEY, AttributeUpdates={"v": {"Action": "ADD", "Value": n(2)},
                                                                     "t": {"Action": "PUT", "Value": s("x")}},
                          Expected={"v": {"ComparisonOperator": "LT", "AttributeValueList": [n(5)]}},
                          ReturnValues="ALL_NEW")["Attributes"]
    assert new == {**KEY, "v": n(3), "t": s("x")}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.delete_item(TableName=table, Key=KEY, Expected={"v": {"Value": n(1)}, "t": {"Value": s("y")}},
                        ConditionalOperator="OR")
    ddb.delete_item(TableName=table, Key=KEY, Expected={"v": {"Value": n(1)}, "t": {"Value": s("x")}},
                    ConditionalOperator="OR")
    assert "Item" not in ddb.get_item(TableName=table, Key=KEY)
