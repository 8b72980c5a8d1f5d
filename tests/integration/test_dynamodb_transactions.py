"""BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems through boto3.

Transaction messages and reason codes are the ones nubo-db/dynamodb-conformance captured from
DynamoDB (tier3 transactWriteItems, conditionalCheck, batchWriteItem, batchGetItem).
"""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, n, s


@pytest.fixture
def tables(ddb):
    create_table(ddb, "accounts", range_key=None)
    create_table(ddb, "ledger")
    return "accounts", "ledger"


def acct(name: str) -> dict:
    return {"pk": s(name)}


def balance(ddb, name: str) -> int | None:
    item = ddb.get_item(TableName="accounts", Key=acct(name), ConsistentRead=True).get("Item")
    return int(item["balance"]["N"]) if item else None


def test_batch_write_and_get(ddb, tables):
    out = ddb.batch_write_item(RequestItems={
        "accounts": [{"PutRequest": {"Item": {**acct(f"a{i}"), "balance": n(i)}}} for i in range(20)],
        "ledger": [{"PutRequest": {"Item": {"pk": s("l"), "sk": s(str(i))}}} for i in range(5)],
    }, ReturnConsumedCapacity="TOTAL")
    assert out["UnprocessedItems"] == {}
    assert sorted(out["ConsumedCapacity"], key=lambda c: c["TableName"]) == [
        {"TableName": "accounts", "CapacityUnits": 20.0}, {"TableName": "ledger", "CapacityUnits": 5.0}]
    ddb.batch_write_item(RequestItems={"accounts": [{"DeleteRequest": {"Key": acct("a0")}},
                                                    {"PutRequest": {"Item": {**acct("a1"), "balance": n(100)}}}]})
    got = ddb.batch_get_item(RequestItems={
        "accounts": {"Keys": [acct("a0"), acct("a1"), acct("a2")], "ProjectionExpression": "balance",
                     "ConsistentRead": True},
        "ledger": {"Keys": [{"pk": s("l"), "sk": s("3")}]},
    }, ReturnConsumedCapacity="TOTAL")
    assert sorted(i["balance"]["N"] for i in got["Responses"]["accounts"]) == ["100", "2"]
    assert got["Responses"]["ledger"] == [{"pk": s("l"), "sk": s("3")}]
    assert got["UnprocessedKeys"] == {}
    assert {c["TableName"]: c["CapacityUnits"] for c in got["ConsumedCapacity"]} == {"accounts": 3.0, "ledger": 0.5}


def test_batch_write_validates_everything_before_writing(ddb, tables):
    too_many = [{"PutRequest": {"Item": acct(f"x{i}")}} for i in range(26)]
    assert error_of(ddb.batch_write_item, RequestItems={"accounts": too_many[:13], "ledger": [
        {"PutRequest": {"Item": {"pk": s("l"), "sk": s(str(i))}}} for i in range(13)]}) == (
        "ValidationException", "Too many items requested for the BatchWriteItem call")
    assert error_of(ddb.batch_write_item, RequestItems={"accounts": [
        {"PutRequest": {"Item": acct("dup")}}, {"DeleteRequest": {"Key": acct("dup")}}]}) == (
        "ValidationException", "Provided list of item keys contains duplicates")
    assert error_of(ddb.batch_write_item, RequestItems={"accounts": [
        {"PutRequest": {"Item": acct("good")}}, {"PutRequest": {"Item": {"pk": n(5)}}}]}) == (
        "ValidationException", "The provided key element does not match the schema")
    assert error_of(ddb.batch_write_item, RequestItems={"accounts": [{"PutRequest": {"Item": {"pk": s("")}}}]}) == (
        "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute "
                               "cannot contain an empty string value. Key: pk")
    assert error_of(ddb.batch_write_item, RequestItems={"nope": [{"PutRequest": {"Item": acct("a")}}]}) == (
        "ResourceNotFoundException", "Requested resource not found")
    assert balance(ddb, "good") is None  # the good put of the refused batch was not written
    assert error_of(ddb.batch_get_item, RequestItems={"accounts": {"Keys": [acct("k"), acct("k")]}}) == (
        "ValidationException", "Provided list of item keys contains duplicates")
    assert error_of(ddb.batch_get_item, RequestItems={
        "accounts": {"Keys": [acct(f"k{i}") for i in range(60)]},
        "ledger": {"Keys": [{"pk": s("l"), "sk": s(str(i))} for i in range(41)]}}) == (
        "ValidationException", "Too many items requested for the BatchGetItem call")


def test_batch_get_returns_unprocessed_keys_past_16_megabytes(ddb, tables):
    blob = "x" * 390_000
    for start in range(0, 45, 5):
        ddb.batch_write_item(RequestItems={"accounts": [
            {"PutRequest": {"Item": {**acct(f"big{i}"), "d": s(blob)}}} for i in range(start, start + 5)]})
    keys = [acct(f"big{i}") for i in range(45)]
    got = ddb.batch_get_item(RequestItems={"accounts": {"Keys": keys, "ProjectionExpression": "pk"}})
    unprocessed = got["UnprocessedKeys"]["accounts"]
    assert unprocessed["ProjectionExpression"] == "pk"
    returned = [i["pk"]["S"] for i in got["Responses"]["accounts"]]
    assert 40 <= len(returned) < 45
    rest = ddb.batch_get_item(RequestItems=got["UnprocessedKeys"])
    assert sorted(returned + [i["pk"]["S"] for i in rest["Responses"]["accounts"]]) == sorted(k["pk"]["S"] for k in keys)


