"""DynamoDB handlers: wire dict in, one emulator call with named parameters, wire dict out.

The JSON codec has already checked types against the model and decoded ``B``/``BS`` values to
bytes; it encodes bytes back to base64 in the output.
"""

from __future__ import annotations

from typing import Any

from api.context import RequestContext
from emulator.core import Emulator

_CREATE_TABLE = ("TableName", "AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes",
                 "BillingMode", "ProvisionedThroughput", "StreamSpecification", "SSESpecification", "Tags",
                 "TableClass", "DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput")
_UPDATE_TABLE = ("AttributeDefinitions", "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexUpdates",
                 "StreamSpecification", "SSESpecification", "ReplicaUpdates", "TableClass", "DeletionProtectionEnabled",
                 "OnDemandThroughput", "WarmThroughput", "MultiRegionConsistency")


def _pick(p: dict, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: p[n] for n in names if n in p}


# --- tables ---------------------------------------------------------------------------------------

async def create_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"TableDescription": await emulator.dynamodb.create_table(ctx.caller, **_pick(p, _CREATE_TABLE))}


async def describe_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"Table": await emulator.dynamodb.describe_table(ctx.caller, p["TableName"])}


async def update_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.update_table(ctx.caller, p["TableName"], **_pick(p, _UPDATE_TABLE))
    return {"TableDescription": description}


async def delete_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"TableDescription": await emulator.dynamodb.delete_table(ctx.caller, p["TableName"])}


