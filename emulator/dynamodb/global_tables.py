"""Global tables: replicas through UpdateTable ReplicaUpdates (version 2019.11.21) and the legacy
CreateGlobalTable / UpdateGlobalTable / DescribeGlobalTable / ListGlobalTables /
Describe/UpdateGlobalTableSettings (2017.11.29), plus Describe/UpdateTableReplicaAutoScaling.

Every region lives in this one Sluice, so a replica is a true table of its region: created with the
source's schema and a copy of its rows, then kept in step by the replicator (``replication.py``):
each change of a member table is queued by a trigger in the change's transaction and applied to the
other members shortly after, last writer wins. A group is one table name of one account; its
members are listed in ``dynamodb_replicas``.

2019.11.21 rules and texts are AWS's as measured (ack-api-quirks dynamodb 2026-10, table-replicas.md,
table-global-tables.md): ReplicaUpdates must be the only change of the request, one Create or
Delete per call; a Create enables a NEW_AND_OLD_IMAGES stream when the table has none; DescribeTable
lists the OTHER regions in Replicas (no ReplicaArn) with GlobalTableVersion 2019.11.21 and
GlobalTableSettingsReplicationMode ENABLED_WITH_OVERRIDES, all absent again when the last replica
goes; GSI and provisioned-throughput changes apply group-wide; the legacy calls do not see
2019.11.21 groups (GlobalTableNotFoundException). Deliberate difference: AWS now refuses
CreateGlobalTable everywhere ("version 2017.11.29 is not supported"); Sluice keeps the legacy
version working (its documented behaviour) for code and tests written against it.

Replica overrides and auto scaling settings are kept and reported; nothing scales.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import AwsError
from storage import dynamodb_backups as bdb
from storage import dynamodb_hooks as hdb
from storage import dynamodb_replication as rdb
from storage.db import UnitOfWork

from . import backups, tables
from .errors import ResourceNotFoundException, ValidationException
from .model import INVALID, Table
from .tables import when

CURRENT, LEGACY = "2019.11.21", "2017.11.29"
# Regions where global tables 2019.11.21 are offered (the text of AWS's error lists them).
REGIONS = ("ap-south-2", "ap-south-1", "eu-south-1", "eu-south-2", "me-central-1", "il-central-1", "ca-central-1",
           "ca-west-1", "eu-central-1", "eu-central-2", "us-west-1", "us-west-2", "af-south-1", "eu-north-1",
           "eu-west-3", "eu-west-2", "eu-west-1", "ap-northeast-3", "ap-northeast-2", "ap-northeast-1", "me-south-1",
           "sa-east-1", "ap-east-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
           "ap-southeast-5", "ap-southeast-7", "mx-central-1", "us-east-1", "us-east-2")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
ONLY_OPERATION = f"{INVALID}Replica modification must be the only operation in the request"
NO_ACTIONS = "There are no actions specified in the Replica Update Action of the request."
LOCAL_REGION = ("Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, DeleteTable, or "
                "UpdateTable as required.")
# Group-wide settings: an UpdateTable of one member changes them in every member (measured).
GROUP_WIDE = ("AttributeDefinitions", "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexUpdates",
              "OnDemandThroughput")
SERVICE_ROLE = ("arn:aws:iam::{account}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/"
                "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable")


class GlobalTableNotFoundException(AwsError):
    pass


class GlobalTableAlreadyExistsException(AwsError):
    pass


class ReplicaAlreadyExistsException(AwsError):
    pass


class ReplicaNotFoundException(AwsError):
    pass


class IndexNotFoundException(AwsError):
    pass


def already_replicas(name: str) -> ValidationException:
    return ValidationException(f"Failed to create a the new replica of table with name: \u2018{name}\u2019 because one "
                               "or more replicas already existed as tables.")  # sic, measured


def not_members(regions: list[str]) -> ValidationException:
    return ValidationException("Update global table operation failed because one or more replicas were not part of "
                               f"the global table. Please retry the request without these replicas: "
                               f"[{', '.join(regions)}].")


def check_region(region: str) -> None:
    if region not in REGIONS:
        raise ValidationException(f"Region {region} is not supported. The latest version of global tables are only "
                                  f"supported in the following regions: [{', '.join(REGIONS)}].")


# --- reading a group ------------------------------------------------------------------------------

def replica_status(member: dict, now: int) -> str:
    return "CREATING" if now < member["ready_at"] else "ACTIVE"


def _replica_description(member: dict, now: int) -> dict:
    out: dict = {"RegionName": member["region"], "ReplicaStatus": replica_status(member, now)}
    settings = member["settings"]
    for key in ("KMSMasterKeyId", "ProvisionedThroughputOverride", "OnDemandThroughputOverride",
                "GlobalSecondaryIndexes"):
        if settings.get(key):
            out[key] = settings[key]
    if settings.get("TableClassOverride"):
        out["ReplicaTableClassSummary"] = {"TableClass": settings["TableClassOverride"]}
    return out


def decorate(uow: UnitOfWork, table: Table, description: dict) -> None:
    """Add Replicas / GlobalTableVersion to a member's TableDescription."""
    group = rdb.group_of_table(uow, table.id)
    if group is None:
        return
    members = rdb.members(uow, group["id"])
    description["GlobalTableVersion"] = group["version"]
    if group["version"] == CURRENT:
        description["Replicas"] = [_replica_description(m, uow.now) for m in members if m["table_id"] != table.id]
        description["GlobalTableSettingsReplicationMode"] = "ENABLED_WITH_OVERRIDES"