def transfer(amount: int, source: str, target: str) -> list[dict]:
    return [
        {"Update": {"TableName": "accounts", "Key": acct(source), "UpdateExpression": "SET balance = balance - :a",
                    "ConditionExpression": "balance >= :a", "ExpressionAttributeValues": {":a": n(amount)}}},
        {"Update": {"TableName": "accounts", "Key": acct(target), "UpdateExpression": "ADD balance :a",
                    "ExpressionAttributeValues": {":a": n(amount)}}},
        {"Put": {"TableName": "ledger", "Item": {"pk": s(source), "sk": s(target), "amount": n(amount)},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
    ]


def test_transact_write_commits_every_action(ddb, tables):
    ddb.put_item(TableName="accounts", Item={**acct("alice"), "balance": n(100)})
    ddb.put_item(TableName="accounts", Item={**acct("carol"), "frozen": {"BOOL": False}})
    out = ddb.transact_write_items(TransactItems=[
        *transfer(30, "alice", "bob"),
        {"ConditionCheck": {"TableName": "accounts", "Key": acct("carol"), "ConditionExpression": "frozen = :f",
                            "ExpressionAttributeValues": {":f": {"BOOL": False}}}},
        {"Delete": {"TableName": "ledger", "Key": {"pk": s("old"), "sk": s("x")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert (balance(ddb, "alice"), balance(ddb, "bob")) == (70, 30)
    caps = {c["TableName"]: c for c in out["ConsumedCapacity"]}
    assert caps["ledger"] == {"TableName": "ledger", "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}
    assert caps["accounts"] == {"TableName": "accounts", "CapacityUnits": 6.0, "ReadCapacityUnits": 2.0,
                                "WriteCapacityUnits": 4.0}


def test_a_failed_condition_in_the_middle_cancels_everything(ddb, tables):
    ddb.put_item(TableName="accounts", Item={**acct("alice"), "balance": n(10)})
    ddb.put_item(TableName="accounts", Item={**acct("bob"), "balance": n(5)})
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as err:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "ledger", "Item": {"pk": s("first"), "sk": s("1")}}},
            {"Update": {"TableName": "accounts", "Key": acct("alice"), "UpdateExpression": "SET balance = :z",
                        "ConditionExpression": "balance > :big", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        "ExpressionAttributeValues": {":z": n(0), ":big": n(50)}}},
            {"Update": {"TableName": "accounts", "Key": acct("bob"), "UpdateExpression": "SET balance = :z",
                        "ExpressionAttributeValues": {":z": n(0)}}},
        ])
    response = err.value.response
    assert response["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific "
                                            "reasons [None, ConditionalCheckFailed, None]")
    assert response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
         "Item": {**acct("alice"), "balance": n(10)}},
        {"Code": "None"}]
    assert (balance(ddb, "alice"), balance(ddb, "bob")) == (10, 5)
    assert "Item" not in ddb.get_item(TableName="ledger", Key={"pk": s("first"), "sk": s("1")})


def test_transact_write_validation(ddb, tables):
    assert error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": "accounts", "Item": acct("x")}},
        {"Delete": {"TableName": "accounts", "Key": acct("x")}}]) == (
        "ValidationException", "Transaction request cannot include multiple operations on one item")
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as err:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "accounts", "Item": {"pk": n(5)}}}])
    assert err.value.response["CancellationReasons"] == [{
        "Code": "ValidationError",
        "Message": "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"}]
    assert error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": "accounts", "Item": acct("")}}]) == (
        "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute "
                               "cannot contain an empty string value. Key: pk")
    assert error_of(ddb.transact_write_items, TransactItems=[{"Put": {"TableName": "nope", "Item": acct("a")}}]) == (
        "ResourceNotFoundException", "Requested resource not found")


def test_client_request_token_is_idempotent_for_ten_minutes(ddb, tables, advance):
    counter = [{"Update": {"TableName": "accounts", "Key": acct("c"), "UpdateExpression": "ADD balance :one",
                           "ExpressionAttributeValues": {":one": n(1)}}}]
    ddb.transact_write_items(TransactItems=counter, ClientRequestToken="tok-1")
    ddb.transact_write_items(TransactItems=counter, ClientRequestToken="tok-1")
    assert balance(ddb, "c") == 1
    other = [{**counter[0], "Update": {**counter[0]["Update"], "ExpressionAttributeValues": {":one": n(2)}}}]
    assert error_of(ddb.transact_write_items, TransactItems=other, ClientRequestToken="tok-1")[0] == \
        "IdempotentParameterMismatchException"
    advance(seconds=601)
    ddb.transact_write_items(TransactItems=counter, ClientRequestToken="tok-1")
    assert balance(ddb, "c") == 2


def test_transact_get_items(ddb, tables):
    ddb.put_item(TableName="accounts", Item={**acct("a"), "balance": n(1), "note": s("x")})
    out = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "accounts", "Key": acct("a"), "ProjectionExpression": "balance"}},
        {"Get": {"TableName": "accounts", "Key": acct("missing")}},
        {"Get": {"TableName": "ledger", "Key": {"pk": s("a"), "sk": s("b")}}},
    ], ReturnConsumedCapacity="TOTAL")
    assert out["Responses"] == [{"Item": {"balance": n(1)}}, {}, {}]
    assert {c["TableName"]: c["CapacityUnits"] for c in out["ConsumedCapacity"]} == {"accounts": 4.0, "ledger": 2.0}
    assert error_of(ddb.transact_get_items, TransactItems=[{"Get": {"TableName": "accounts", "Key": acct("a")}}] * 2) == (
        "ValidationException", "Transaction request cannot include multiple operations on one item")
