"""Backups and point-in-time recovery through boto3: real copies, restores, the PITR log, SYSTEM backups.

Texts pinned here are AWS's as measured by ack-api-quirks (dynamodb, 2026-10: backup.md,
table-restore.md, table-subresources.md) unless the emulator's source marks them guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from tests.conftest import make_client
from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, n, s
from tests.server import ProcessServer


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def items_of(ddb, table: str) -> dict[tuple[str, str], dict]:
    return {(i["pk"]["S"], i["sk"]["S"]): i for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"]}


def indexed(ddb, table: str, value: str) -> list[str]:
    out = ddb.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": s(value)})["Items"]
    return sorted(i["sk"]["S"] for i in out)


def pitr_log_rows(sluice) -> int:
    async def count() -> int:
        return await sluice.emulator.store.read(
            lambda uow: uow.sql.execute("SELECT COUNT(*) FROM dynamodb_pitr_log").fetchone()[0])
    return sluice.call(count)


# --- continuous backups -------------------------------------------------------------------------------

def test_continuous_backups_enable_change_period_disable(ddb, advance):
    create_table(ddb, "pitr-state")
    assert ddb.describe_continuous_backups(TableName="pitr-state")["ContinuousBackupsDescription"] == {
        "ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    enabled = ddb.update_continuous_backups(TableName="pitr-state", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert enabled["PointInTimeRecoveryStatus"] == "ENABLED" and enabled["RecoveryPeriodInDays"] == 35
    assert enabled["EarliestRestorableDateTime"] == enabled["LatestRestorableDateTime"]  # the enable time
    now = advance(60)
    described = ddb.describe_continuous_backups(TableName="pitr-state")["ContinuousBackupsDescription"]
    window = described["PointInTimeRecoveryDescription"]
    assert window["EarliestRestorableDateTime"] == enabled["EarliestRestorableDateTime"]
    assert window["LatestRestorableDateTime"] == at(now)
    changed = ddb.update_continuous_backups(TableName="pitr-state", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})["ContinuousBackupsDescription"]
    assert changed["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 7
    assert error_of(ddb.update_continuous_backups, TableName="pitr-state", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False, "RecoveryPeriodInDays": 7})[0] == "ValidationException"
    disabled = ddb.update_continuous_backups(TableName="pitr-state", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})["ContinuousBackupsDescription"]
    assert disabled == {"ContinuousBackupsStatus": "ENABLED",
                        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    again = ddb.update_continuous_backups(TableName="pitr-state", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]
    assert again["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35  # reverts on re-enable
    assert error_of(ddb.describe_continuous_backups, TableName="nope") == ("TableNotFoundException",
                                                                          "Table not found: nope")
    assert error_of(ddb.update_continuous_backups, TableName="nope", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True}) == ("TableNotFoundException", "Table not found: nope")


def _history(ddb, advance, table: str) -> list[int]:
    """A table with PITR and a history of changes by every write path; the times between them."""
    create_table(ddb, table, extra={"g": "S", "l": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")],
                 LocalSecondaryIndexes=[lsi("by-l", "l")])
    ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.put_item(TableName=table, Item={"pk": s("p"), "sk": s("1"), "g": s("red"), "l": s("a"), "v": n(1)})
    ddb.put_item(TableName=table, Item={"pk": s("p"), "sk": s("2"), "g": s("red"), "v": n(2)})
    t1 = advance(10)
    advance(1)
    ddb.update_item(TableName=table, Key={"pk": s("p"), "sk": s("1")}, UpdateExpression="SET g = :g, v = :v",
                    ExpressionAttributeValues={":g": s("blue"), ":v": n(10)})
    ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": {"pk": s("p"), "sk": s("2")}}},
                                               {"PutRequest": {"Item": {"pk": s("p"), "sk": s("3"), "g": s("red")}}}]})
    t2 = advance(10)
    advance(1)
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": s("p"), "sk": s("4"), "g": s("blue")}}},
        {"Update": {"TableName": table, "Key": {"pk": s("p"), "sk": s("3")}, "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": n(3)}}}])
    ddb.execute_statement(Statement=f'DELETE FROM "{table}" WHERE pk = \'p\' AND sk = \'1\'')
    # a write that fails leaves nothing in the log
    error_of(ddb.put_item, TableName=table, Item={"pk": s("p"), "sk": s("4")}, ConditionExpression="attribute_not_exists(pk)")
    t3 = advance(10)
    return [t1, t2, t3]


def test_restore_to_point_in_time_takes_every_key_back(ddb, advance):
    t1, t2, t3 = _history(ddb, advance, "history")
    assert sorted(items_of(ddb, "history")) == [("p", "3"), ("p", "4")]

    first = ddb.restore_table_to_point_in_time(SourceTableName="history", TargetTableName="history-t1",
                                               RestoreDateTime=at(t1))["TableDescription"]
    assert first["TableStatus"] == "ACTIVE" and first["ItemCount"] == 2
    assert first["RestoreSummary"] == {"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/history",
                                       "RestoreDateTime": at(t1), "RestoreInProgress": False}
    restored = items_of(ddb, "history-t1")
    assert restored == {("p", "1"): {"pk": s("p"), "sk": s("1"), "g": s("red"), "l": s("a"), "v": n(1)},
                        ("p", "2"): {"pk": s("p"), "sk": s("2"), "g": s("red"), "v": n(2)}}
    assert indexed(ddb, "history-t1", "red") == ["1", "2"] and indexed(ddb, "history-t1", "blue") == []
    by_l = ddb.query(TableName="history-t1", IndexName="by-l", KeyConditionExpression="pk = :p AND l = :l",
                     ExpressionAttributeValues={":p": s("p"), ":l": s("a")})["Items"]
    assert [i["sk"]["S"] for i in by_l] == ["1"]
    described = ddb.describe_table(TableName="history-t1")["Table"]
    assert "RestoreSummary" not in described  # AWS shows it only while CREATING
    assert described["GlobalSecondaryIndexes"][0]["ItemCount"] == 2
    assert described["LocalSecondaryIndexes"][0]["ItemCount"] == 1

    ddb.restore_table_to_point_in_time(SourceTableName="history", TargetTableName="history-t2", RestoreDateTime=at(t2))
    assert {k: i.get("v") for k, i in items_of(ddb, "history-t2").items()} == {("p", "1"): n(10), ("p", "3"): None}
    assert indexed(ddb, "history-t2", "blue") == ["1"] and indexed(ddb, "history-t2", "red") == ["3"]

    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/history"
    latest = ddb.restore_table_to_point_in_time(SourceTableArn=arn, TargetTableName="history-now",
                                                UseLatestRestorableTime=True)["TableDescription"]
    assert latest["RestoreSummary"]["RestoreDateTime"] == at(t3)
    assert items_of(ddb, "history-now") == items_of(ddb, "history")
    # the restored tables are plain tables: no PITR, no stream, writable
    assert ddb.describe_continuous_backups(TableName="history-t1")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
    ddb.put_item(TableName="history-t1", Item={"pk": s("p"), "sk": s("9")})
    assert ddb.describe_table(TableName="history-t1")["Table"]["ItemCount"] == 3


def test_restore_to_point_in_time_errors(ddb, advance):
    create_table(ddb, "no-pitr")
    create_table(ddb, "with-pitr")
    enable = ddb.update_continuous_backups(TableName="with-pitr", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    advance(5)
    assert error_of(ddb.restore_table_to_point_in_time, SourceTableName="no-pitr", TargetTableName="x-target",
                    UseLatestRestorableTime=True) == (
        "PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'no-pitr'")
    assert error_of(ddb.restore_table_to_point_in_time, SourceTableName="with-pitr", TargetTableName="x-target") == (
        "ValidationException", "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be "
                               "specified, but not both")
    code, message = error_of(ddb.restore_table_to_point_in_time, SourceTableName="with-pitr", TargetTableName="x-target",
                             UseLatestRestorableTime=True, RestoreDateTime=enable["EarliestRestorableDateTime"])
    assert code == "ValidationException" and message.startswith(
        "Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore "
        "request. Pleas")
    assert error_of(ddb.restore_table_to_point_in_time, SourceTableName="with-pitr", SourceTableArn="arn:aws:dynamodb:"
                    "us-east-1:000000000000:table/with-pitr", TargetTableName="x-target", UseLatestRestorableTime=True) == (
        "ValidationException", "Must provide exactly one of: sourceTableArn, sourceTableName")
    assert error_of(ddb.restore_table_to_point_in_time, SourceTableName="missing", TargetTableName="x-target",
                    UseLatestRestorableTime=True) == ("TableNotFoundException", "Table not found: missing")
    early = datetime(2020, 1, 1, tzinfo=UTC)
    code, message = error_of(ddb.restore_table_to_point_in_time, SourceTableName="with-pitr",
                             TargetTableName="x-target", RestoreDateTime=early)
    assert code == "InvalidRestoreTimeException"
    assert message.startswith("RestoreDateTime '2020-01-01T00:00:00Z' must be within EarliestRestorableDateTime '")
    assert error_of(ddb.restore_table_to_point_in_time, SourceTableName="with-pitr", TargetTableName="with-pitr",
                    UseLatestRestorableTime=True) == ("TableAlreadyExistsException", "Table already exists: with-pitr")
    assert error_of(ddb.describe_table, TableName="x-target")[0] == "ResourceNotFoundException"  # nothing created


def test_the_log_is_pruned_past_the_window(ddb, advance, sluice):
    create_table(ddb, "pruned")
    ddb.update_continuous_backups(TableName="pruned", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 1})
    for i in range(3):
        ddb.put_item(TableName="pruned", Item={"pk": s("p"), "sk": s(str(i))})
    assert pitr_log_rows(sluice) == 3
    advance(86_400 - 10)
    assert pitr_log_rows(sluice) == 3
    advance(11)
    assert pitr_log_rows(sluice) == 0
    window = ddb.describe_continuous_backups(TableName="pruned")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    assert (window["LatestRestorableDateTime"] - window["EarliestRestorableDateTime"]).total_seconds() == 86_400
    # disabling forgets the history at once
    ddb.put_item(TableName="pruned", Item={"pk": s("p"), "sk": s("0"), "v": n(1)})
    assert pitr_log_rows(sluice) == 1
    ddb.update_continuous_backups(TableName="pruned", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    assert pitr_log_rows(sluice) == 0


# --- on-demand backups ----------------------------------------------------------------------------------

def test_backup_lifecycle_and_shapes(ddb, advance):
    create_table(ddb, "orders", extra={"g": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g", projection="KEYS_ONLY")],
                 StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    ddb.put_item(TableName="orders", Item={"pk": s("a"), "sk": s("1"), "g": s("x")})
    created = ddb.create_backup(TableName="orders", BackupName="nightly")["BackupDetails"]
    arn = created["BackupArn"]
    assert arn.startswith("arn:aws:dynamodb:us-east-1:000000000000:table/orders/backup/")
    assert created["BackupStatus"] == "CREATING" and created["BackupType"] == "USER"
    assert "BackupExpiryDateTime" not in created
    described = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert described["BackupDetails"]["BackupStatus"] == "AVAILABLE"
    assert described["BackupDetails"]["BackupCreationDateTime"] == created["BackupCreationDateTime"]
    source = described["SourceTableDetails"]
    assert source["TableName"] == "orders" and source["ItemCount"] == 1 and source["BillingMode"] == "PAY_PER_REQUEST"
    assert source["ProvisionedThroughput"] == {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    features = described["SourceTableFeatureDetails"]
    assert features["StreamDescription"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert features["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    # BackupName is not unique
    advance(1)
    second = ddb.create_backup(TableName="orders", BackupName="nightly")["BackupDetails"]["BackupArn"]
    create_table(ddb, "other")
    advance(1)
    third = ddb.create_backup(TableName="other", BackupName="other-b")["BackupDetails"]["BackupArn"]
    listed = ddb.list_backups()["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [arn, second, third]
    assert [b["BackupArn"] for b in ddb.list_backups(TableName="orders")["BackupSummaries"]] == [arn, second]
    page = ddb.list_backups(Limit=2)
    assert len(page["BackupSummaries"]) == 2 and page["LastEvaluatedBackupArn"] == second
    assert [b["BackupArn"] for b in ddb.list_backups(ExclusiveStartBackupArn=second)["BackupSummaries"]] == [third]
    lower = ddb.describe_backup(BackupArn=second)["BackupDescription"]["BackupDetails"]["BackupCreationDateTime"]
    assert [b["BackupArn"] for b in ddb.list_backups(TimeRangeLowerBound=lower, TimeRangeUpperBound=lower)[
        "BackupSummaries"]] == []
    assert [b["BackupArn"] for b in ddb.list_backups(TimeRangeLowerBound=lower)["BackupSummaries"]] == [second, third]
    assert ddb.list_backups(TableName="nope")["BackupSummaries"] == []
    assert error_of(ddb.create_backup, TableName="nope", BackupName="bkp") == ("TableNotFoundException",
                                                                             "Table not found: nope")
    deleted = ddb.delete_backup(BackupArn=arn)["BackupDescription"]
    assert deleted["BackupDetails"]["BackupStatus"] == "DELETED"
    assert error_of(ddb.describe_backup, BackupArn=arn) == ("BackupNotFoundException", f"Backup not found: {arn}")
    assert error_of(ddb.delete_backup, BackupArn=arn)[0] == "BackupNotFoundException"
    assert error_of(ddb.describe_backup, BackupArn="arn:aws:dynamodb:us-east-1:000000000000:table/orders") == (
        "ValidationException", "Invalid Backup ARN")
    # a backup outlives its table
    ddb.delete_table(TableName="other")
    assert ddb.describe_backup(BackupArn=third)["BackupDescription"]["SourceTableDetails"]["TableName"] == "other"


def test_restore_from_backup_is_a_real_copy(ddb):
    create_table(ddb, "src", extra={"g": "S", "l": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")],
                 LocalSecondaryIndexes=[lsi("by-l", "l")], Tags=[{"Key": "k", "Value": "v"}],
                 DeletionProtectionEnabled=True, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
                 SSESpecification={"Enabled": True, "SSEType": "KMS"}, TableClass="STANDARD_INFREQUENT_ACCESS")
    for i in range(5):
        ddb.put_item(TableName="src", Item={"pk": s("p"), "sk": s(str(i)), "g": s("even" if i % 2 == 0 else "odd"),
                                            "l": s(f"l{i}")})
    arn = ddb.create_backup(TableName="src", BackupName="before")["BackupDetails"]["BackupArn"]
    ddb.delete_item(TableName="src", Key={"pk": s("p"), "sk": s("0")})
    ddb.put_item(TableName="src", Item={"pk": s("p"), "sk": s("9"), "g": s("even")})

    restored = ddb.restore_table_from_backup(TargetTableName="copy", BackupArn=arn)["TableDescription"]
    assert restored["TableStatus"] == "ACTIVE" and restored["ItemCount"] == 5
    assert restored["RestoreSummary"]["SourceBackupArn"] == arn
    assert sorted(k[1] for k in items_of(ddb, "copy")) == ["0", "1", "2", "3", "4"]
    assert indexed(ddb, "copy", "even") == ["0", "2", "4"]
    copy = ddb.describe_table(TableName="copy")["Table"]
    assert copy["GlobalSecondaryIndexes"][0]["ItemCount"] == 5 and copy["LocalSecondaryIndexes"][0]["ItemCount"] == 5
    assert copy["SSEDescription"]["SSEType"] == "KMS"           # kept
    assert "StreamSpecification" not in copy and copy["DeletionProtectionEnabled"] is False  # dropped
    assert "TableClassSummary" not in copy
    assert ddb.list_tags_of_resource(ResourceArn=copy["TableArn"])["Tags"] == []
    # the copy is independent of the backup and the source
    ddb.delete_item(TableName="copy", Key={"pk": s("p"), "sk": s("1")})
    assert ddb.describe_backup(BackupArn=arn)["BackupDescription"]["SourceTableDetails"]["ItemCount"] == 5

    bare = ddb.restore_table_from_backup(TargetTableName="bare", BackupArn=arn, GlobalSecondaryIndexOverride=[],
                                         LocalSecondaryIndexOverride=[], BillingModeOverride="PROVISIONED",
                                         ProvisionedThroughputOverride={"ReadCapacityUnits": 3,
                                                                        "WriteCapacityUnits": 4})["TableDescription"]
    assert "GlobalSecondaryIndexes" not in bare and "LocalSecondaryIndexes" not in bare
    assert bare["ProvisionedThroughput"]["ReadCapacityUnits"] == 3 and bare["ItemCount"] == 5
    renamed = ddb.restore_table_from_backup(TargetTableName="renamed", BackupArn=arn, GlobalSecondaryIndexOverride=[
        {**gsi("by-colour", "g")}])["TableDescription"]
    assert [i["IndexName"] for i in renamed["GlobalSecondaryIndexes"]] == ["by-colour"]
    assert renamed["GlobalSecondaryIndexes"][0]["ItemCount"] == 5

    assert error_of(ddb.restore_table_from_backup, TargetTableName="copy", BackupArn=arn) == (
        "TableAlreadyExistsException", "Table already exists: copy")
    assert error_of(ddb.restore_table_from_backup, TargetTableName="x-new", BackupArn=arn,
                    GlobalSecondaryIndexOverride=[gsi("new-one", "l")]) == (
        "ValidationException", "Index new-one does not match a secondary index that existed in the source table and "
                               "cannot be created during the restore operation")
    assert error_of(ddb.restore_table_from_backup, TargetTableName="x-new", BackupArn=arn,
                    ProvisionedThroughputOverride={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}) == (
        "ValidationException", "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED")
    assert error_of(ddb.restore_table_from_backup, TargetTableName="x-new", BackupArn=arn,
                    BillingModeOverride="PROVISIONED") == (
        "ValidationException", "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED")
    missing = arn[:-8] + "00000000"
    assert error_of(ddb.restore_table_from_backup, TargetTableName="x-new", BackupArn=missing) == (
        "BackupNotFoundException", f"Backup not found: {missing}")


def test_deleting_a_pitr_table_leaves_a_system_backup(ddb, advance):
    create_table(ddb, "gone")
    ddb.put_item(TableName="gone", Item={"pk": s("a"), "sk": s("1")})
    ddb.update_continuous_backups(TableName="gone", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.delete_table(TableName="gone")
    assert ddb.list_backups()["BackupSummaries"] == []  # the default filter is USER
    system = ddb.list_backups(BackupType="SYSTEM")["BackupSummaries"]
    assert [(b["BackupName"], b["BackupType"]) for b in system] == [("gone$DeletedTableBackup", "SYSTEM")]
    assert system[0]["BackupArn"].endswith("-00000000") and "BackupExpiryDateTime" in system[0]
    assert ddb.list_backups(BackupType="ALL")["BackupSummaries"] == system
    assert ddb.describe_backup(BackupArn=system[0]["BackupArn"])["BackupDescription"]["SourceTableFeatureDetails"] == {}
    assert error_of(ddb.delete_backup, BackupArn=system[0]["BackupArn"])[0] == "ValidationException"
    ddb.restore_table_from_backup(TargetTableName="gone", BackupArn=system[0]["BackupArn"])
    assert ddb.get_item(TableName="gone", Key={"pk": s("a"), "sk": s("1")})["Item"] == {"pk": s("a"), "sk": s("1")}
    advance(35 * 86_400)  # kept 35 days, then deleted by the retention sweep
    assert ddb.list_backups(BackupType="SYSTEM")["BackupSummaries"] == []


def test_backups_and_the_pitr_log_survive_a_restart(tmp_path):
    def advance(server, seconds: float) -> int:
        return httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=30).json()["now_ms"]

    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        ddb = make_client(server.url, "dynamodb")
        create_table(ddb, "durable", extra={"g": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")])
        ddb.update_continuous_backups(TableName="durable", PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
        advance(server, 1)
        for i in range(20):
            ddb.put_item(TableName="durable", Item={"pk": s("p"), "sk": s(f"{i:02}"), "g": s(str(i % 2)),
                                                    "b": {"B": bytes([i])}})
        filled = advance(server, 1)
        arn = ddb.create_backup(TableName="durable", BackupName="kept")["BackupDetails"]["BackupArn"]
        advance(server, 1)
        for i in range(10):
            ddb.delete_item(TableName="durable", Key={"pk": s("p"), "sk": s(f"{i:02}")})
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path), "--clock", "fake").start()
    try:
        advance(server, 10)  # a fake clock starts at the real time again: past the first run's fake time
        ddb = make_client(server.url, "dynamodb")
        details = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
        assert details["BackupDetails"]["BackupStatus"] == "AVAILABLE"
        assert details["SourceTableDetails"]["ItemCount"] == 20
        ddb.restore_table_from_backup(TargetTableName="from-backup", BackupArn=arn)
        assert ddb.scan(TableName="from-backup", Select="COUNT")["Count"] == 20
        assert indexed(ddb, "from-backup", "1") == [f"{i:02}" for i in range(1, 20, 2)]
        assert ddb.get_item(TableName="from-backup", Key={"pk": s("p"), "sk": s("07")})["Item"]["b"] == {"B": b"\x07"}
        window = ddb.describe_continuous_backups(TableName="durable")["ContinuousBackupsDescription"][
            "PointInTimeRecoveryDescription"]
        ddb.restore_table_to_point_in_time(SourceTableName="durable", TargetTableName="when-enabled",
                                           RestoreDateTime=window["EarliestRestorableDateTime"])
        assert ddb.scan(TableName="when-enabled", Select="COUNT")["Count"] == 0
        ddb.restore_table_to_point_in_time(SourceTableName="durable", TargetTableName="when-filled",
                                           RestoreDateTime=at(filled))
        assert ddb.scan(TableName="when-filled", Select="COUNT")["Count"] == 20
        assert indexed(ddb, "when-filled", "0") == [f"{i:02}" for i in range(0, 20, 2)]
        ddb.restore_table_to_point_in_time(SourceTableName="durable", TargetTableName="latest",
                                           UseLatestRestorableTime=True)
        assert ddb.scan(TableName="latest", Select="COUNT")["Count"] == 10
    finally:
        server.stop()