def member_tables(uow: UnitOfWork, cache: Any, group: dict) -> list[tuple[dict, Table]]:
    by_id = {t.id: t for t in cache.all(uow)}
    return [(m, by_id[m["table_id"]]) for m in rdb.members(uow, group["id"]) if m["table_id"] in by_id]


def set_replicating(uow: UnitOfWork, table_id: int, on: bool) -> None:
    hooks = hdb.get_hooks(uow, table_id)
    hooks["replicate"] = on
    hdb.set_hooks(uow, table_id, hooks)


def leave(uow: UnitOfWork, table: Table) -> None:
    """A member table is deleted: it leaves its group, dissolved when one member is left."""
    group = rdb.group_of_table(uow, table.id)
    if group is None:
        return
    rdb.remove_member(uow, table.id)
    rdb.drop_queued(uow, table.id)
    rest = rdb.members(uow, group["id"])
    if len(rest) <= 1:
        for member in rest:
            set_replicating(uow, member["table_id"], False)
        rdb.delete_group(uow, group["id"])


# --- ReplicaUpdates (2019.11.21) ------------------------------------------------------------------

def check_replica_updates(table: Table, updates: list[dict], other_changes: bool) -> list[tuple[str, dict]]:
    """The request's replica actions as (kind, action), validated in AWS's order (measured texts)."""
    if other_changes:
        raise ValidationException(ONLY_OPERATION)
    actions: list[tuple[str, dict]] = []
    for update in updates:
        kinds = [k for k in ("Create", "Update", "Delete") if update.get(k) is not None]
        if len(kinds) > 1:
            raise ValidationException("Update table operation with more than one type of replica actions not allowed")
        if not kinds:
            raise ValidationException(NO_ACTIONS)
        kind, action = kinds[0], update[kinds[0]]
        if kind == "Update" and not any(v is not None for k, v in action.items() if k != "RegionName"):
            raise ValidationException(NO_ACTIONS)
        if (kind, action) not in actions:  # two identical Creates for one region are accepted as one
            actions.append((kind, action))
    if sum(1 for kind, _ in actions if kind != "Update") > 1:
        raise ValidationException("Update table operation with more than one create or delete replica actions not "
                                  "allowed")
    for kind, action in actions:
        region = action["RegionName"]
        if kind != "Update" and region == table.region:
            raise ValidationException(LOCAL_REGION)
        check_region(region)
    return actions


