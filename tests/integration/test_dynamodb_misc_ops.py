"""Resource policies, contributor insights, Kinesis streaming destinations, the S3 operations' 501, and
the table phases of SLUICE_DYNAMODB_TABLE_DELAY_MS (with the SDK's waiters, in fake time).

Texts pinned here are AWS's as measured by ack-api-quirks (dynamodb, 2026-10:
table-policy-kinesis-autoscaling.md, table-subresources.md) unless the emulator's source marks them
guessed.
"""

from __future__ import annotations

import json

import botocore.waiter
import httpx
import pytest

from tests.conftest import make_client
from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, lsi, s
from tests.server import ThreadServer

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/{}"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                  "Action": "dynamodb:GetItem", "Resource": ARN.format("guarded")}]}
STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/changes"


# --- resource policies --------------------------------------------------------------------------------

def test_resource_policies_are_stored_with_revisions(ddb, advance):
    create_table(ddb, "guarded", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    arn = ARN.format("guarded")
    assert error_of(ddb.get_resource_policy, ResourceArn=arn) == (
        "PolicyNotFoundException", f"Resource-based policy not found for the provided ResourceArn: {arn}")
    assert "RevisionId" not in ddb.delete_resource_policy(ResourceArn=arn)  # idempotent: an empty 200
    revision = ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(POLICY))["RevisionId"]
    assert revision.isdigit()
    got = ddb.get_resource_policy(ResourceArn=arn)
    assert json.loads(got["Policy"]) == POLICY and got["RevisionId"] == revision
    advance(1)
    # the same document (other whitespace) is a no-op with the same revision
    assert ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(POLICY, indent=2))["RevisionId"] == revision
    changed = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": "dynamodb:Query"}]}
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=json.dumps(changed),
                    ExpectedRevisionId="123")[0] == "PolicyNotFoundException"
    second = ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(changed), ExpectedRevisionId=revision)["RevisionId"]
    assert int(second) > int(revision)
    assert error_of(ddb.delete_resource_policy, ResourceArn=arn, ExpectedRevisionId=revision)[0] == \
        "PolicyNotFoundException"
    assert ddb.delete_resource_policy(ResourceArn=arn, ExpectedRevisionId=second)["RevisionId"] == second
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    # a stream has a policy of its own
    stream_arn = ddb.describe_table(TableName="guarded")["Table"]["LatestStreamArn"]
    ddb.put_resource_policy(ResourceArn=stream_arn, Policy=json.dumps(POLICY))
    assert ddb.get_resource_policy(ResourceArn=stream_arn)["RevisionId"]
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"
    # errors
    assert error_of(ddb.get_resource_policy, ResourceArn=ARN.format("missing")) == (
        "ResourceNotFoundException", "Requested resource not found: Table: missing not found")
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy="{not json")[0] == "ValidationException"
    assert error_of(ddb.put_resource_policy, ResourceArn=arn, Policy=json.dumps(
        {**POLICY, "Sid": "x" * 21000}))[0] == "ValidationException"
    assert error_of(ddb.get_resource_policy, ResourceArn=arn + "/index/by-g")[0] == "ValidationException"
    # a restored or re-created table has no policy
    ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps(POLICY))
    ddb.delete_table(TableName="guarded")
    create_table(ddb, "guarded")
    assert error_of(ddb.get_resource_policy, ResourceArn=arn)[0] == "PolicyNotFoundException"


# --- contributor insights -----------------------------------------------------------------------------

