"""Query and Scan through boto3: key conditions, order, pages (Limit, 1 MB, filters), Select, indexes, segments."""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, n, s


@pytest.fixture
def events(ddb):
    """20 events in partition "p" (sk 0..19), 3 in "q"; ``kind`` alternates, ``g`` groups by five."""
    create_table(ddb, "events", range_key=("sk", "N"), extra={"g": "S", "ts": "S"},
                 GlobalSecondaryIndexes=[gsi("by-g", "g", projection="KEYS_ONLY")],
                 LocalSecondaryIndexes=[lsi("by-at", "ts", projection="INCLUDE") | {
                     "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kind"]}}])
    for i in range(20):
        ddb.put_item(TableName="events", Item={"pk": s("p"), "sk": n(i), "kind": s("even" if i % 2 == 0 else "odd"),
                                               "g": s(f"g{i // 5}"), "ts": s(f"t{19 - i:02d}"), "body": s("b" * 10)})
    for i in range(3):
        ddb.put_item(TableName="events", Item={"pk": s("q"), "sk": n(i)})
    return "events"


def sks(response) -> list[int]:
    return [int(i["sk"]["N"]) for i in response["Items"]]


def query(ddb, expr="pk = :p", values=None, **kwargs):
    return ddb.query(TableName="events", KeyConditionExpression=expr,
                     ExpressionAttributeValues={":p": s("p"), **(values or {})}, **kwargs)


@pytest.mark.parametrize(("expr", "values", "expected"), [
    ("pk = :p", {}, list(range(20))),
    ("pk = :p AND sk = :a", {":a": n(7)}, [7]),
    ("pk = :p AND sk < :a", {":a": n(3)}, [0, 1, 2]),
    ("pk = :p AND sk <= :a", {":a": n(3)}, [0, 1, 2, 3]),
    ("pk = :p AND sk > :a", {":a": n(17)}, [18, 19]),
    ("pk = :p AND sk >= :a", {":a": n(17)}, [17, 18, 19]),
    ("pk = :p AND sk BETWEEN :a AND :b", {":a": n(4), ":b": n("6.0")}, [4, 5, 6]),
    (":a < sk AND pk = :p", {":a": n(17)}, [18, 19]),
])
def test_key_conditions(ddb, events, expr, values, expected):
    assert sks(query(ddb, expr, values)) == expected
    assert sks(query(ddb, expr, values, ScanIndexForward=False)) == expected[::-1]


