"""DynamoDB Time to Live through boto3: UpdateTimeToLive's rules, the sweeper's deletions, their stream records.

Rules and texts: the API Reference (UpdateTimeToLive, DescribeTimeToLive, GetRecords userIdentity), the
Developer Guide ("Time to Live": Number attributes in epoch seconds, nothing more than five years in the
past, expired items readable until deleted) and ack-api-quirks' probes of AWS (content checks before the
one-change-per-hour cooldown; the exact messages). The server's fake clock drives time.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import make_client
from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, n, s
from tests.server import ProcessServer, ThreadServer

HOUR = 3600
YEAR = 365 * 24 * HOUR


def now_s(advance) -> int:
    """The server's time in whole seconds, after moving its clock to the next whole second."""
    ms = advance(0)
    if ms % 1000:
        ms = advance(ms=1000 - ms % 1000)
    return ms // 1000


def keys(ddb, table: str = "ttl-items") -> list[str]:
    return sorted(i["sk"]["S"] for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"])


def enable(ddb, table: str = "ttl-items", attribute: str = "exp") -> None:
    ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})


def test_update_time_to_live_rules(ddb, advance):
    create_table(ddb, "ttl-rules")
    spec = {"Enabled": True, "AttributeName": "exp"}
    assert ddb.update_time_to_live(TableName="ttl-rules", TimeToLiveSpecification=spec)["TimeToLiveSpecification"] == \
        spec
    assert ddb.describe_time_to_live(TableName="ttl-rules")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    # Content checks come before the cooldown.
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules", TimeToLiveSpecification=spec) == (
        "ValidationException", "TimeToLive is already enabled")
    other = {"Enabled": True, "AttributeName": "other"}
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules", TimeToLiveSpecification=other) == (
        "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is exp")
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules",
                    TimeToLiveSpecification={"Enabled": False, "AttributeName": "other"})[1].startswith(
        "TimeToLive is active on a different AttributeName")
    off = {"Enabled": False, "AttributeName": "exp"}
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules", TimeToLiveSpecification=off) == (
        "ValidationException", "Time to live has been modified multiple times within a fixed interval")
    advance(HOUR - 1)
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules", TimeToLiveSpecification=off)[0] == \
        "ValidationException"
    advance(1)
    ddb.update_time_to_live(TableName="ttl-rules", TimeToLiveSpecification=off)
    assert ddb.describe_time_to_live(TableName="ttl-rules")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    assert error_of(ddb.update_time_to_live, TableName="ttl-rules", TimeToLiveSpecification=off) == (
        "ValidationException", "TimeToLive is already disabled")
    assert error_of(ddb.update_time_to_live, TableName="ttl-missing", TimeToLiveSpecification=spec)[0] == \
        "ResourceNotFoundException"


def test_the_sweeper_deletes_expired_items_with_their_index_entries_and_a_service_record(ddb, streams, advance):
    arn = create_table(ddb, "ttl-items", extra={"g": "S", "l": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")],
                       LocalSecondaryIndexes=[lsi("by-l", "l")],
                       StreamSpecification={"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"})["LatestStreamArn"]
    enable(ddb)
    now = now_s(advance)
    items = {
        "past": n(now - 10),                  # expired already
        "soon": n(now + 60),                  # expires in a minute
        "fraction": n(f"{now + 60}.5"),
        "string": s(str(now - 10)),           # not a Number: never
        "ancient": n(now - 6 * YEAR),         # more than five years in the past: never
        "set": {"NS": [str(now - 10)]},       # not a Number: never
    }
    for sk, exp in items.items():
        ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s(sk), "exp": exp, "g": s("G"), "l": s(sk)})
    ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s("none"), "g": s("G"), "l": s("none")})
    advance(0)  # run what is due
    assert keys(ddb) == ["ancient", "fraction", "none", "set", "soon", "string"]
    advance(59)
    assert "soon" in keys(ddb)  # not yet: a second to go
    advance(1)
    assert keys(ddb) == ["ancient", "fraction", "none", "set", "string"]
    advance(1)
    assert keys(ddb) == ["ancient", "none", "set", "string"]
    # The indexes and the counters followed.
    by_g = ddb.query(TableName="ttl-items", IndexName="by-g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": s("G")})["Items"]
    assert sorted(i["sk"]["S"] for i in by_g) == ["ancient", "none", "set", "string"]
    by_l = ddb.query(TableName="ttl-items", IndexName="by-l", KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": s("p")})["Items"]
    assert len(by_l) == 4
    table = ddb.describe_table(TableName="ttl-items")["Table"]
    assert table["ItemCount"] == 4 and table["GlobalSecondaryIndexes"][0]["ItemCount"] == 4
    # Each deletion is a REMOVE record with the service's identity; the puts are not.
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while it:
        page = streams.get_records(ShardIterator=it)
        if not page["Records"]:
            break
        records += page["Records"]
        it = page.get("NextShardIterator")
    removes = [r for r in records if r["eventName"] == "REMOVE"]
    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in removes] == ["past", "soon", "fraction"]
    for r in removes:
        assert r["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
        assert r["dynamodb"]["OldImage"]["sk"] == r["dynamodb"]["Keys"]["sk"] and "NewImage" not in r["dynamodb"]
    assert all("userIdentity" not in r for r in records if r["eventName"] == "INSERT")
    advance(30 * 24 * HOUR)  # a long time: nothing else ever goes
    assert keys(ddb) == ["ancient", "none", "set", "string"]


def test_existing_items_are_swept_once_enabled_and_changes_move_the_expiry(ddb, advance):
    create_table(ddb, "ttl-items")
    now = now_s(advance)
    for sk in ("a", "b", "c", "d"):
        ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s(sk), "exp": n(now + 100)})
    advance(200)
    assert keys(ddb) == ["a", "b", "c", "d"]  # TTL was not enabled: expired items stay
    enable(ddb)
    now = now_s(advance)
    # b lives longer, c loses its attribute, d gets a string: only a goes (it expired before enabling).
    ddb.update_item(TableName="ttl-items", Key={"pk": s("p"), "sk": s("b")}, UpdateExpression="SET exp = :e",
                    ExpressionAttributeValues={":e": n(now + 1000)})
    ddb.update_item(TableName="ttl-items", Key={"pk": s("p"), "sk": s("c")}, UpdateExpression="REMOVE exp")
    ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s("d"), "exp": s("soon")})
    advance(0)
    assert keys(ddb) == ["b", "c", "d"]
    advance(999)
    assert keys(ddb) == ["b", "c", "d"]
    advance(1)
    assert keys(ddb) == ["c", "d"]