def test_contributor_insights_state(ddb):
    create_table(ddb, "hot", extra={"g": "S", "l": "S"}, GlobalSecondaryIndexes=[gsi("by-g", "g")],
                 LocalSecondaryIndexes=[lsi("by-l", "l")])
    fresh = ddb.describe_contributor_insights(TableName="hot")
    fresh.pop("ResponseMetadata")
    assert fresh == {"TableName": "hot", "ContributorInsightsStatus": "DISABLED"}
    assert ddb.list_contributor_insights()["ContributorInsightsSummaries"] == []
    assert ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="DISABLE")[
        "ContributorInsightsStatus"] == "DISABLED"   # a no-op on a never-configured table
    enabled = ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="ENABLE")
    assert enabled["ContributorInsightsStatus"] == "ENABLED"
    assert enabled["ContributorInsightsMode"] == "ACCESSED_AND_THROTTLED_KEYS"
    described = ddb.describe_contributor_insights(TableName="hot")
    assert len(described["ContributorInsightsRuleList"]) == 4 and "LastUpdateDateTime" in described
    assert all(r.startswith("DynamoDBContributorInsights-") for r in described["ContributorInsightsRuleList"])
    ddb.update_contributor_insights(TableName="hot", IndexName="by-g", ContributorInsightsAction="ENABLE",
                                    ContributorInsightsMode="THROTTLED_KEYS")
    index = ddb.describe_contributor_insights(TableName="hot", IndexName="by-g")
    assert index["ContributorInsightsMode"] == "THROTTLED_KEYS" and len(index["ContributorInsightsRuleList"]) == 1
    assert [(e["TableName"], e.get("IndexName")) for e in ddb.list_contributor_insights()[
        "ContributorInsightsSummaries"]] == [("hot", None), ("hot", "by-g")]
    ddb.update_contributor_insights(TableName="hot", ContributorInsightsAction="DISABLE")
    assert [e.get("IndexName") for e in ddb.list_contributor_insights(TableName="hot")[
        "ContributorInsightsSummaries"]] == ["by-g"]
    for index_name in ("by-l", "nope"):
        assert error_of(ddb.describe_contributor_insights, TableName="hot", IndexName=index_name)[0] == \
            "ResourceNotFoundException"
    assert error_of(ddb.describe_contributor_insights, TableName="missing") == (
        "ResourceNotFoundException", "Requested resource not found: Table: missing not found")


# --- Kinesis streaming destinations -------------------------------------------------------------------

