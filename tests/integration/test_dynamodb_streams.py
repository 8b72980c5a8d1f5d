"""DynamoDB Streams through boto3: the record of every write path, images per view type, the four operations.

The records' shape and SizeBytes are checked against the Developer Guide's Lambda tutorial (an INSERT,
a MODIFY and a REMOVE of one item: 26, 59 and 38 bytes); sequence numbers, iterator types and errors
against the API Reference (DynamoDB Streams). Time-driven behaviour (iterator expiry, 24-hour trim, shard
rollover), restarts and a consumer loop are in test_dynamodb_streams_lifecycle.py.
"""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, n, s

VIEWS = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def stream_table(ddb, name: str = "events", view: str = "NEW_AND_OLD_IMAGES", **kwargs) -> str:
    """A (pk S, sk S) table with a stream; its stream ARN."""
    table = create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **kwargs)
    return table["LatestStreamArn"]


def read_all(streams, arn: str) -> list[dict]:
    """Every record of every shard, from TRIM_HORIZON until caught up."""
    out = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            out += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    return out


def changes(records: list[dict]) -> list[tuple]:
    """(eventName, Keys, NewImage, OldImage) of each record."""
    return [(r["eventName"], r["dynamodb"]["Keys"], r["dynamodb"].get("NewImage"), r["dynamodb"].get("OldImage"))
            for r in records]


K1 = {"pk": s("a"), "sk": s("1")}