def _replica_settings(action: dict, previous: dict | None = None) -> dict:
    settings = dict(previous or {})
    for key in ("KMSMasterKeyId", "ProvisionedThroughputOverride", "OnDemandThroughputOverride",
                "GlobalSecondaryIndexes", "TableClassOverride"):
        if action.get(key) is not None:
            settings[key] = action[key]
    return settings


def create_replica(uow: UnitOfWork, cache: Any, table: Table, action: dict, ready_at: int,
                   after_seq: int) -> Table:
    """Create the replica table in ``action["RegionName"]``, copy the rows, join the group; the new table."""
    region = action["RegionName"]
    group = rdb.group_of_table(uow, table.id)
    if group is not None and group["version"] == LEGACY:  # guessed text
        raise ValidationException(f"{INVALID}ReplicaUpdates are not supported for global tables version {LEGACY}")
    if cache.get(uow, table.account, region, table.name) is not None:
        raise already_replicas(table.name)
    stream = {"StreamEnabled": True, "StreamViewType": table.stream["view_type"] if table.stream else "NEW_AND_OLD_IMAGES"}
    request, sources = backups.copy_request(table, table.name, keep_class=True, stream=stream)
    if action.get("TableClassOverride"):
        request["TableClass"] = action["TableClassOverride"]
    if action.get("ProvisionedThroughputOverride", {}).get("ReadCapacityUnits") and "ProvisionedThroughput" in request:
        request["ProvisionedThroughput"] = dict(request["ProvisionedThroughput"],
                                                ReadCapacityUnits=action["ProvisionedThroughputOverride"]["ReadCapacityUnits"])
    if action.get("KMSMasterKeyId") and table.sse:
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": action["KMSMasterKeyId"]}
    replica = tables.create(uow, cache, table.account, region, request)
    bdb.copy_table(uow, table.id, replica.id, backups.index_map(replica, sources))
    if group is None:
        group_id = rdb.insert_group(uow, table.account, table.name, CURRENT, uow.now)
        rdb.add_member(uow, group_id, table.region, table.id, table.created_at, uow.now, {})
    else:
        group_id = group["id"]
    # Changes queued before the copy are in it already: the replica takes those after ``after_seq``.
    rdb.add_member(uow, group_id, region, replica.id, uow.now, ready_at,
                   dict(_replica_settings(action), since_seq=after_seq))
    for member in rdb.members(uow, group_id):
        set_replicating(uow, member["table_id"], True)
    return replica


def update_replica(uow: UnitOfWork, table: Table, action: dict, ready_at: int) -> None:
    group = rdb.group_of_table(uow, table.id)
    member = next((m for m in rdb.members(uow, group["id"]) if m["region"] == action["RegionName"]), None) \
        if group is not None else None
    if member is None or group is None:
        raise not_members([action["RegionName"]])
    if action.get("KMSMasterKeyId"):  # measured: rejected unconditionally; text guessed
        raise ValidationException(f"{INVALID}KMSMasterKeyId cannot be updated through ReplicaUpdates")
    rdb.update_member(uow, group["id"], member["region"], max(member["ready_at"], ready_at),
                      _replica_settings(action, member["settings"]))


def replica_to_delete(uow: UnitOfWork, cache: Any, table: Table, action: dict) -> Table:
    """The member table a Delete action removes (deleted by the caller like a DeleteTable)."""
    group = rdb.group_of_table(uow, table.id)
    if group is not None:
        for member, member_table in member_tables(uow, cache, group):
            if member["region"] == action["RegionName"]:
                return member_table
    raise not_members([action["RegionName"]])


