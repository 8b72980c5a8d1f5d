"""DynamoDB Streams over time: iterator expiry, the 24-hour trim, shard rollover and lineage, restarts, a
consumer loop. Time is the server's fake clock (``advance``), never a sleep."""

from __future__ import annotations

from tests.conftest import make_client
from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, s
from tests.server import ProcessServer

HOUR = 3600
DAY = 24 * HOUR


def stream_table(ddb, name: str = "events", view: str = "KEYS_ONLY") -> str:
    return create_table(ddb, name, StreamSpecification={"StreamEnabled": True,
                                                        "StreamViewType": view})["LatestStreamArn"]


def put(ddb, *sks: str, table: str = "events") -> None:
    for sk in sks:
        ddb.put_item(TableName=table, Item={"pk": s("p"), "sk": s(sk)})


def shards(streams, arn: str) -> list[dict]:
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]


def iterator(streams, arn: str, shard: str, kind: str = "TRIM_HORIZON", **kwargs) -> str:
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **kwargs)["ShardIterator"]


def sks(records: list[dict]) -> list[str]:
    return [r["dynamodb"]["Keys"]["sk"]["S"] for r in records]


def consume(streams, arn: str, positions: dict[str, str | None], out: list[dict]) -> None:
    """A consumer as users write it: every shard, parents first (DescribeStream lists them in order),
    from TRIM_HORIZON or after the last sequence number seen, GetRecords until caught up; a shard whose
    NextShardIterator is null is finished."""
    for shard in shards(streams, arn):
        shard_id = shard["ShardId"]
        last = positions.get(shard_id, "")
        if last is None:
            continue  # finished
        it = iterator(streams, arn, shard_id, "AFTER_SEQUENCE_NUMBER", SequenceNumber=last) if last \
            else iterator(streams, arn, shard_id)
        while it:
            page = streams.get_records(ShardIterator=it, Limit=3)
            out += page["Records"]
            if page["Records"]:
                positions[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
            it = page.get("NextShardIterator")
            if it is None:
                positions[shard_id] = None
            elif not page["Records"]:
                break  # caught up on an open shard


def test_iterators_expire_after_15_minutes(ddb, streams, advance):
    arn = stream_table(ddb)
    put(ddb, "a")
    shard = shards(streams, arn)[0]["ShardId"]
    it = iterator(streams, arn, shard)
    advance(15 * 60)
    page = streams.get_records(ShardIterator=it)  # 15 minutes old: still good
    assert sks(page["Records"]) == ["a"]
    advance(1)
    assert error_of(streams.get_records, ShardIterator=it) == ("ExpiredIteratorException", "Shard iterator has expired")
    # The NextShardIterator of the page read at 15 minutes is younger; a new iterator reads from the start.
    assert streams.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []
    assert sks(streams.get_records(ShardIterator=iterator(streams, arn, shard))["Records"]) == ["a"]


def test_records_are_trimmed_after_24_hours(ddb, streams, advance):
    arn = stream_table(ddb)
    put(ddb, "old")
    advance(DAY - 600)
    put(ddb, "new")
    shard = shards(streams, arn)[0]["ShardId"]  # the first shard: the rollover closed it hours ago
    behind = iterator(streams, arn, shard)       # before "old", which is still there
    old_seq = streams.get_records(ShardIterator=behind)["Records"][0]["dynamodb"]["SequenceNumber"]
    advance(601)                                 # "old" is 24 hours old: trimmed
    assert error_of(streams.get_records, ShardIterator=behind) == (
        "TrimmedDataAccessException", "The data you are trying to access has been trimmed")
    assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=old_seq)[0] == "TrimmedDataAccessException"
    # TRIM_HORIZON now starts after it; nothing is lost of what is younger.
    everything = []
    consume(streams, arn, {}, everything)
    assert sks(everything) == ["new"]
    advance(DAY)  # everything aged out; the first shard closed 24 hours ago is gone
    remaining = shards(streams, arn)
    assert shard not in [x["ShardId"] for x in remaining]
    for x in remaining:
        assert streams.get_records(ShardIterator=iterator(streams, arn, x["ShardId"]))["Records"] == []
    assert error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist")


def test_a_disabled_stream_goes_away_24_hours_later(ddb, streams, advance):
    arn = stream_table(ddb)
    put(ddb, "a")
    ddb.update_table(TableName="events", StreamSpecification={"StreamEnabled": False})
    advance(DAY - 1)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    advance(1)
    assert error_of(streams.describe_stream, StreamArn=arn) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {arn} not found")
    assert streams.list_streams()["Streams"] == []