def test_disabling_stops_the_sweeper_and_deleting_the_table_forgets_its_items(ddb, advance):
    create_table(ddb, "ttl-items")
    enable(ddb)
    now = now_s(advance)
    ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s("a"), "exp": n(now + 2 * HOUR)})
    advance(HOUR)
    ddb.update_time_to_live(TableName="ttl-items", TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    advance(2 * HOUR)
    assert keys(ddb) == ["a"]
    create_table(ddb, "ttl-other")
    enable(ddb, "ttl-other")
    ddb.put_item(TableName="ttl-other", Item={"pk": s("p"), "sk": s("a"), "exp": n(now_s(advance) + 10)})
    ddb.delete_table(TableName="ttl-other")
    advance(20)  # nothing to do, nothing fails
    create_table(ddb, "ttl-other")
    assert keys(ddb, "ttl-other") == []


@pytest.fixture(scope="module")
def delayed():
    """A server whose sweeper waits an hour after the expiry (AWS takes up to a few days), whose changes take
    five seconds (TTL: ENABLING, then ENABLED), and whose stream shards never roll over."""
    srv = ThreadServer(clock="fake", dynamodb_ttl_delay_ms=HOUR * 1000, dynamodb_table_delay_ms=5000,
                       dynamodb_shard_rollover_ms=0).start()
    yield srv
    srv.stop()


def test_transitional_states_and_expired_items_read_until_the_sweeper_deletes_them(delayed):
    ddb = make_client(delayed.url, "dynamodb")

    def advance(seconds: float) -> int:
        return httpx.post(f"{delayed.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=60).json()["now_ms"]

    create_table(ddb, "ttl-items")
    advance(5)  # CREATING, then ACTIVE
    enable(ddb)
    assert ddb.describe_time_to_live(TableName="ttl-items")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}
    advance(5)
    assert ddb.describe_time_to_live(TableName="ttl-items")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    now = advance(0) // 1000
    key = {"pk": s("p"), "sk": s("a")}
    ddb.put_item(TableName="ttl-items", Item={**key, "exp": n(now + 10)})
    advance(11)
    assert ddb.get_item(TableName="ttl-items", Key=key)["Item"]["exp"] == n(now + 10)  # expired, still read
    assert ddb.query(TableName="ttl-items", KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": s("p")})["Count"] == 1
    advance(HOUR - 2)
    assert "Item" in ddb.get_item(TableName="ttl-items", Key=key)
    advance(1)
    assert "Item" not in ddb.get_item(TableName="ttl-items", Key=key)


def test_the_sweeper_is_durable(tmp_path):
    """Expiries are data: after a kill -9 the restarted server deletes what expires, on its clock."""
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        ddb = make_client(server.url, "dynamodb")
        create_table(ddb, "ttl-items")
        enable(ddb)
        now = httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 0}, timeout=30).json()["now_ms"]
        ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s("a"), "exp": n(now // 1000 + 600)})
        ddb.put_item(TableName="ttl-items", Item={"pk": s("p"), "sk": s("b"), "exp": n(now // 1000 + 6000)})
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        ddb = make_client(server.url, "dynamodb")
        assert keys(ddb) == ["a", "b"]
        httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 700}, timeout=30).raise_for_status()
        assert keys(ddb) == ["b"]
        assert ddb.describe_time_to_live(TableName="ttl-items")["TimeToLiveDescription"]["TimeToLiveStatus"] == \
            "ENABLED"
    finally:
        server.stop()