def propagate(uow: UnitOfWork, cache: Any, table: Table, request: dict) -> list[tuple[Table, Table]]:
    """Apply the group-wide part of an UpdateTable to the other members: [(before, after)]."""
    group_wide = {k: v for k, v in request.items() if k in GROUP_WIDE and v not in (None, [])}
    group = rdb.group_of_table(uow, table.id)
    if not group_wide or group is None:
        return []
    changed = []
    for _member, other in member_tables(uow, cache, group):
        if other.id == table.id:
            continue
        share = dict(group_wide)
        pt = share.get("ProvisionedThroughput")
        if pt and "BillingMode" not in share and (pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]) == (
                other.throughput.get("read"), other.throughput.get("write")):
            del share["ProvisionedThroughput"]  # already so there (per-region read capacity)
        if any(v not in (None, []) for k, v in share.items() if k != "AttributeDefinitions"):
            changed.append((other, tables.update(uow, cache, other, share)))
    return changed


# --- the legacy API (2017.11.29) ------------------------------------------------------------------

def global_table_arn(account: str, name: str) -> str:
    return f"arn:aws:dynamodb::{account}:global-table/{name}"


def legacy_group(uow: UnitOfWork, account: str, name: str) -> dict:
    group = rdb.get_group(uow, account, name)
    if group is None or group["version"] != LEGACY:
        raise GlobalTableNotFoundException(f"Global table with name: '{name}' does not exist.")  # measured
    return group


def legacy_description(uow: UnitOfWork, group: dict) -> dict:
    members = rdb.members(uow, group["id"])
    status = "CREATING" if any(uow.now < m["ready_at"] for m in members) else "ACTIVE"
    return {"ReplicationGroup": [{"RegionName": m["region"]} for m in members],
            "GlobalTableArn": global_table_arn(group["account"], group["name"]),
            "CreationDateTime": when(group["created_at"]), "GlobalTableStatus": status,
            "GlobalTableName": group["name"]}


def legacy_member_table(uow: UnitOfWork, cache: Any, account: str, region: str, name: str) -> Table:
    """A table joining a legacy group: it must exist, be empty, stream both images, be in no group."""
    table = cache.get(uow, account, region, name)
    if table is None:
        raise backups.TableNotFoundException(f"Table not found: Table: '{name}' not found in region: '{region}'.")
    if table.stream is None or table.stream["view_type"] != "NEW_AND_OLD_IMAGES":  # guessed text
        raise ValidationException(f"{INVALID}Table: {name} in region: {region} must have DynamoDB Streams enabled "
                                  "with StreamViewType NEW_AND_OLD_IMAGES")
    count = bdb.table_counts(uow, table.id)[0]
    if count:  # guessed text
        raise ValidationException(f"{INVALID}Replica table: {name} in region: {region} must be empty")
    if rdb.group_of_table(uow, table.id) is not None:  # guessed text
        raise ValidationException(f"{INVALID}Table: {name} in region: {region} is already part of a global table")
    return table


def check_same_schema(first: Table, other: Table) -> None:
    if (first.hash_key, first.range_key, first.attributes) != (other.hash_key, other.range_key, other.attributes) \
            or {(i.name, i.hash_key, i.range_key) for i in first.gsis} != {(i.name, i.hash_key, i.range_key)
                                                                            for i in other.gsis}:
        raise ValidationException(f"{INVALID}Table: {other.name} in region: {other.region} does not have the same "
                                  "key schema and secondary indexes as the other replicas")  # guessed text


# --- settings and auto scaling (kept, reported) ----------------------------------------------------

def autoscaling(update: dict | None, account: str, policy_name: str, current: dict | None = None) -> dict:
    """An AutoScalingSettingsDescription from an AutoScalingSettingsUpdate (None: the current one)."""
    if update is None:
        return current or {"AutoScalingDisabled": True, "ScalingPolicies": []}
    if update.get("AutoScalingDisabled"):
        return {"AutoScalingDisabled": True, "ScalingPolicies": []}
    out: dict = dict(current or {})
    out.pop("AutoScalingDisabled", None)
    for key in ("MinimumUnits", "MaximumUnits"):
        if update.get(key) is not None:
            out[key] = update[key]
    out["AutoScalingDisabled"] = False
    out["AutoScalingRoleArn"] = update.get("AutoScalingRoleArn") or SERVICE_ROLE.format(account=account)
    policy = update.get("ScalingPolicyUpdate")
    if policy is not None:
        out["ScalingPolicies"] = [{"PolicyName": policy.get("PolicyName") or policy_name,
                                   "TargetTrackingScalingPolicyConfiguration":
                                       dict(policy["TargetTrackingScalingPolicyConfiguration"])}]
    out.setdefault("ScalingPolicies", [])
    return out


