"""EventBridge handlers: global endpoints and partner event sources (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations


def _endpoints(emulator):
    return emulator.events.endpoints


# --- global endpoints ----------------------------------------------------------------------------------

async def create_endpoint(emulator, ctx, p):
    return await _endpoints(emulator).create_endpoint(
        ctx.caller, p["Name"], routing_config=p["RoutingConfig"], event_buses=p["EventBuses"],
        description=p.get("Description"), replication_config=p.get("ReplicationConfig"), role_arn=p.get("RoleArn"))


async def describe_endpoint(emulator, ctx, p):
    return await _endpoints(emulator).describe_endpoint(ctx.caller, p["Name"], p.get("HomeRegion"))


async def update_endpoint(emulator, ctx, p):
    return await _endpoints(emulator).update_endpoint(
        ctx.caller, p["Name"], description=p.get("Description"), routing_config=p.get("RoutingConfig"),
        replication_config=p.get("ReplicationConfig"), event_buses=p.get("EventBuses"), role_arn=p.get("RoleArn"))


async def delete_endpoint(emulator, ctx, p):
    await _endpoints(emulator).delete_endpoint(ctx.caller, p["Name"])


async def list_endpoints(emulator, ctx, p):
    return await _endpoints(emulator).list_endpoints(ctx.caller, p.get("NamePrefix"), p.get("HomeRegion"),
                                                     p.get("NextToken"), p.get("MaxResults"))


# --- partner event sources: the partner's side ---------------------------------------------------------

async def create_partner_event_source(emulator, ctx, p):
    return await _endpoints(emulator).create_partner_event_source(ctx.caller, p["Name"], p["Account"])


async def describe_partner_event_source(emulator, ctx, p):
    return await _endpoints(emulator).describe_partner_event_source(ctx.caller, p["Name"])


async def delete_partner_event_source(emulator, ctx, p):
    await _endpoints(emulator).delete_partner_event_source(ctx.caller, p["Name"], p["Account"])


async def list_partner_event_sources(emulator, ctx, p):
    return await _endpoints(emulator).list_partner_event_sources(ctx.caller, p["NamePrefix"], p.get("NextToken"),
                                                                 p.get("Limit"))


async def list_partner_event_source_accounts(emulator, ctx, p):
    return await _endpoints(emulator).list_partner_event_source_accounts(ctx.caller, p["EventSourceName"],
                                                                         p.get("NextToken"), p.get("Limit"))


async def put_partner_events(emulator, ctx, p):
    return await _endpoints(emulator).put_partner_events(ctx.caller, p["Entries"])


# --- partner event sources: the customer's side --------------------------------------------------------

async def activate_event_source(emulator, ctx, p):
    await _endpoints(emulator).activate_event_source(ctx.caller, p["Name"])


async def deactivate_event_source(emulator, ctx, p):
    await _endpoints(emulator).deactivate_event_source(ctx.caller, p["Name"])


async def describe_event_source(emulator, ctx, p):
    return await _endpoints(emulator).describe_event_source(ctx.caller, p["Name"])


async def list_event_sources(emulator, ctx, p):
    return await _endpoints(emulator).list_event_sources(ctx.caller, p.get("NamePrefix"), p.get("NextToken"),
                                                         p.get("Limit"))