def test_numbers_and_strings_sort_as_dynamodb_sorts_them(ddb):
    create_table(ddb, "nums", range_key=("sk", "N"))
    values = ["-1E5", "-10", "-2.5", "-2", "0", "0.001", "2", "10", "10.5", "1E20"]
    for v in reversed(values):
        ddb.put_item(TableName="nums", Item={"pk": s("p"), "sk": n(v)})
    got = ddb.query(TableName="nums", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p")})
    assert [i["sk"]["N"] for i in got["Items"]] == ["-100000", "-10", "-2.5", "-2", "0", "0.001", "2", "10", "10.5",
                                                   "100000000000000000000"]
    create_table(ddb, "strs")
    for v in ["b", "a", "ab", "B", "é", "a\u0000", "aa"]:
        ddb.put_item(TableName="strs", Item={"pk": s("p"), "sk": s(v)})
    got = ddb.query(TableName="strs", KeyConditionExpression="pk = :p AND begins_with(sk, :a)",
                    ExpressionAttributeValues={":p": s("p"), ":a": s("a")})
    assert [i["sk"]["S"] for i in got["Items"]] == ["a", "a\u0000", "aa", "ab"]


def test_limit_pages_end_with_an_empty_page_at_an_exact_limit(ddb, events):
    pages, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = query(ddb, Limit=5, **kwargs)
        pages.append(sks(page))
        start = page.get("LastEvaluatedKey")
        if start is None:
            break
        assert start == {"pk": s("p"), "sk": n(pages[-1][-1])}
    # DynamoDB does not look ahead: the fourth page ends exactly at the last item and still has a key.
    assert pages == [list(range(0, 5)), list(range(5, 10)), list(range(10, 15)), list(range(15, 20)), []]
    # A Limit larger than what is left ends the query.
    assert "LastEvaluatedKey" not in query(ddb, Limit=21)
    backwards = query(ddb, Limit=3, ScanIndexForward=False, ExclusiveStartKey={"pk": s("p"), "sk": n(10)})
    assert sks(backwards) == [9, 8, 7]


def test_a_filter_can_empty_a_page(ddb, events):
    page = query(ddb, "pk = :p AND sk < :ten", {":ten": n(10), ":k": s("odd")}, FilterExpression="kind = :k",
                 Limit=1)
    assert page["Count"] == 0 and page["ScannedCount"] == 1 and page["Items"] == []
    assert page["LastEvaluatedKey"] == {"pk": s("p"), "sk": n(0)}
    paginator = ddb.get_paginator("query")
    found = [int(i["sk"]["N"]) for p in paginator.paginate(
        TableName="events", KeyConditionExpression="pk = :p", FilterExpression="kind = :k",
        ExpressionAttributeValues={":p": s("p"), ":k": s("odd")}, PaginationConfig={"PageSize": 4}) for i in p["Items"]]
    assert found == list(range(1, 20, 2))


def test_select_and_projection(ddb, events):
    counted = query(ddb, Select="COUNT", FilterExpression="kind = :k", values={":k": s("even")})
    assert "Items" not in counted and counted["Count"] == 10 and counted["ScannedCount"] == 20
    specific = query(ddb, "pk = :p AND sk = :a", {":a": n(3)}, ProjectionExpression="kind, sk")
    assert specific["Items"] == [{"kind": s("odd"), "sk": n(3)}]
    assert error_of(query, ddb, Select="ALL_ATTRIBUTES", ProjectionExpression="kind") == (
        "ValidationException", "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
    assert error_of(query, ddb, Select="ALL_PROJECTED_ATTRIBUTES") == (
        "ValidationException", "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
    assert error_of(query, ddb, Select="SPECIFIC_ATTRIBUTES")[0] == "ValidationException"
    legacy = ddb.query(TableName="events", KeyConditions={"pk": {"AttributeValueList": [s("q")],
                                                                 "ComparisonOperator": "EQ"}},
                       AttributesToGet=["sk"])
    assert legacy["Items"] == [{"sk": n(0)}, {"sk": n(1)}, {"sk": n(2)}]


def test_query_errors(ddb, events):
    assert error_of(ddb.query, TableName="events", KeyConditionExpression="sk = :a",
                    ExpressionAttributeValues={":a": n(1)}) == ("ValidationException",
                                                                "Query condition missed key schema element: pk")
    assert error_of(ddb.query, TableName="events", KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": n(1)}) == (
        "ValidationException", "One or more parameter values were invalid: Condition parameter type does not match "
                               "schema type")
    assert error_of(query, ddb, ExclusiveStartKey={"pk": s("q"), "sk": n(1)}) == (
        "ValidationException", "The provided starting key is outside query boundaries based on provided conditions")
    assert error_of(query, ddb, ExclusiveStartKey={"pk": s("p")}) == (
        "ValidationException", "The provided starting key is invalid: The provided key element does not match the "
                               "schema")
    assert error_of(query, ddb, IndexName="by-g", ConsistentRead=True, expr="g = :p") == (
        "ValidationException", "Consistent reads are not supported on global secondary indexes")
    assert error_of(ddb.query, TableName="events", KeyConditionExpression="pk = :p")[1] == (
        "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :p")
    assert error_of(ddb.query, TableName="nope", KeyConditionExpression="pk = :p",
                    ExpressionAttributeValues={":p": s("p")})[0] == "ResourceNotFoundException"


def test_global_index_pages_continue_inside_one_index_key(ddb, events):
    # Five items share each g; pages of two must walk them in table-key order without loss.
    seen, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = ddb.query(TableName="events", IndexName="by-g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": s("g1")}, Limit=2, **kwargs)
        seen += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"pk", "sk", "g"}
    assert [int(i["sk"]["N"]) for i in seen] == [5, 6, 7, 8, 9]
    assert seen[0] == {"pk": s("p"), "sk": n(5), "g": s("g1")}  # KEYS_ONLY
    assert error_of(ddb.query, TableName="events", IndexName="by-g", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": s("g1")}, Select="ALL_ATTRIBUTES") == (
        "ValidationException", "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
                               "supported for global secondary index by-g because its projection type is not ALL")


def test_local_index_orders_by_its_sort_key(ddb, events):
    page = ddb.query(TableName="events", IndexName="by-at", KeyConditionExpression="pk = :p AND ts < :t",
                     ExpressionAttributeValues={":p": s("p"), ":t": s("t03")}, ConsistentRead=True)
    assert sks(page) == [19, 18, 17]
    assert set(page["Items"][0]) == {"pk", "sk", "ts", "kind"}  # INCLUDE kind, not body
    everything = ddb.query(TableName="events", IndexName="by-at", KeyConditionExpression="pk = :p AND ts < :t",
                           ExpressionAttributeValues={":p": s("p"), ":t": s("t01")}, Select="ALL_ATTRIBUTES")
    assert everything["Items"][0]["body"] == s("b" * 10)
    capacity = ddb.query(TableName="events", IndexName="by-at", KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": s("p")}, ReturnConsumedCapacity="INDEXES")
    assert capacity["ConsumedCapacity"] == {"TableName": "events", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
                                            "LocalSecondaryIndexes": {"by-at": {"CapacityUnits": 0.5}}}


def test_a_page_stops_after_one_megabyte(ddb):
    create_table(ddb, "big", range_key=("sk", "N"))
    for i in range(15):
        ddb.put_item(TableName="big", Item={"pk": s("p"), "sk": n(i), "d": s("x" * 102_400)})
    page = ddb.query(TableName="big", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p")},
                     ReturnConsumedCapacity="TOTAL", ConsistentRead=True)
    # 11 items of ~100 KB reach 1 MB (the item that crosses it is included), sized before any filter.
    assert page["Count"] == 11 and page["LastEvaluatedKey"] == {"pk": s("p"), "sk": n(10)}
    size = 11 * (2 + 1 + 2 + 2 + 1 + 102_400)
    assert page["ConsumedCapacity"]["CapacityUnits"] == -(-size // 4096)
    rest = ddb.query(TableName="big", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": s("p")},
                     ExclusiveStartKey=page["LastEvaluatedKey"], Select="COUNT")
    assert rest["Count"] == 4 and "LastEvaluatedKey" not in rest
    scanned = ddb.scan(TableName="big", FilterExpression="sk > :n", ExpressionAttributeValues={":n": n(100)})
    assert scanned["Count"] == 0 and scanned["ScannedCount"] == 11 and "LastEvaluatedKey" in scanned


def test_scan_filters_pages_and_segments(ddb, events):
    everything = ddb.scan(TableName="events")
    assert everything["Count"] == 23 and "LastEvaluatedKey" not in everything
    odd = ddb.scan(TableName="events", FilterExpression="kind = :k", ExpressionAttributeValues={":k": s("odd")})
    assert odd["Count"] == 10 and odd["ScannedCount"] == 23
    keys, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = ddb.scan(TableName="events", Limit=7, **kwargs)
        keys += [(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sorted(keys) == sorted((i["pk"]["S"], i["sk"]["N"]) for i in everything["Items"]) and len(set(keys)) == 23
    segments = [ddb.scan(TableName="events", Segment=k, TotalSegments=3)["Items"] for k in range(3)]
    assert sum(len(seg) for seg in segments) == 23
    assert error_of(ddb.scan, TableName="events", Segment=3, TotalSegments=3) == (
        "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
                               "Segment: 3 is not less than TotalSegments: 3")
    on_index = ddb.scan(TableName="events", IndexName="by-g", Select="COUNT")
    assert on_index["Count"] == 20
    legacy = ddb.scan(TableName="events", ScanFilter={"kind": {"AttributeValueList": [s("odd")],
                                                               "ComparisonOperator": "EQ"}}, Select="COUNT")
    assert legacy["Count"] == 10
