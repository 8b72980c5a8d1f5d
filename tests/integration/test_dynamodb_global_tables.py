"""Global tables through boto3: replicas as true copies, replication through the scheduler, last writer
wins, the ReplicaUpdates rules, the legacy 2017.11.29 API, replica auto scaling.

Texts pinned here are AWS's as measured by ack-api-quirks (dynamodb, 2026-10: table-replicas.md,
table-global-tables.md) unless the emulator's source marks them guessed. Replication is due 100 ms
after a write (fake time): ``advance(0.1)`` runs it.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import make_client
from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, n, s
from tests.server import ProcessServer

KEY = {"pk": s("a"), "sk": s("1")}


@pytest.fixture
def east(client):
    return client("dynamodb", region="us-east-1")


@pytest.fixture
def west(client):
    return client("dynamodb", region="us-west-2")


@pytest.fixture
def europe(client):
    return client("dynamodb", region="eu-west-1")


def replicate(east, name: str, region: str) -> dict:
    return east.update_table(TableName=name, ReplicaUpdates=[{"Create": {"RegionName": region}}])["TableDescription"]


def get(ddb, name: str, key: dict = KEY) -> dict | None:
    return ddb.get_item(TableName=name, Key=key, ConsistentRead=True).get("Item")


def test_a_replica_is_a_copy_with_its_indexes(east, west):
    create_table(east, "music", extra={"g": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")])
    for i in range(3):
        east.put_item(TableName="music", Item={"pk": s("a"), "sk": s(str(i)), "g": s("rock")})
    described = replicate(east, "music", "us-west-2")
    assert described["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "ACTIVE"}]
    assert described["GlobalTableVersion"] == "2019.11.21"
    assert described["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    replica = west.describe_table(TableName="music")["Table"]
    assert replica["TableArn"] == "arn:aws:dynamodb:us-west-2:000000000000:table/music"
    assert replica["Replicas"] == [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]
    assert replica["ItemCount"] == 3 and replica["GlobalSecondaryIndexes"][0]["ItemCount"] == 3
    assert replica["TableId"] != described["TableId"]
    rows = west.query(TableName="music", IndexName="by-g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": s("rock")})["Items"]
    assert len(rows) == 3


def test_writes_replicate_through_the_scheduler_both_ways(east, west, europe, advance):
    create_table(east, "orders")
    replicate(east, "orders", "us-west-2")
    east.update_table(TableName="orders", ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}])
    assert sorted(r["RegionName"] for r in west.describe_table(TableName="orders")["Table"]["Replicas"]) == [
        "eu-west-1", "us-east-1"]

    east.put_item(TableName="orders", Item={**KEY, "v": n(1)})
    assert get(west, "orders") is None  # asynchronous: due 100 ms later
    advance(0.1)
    assert get(west, "orders") == {**KEY, "v": n(1)} and get(europe, "orders") == {**KEY, "v": n(1)}

    west.update_item(TableName="orders", Key=KEY, UpdateExpression="SET v = v + :one",
                     ExpressionAttributeValues={":one": n(1)})
    west.batch_write_item(RequestItems={"orders": [{"PutRequest": {"Item": {"pk": s("b"), "sk": s("1")}}}]})
    europe.transact_write_items(TransactItems=[{"Put": {"TableName": "orders", "Item": {"pk": s("c"), "sk": s("1")}}}])
    advance(0.1)
    for ddb in (east, west, europe):
        assert get(ddb, "orders")["v"] == n(2)
        assert ddb.scan(TableName="orders", Select="COUNT")["Count"] == 3
    europe.delete_item(TableName="orders", Key=KEY)
    advance(0.1)
    assert get(east, "orders") is None and get(west, "orders") is None
    assert east.describe_table(TableName="orders")["Table"]["ItemCount"] == 2


def test_last_writer_wins(east, west, advance):
    create_table(east, "race")
    replicate(east, "race", "us-west-2")
    east.put_item(TableName="race", Item={**KEY, "by": s("east")})
    advance(ms=1)
    west.put_item(TableName="race", Item={**KEY, "by": s("west")})   # later: it wins everywhere
    assert get(east, "race")["by"] == s("east")
    advance(0.2)
    assert get(east, "race")["by"] == s("west") and get(west, "race")["by"] == s("west")
    # a delete that comes last wins too
    west.put_item(TableName="race", Item={**KEY, "by": s("west-again")})
    advance(ms=1)
    east.delete_item(TableName="race", Key=KEY)
    advance(0.2)
    assert get(east, "race") is None and get(west, "race") is None


def test_group_wide_settings_and_replica_delete(east, west, advance):
    create_table(east, "shared")
    replicate(east, "shared", "us-west-2")
    west.put_item(TableName="shared", Item={**KEY, "g": s("x")})
    advance(0.1)
    east.update_table(TableName="shared", AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                      GlobalSecondaryIndexUpdates=[{"Create": gsi("by-g", "g")}])
    replica = west.describe_table(TableName="shared")["Table"]
    assert [i["IndexName"] for i in replica["GlobalSecondaryIndexes"]] == ["by-g"]
    assert replica["GlobalSecondaryIndexes"][0]["ItemCount"] == 1   # backfilled from the replica's own items

    described = east.update_table(TableName="shared", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])[
        "TableDescription"]
    assert "Replicas" not in described and "GlobalTableVersion" not in described
    assert error_of(west.describe_table, TableName="shared")[0] == "ResourceNotFoundException"
    east.put_item(TableName="shared", Item={"pk": s("z"), "sk": s("1")})
    advance(1)
    assert east.describe_table(TableName="shared")["Table"]["StreamSpecification"]["StreamEnabled"] is True  # kept
    assert error_of(east.describe_table_replica_auto_scaling, TableName="shared") == (
        "ResourceNotFoundException", "Global table with name: shared does not exist.")


def test_a_regional_delete_leaves_the_group(east, west, advance):
    create_table(east, "regional")
    replicate(east, "regional", "us-west-2")
    west.delete_table(TableName="regional")
    assert "Replicas" not in east.describe_table(TableName="regional")["Table"]
    east.put_item(TableName="regional", Item=KEY)
    advance(1)
    assert error_of(west.get_item, TableName="regional", Key=KEY)[0] == "ResourceNotFoundException"
    replicate(east, "regional", "us-west-2")   # the region can join again
    assert get(west, "regional") == KEY


def test_replica_updates_errors(east, west):
    create_table(east, "rules")
    create_table(west, "taken")
    create_table(east, "taken")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}],
                    DeletionProtectionEnabled=True) == (
        "ValidationException", "One or more parameter values were invalid: Replica modification must be the only "
                               "operation in the request")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Create": {"RegionName": "us-east-1"}}]) == (
        "ValidationException", "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, "
                               "DeleteTable, or UpdateTable as required.")
    code, message = error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Create": {"RegionName": "us-fake-1"}}])
    assert code == "ValidationException" and message.startswith(
        "Region us-fake-1 is not supported. The latest version of global tables are only supported in the following "
        "regions: [")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[
        {"Create": {"RegionName": "us-west-2"}}, {"Create": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException", "Update table operation with more than one create or delete replica actions not allowed")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[
        {"Create": {"RegionName": "us-west-2"}, "Delete": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException", "Update table operation with more than one type of replica actions not allowed")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Update": {"RegionName": "us-west-2"}}]) == (
        "ValidationException", "There are no actions specified in the Replica Update Action of the request.")
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Delete": {"RegionName": "eu-west-1"}}]) == (
        "ValidationException", "Update global table operation failed because one or more replicas were not part of "
                               "the global table. Please retry the request without these replicas: [eu-west-1].")
    assert error_of(east.update_table, TableName="taken", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]) == (
        "ValidationException", "Failed to create a the new replica of table with name: \u2018taken\u2019 because one or "
                               "more replicas already existed as tables.")
    # two identical Creates are one
    described = east.update_table(TableName="rules", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}},
                                                                       {"Create": {"RegionName": "us-west-2"}}])
    assert [r["RegionName"] for r in described["TableDescription"]["Replicas"]] == ["us-west-2"]
    assert error_of(east.update_table, TableName="rules", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])[
        1].startswith("Failed to create a the new replica")
    updated = east.update_table(TableName="rules", ReplicaUpdates=[{"Update": {
        "RegionName": "us-west-2", "TableClassOverride": "STANDARD_INFREQUENT_ACCESS"}}])["TableDescription"]
    assert updated["Replicas"][0]["ReplicaTableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}


def test_replica_auto_scaling_is_kept_and_reported(east, west):
    create_table(east, "scaled", extra={"g": "S"}, BillingMode="PROVISIONED",
                 ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
                 GlobalSecondaryIndexes=[{**gsi("by-g", "g"), "ProvisionedThroughput": {"ReadCapacityUnits": 5,
                                                                                       "WriteCapacityUnits": 5}}])
    replicate(east, "scaled", "us-west-2")
    before = east.describe_table_replica_auto_scaling(TableName="scaled")["TableAutoScalingDescription"]
    assert [r["RegionName"] for r in before["Replicas"]] == ["us-east-1", "us-west-2"]
    assert before["Replicas"][0]["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == {
        "AutoScalingDisabled": True, "ScalingPolicies": []}
    policy = {"TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70.0}}
    after = east.update_table_replica_auto_scaling(
        TableName="scaled", ProvisionedWriteCapacityAutoScalingUpdate={
            "MinimumUnits": 5, "MaximumUnits": 50, "ScalingPolicyUpdate": policy},
        ReplicaUpdates=[{"RegionName": "us-west-2", "ReplicaProvisionedReadCapacityAutoScalingUpdate": {
            "MinimumUnits": 2, "MaximumUnits": 20, "ScalingPolicyUpdate": policy}}])["TableAutoScalingDescription"]
    east_write = after["Replicas"][0]["ReplicaProvisionedWriteCapacityAutoScalingSettings"]
    assert east_write["MinimumUnits"] == 5 and east_write["MaximumUnits"] == 50
    assert east_write["ScalingPolicies"][0]["PolicyName"] == "DynamoDBWriteCapacityUtilization:table/scaled"
    west_view = west.describe_table_replica_auto_scaling(TableName="scaled")["TableAutoScalingDescription"]
    assert west_view["Replicas"][1]["ReplicaProvisionedWriteCapacityAutoScalingSettings"] == east_write  # group-wide
    assert west_view["Replicas"][1]["ReplicaProvisionedReadCapacityAutoScalingSettings"]["MaximumUnits"] == 20
    assert west_view["Replicas"][0]["ReplicaProvisionedReadCapacityAutoScalingSettings"]["AutoScalingDisabled"] is True


# --- the legacy API (2017.11.29) ----------------------------------------------------------------------

STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_legacy_global_table_lifecycle(east, west, europe, advance):
    assert error_of(east.create_global_table, GlobalTableName="legacy", ReplicationGroup=[
        {"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]) == (
        "TableNotFoundException", "Table not found: Table: 'legacy' not found in region: 'us-east-1'.")
    for ddb in (east, west, europe):
        create_table(ddb, "legacy", StreamSpecification=STREAM)
    created = east.create_global_table(GlobalTableName="legacy", ReplicationGroup=[
        {"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}])["GlobalTableDescription"]
    assert created["GlobalTableArn"] == "arn:aws:dynamodb::000000000000:global-table/legacy"
    assert created["GlobalTableStatus"] == "ACTIVE"
    assert created["ReplicationGroup"] == [{"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]
    assert east.describe_table(TableName="legacy")["Table"]["GlobalTableVersion"] == "2017.11.29"
    assert error_of(east.create_global_table, GlobalTableName="legacy", ReplicationGroup=[
        {"RegionName": "us-east-1"}])[0] == "GlobalTableAlreadyExistsException"

    east.put_item(TableName="legacy", Item=KEY)
    advance(0.1)
    assert get(west, "legacy") == KEY

    assert east.list_global_tables()["GlobalTables"] == [
        {"GlobalTableName": "legacy", "ReplicationGroup": [{"RegionName": "us-east-1"}, {"RegionName": "us-west-2"}]}]
    assert east.list_global_tables(RegionName="eu-west-1")["GlobalTables"] == []
    code, _ = error_of(east.update_global_table, GlobalTableName="legacy", ReplicaUpdates=[
        {"Create": {"RegionName": "us-west-2"}}])
    assert code == "ReplicaAlreadyExistsException"
    updated = east.update_global_table(GlobalTableName="legacy", ReplicaUpdates=[
        {"Create": {"RegionName": "eu-west-1"}}])["GlobalTableDescription"]
    assert [r["RegionName"] for r in updated["ReplicationGroup"]] == ["us-east-1", "us-west-2", "eu-west-1"]
    west.put_item(TableName="legacy", Item={"pk": s("w"), "sk": s("1")})
    advance(0.1)
    assert get(europe, "legacy", {"pk": s("w"), "sk": s("1")}) is not None
    east.update_global_table(GlobalTableName="legacy", ReplicaUpdates=[{"Delete": {"RegionName": "us-west-2"}}])
    assert error_of(east.update_global_table, GlobalTableName="legacy", ReplicaUpdates=[
        {"Delete": {"RegionName": "us-west-2"}}])[0] == "ReplicaNotFoundException"
    east.put_item(TableName="legacy", Item={"pk": s("after"), "sk": s("1")})
    advance(0.1)
    assert get(west, "legacy", {"pk": s("after"), "sk": s("1")}) is None   # left the group: a regional table again
    assert get(europe, "legacy", {"pk": s("after"), "sk": s("1")}) is not None

    settings = east.describe_global_table_settings(GlobalTableName="legacy")
    assert [r["RegionName"] for r in settings["ReplicaSettings"]] == ["us-east-1", "eu-west-1"]
    assert settings["ReplicaSettings"][0]["ReplicaBillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    changed = east.update_global_table_settings(
        GlobalTableName="legacy", GlobalTableBillingMode="PROVISIONED", GlobalTableProvisionedWriteCapacityUnits=7,
        ReplicaSettingsUpdate=[{"RegionName": "eu-west-1", "ReplicaProvisionedReadCapacityUnits": 3}])
    by_region = {r["RegionName"]: r for r in changed["ReplicaSettings"]}
    assert by_region["eu-west-1"]["ReplicaProvisionedReadCapacityUnits"] == 3
    assert by_region["us-east-1"]["ReplicaProvisionedWriteCapacityUnits"] == 7
    assert europe.describe_table(TableName="legacy")["Table"]["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert error_of(east.update_global_table_settings, GlobalTableName="legacy", ReplicaSettingsUpdate=[
        {"RegionName": "ap-south-1", "ReplicaProvisionedReadCapacityUnits": 3}])[0] == "ReplicaNotFoundException"


def test_legacy_calls_do_not_see_current_groups(east, west):
    create_table(east, "modern")
    replicate(east, "modern", "us-west-2")
    for call, kwargs in ((east.describe_global_table, {}), (east.describe_global_table_settings, {}),
                         (east.update_global_table, {"ReplicaUpdates": [{"Delete": {"RegionName": "us-west-2"}}]})):
        assert error_of(call, GlobalTableName="modern", **kwargs) == (
            "GlobalTableNotFoundException", "Global table with name: 'modern' does not exist.")
    assert east.list_global_tables()["GlobalTables"] == []
    create_table(east, "not-streamed")
    code, _ = error_of(east.create_global_table, GlobalTableName="not-streamed",
                       ReplicationGroup=[{"RegionName": "us-east-1"}])
    assert code == "ValidationException"


def test_queued_changes_survive_a_restart(tmp_path):
    """A change is queued in its own transaction: killed before it is applied, it is applied after."""
    def advance(server, seconds: float) -> None:
        httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=30).raise_for_status()

    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        east = make_client(server.url, "dynamodb")
        create_table(east, "durable-group")
        replicate(east, "durable-group", "us-west-2")
        east.put_item(TableName="durable-group", Item={**KEY, "v": n(1)})   # due in 100 ms of fake time: never
        west = make_client(server.url, "dynamodb", region="us-west-2")
        assert get(west, "durable-group") is None
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        advance(server, 1)
        west = make_client(server.url, "dynamodb", region="us-west-2")
        assert get(west, "durable-group") == {**KEY, "v": n(1)}
        west.put_item(TableName="durable-group", Item={**KEY, "v": n(2)})
        advance(server, 1)
        assert get(make_client(server.url, "dynamodb"), "durable-group")["v"] == n(2)
    finally:
        server.stop()