def test_kinesis_streaming_destinations(ddb):
    create_table(ddb, "streamed")
    assert ddb.describe_kinesis_streaming_destination(TableName="streamed")["KinesisDataStreamDestinations"] == []
    enabled = ddb.enable_kinesis_streaming_destination(TableName="streamed", StreamArn=STREAM)
    assert (enabled["DestinationStatus"], enabled["EnableKinesisStreamingConfiguration"]) == ("ACTIVE", {})
    assert ddb.describe_kinesis_streaming_destination(TableName="streamed")["KinesisDataStreamDestinations"] == [
        {"StreamArn": STREAM, "DestinationStatus": "ACTIVE"}]
    not_valid = "Table is not in a valid state to enable Kinesis Streaming Destination: "
    assert error_of(ddb.enable_kinesis_streaming_destination, TableName="streamed", StreamArn=STREAM + "-2") == (
        "ValidationException", f"{not_valid}EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to "
                               "perform ENABLE operation.")
    updated = ddb.update_kinesis_streaming_destination(TableName="streamed", StreamArn=STREAM, UpdateKinesisStreamingConfiguration={
        "ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert updated["DestinationStatus"] == "ACTIVE"
    code, message = error_of(ddb.update_kinesis_streaming_destination, TableName="streamed", StreamArn=STREAM,
                             UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MICROSECOND"})
    assert code == "ValidationException" and message.startswith("Precision is already set")
    assert ddb.describe_kinesis_streaming_destination(TableName="streamed")["KinesisDataStreamDestinations"][0][
        "ApproximateCreationDateTimePrecision"] == "MICROSECOND"
    assert ddb.disable_kinesis_streaming_destination(TableName="streamed", StreamArn=STREAM)["DestinationStatus"] == \
        "DISABLED"
    assert error_of(ddb.disable_kinesis_streaming_destination, TableName="streamed", StreamArn=STREAM) == (
        "ValidationException", f"{not_valid}KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
    code, message = error_of(ddb.update_kinesis_streaming_destination, TableName="streamed", StreamArn=STREAM,
                             UpdateKinesisStreamingConfiguration={"ApproximateCreationDateTimePrecision": "MILLISECOND"})
    assert message.startswith(f"{not_valid}Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE "
                              "state.")
    # never checked synchronously: a bad ARN is accepted and ends ENABLE_FAILED
    bad = "arn:aws:dynamodb:us-east-1:000000000000:table/streamed-but-not-kinesis"
    assert ddb.enable_kinesis_streaming_destination(TableName="streamed", StreamArn=bad)["DestinationStatus"] == \
        "ENABLE_FAILED"
    destinations = {d["StreamArn"]: d for d in ddb.describe_kinesis_streaming_destination(
        TableName="streamed")["KinesisDataStreamDestinations"]}
    assert destinations[bad]["DestinationStatusDescription"] == "User does not have a permission to use kinesis stream"
    assert destinations[STREAM]["DestinationStatus"] == "DISABLED"
    assert ddb.enable_kinesis_streaming_destination(TableName="streamed", StreamArn=STREAM)["DestinationStatus"] == \
        "ACTIVE"
    assert error_of(ddb.describe_kinesis_streaming_destination, TableName="missing")[0] == "ResourceNotFoundException"


# --- operations that need S3 ---------------------------------------------------------------------------

@pytest.mark.parametrize(("operation", "kwargs"), [
    ("export_table_to_point_in_time", {"TableArn": ARN.format("tbl"), "S3Bucket": "bucket"}),
    ("list_exports", {}),
    ("describe_import", {"ImportArn": ARN.format("tbl") + "/import/01234567890123-abcdefgh"}),
    ("list_imports", {}),
])
def test_operations_that_need_s3_say_so(ddb, operation, kwargs):
    code, message = error_of(getattr(ddb, operation), **kwargs)
    assert code == "NotImplemented"
    assert "Amazon S3, which Sluice does not emulate" in message


# --- table phases (SLUICE_DYNAMODB_TABLE_DELAY_MS) -----------------------------------------------------

@pytest.fixture(scope="module")
def slow():
    """A server whose tables stay CREATING/UPDATING/DELETING for 5 s of (fake) time."""
    server = ThreadServer(clock="fake", dynamodb_table_delay_ms=5000).start()
    yield server
    server.stop()


@pytest.fixture
def slow_ddb(slow, monkeypatch):
    """A client of ``slow`` whose waiters sleep in fake time: each sleep moves the server's clock."""
    httpx.post(f"{slow.url}/_sluice/reset", timeout=30).raise_for_status()

    def sleep(seconds: float) -> None:
        httpx.post(f"{slow.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=30).raise_for_status()
    monkeypatch.setattr(botocore.waiter.time, "sleep", sleep)
    return make_client(slow.url, "dynamodb")


def advance_slow(slow, seconds: float) -> None:
    httpx.post(f"{slow.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=30).raise_for_status()


def test_tables_pass_through_their_phases_and_the_waiters_follow(slow, slow_ddb):
    ddb = slow_ddb
    created = create_table(ddb, "phased")
    assert created["TableStatus"] == "CREATING"
    assert ddb.describe_table(TableName="phased")["Table"]["TableStatus"] == "CREATING"
    assert error_of(ddb.put_item, TableName="phased", Item={"pk": s("a"), "sk": s("1")}) == (
        "ResourceNotFoundException", "Requested resource not found")
    assert error_of(ddb.describe_continuous_backups, TableName="phased")[0] == "TableNotFoundException"
    assert error_of(ddb.delete_table, TableName="phased")[0] == "ResourceInUseException"
    ddb.get_waiter("table_exists").wait(TableName="phased")     # sleeps 20 s of fake time, then sees ACTIVE
    assert ddb.describe_table(TableName="phased")["Table"]["TableStatus"] == "ACTIVE"
    ddb.put_item(TableName="phased", Item={"pk": s("a"), "sk": s("1")})

    updated = ddb.update_table(TableName="phased", StreamSpecification={"StreamEnabled": True,
                                                                        "StreamViewType": "KEYS_ONLY"})
    assert updated["TableDescription"]["TableStatus"] == "UPDATING"
    ddb.put_item(TableName="phased", Item={"pk": s("b"), "sk": s("1")})   # the data plane works while UPDATING
    assert error_of(ddb.update_table, TableName="phased", DeletionProtectionEnabled=True) == (
        "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being updated: phased")
    advance_slow(slow, 5)
    assert ddb.describe_table(TableName="phased")["Table"]["TableStatus"] == "ACTIVE"

    ddb.update_continuous_backups(TableName="phased", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    restored = ddb.restore_table_to_point_in_time(SourceTableName="phased", TargetTableName="phased-copy",
                                                  UseLatestRestorableTime=True)["TableDescription"]
    assert restored["TableStatus"] == "CREATING" and restored["RestoreSummary"]["RestoreInProgress"] is True
    assert ddb.describe_table(TableName="phased-copy")["Table"]["RestoreSummary"]["RestoreInProgress"] is True
    ddb.get_waiter("table_exists").wait(TableName="phased-copy")
    assert "RestoreSummary" not in ddb.describe_table(TableName="phased-copy")["Table"]
    assert ddb.scan(TableName="phased-copy", Select="COUNT")["Count"] == 2

    deleted = ddb.delete_table(TableName="phased")["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    assert ddb.describe_table(TableName="phased")["Table"]["TableStatus"] == "DELETING"
    assert "phased$DeletedTableBackup" in [b["BackupName"] for b in ddb.list_backups(BackupType="SYSTEM")[
        "BackupSummaries"]]
    assert error_of(ddb.get_item, TableName="phased", Key={"pk": s("a"), "sk": s("1")})[0] == \
        "ResourceNotFoundException"
    assert error_of(create_table, ddb, "phased")[0] == "ResourceInUseException"
    ddb.get_waiter("table_not_exists").wait(TableName="phased")
    assert error_of(ddb.describe_table, TableName="phased")[0] == "ResourceNotFoundException"


def test_sub_resources_pass_through_their_phases(slow, slow_ddb):
    ddb = slow_ddb
    create_table(ddb, "subs")
    advance_slow(slow, 5)
    assert ddb.enable_kinesis_streaming_destination(TableName="subs", StreamArn=STREAM)["DestinationStatus"] == "ENABLING"
    assert ddb.update_contributor_insights(TableName="subs", ContributorInsightsAction="ENABLE")[
        "ContributorInsightsStatus"] == "ENABLING"
    advance_slow(slow, 5)
    assert ddb.describe_kinesis_streaming_destination(TableName="subs")["KinesisDataStreamDestinations"][0][
        "DestinationStatus"] == "ACTIVE"
    assert ddb.describe_contributor_insights(TableName="subs")["ContributorInsightsStatus"] == "ENABLED"
    assert ddb.disable_kinesis_streaming_destination(TableName="subs", StreamArn=STREAM)["DestinationStatus"] == \
        "DISABLING"
    west = make_client(slow.url, "dynamodb", region="us-west-2")
    described = ddb.update_table(TableName="subs", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])[
        "TableDescription"]
    assert described["Replicas"] == [{"RegionName": "us-west-2", "ReplicaStatus": "CREATING"}]
    assert west.describe_table(TableName="subs")["Table"]["TableStatus"] == "CREATING"
    west.get_waiter("table_exists").wait(TableName="subs")
    assert ddb.describe_table(TableName="subs")["Table"]["Replicas"][0]["ReplicaStatus"] == "ACTIVE"