async def list_tables(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.list_tables(ctx.caller, p.get("ExclusiveStartTableName"), p.get("Limit"))


async def tag_resource(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.dynamodb.tag_resource(ctx.caller, p["ResourceArn"], p["Tags"])


async def untag_resource(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.dynamodb.untag_resource(ctx.caller, p["ResourceArn"], p["TagKeys"])


async def list_tags_of_resource(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.list_tags_of_resource(ctx.caller, p["ResourceArn"], p.get("NextToken"))


async def describe_time_to_live(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"TimeToLiveDescription": await emulator.dynamodb.describe_time_to_live(ctx.caller, p["TableName"])}


async def update_time_to_live(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    spec = await emulator.dynamodb.update_time_to_live(ctx.caller, p["TableName"], p["TimeToLiveSpecification"])
    return {"TimeToLiveSpecification": spec}


async def describe_limits(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return emulator.dynamodb.describe_limits()


async def describe_endpoints(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    host = ctx.caller.endpoint.split("://", 1)[-1]
    return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}


# --- items ----------------------------------------------------------------------------------------

async def put_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.put_item(
        ctx.caller, table_name=p["TableName"], item=p["Item"], condition_expression=p.get("ConditionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"),
        expression_attribute_values=p.get("ExpressionAttributeValues"), return_values=p.get("ReturnValues"),
        return_values_on_condition_check_failure=p.get("ReturnValuesOnConditionCheckFailure"),
        return_consumed_capacity=p.get("ReturnConsumedCapacity"),
        return_item_collection_metrics=p.get("ReturnItemCollectionMetrics"), expected=p.get("Expected"),
        conditional_operator=p.get("ConditionalOperator"))


async def get_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.get_item(
        ctx.caller, table_name=p["TableName"], key=p["Key"], projection_expression=p.get("ProjectionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"), consistent_read=bool(p.get("ConsistentRead")),
        attributes_to_get=p.get("AttributesToGet"), return_consumed_capacity=p.get("ReturnConsumedCapacity"))


async def update_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.update_item(
        ctx.caller, table_name=p["TableName"], key=p["Key"], update_expression=p.get("UpdateExpression"),
        condition_expression=p.get("ConditionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"),
        expression_attribute_values=p.get("ExpressionAttributeValues"), return_values=p.get("ReturnValues"),
        return_values_on_condition_check_failure=p.get("ReturnValuesOnConditionCheckFailure"),
        return_consumed_capacity=p.get("ReturnConsumedCapacity"),
        return_item_collection_metrics=p.get("ReturnItemCollectionMetrics"), expected=p.get("Expected"),
        conditional_operator=p.get("ConditionalOperator"), attribute_updates=p.get("AttributeUpdates"))


async def delete_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.delete_item(
        ctx.caller, table_name=p["TableName"], key=p["Key"], condition_expression=p.get("ConditionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"),
        expression_attribute_values=p.get("ExpressionAttributeValues"), return_values=p.get("ReturnValues"),
        return_values_on_condition_check_failure=p.get("ReturnValuesOnConditionCheckFailure"),
        return_consumed_capacity=p.get("ReturnConsumedCapacity"),
        return_item_collection_metrics=p.get("ReturnItemCollectionMetrics"), expected=p.get("Expected"),
        conditional_operator=p.get("ConditionalOperator"))


async def query(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.query(
        ctx.caller, table_name=p["TableName"], key_condition_expression=p.get("KeyConditionExpression"),
        filter_expression=p.get("FilterExpression"), projection_expression=p.get("ProjectionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"),
        expression_attribute_values=p.get("ExpressionAttributeValues"), index_name=p.get("IndexName"),
        select=p.get("Select"), limit=p.get("Limit"), consistent_read=bool(p.get("ConsistentRead")),
        scan_index_forward=p.get("ScanIndexForward", True), exclusive_start_key=p.get("ExclusiveStartKey"),
        return_consumed_capacity=p.get("ReturnConsumedCapacity"), key_conditions=p.get("KeyConditions"),
        query_filter=p.get("QueryFilter"), conditional_operator=p.get("ConditionalOperator"),
        attributes_to_get=p.get("AttributesToGet"))


async def scan(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.scan(
        ctx.caller, table_name=p["TableName"], filter_expression=p.get("FilterExpression"),
        projection_expression=p.get("ProjectionExpression"),
        expression_attribute_names=p.get("ExpressionAttributeNames"),
        expression_attribute_values=p.get("ExpressionAttributeValues"), index_name=p.get("IndexName"),
        select=p.get("Select"), limit=p.get("Limit"), consistent_read=bool(p.get("ConsistentRead")),
        exclusive_start_key=p.get("ExclusiveStartKey"), segment=p.get("Segment"),
        total_segments=p.get("TotalSegments"), return_consumed_capacity=p.get("ReturnConsumedCapacity"),
        scan_filter=p.get("ScanFilter"), conditional_operator=p.get("ConditionalOperator"),
        attributes_to_get=p.get("AttributesToGet"))


# --- batches and transactions ---------------------------------------------------------------------

async def batch_get_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.batch_get_item(ctx.caller, p["RequestItems"], p.get("ReturnConsumedCapacity"))


async def batch_write_item(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.batch_write_item(ctx.caller, p["RequestItems"], p.get("ReturnConsumedCapacity"),
                                                    p.get("ReturnItemCollectionMetrics"))


async def transact_write_items(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.transact_write_items(
        ctx.caller, p["TransactItems"], p.get("ReturnConsumedCapacity"), p.get("ReturnItemCollectionMetrics"),
        p.get("ClientRequestToken"))


async def transact_get_items(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.transact_get_items(ctx.caller, p["TransactItems"], p.get("ReturnConsumedCapacity"))


# --- PartiQL --------------------------------------------------------------------------------------

async def execute_statement(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.execute_statement(
        ctx.caller, p["Statement"], p.get("Parameters"), bool(p.get("ConsistentRead")), p.get("NextToken"),
        p.get("ReturnConsumedCapacity"), p.get("Limit"), p.get("ReturnValuesOnConditionCheckFailure"))


async def batch_execute_statement(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.batch_execute_statement(ctx.caller, p["Statements"], p.get("ReturnConsumedCapacity"))


async def execute_transaction(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.execute_transaction(ctx.caller, p["TransactStatements"],
                                                       p.get("ClientRequestToken"), p.get("ReturnConsumedCapacity"))



# --- backups and point-in-time recovery -----------------------------------------------------------

def _ms(value: Any) -> int | None:
    """A timestamp input (datetime from the codec) as epoch milliseconds."""
    return None if value is None else int(round(value.timestamp() * 1000))


_RESTORE_OVERRIDES = ("BillingModeOverride", "GlobalSecondaryIndexOverride", "LocalSecondaryIndexOverride",
                      "ProvisionedThroughputOverride", "OnDemandThroughputOverride", "SSESpecificationOverride")


async def describe_continuous_backups(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"ContinuousBackupsDescription": await emulator.dynamodb.describe_continuous_backups(ctx.caller,
                                                                                               p["TableName"])}


async def update_continuous_backups(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    spec = p["PointInTimeRecoverySpecification"]
    description = await emulator.dynamodb.update_continuous_backups(
        ctx.caller, p["TableName"], spec["PointInTimeRecoveryEnabled"], spec.get("RecoveryPeriodInDays"))
    return {"ContinuousBackupsDescription": description}


async def create_backup(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"BackupDetails": await emulator.dynamodb.create_backup(ctx.caller, p["TableName"], p["BackupName"])}


async def describe_backup(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"BackupDescription": await emulator.dynamodb.describe_backup(ctx.caller, p["BackupArn"])}


async def list_backups(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.list_backups(
        ctx.caller, p.get("TableName"), p.get("Limit"), _ms(p.get("TimeRangeLowerBound")),
        _ms(p.get("TimeRangeUpperBound")), p.get("ExclusiveStartBackupArn"), p.get("BackupType"))


async def delete_backup(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"BackupDescription": await emulator.dynamodb.delete_backup(ctx.caller, p["BackupArn"])}


async def restore_table_from_backup(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.restore_table_from_backup(
        ctx.caller, p["TargetTableName"], p["BackupArn"], _pick(p, _RESTORE_OVERRIDES))
    return {"TableDescription": description}


async def restore_table_to_point_in_time(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.restore_table_to_point_in_time(
        ctx.caller, source_table_name=p.get("SourceTableName"), source_table_arn=p.get("SourceTableArn"),
        target_table_name=p["TargetTableName"], use_latest=p.get("UseLatestRestorableTime"),
        restore_ms=_ms(p.get("RestoreDateTime")), overrides=_pick(p, _RESTORE_OVERRIDES))
    return {"TableDescription": description}


# --- global tables --------------------------------------------------------------------------------

async def create_global_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.create_global_table(
        ctx.caller, p["GlobalTableName"], [r["RegionName"] for r in p["ReplicationGroup"] if r.get("RegionName")])
    return {"GlobalTableDescription": description}


async def update_global_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.update_global_table(ctx.caller, p["GlobalTableName"], p["ReplicaUpdates"])
    return {"GlobalTableDescription": description}


async def describe_global_table(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return {"GlobalTableDescription": await emulator.dynamodb.describe_global_table(ctx.caller, p["GlobalTableName"])}


async def list_global_tables(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.list_global_tables(ctx.caller, p.get("ExclusiveStartGlobalTableName"),
                                                      p.get("Limit"), p.get("RegionName"))


async def describe_global_table_settings(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.describe_global_table_settings(ctx.caller, p["GlobalTableName"])


async def update_global_table_settings(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.update_global_table_settings(
        ctx.caller, p["GlobalTableName"], billing_mode=p.get("GlobalTableBillingMode"),
        write_units=p.get("GlobalTableProvisionedWriteCapacityUnits"),
        write_autoscaling=p.get("GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate"),
        gsi_updates=p.get("GlobalTableGlobalSecondaryIndexSettingsUpdate"),
        replica_updates=p.get("ReplicaSettingsUpdate"))


async def describe_table_replica_auto_scaling(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.describe_table_replica_auto_scaling(ctx.caller, p["TableName"])
    return {"TableAutoScalingDescription": description}


async def update_table_replica_auto_scaling(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    description = await emulator.dynamodb.update_table_replica_auto_scaling(
        ctx.caller, p["TableName"], write_autoscaling=p.get("ProvisionedWriteCapacityAutoScalingUpdate"),
        gsi_updates=p.get("GlobalSecondaryIndexUpdates"), replica_updates=p.get("ReplicaUpdates"))
    return {"TableAutoScalingDescription": description}


# --- resource policies, contributor insights, Kinesis streaming destinations ----------------------

async def put_resource_policy(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.put_resource_policy(ctx.caller, p["ResourceArn"], p["Policy"],
                                                       p.get("ExpectedRevisionId"))


async def get_resource_policy(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.get_resource_policy(ctx.caller, p["ResourceArn"])


async def delete_resource_policy(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.delete_resource_policy(ctx.caller, p["ResourceArn"], p.get("ExpectedRevisionId"))


async def describe_contributor_insights(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.describe_contributor_insights(ctx.caller, p["TableName"], p.get("IndexName"))


async def update_contributor_insights(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.update_contributor_insights(
        ctx.caller, p["TableName"], p.get("IndexName"), p["ContributorInsightsAction"], p.get("ContributorInsightsMode"))


async def list_contributor_insights(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.list_contributor_insights(ctx.caller, p.get("TableName"), p.get("NextToken"),
                                                             p.get("MaxResults"))


async def enable_kinesis_streaming_destination(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.enable_kinesis_streaming_destination(
        ctx.caller, p["TableName"], p["StreamArn"], p.get("EnableKinesisStreamingConfiguration"))


async def disable_kinesis_streaming_destination(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.disable_kinesis_streaming_destination(
        ctx.caller, p["TableName"], p["StreamArn"], p.get("EnableKinesisStreamingConfiguration"))


async def update_kinesis_streaming_destination(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.update_kinesis_streaming_destination(
        ctx.caller, p["TableName"], p["StreamArn"], p.get("UpdateKinesisStreamingConfiguration"))


async def describe_kinesis_streaming_destination(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.describe_kinesis_streaming_destination(ctx.caller, p["TableName"])


# --- operations that read or write Amazon S3 --------------------------------------------------------
# Sluice does not emulate S3: these have no handler; the gateway answers their 501 with this reason
# instead of the generic "not implemented yet" (api/operations.py), and they are not counted.

_S3 = ("reads or writes Amazon S3, which Sluice does not emulate: DynamoDB exports, imports and bulk "
       "operations are not available.")
NOT_EMULATED = {operation: _S3 for operation in (
    "ExportTableToPointInTime", "DescribeExport", "ListExports", "ImportTable", "DescribeImport", "ListImports",
    "StartBulkPutItems", "DescribeBulkOperation", "ListBulkOperations", "CancelBulkOperation")}
