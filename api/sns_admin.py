"""SNS admin routes: the signing certificate, and deliveries captured instead of sent (SMS, mobile push,
email, Lambda, Firehose), also at LocalStack's paths."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from emulator.sns import platform
from storage import sns as repo

router = APIRouter()


def _sns(request: Request):
    return request.app.state.emulator.sns


@router.get("/_sluice/sns/SimpleNotificationService-{cert_id}.pem", tags=["sns"])
async def signing_certificate(request: Request, cert_id: str) -> Response:
    """The certificate that verifies message signatures (the ``SigningCertURL`` of every message)."""
    signer = await _sns(request).signer_ready()
    if signer is None or cert_id != signer.cert_id:
        raise HTTPException(404, "no such certificate")
    return Response(signer.cert_pem, media_type="application/x-x509-ca-cert")


@router.get("/_sluice/sns/messages", tags=["sns"])
async def captured_messages(request: Request, protocol: str | None = None, target: str | None = None,
                            account: str | None = None, region: str | None = None, after_id: int = 0,
                            limit: int = 1000) -> list[dict]:
    """Deliveries Sluice captured instead of sending: sms, email, email-json, lambda, firehose, application."""
    protocols = tuple(protocol.split(",")) if protocol else None
    return await _sns(request).store.read(repo.read_captured, protocols=protocols, account=account, region=region,
                                          target=target, after_id=after_id, limit=limit)


@router.delete("/_sluice/sns/messages", tags=["sns"])
async def clear_captured(request: Request, protocol: str | None = None, target: str | None = None) -> dict:
    protocols = tuple(protocol.split(",")) if protocol else platform_protocols()
    await _sns(request).store.transaction(repo.clear_captured, protocols=protocols, target=target)
    return {"cleared": True}


def platform_protocols() -> tuple[str, ...]:
    return ("sms", "email", "email-json", "lambda", "firehose", "application")


class OptOut(BaseModel):
    phoneNumber: str
    accountId: str | None = None


@router.post("/_sluice/sns/opt-out", tags=["sns"])
async def opt_out(request: Request, body: OptOut) -> dict:
    """Opt a phone number out of SMS, as a recipient replying STOP would."""
    emu = request.app.state.emulator
    await emu.store.transaction(platform.opt_out, body.accountId or emu.settings.default_account, body.phoneNumber)
    return {"optedOut": body.phoneNumber}


def _localstack_shape(rows: list[dict], key: str, out_key: str, target_field: str, region: str) -> dict:
    grouped: dict[str, list] = defaultdict(list)
    for row in rows:
        payload = row["payload"]
        grouped[row["target"]].append({target_field: row["target"], "TopicArn": row["topic_arn"],
                                       "SubscriptionArn": row["subscription_arn"], "MessageId": row["message_id"],
                                       "Message": payload.get("Message"),
                                       "MessageAttributes": payload.get("MessageAttributes") or {},
                                       "MessageStructure": payload.get("MessageStructure"),
                                       "Subject": payload.get("Subject")})
    return {out_key: dict(grouped), "region": region}


async def _localstack_read(request: Request, protocol: str, account: str | None, region: str | None,
                           target: str | None) -> list[dict]:
    emu = request.app.state.emulator
    return await emu.store.read(repo.read_captured, protocols=(protocol,),
                                account=account or emu.settings.default_account,
                                region=region or emu.settings.default_region, target=target, limit=100_000)


@router.get("/_aws/sns/platform-endpoint-messages", tags=["compat"])
async def platform_endpoint_messages(request: Request, accountId: str | None = None, region: str | None = None,
                                     endpointArn: str | None = None) -> dict:
    rows = await _localstack_read(request, "application", accountId, region, endpointArn)
    return _localstack_shape(rows, "application", "platform_endpoint_messages", "TargetArn",
                             region or request.app.state.emulator.settings.default_region)


@router.delete("/_aws/sns/platform-endpoint-messages", status_code=204, tags=["compat"])
async def clear_platform_endpoint_messages(request: Request, accountId: str | None = None, region: str | None = None,
                                           endpointArn: str | None = None) -> Response:
    emu = request.app.state.emulator
    await emu.store.transaction(repo.clear_captured, protocols=("application",),
                                account=accountId or emu.settings.default_account,
                                region=region or emu.settings.default_region, target=endpointArn)
    return Response(status_code=204)


@router.get("/_aws/sns/sms-messages", tags=["compat"])
async def sms_messages(request: Request, accountId: str | None = None, region: str | None = None,
                       phoneNumber: str | None = None) -> dict:
    rows = await _localstack_read(request, "sms", accountId, region, phoneNumber)
    return _localstack_shape(rows, "sms", "sms_messages", "PhoneNumber",
                             region or request.app.state.emulator.settings.default_region)


@router.delete("/_aws/sns/sms-messages", status_code=204, tags=["compat"])
async def clear_sms_messages(request: Request, accountId: str | None = None, region: str | None = None,
                             phoneNumber: str | None = None) -> Response:
    emu = request.app.state.emulator
    await emu.store.transaction(repo.clear_captured, protocols=("sms",),
                                account=accountId or emu.settings.default_account,
                                region=region or emu.settings.default_region, target=phoneNumber)
    return Response(status_code=204)