def test_shards_roll_over_with_lineage(ddb, streams, advance):
    arn = stream_table(ddb)
    put(ddb, "a", "b")
    advance(4 * HOUR)                          # the default period: the shard closes, a child opens
    put(ddb, "c")
    advance(4 * HOUR)
    put(ddb, "d")
    first, second, third = shards(streams, arn)
    assert "ParentShardId" not in first
    assert second["ParentShardId"] == first["ShardId"] and third["ParentShardId"] == second["ShardId"]
    assert "EndingSequenceNumber" in first["SequenceNumberRange"]
    assert "EndingSequenceNumber" in second["SequenceNumberRange"]
    assert "EndingSequenceNumber" not in third["SequenceNumberRange"]
    ranges = [x["SequenceNumberRange"] for x in (first, second, third)]
    assert ranges[0]["StartingSequenceNumber"] <= ranges[0]["EndingSequenceNumber"] < \
        ranges[1]["StartingSequenceNumber"] <= ranges[1]["EndingSequenceNumber"] < ranges[2]["StartingSequenceNumber"]
    # A closed shard read to its end has no next iterator.
    page = streams.get_records(ShardIterator=iterator(streams, arn, first["ShardId"]))
    assert sks(page["Records"]) == ["a", "b"] and "NextShardIterator" not in page
    assert page["Records"][-1]["dynamodb"]["SequenceNumber"] == ranges[0]["EndingSequenceNumber"]
    latest = streams.get_records(ShardIterator=iterator(streams, arn, first["ShardId"], "LATEST"))
    assert latest["Records"] == [] and "NextShardIterator" not in latest
    # Pagination over shards, and the children of a shard.
    page1 = streams.describe_stream(StreamArn=arn, Limit=2)["StreamDescription"]
    assert [x["ShardId"] for x in page1["Shards"]] == [first["ShardId"], second["ShardId"]]
    assert page1["LastEvaluatedShardId"] == second["ShardId"]
    page2 = streams.describe_stream(StreamArn=arn, Limit=2, ExclusiveStartShardId=second["ShardId"])["StreamDescription"]
    assert [x["ShardId"] for x in page2["Shards"]] == [third["ShardId"]] and "LastEvaluatedShardId" not in page2
    children = streams.describe_stream(StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS",
                                                                   "ShardId": first["ShardId"]})["StreamDescription"]
    assert [x["ShardId"] for x in children["Shards"]] == [second["ShardId"]]
    # An iterator of the open shard, taken before it rolls over, ends once the closed shard is read.
    advance(4 * HOUR - 60)
    it = iterator(streams, arn, third["ShardId"])
    advance(60)
    page = streams.get_records(ShardIterator=it)
    assert sks(page["Records"]) == ["d"] and "NextShardIterator" not in page
    assert len(shards(streams, arn)) == 4


def test_a_write_after_the_period_lands_in_the_child(ddb, streams, sluice):
    """The write path rolls over by itself, whether or not the scheduler has run yet."""
    arn = stream_table(ddb)
    put(ddb, "a")

    async def move() -> None:  # the clock alone, on the server's loop: the scheduler may or may not run first
        sluice.emulator.clock.advance(4 * HOUR * 1000)

    sluice.call(move)
    put(ddb, "b")
    first, second = shards(streams, arn)[:2]
    assert sks(streams.get_records(ShardIterator=iterator(streams, arn, first["ShardId"]))["Records"]) == ["a"]
    assert sks(streams.get_records(ShardIterator=iterator(streams, arn, second["ShardId"]))["Records"]) == ["b"]


def test_a_consumer_loop_reads_everything_once_across_rollovers(ddb, streams, advance):
    arn = stream_table(ddb)
    positions: dict[str, str | None] = {}
    got: list[dict] = []
    written = []
    for round_ in range(4):
        batch = [f"{round_}-{i}" for i in range(5)]
        put(ddb, *batch)
        written += batch
        consume(streams, arn, positions, got)
        assert sks(got) == written  # caught up after every round
        advance(2 * HOUR)          # a rollover every other round
    consume(streams, arn, positions, got)
    assert sks(got) == written
    numbers = [r["dynamodb"]["SequenceNumber"] for r in got]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert len(shards(streams, arn)) == 3


def test_restart_in_the_middle_of_a_stream(tmp_path):
    """Sequence numbers keep growing across a kill -9; nothing is lost or read twice; iterators survive."""
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        ddb, streams = make_client(server.url, "dynamodb"), make_client(server.url, "dynamodbstreams")
        arn = stream_table(ddb, view="NEW_IMAGE")
        put(ddb, "a", "b", "c")
        shard = shards(streams, arn)[0]["ShardId"]
        page = streams.get_records(ShardIterator=iterator(streams, arn, shard), Limit=2)
        got = page["Records"]
        held = page["NextShardIterator"]
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        ddb, streams = make_client(server.url, "dynamodb"), make_client(server.url, "dynamodbstreams")
        put(ddb, "d")
        # The iterator held across the restart still works (the fake clock restarts at the real time).
        page = streams.get_records(ShardIterator=held)
        assert sks(page["Records"]) == ["c", "d"]
        got += page["Records"]
        # So does resuming after the last sequence number seen, the way a checkpointing consumer does.
        again = streams.get_records(ShardIterator=iterator(streams, arn, shard, "AFTER_SEQUENCE_NUMBER",
                                                           SequenceNumber=got[1]["dynamodb"]["SequenceNumber"]))
        assert sks(again["Records"]) == ["c", "d"]
        assert sks(got) == ["a", "b", "c", "d"]
        numbers = [r["dynamodb"]["SequenceNumber"] for r in got]
        assert numbers == sorted(numbers) and len(set(numbers)) == 4
        assert ddb.describe_table(TableName="events")["Table"]["LatestStreamArn"] == arn
    finally:
        server.stop()
