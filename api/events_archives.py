"""EventBridge handlers: archives and replays (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations

from datetime import datetime


def _archives(emulator):
    return emulator.events.archives


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


# --- archives ------------------------------------------------------------------------------------------

async def create_archive(emulator, ctx, p):
    return await _archives(emulator).create_archive(
        ctx.caller, p["ArchiveName"], p["EventSourceArn"], description=p.get("Description"),
        event_pattern=p.get("EventPattern"), retention_days=p.get("RetentionDays"),
        kms_key_identifier=p.get("KmsKeyIdentifier"))


async def describe_archive(emulator, ctx, p):
    return await _archives(emulator).describe_archive(ctx.caller, p["ArchiveName"])


async def update_archive(emulator, ctx, p):
    return await _archives(emulator).update_archive(
        ctx.caller, p["ArchiveName"], description=p.get("Description"), event_pattern=p.get("EventPattern"),
        retention_days=p.get("RetentionDays"), kms_key_identifier=p.get("KmsKeyIdentifier"))


async def delete_archive(emulator, ctx, p):
    await _archives(emulator).delete_archive(ctx.caller, p["ArchiveName"])


async def list_archives(emulator, ctx, p):
    return await _archives(emulator).list_archives(
        ctx.caller, p.get("NamePrefix"), p.get("EventSourceArn"), p.get("State"), p.get("NextToken"), p.get("Limit"))


# --- replays -------------------------------------------------------------------------------------------

async def start_replay(emulator, ctx, p):
    return await _archives(emulator).start_replay(
        ctx.caller, p["ReplayName"], p["EventSourceArn"], _ms(p["EventStartTime"]), _ms(p["EventEndTime"]),
        p["Destination"], description=p.get("Description"))


async def describe_replay(emulator, ctx, p):
    return await _archives(emulator).describe_replay(ctx.caller, p["ReplayName"])


async def cancel_replay(emulator, ctx, p):
    return await _archives(emulator).cancel_replay(ctx.caller, p["ReplayName"])


async def list_replays(emulator, ctx, p):
    return await _archives(emulator).list_replays(
        ctx.caller, p.get("NamePrefix"), p.get("State"), p.get("EventSourceArn"), p.get("NextToken"), p.get("Limit"))
