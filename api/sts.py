"""STS handlers (query protocol): wire dict in, one emulator call, wire dict out."""

from __future__ import annotations


async def get_caller_identity(emulator, ctx, p):
    return await emulator.sts.get_caller_identity(ctx.caller, access_key_id=ctx.access_key,
                                                  session_token=ctx.session_token)


async def get_access_key_info(emulator, ctx, p):
    return await emulator.sts.get_access_key_info(ctx.caller, access_key_id=p["AccessKeyId"],
                                                  default_account=emulator.settings.default_account)


async def get_session_token(emulator, ctx, p):
    return await emulator.sts.get_session_token(ctx.caller, access_key_id=ctx.access_key,
                                                session_token=ctx.session_token,
                                                duration_seconds=p.get("DurationSeconds"))


async def assume_role(emulator, ctx, p):
    return await emulator.sts.assume_role(ctx.caller, role_arn=p["RoleArn"], role_session_name=p["RoleSessionName"],
                                          duration_seconds=p.get("DurationSeconds"),
                                          source_identity=p.get("SourceIdentity"))


async def assume_role_with_web_identity(emulator, ctx, p):
    return await emulator.sts.assume_role_with_web_identity(
        ctx.caller, role_arn=p["RoleArn"], role_session_name=p["RoleSessionName"],
        web_identity_token=p["WebIdentityToken"], duration_seconds=p.get("DurationSeconds"),
        provider_id=p.get("ProviderId"))
