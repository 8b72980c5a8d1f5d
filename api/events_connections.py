"""EventBridge handlers: connections and API destinations (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations


def _connections(emulator):
    return emulator.events.connections


# --- connections ---------------------------------------------------------------------------------------

async def create_connection(emulator, ctx, p):
    return await _connections(emulator).create_connection(
        ctx.caller, p["Name"], p["AuthorizationType"], p["AuthParameters"], description=p.get("Description"),
        kms_key_identifier=p.get("KmsKeyIdentifier"))


async def describe_connection(emulator, ctx, p):
    return await _connections(emulator).describe_connection(ctx.caller, p["Name"])


async def update_connection(emulator, ctx, p):
    return await _connections(emulator).update_connection(
        ctx.caller, p["Name"], description=p.get("Description"), authorization_type=p.get("AuthorizationType"),
        auth_parameters=p.get("AuthParameters"), kms_key_identifier=p.get("KmsKeyIdentifier"))


async def deauthorize_connection(emulator, ctx, p):
    return await _connections(emulator).deauthorize_connection(ctx.caller, p["Name"])


async def delete_connection(emulator, ctx, p):
    return await _connections(emulator).delete_connection(ctx.caller, p["Name"])


async def list_connections(emulator, ctx, p):
    return await _connections(emulator).list_connections(ctx.caller, p.get("NamePrefix"), p.get("ConnectionState"),
                                                         p.get("NextToken"), p.get("Limit"))


# --- API destinations ----------------------------------------------------------------------------------

async def create_api_destination(emulator, ctx, p):
    return await _connections(emulator).create_api_destination(
        ctx.caller, p["Name"], p["ConnectionArn"], p["InvocationEndpoint"], p["HttpMethod"],
        description=p.get("Description"), invocation_rate_limit_per_second=p.get("InvocationRateLimitPerSecond"))


async def describe_api_destination(emulator, ctx, p):
    return await _connections(emulator).describe_api_destination(ctx.caller, p["Name"])


async def update_api_destination(emulator, ctx, p):
    return await _connections(emulator).update_api_destination(
        ctx.caller, p["Name"], description=p.get("Description"), connection_arn=p.get("ConnectionArn"),
        invocation_endpoint=p.get("InvocationEndpoint"), http_method=p.get("HttpMethod"),
        invocation_rate_limit_per_second=p.get("InvocationRateLimitPerSecond"))


async def delete_api_destination(emulator, ctx, p):
    await _connections(emulator).delete_api_destination(ctx.caller, p["Name"])


async def list_api_destinations(emulator, ctx, p):
    return await _connections(emulator).list_api_destinations(ctx.caller, p.get("NamePrefix"),
                                                              p.get("ConnectionArn"), p.get("NextToken"),
                                                              p.get("Limit"))
