"""DynamoDB Streams handlers (target prefix DynamoDBStreams_20120810, signed as dynamodb): wire dict in,
one call to ``emulator.dynamodb.streams`` (streams are part of the tables: emulator/dynamodb/streams.py)."""

from __future__ import annotations

from api.context import RequestContext
from emulator.core import Emulator


async def list_streams(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.streams.list_streams(ctx.caller, p.get("TableName"), p.get("Limit"),
                                                        p.get("ExclusiveStartStreamArn"))


async def describe_stream(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.streams.describe_stream(ctx.caller, p["StreamArn"], p.get("Limit"),
                                                           p.get("ExclusiveStartShardId"), p.get("ShardFilter"))


async def get_shard_iterator(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.streams.get_shard_iterator(ctx.caller, p["StreamArn"], p["ShardId"],
                                                              p["ShardIteratorType"], p.get("SequenceNumber"),
                                                              p.get("Timestamp"))


async def get_records(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.dynamodb.streams.get_records(ctx.caller, p["ShardIterator"], p.get("Limit"))