def test_records_are_shaped_as_aws_builds_them(ddb, streams):
    """The Developer Guide's tutorial: INSERT, MODIFY, REMOVE of one item with every field."""
    arn = create_table(ddb, "BarkTable", hash_key=("Id", "N"), range_key=None,
                       StreamSpecification={"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"})["LatestStreamArn"]
    ddb.put_item(TableName="BarkTable", Item={"Id": n(101), "Message": s("New item!")})
    ddb.update_item(TableName="BarkTable", Key={"Id": n(101)}, UpdateExpression="SET Message = :m",
                    ExpressionAttributeValues={":m": s("This item has changed")})
    ddb.delete_item(TableName="BarkTable", Key={"Id": n(101)})
    records = read_all(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert [r["dynamodb"]["SizeBytes"] for r in records] == [26, 59, 38]
    first = records[0]
    assert first["eventVersion"] == "1.1" and first["eventSource"] == "aws:dynamodb"
    assert first["awsRegion"] == "us-east-1" and len(first["eventID"]) == 32
    assert "userIdentity" not in first
    change = first["dynamodb"]
    assert change["Keys"] == {"Id": n(101)} and change["NewImage"] == {"Id": n(101), "Message": s("New item!")}
    assert "OldImage" not in change and change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert change["ApproximateCreationDateTime"].microsecond == 0  # whole seconds
    assert records[1]["dynamodb"]["OldImage"] == {"Id": n(101), "Message": s("New item!")}
    assert records[2]["dynamodb"]["OldImage"]["Message"] == s("This item has changed")
    assert "NewImage" not in records[2]["dynamodb"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert all(len(x) == 21 and x.isdigit() for x in numbers)
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert len({r["eventID"] for r in records}) == 3


@pytest.mark.parametrize("view", VIEWS)
def test_every_write_path_writes_one_record_per_real_change(ddb, streams, view):
    arn = stream_table(ddb, view=view)
    t = "events"
    k = {n_: {"pk": s("a"), "sk": s(n_)} for n_ in ("1", "2", "3", "4", "5", "6", "7")}
    item1 = {**k["1"], "v": n(1), "b": {"B": b"\x00\xff"}}
    ddb.put_item(TableName=t, Item=item1)                                     # INSERT
    ddb.put_item(TableName=t, Item=item1)                                     # no change: nothing
    ddb.put_item(TableName=t, Item={**k["1"], "v": n(2)})                     # MODIFY (b removed)
    ddb.update_item(TableName=t, Key=k["2"], UpdateExpression="SET v = :v",   # an update that creates: INSERT
                    ExpressionAttributeValues={":v": n(1)})
    ddb.update_item(TableName=t, Key=k["2"], UpdateExpression="SET v = :v",   # same value: nothing
                    ExpressionAttributeValues={":v": n("1.0")})
    assert error_of(ddb.put_item, TableName=t, Item=k["2"],                    # a failed condition: nothing
                    ConditionExpression="attribute_not_exists(pk)")[0] == "ConditionalCheckFailedException"
    ddb.delete_item(TableName=t, Key=k["7"])                                  # a missing item: nothing
    ddb.batch_write_item(RequestItems={t: [{"PutRequest": {"Item": {**k["3"], "v": n(3)}}},   # INSERT
                                           {"DeleteRequest": {"Key": k["2"]}}]})              # REMOVE
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": t, "Item": {**k["4"], "v": n(4)}}},                                # INSERT
        {"Update": {"TableName": t, "Key": k["3"], "UpdateExpression": "SET v = :v",             # MODIFY
                    "ExpressionAttributeValues": {":v": n(33)}}},
        {"ConditionCheck": {"TableName": t, "Key": k["6"], "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Delete": {"TableName": t, "Key": k["1"]}}])                                          # REMOVE
    assert error_of(ddb.transact_write_items, TransactItems=[                  # cancelled: nothing
        {"Put": {"TableName": t, "Item": {**k["6"], "v": n(6)}}},
        {"ConditionCheck": {"TableName": t, "Key": k["7"], "ConditionExpression": "attribute_exists(pk)"}}]
    )[0] == "TransactionCanceledException"
    ddb.execute_statement(Statement=f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': '5', 'v': 5}}")  # INSERT
    ddb.execute_statement(Statement=f"UPDATE \"{t}\" SET v = 55 WHERE pk = 'a' AND sk = '5'")       # MODIFY
    ddb.execute_statement(Statement=f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = '4'")             # REMOVE
    ddb.batch_execute_statement(Statements=[{"Statement": f"UPDATE \"{t}\" SET v = 56 WHERE pk = 'a' AND sk = '5'"},
                                            {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'a', 'sk': '5'}}"}])
    ddb.execute_transaction(TransactStatements=[{"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'a' AND sk = '3'"}])

    new_, old_ = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"), view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    expected = [
        ("INSERT", k["1"], item1, None),
        ("MODIFY", k["1"], {**k["1"], "v": n(2)}, item1),
        ("INSERT", k["2"], {**k["2"], "v": n(1)}, None),
        ("INSERT", k["3"], {**k["3"], "v": n(3)}, None),
        ("REMOVE", k["2"], None, {**k["2"], "v": n(1)}),
        ("INSERT", k["4"], {**k["4"], "v": n(4)}, None),
        ("MODIFY", k["3"], {**k["3"], "v": n(33)}, {**k["3"], "v": n(3)}),
        ("REMOVE", k["1"], None, {**k["1"], "v": n(2)}),
        ("INSERT", k["5"], {**k["5"], "v": n(5)}, None),
        ("MODIFY", k["5"], {**k["5"], "v": n(55)}, {**k["5"], "v": n(5)}),
        ("REMOVE", k["4"], None, {**k["4"], "v": n(4)}),
        ("MODIFY", k["5"], {**k["5"], "v": n(56)}, {**k["5"], "v": n(55)}),
        ("REMOVE", k["3"], None, {**k["3"], "v": n(33)}),
    ]
    expected = [(e, key, new if new_ else None, old if old_ else None) for e, key, new, old in expected]
    records = read_all(streams, arn)
    assert changes(records) == expected
    assert {r["dynamodb"]["StreamViewType"] for r in records} == {view}
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_a_table_without_a_stream_writes_no_records_and_lists_none(ddb, streams):
    create_table(ddb, "quiet")
    ddb.put_item(TableName="quiet", Item=K1)
    assert streams.list_streams()["Streams"] == []
    assert streams.list_streams(TableName="quiet")["Streams"] == []


def test_secondary_index_keys_and_sets_compare_as_dynamodb_does(ddb, streams):
    """Set order is no change; a GSI on the table does not change the records."""
    arn = stream_table(ddb, extra={"g": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")])
    ddb.put_item(TableName="events", Item={**K1, "g": s("x"), "ss": {"SS": ["a", "b"]}})
    ddb.put_item(TableName="events", Item={**K1, "g": s("x"), "ss": {"SS": ["b", "a"]}})
    ddb.update_item(TableName="events", Key=K1, UpdateExpression="SET g = :g", ExpressionAttributeValues={":g": s("y")})
    assert [r["eventName"] for r in read_all(streams, arn)] == ["INSERT", "MODIFY"]


def test_iterator_types(ddb, streams):
    arn = stream_table(ddb, view="KEYS_ONLY")
    for i in range(5):
        ddb.put_item(TableName="events", Item={"pk": s("p"), "sk": s(str(i))})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]

    def read(kind: str, **kwargs) -> list[str]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **kwargs)["ShardIterator"]
        assert it.startswith(arn + "|")
        return [r["dynamodb"]["Keys"]["sk"]["S"] for r in streams.get_records(ShardIterator=it)["Records"]]

    everything = streams.get_records(ShardIterator=streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in everything]
    assert read("TRIM_HORIZON") == ["0", "1", "2", "3", "4"]
    assert read("AT_SEQUENCE_NUMBER", SequenceNumber=numbers[2]) == ["2", "3", "4"]
    assert read("AFTER_SEQUENCE_NUMBER", SequenceNumber=numbers[2]) == ["3", "4"]
    assert read("AT_TIMESTAMP", Timestamp=everything[0]["dynamodb"]["ApproximateCreationDateTime"]) == \
        ["0", "1", "2", "3", "4"]
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    page = streams.get_records(ShardIterator=latest)
    assert page["Records"] == [] and page["NextShardIterator"]
    ddb.put_item(TableName="events", Item={"pk": s("p"), "sk": s("5")})
    page = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in page["Records"]] == ["5"]
    # An open shard always gives a next iterator; an empty page at the end gives one too.
    again = streams.get_records(ShardIterator=page["NextShardIterator"])
    assert again["Records"] == [] and again["NextShardIterator"]


def test_get_records_limit_pages_through_a_shard(ddb, streams):
    arn = stream_table(ddb, view="KEYS_ONLY")
    ddb.batch_write_item(RequestItems={"events": [{"PutRequest": {"Item": {"pk": s("p"), "sk": s(f"{i:02d}")}}}
                                                  for i in range(25)]})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    seen = []
    for _ in range(10):
        page = streams.get_records(ShardIterator=it, Limit=10)
        if not page["Records"]:
            break
        assert len(page["Records"]) <= 10
        seen += [r["dynamodb"]["Keys"]["sk"]["S"] for r in page["Records"]]
        it = page["NextShardIterator"]
    assert seen == [f"{i:02d}" for i in range(25)]
    assert error_of(streams.get_records, ShardIterator=it, Limit=1001) == (
        "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
                               "Member must have value less than or equal to 1000")


def test_get_records_stops_at_one_megabyte(ddb, streams):
    arn = stream_table(ddb, view="NEW_IMAGE")
    for i in range(4):  # 4 records of ~300 KB: 1 MB holds three
        ddb.put_item(TableName="events", Item={"pk": s("p"), "sk": s(str(i)), "blob": s("x" * 300_000)})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    first = streams.get_records(ShardIterator=it)
    assert len(first["Records"]) == 3
    assert sum(r["dynamodb"]["SizeBytes"] for r in first["Records"]) <= 1024 * 1024
    assert len(streams.get_records(ShardIterator=first["NextShardIterator"])["Records"]) == 1


def test_list_streams_by_table_and_pages(ddb, streams, client):
    arns = [stream_table(ddb, f"table-{i}", view="KEYS_ONLY") for i in range(5)]
    create_table(ddb, "no-stream")
    listed = streams.list_streams()["Streams"]
    assert [x["StreamArn"] for x in listed] == arns
    assert listed[0] == {"StreamArn": arns[0], "TableName": "table-0", "StreamLabel": arns[0].split("/stream/")[1]}
    assert [x["TableName"] for x in streams.list_streams(TableName="table-3")["Streams"]] == ["table-3"]
    first = streams.list_streams(Limit=2)
    assert [x["StreamArn"] for x in first["Streams"]] == arns[:2] and first["LastEvaluatedStreamArn"] == arns[1]
    rest = streams.list_streams(Limit=3, ExclusiveStartStreamArn=arns[1])
    assert [x["StreamArn"] for x in rest["Streams"]] == arns[2:] and "LastEvaluatedStreamArn" not in rest
    # Per account and region.
    assert client("dynamodbstreams", region="eu-west-1").list_streams()["Streams"] == []
    assert client("dynamodbstreams", account="111111111111").list_streams()["Streams"] == []


def test_describe_stream(ddb, streams):
    arn = stream_table(ddb, view="NEW_IMAGE")
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamArn"] == arn and description["StreamStatus"] == "ENABLED"
    assert description["StreamLabel"] == arn.split("/stream/")[1]
    assert description["StreamViewType"] == "NEW_IMAGE" and description["TableName"] == "events"
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                        {"AttributeName": "sk", "KeyType": "RANGE"}]
    [shard] = description["Shards"]
    assert shard["ShardId"].startswith("shardId-") and "ParentShardId" not in shard
    assert set(shard["SequenceNumberRange"]) == {"StartingSequenceNumber"}  # open: no ending number
    assert "LastEvaluatedShardId" not in description


def test_disabling_keeps_the_old_stream_readable_and_enabling_makes_a_new_label(ddb, streams):
    old_arn = stream_table(ddb, view="KEYS_ONLY")
    ddb.put_item(TableName="events", Item=K1)
    table = ddb.update_table(TableName="events", StreamSpecification={"StreamEnabled": False})["TableDescription"]
    assert "StreamSpecification" not in table and table["LatestStreamArn"] == old_arn  # the latest, disabled
    assert error_of(ddb.update_table, TableName="events", StreamSpecification={"StreamEnabled": False}) == (
        "ValidationException", "Table has no stream to disable: TableName: events")
    ddb.put_item(TableName="events", Item={**K1, "v": n(1)})  # no stream: no record anywhere
    old = streams.describe_stream(StreamArn=old_arn)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in old["Shards"][0]["SequenceNumberRange"]  # its shard is closed
    assert changes(read_all(streams, old_arn)) == [("INSERT", K1, None, None)]
    # Enabled again (the fake clock has not moved: the label is bumped so that it is new).
    table = ddb.update_table(TableName="events", StreamSpecification={"StreamEnabled": True,
                                                                      "StreamViewType": "NEW_IMAGE"})["TableDescription"]
    new_arn = table["LatestStreamArn"]
    assert new_arn != old_arn and table["LatestStreamLabel"] == new_arn.split("/stream/")[1]
    assert ddb.describe_table(TableName="events")["Table"]["LatestStreamArn"] == new_arn
    ddb.delete_item(TableName="events", Key=K1)
    assert changes(read_all(streams, new_arn)) == [("REMOVE", K1, None, None)]
    assert [x["StreamArn"] for x in streams.list_streams(TableName="events")["Streams"]] == [old_arn, new_arn]
    assert error_of(ddb.update_table, TableName="events",
                    StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", "Table already has an enabled stream: TableName: events")


def test_deleting_the_table_disables_its_stream(ddb, streams):
    arn = stream_table(ddb, view="KEYS_ONLY")
    ddb.put_item(TableName="events", Item=K1)
    ddb.delete_table(TableName="events")
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert changes(read_all(streams, arn)) == [("INSERT", K1, None, None)]
    again = stream_table(ddb, view="KEYS_ONLY")  # the same name again: another stream
    assert again != arn and streams.describe_stream(StreamArn=again)["StreamDescription"]["StreamStatus"] == "ENABLED"


@pytest.mark.parametrize("number", ["9" * 40, "1" * 21 + "\u00b2"])
def test_a_sequence_number_no_shard_can_hold_is_refused(ddb, streams, number):
    """Past a 64-bit integer (the model allows 40 digits) or digits that are not ASCII: a ValidationException."""
    arn = stream_table(ddb, view="KEYS_ONLY")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType=kind,
                        SequenceNumber=number)[0] == "ValidationException"


def test_errors(ddb, streams):
    arn = stream_table(ddb, view="KEYS_ONLY")
    missing = arn.replace("events", "nothing")
    assert error_of(streams.describe_stream, StreamArn=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found")
    assert error_of(streams.get_shard_iterator, StreamArn=missing, ShardId="shardId-00000000000000000000-00000000",
                    ShardIteratorType="LATEST")[0] == "ResourceNotFoundException"
    assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                    ShardIteratorType="LATEST") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    code, message = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
                             ShardIteratorType="AFTER_SEQUENCE_NUMBER")
    assert code == "ValidationException" and "SequenceNumber" in message
    assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="BOGUS")[0] == \
        "ValidationException"
    assert error_of(streams.get_records, ShardIterator="not-an-iterator")[0] == "ValidationException"
    # A forged position (the base64 changed) is refused, as is an iterator moved to another stream.
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    head, token = it.rsplit("|", 1)
    forged = head + "|" + ("B" if token[0] != "B" else "C") + token[1:]
    assert error_of(streams.get_records, ShardIterator=forged) == ("ValidationException", "Invalid ShardIterator")
    other = stream_table(ddb, "other", view="KEYS_ONLY")
    assert error_of(streams.get_records, ShardIterator=other + "|1|" + token) == (
        "ValidationException", "Invalid ShardIterator")
