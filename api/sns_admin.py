"""SNS admin routes: the signing certificate, and deliveries captured instead of sent (SMS, mobile push,
email, Lambda, Firehose), also at LocalStack's paths."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel

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
                            account: str | None = None, region: str | None = None,
                            after_id: int = Query(0, ge=0, le=2**62),  # SQLite's integers are 64-bit
                            limit: int = Query(1000, ge=1, le=100_000)) -> list[dict]:
    """Deliveries Sluice captured instead of sending: sms, email, email-json, lambda, firehose, application."""
    protocols = tuple(protocol.split(",")) if protocol else None
    rows = await request.app.state.emulator.delivery.captured(source="sns", protocols=protocols, account=account,
                                                              region=region, target=target, after_id=after_id,
                                                              limit=limit)
    return [_sns_row(row) for row in rows]


def _sns_row(row: dict) -> dict:
    """A captured row in the shape this endpoint has always had (topic_arn, subscription_arn)."""
    out = {k: v for k, v in row.items() if k not in ("source", "source_arn", "route")}
    out["topic_arn"], out["subscription_arn"] = row["source_arn"], row["route"]
    return out


@router.delete("/_sluice/sns/messages", tags=["sns"])
async def clear_captured(request: Request, protocol: str | None = None, target: str | None = None) -> dict:
    protocols = tuple(protocol.split(",")) if protocol else platform_protocols()
    await request.app.state.emulator.delivery.clear_captured(source="sns", protocols=protocols, target=target)
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
    await emu.sns.platform("opt_out", body.accountId or emu.settings.default_account, body.phoneNumber)
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
    rows = await emu.delivery.captured(source="sns", protocols=(protocol,),
                                       account=account or emu.settings.default_account,
                                       region=region or emu.settings.default_region, target=target, limit=100_000)
    return [_sns_row(row) for row in rows]


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
    await emu.delivery.clear_captured(source="sns", protocols=("application",),
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
    await emu.delivery.clear_captured(source="sns", protocols=("sms",),
                                      account=accountId or emu.settings.default_account,
                                      region=region or emu.settings.default_region, target=phoneNumber)
    return Response(status_code=204)