def policy_name(kind: str, table: str, index: str | None = None) -> str:
    return f"DynamoDB{kind}CapacityUtilization:table/{table}" + (f"/index/{index}" if index else "")


def get_autoscaling(uow: UnitOfWork, table_id: int) -> dict:
    return hdb.get_setting(uow, table_id, "autoscaling") or {}


def put_autoscaling(uow: UnitOfWork, table_id: int, value: dict) -> None:
    hdb.put_setting(uow, table_id, "autoscaling", "", value)


def replica_autoscaling(uow: UnitOfWork, member: dict, table: Table) -> dict:
    saved = get_autoscaling(uow, table.id)
    gsis = []
    for index in table.gsis:
        settings = saved.get("gsi", {}).get(index.name, {})
        gsis.append({"IndexName": index.name, "IndexStatus": "ACTIVE",
                     "ProvisionedReadCapacityAutoScalingSettings": autoscaling(None, "", "", settings.get("read")),
                     "ProvisionedWriteCapacityAutoScalingSettings": autoscaling(None, "", "", settings.get("write"))})
    out: dict = {"RegionName": member["region"],
                 "ReplicaProvisionedReadCapacityAutoScalingSettings": autoscaling(None, "", "", saved.get("read")),
                 "ReplicaProvisionedWriteCapacityAutoScalingSettings": autoscaling(None, "", "", saved.get("write")),
                 "ReplicaStatus": replica_status(member, uow.now)}
    if gsis:
        out["GlobalSecondaryIndexes"] = gsis
    return out


def replica_settings(uow: UnitOfWork, member: dict, table: Table) -> dict:
    """A ReplicaSettingsDescription (DescribeGlobalTableSettings)."""
    saved = get_autoscaling(uow, table.id)
    summary: dict = {"BillingMode": table.billing_mode}
    if table.billing_mode == "PAY_PER_REQUEST":
        summary["LastUpdateToPayPerRequestDateTime"] = when(table.billing_updated_at or table.created_at)
    out: dict = {"RegionName": member["region"], "ReplicaStatus": replica_status(member, uow.now),
                 "ReplicaBillingModeSummary": summary,
                 "ReplicaProvisionedReadCapacityUnits": table.throughput.get("read", 0),
                 "ReplicaProvisionedReadCapacityAutoScalingSettings": autoscaling(None, "", "", saved.get("read")),
                 "ReplicaProvisionedWriteCapacityUnits": table.throughput.get("write", 0),
                 "ReplicaProvisionedWriteCapacityAutoScalingSettings": autoscaling(None, "", "", saved.get("write")),
                 "ReplicaGlobalSecondaryIndexSettings": [
                     {"IndexName": i.name, "IndexStatus": "ACTIVE",
                      "ProvisionedReadCapacityUnits": (i.throughput or {}).get("read", 0),
                      "ProvisionedReadCapacityAutoScalingSettings":
                          autoscaling(None, "", "", saved.get("gsi", {}).get(i.name, {}).get("read")),
                      "ProvisionedWriteCapacityUnits": (i.throughput or {}).get("write", 0),
                      "ProvisionedWriteCapacityAutoScalingSettings":
                          autoscaling(None, "", "", saved.get("gsi", {}).get(i.name, {}).get("write"))}
                     for i in table.gsis]}
    if table.class_updated_at is not None:
        out["ReplicaTableClassSummary"] = {"TableClass": table.table_class,
                                           "LastUpdateDateTime": when(table.class_updated_at)}
    return out


def not_global(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Global table with name: {name} does not exist.")  # measured
