"""Mobile push (platform applications and endpoints) and SMS: stored and validated like AWS, deliveries captured.

Nothing here reaches a device or a phone: every message lands in the captured-deliveries table, readable
at ``/_sluice/sns/messages`` and LocalStack's ``/_aws/sns/platform-endpoint-messages`` and
``/_aws/sns/sms-messages``. The account is outside the SMS sandbox (publishing to any number works);
sandbox numbers are still stored and verified with a one-time password sent as a captured SMS.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from storage import sns as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..errors import aws_error
from .errors import (
    EndpointDisabled,
    InvalidParameter,
    NotFound,
    OptedOut,
    ParameterValueInvalid,
    ResourceNotFound,
    VerificationException,
    invalid,
)
from .fanout import capture, encode_attributes
from .topics import decode_token, encode_token

if TYPE_CHECKING:
    from . import SnsService

PLATFORMS = ("ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM", "MACOS",
             "MACOS_SANDBOX", "MPNS", "WNS")
APP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
APP_ATTRIBUTES = ("PlatformCredential", "PlatformPrincipal", "EventEndpointCreated", "EventEndpointDeleted",
                  "EventEndpointUpdated", "EventDeliveryFailure", "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn",
                  "SuccessFeedbackSampleRate", "ApplePlatformTeamID", "ApplePlatformBundleID", "Enabled",
                  "AuthenticationMethod")
ENDPOINT_ATTRIBUTES = ("CustomUserData", "Enabled", "Token")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SMS_ATTRIBUTES = ("MonthlySpendLimit", "DeliveryStatusIAMRole", "DeliveryStatusSuccessSamplingRate",
                  "DefaultSenderID", "DefaultSMSType", "UsageReportS3Bucket")
PAGE = 100


def _page(items: list, key, size: int = PAGE) -> tuple[list, str | None]:
    """A page and its NextToken, opaque as SNS's are (see topics.encode_token)."""
    return items[:size], (encode_token(key(items[size - 1])) if len(items) > size else None)


# --- applications ---------------------------------------------------------------------------------

def create_application(uow: UnitOfWork, caller: Caller, name: str, platform: str, attributes: dict | None) -> str:
    if platform not in PLATFORMS:
        raise invalid("Platform")
    if not APP_NAME.match(name or ""):
        raise invalid("Invalid parameter: Name Reason: must be at most 256 characters long and only contain "
                      "uppercase and lowercase ASCII letters, numbers, underscores, hyphens, and periods")
    attrs = _app_attributes(attributes or {}, lead="Invalid parameter: Attributes Reason: ")
    token_auth = platform.startswith(("APNS", "MACOS")) and attrs.get("PlatformPrincipal") and \
        attrs.get("ApplePlatformTeamID")
    if platform not in ("MPNS",) and not attrs.get("PlatformCredential"):
        raise invalid("Attributes Reason: PlatformCredential attribute is required")
    if platform.startswith(("APNS", "MACOS", "ADM", "BAIDU")) and not attrs.get("PlatformPrincipal") and not token_auth:
        raise invalid("Attributes Reason: PlatformPrincipal attribute is required")
    arn = f"arn:aws:sns:{caller.region}:{caller.account}:app/{platform}/{name}"
    repo.put_application(uow, arn=arn, account=caller.account, region=caller.region, name=name, platform=platform,
                         attributes=attrs)
    return arn


def _app_attributes(attributes: dict, lead: str) -> dict:
    for key, value in attributes.items():
        if key not in APP_ATTRIBUTES:
            raise InvalidParameter(f"{lead}Unknown attribute {key}")
        if key == "Enabled" and value.lower() not in ("true", "false"):
            raise InvalidParameter(f"{lead}Enabled: Invalid value [{value}]. Must be true or false.")
    return dict(attributes)


def _require_app(uow: UnitOfWork, arn: str) -> dict:
    app = repo.get_application(uow, arn)
    if app is None:
        raise NotFound("PlatformApplication does not exist")
    return app


def get_application_attributes(uow: UnitOfWork, arn: str) -> dict:
    attrs = dict(_require_app(uow, arn)["attributes"])
    attrs.pop("PlatformCredential", None)   # AWS never returns the credential
    attrs.setdefault("Enabled", "true")
    return attrs


def set_application_attributes(uow: UnitOfWork, arn: str, attributes: dict) -> None:
    app = _require_app(uow, arn)
    checked = _app_attributes(attributes or {}, lead="Invalid parameter: ")
    repo.set_application_attributes(uow, arn, {**app["attributes"], **checked})


def delete_application(uow: UnitOfWork, arn: str) -> None:
    repo.delete_application(uow, arn)


def list_applications(uow: UnitOfWork, caller: Caller, next_token: str | None) -> dict:
    rows, token = _page(repo.list_applications(uow, caller.account, caller.region, decode_token(next_token), PAGE + 1),
                        lambda r: r["arn"])
    out: dict[str, Any] = {"PlatformApplications": [{"PlatformApplicationArn": r["arn"],
                                     "Attributes": get_application_attributes(uow, r["arn"])} for r in rows]}
    if token:
        out["NextToken"] = token
    return out


# --- endpoints ------------------------------------------------------------------------------------

def create_endpoint(uow: UnitOfWork, app_arn: str, token: str, custom_user_data: str | None,
                    attributes: dict | None) -> str:
    app = _require_app(uow, app_arn)
    if not token:
        raise invalid("Token")
    attrs = {"Enabled": "true", "Token": token}
    for key, value in (attributes or {}).items():
        if key not in ENDPOINT_ATTRIBUTES:
            raise invalid(f"Attributes Reason: Unknown attribute {key}")
        attrs[key] = value
    if custom_user_data is not None:
        attrs["CustomUserData"] = custom_user_data
    existing = repo.endpoint_by_token(uow, app_arn, token)
    if existing is not None:
        if existing["attributes"] != attrs:
            raise invalid(f"Token Reason: Endpoint {existing['arn']} already exists with the same Token, but "
                          "different attributes.")
        return existing["arn"]
    arn = f"arn:aws:sns:{app['region']}:{app['account']}:endpoint/{app['platform']}/{app['name']}/{uuid.uuid4()}"
    repo.insert_endpoint(uow, arn=arn, application_arn=app_arn, token=token, attributes=attrs)
    return arn


def _require_endpoint(uow: UnitOfWork, arn: str) -> dict:
    endpoint = repo.get_endpoint(uow, arn)
    if endpoint is None:
        raise NotFound("Endpoint does not exist")
    return endpoint


def get_endpoint_attributes(uow: UnitOfWork, arn: str) -> dict:
    return dict(_require_endpoint(uow, arn)["attributes"])


def set_endpoint_attributes(uow: UnitOfWork, arn: str, attributes: dict) -> None:
    endpoint = _require_endpoint(uow, arn)
    attrs = dict(endpoint["attributes"])
    for key, value in (attributes or {}).items():
        if key not in ENDPOINT_ATTRIBUTES:
            raise invalid(f"Attributes Reason: Unknown attribute {key}")
        if key == "Enabled" and value.lower() not in ("true", "false"):
            raise invalid("Attributes Reason: Enabled: Invalid value. Must be true or false.")
        attrs[key] = value.lower() if key == "Enabled" else value
    repo.update_endpoint(uow, arn, token=attrs["Token"], attributes=attrs)


def delete_endpoint(uow: UnitOfWork, arn: str) -> None:
    repo.delete_endpoint(uow, arn)


def list_endpoints(uow: UnitOfWork, app_arn: str, next_token: str | None) -> dict:
    _require_app(uow, app_arn)
    rows, token = _page(repo.list_endpoints(uow, app_arn, decode_token(next_token), PAGE + 1), lambda r: r["arn"])
    out: dict[str, Any] = {"Endpoints": [{"EndpointArn": r["arn"], "Attributes": dict(r["attributes"])} for r in rows]}
    if token:
        out["NextToken"] = token
    return out


def publish_to_endpoint(svc, uow: UnitOfWork, caller: Caller, target_arn: str, message: str,
                        per_protocol: dict | None, subject: str | None, attrs: dict, structure: str | None) -> dict:
    endpoint = repo.get_endpoint(uow, target_arn)
    if endpoint is None:
        raise invalid("TargetArn Reason: No endpoint found for the target arn specified")
    if endpoint["attributes"].get("Enabled", "true") != "true":
        raise EndpointDisabled("Endpoint is disabled")
    app = repo.get_application(uow, endpoint["application_arn"])
    if app is not None and app["attributes"].get("Enabled", "true") == "false":
        raise aws_error("PlatformApplicationDisabled", "Platform application is disabled")
    platform = app["platform"] if app else "default"
    text = per_protocol.get(platform, per_protocol["default"]) if per_protocol else message
    message_id = str(uuid.uuid4())
    where = arns.parse(target_arn)
    capture(svc, uow, account=where.account if where else caller.account, region=where.region if where else
            caller.region, protocol="application", target=target_arn, message_id=message_id,
            payload={"TargetArn": target_arn, "Message": text, "Subject": subject, "MessageStructure": structure,
                     "MessageAttributes": encode_attributes(attrs)})
    return {"MessageId": message_id}


# --- SMS ------------------------------------------------------------------------------------------

def normalize_phone(phone: str, what: str = "PhoneNumber") -> str:
    number = (phone or "").replace(" ", "").replace("-", "")
    if not E164.match(number):
        raise invalid(f"{what} Reason: {phone} is not valid to publish to")
    return number


def publish_sms(svc, uow: UnitOfWork, caller: Caller, phone: str, message: str, per_protocol: dict | None,
                subject: str | None, attrs: dict) -> dict:
    number = normalize_phone(phone)
    if repo.is_opted_out(uow, caller.account, number):
        raise OptedOut("Phone number is opted out")
    text = per_protocol.get("sms", per_protocol["default"]) if per_protocol else message
    if len(text.encode("utf-8")) > 1600:
        raise invalid("Message too long")
    message_id = str(uuid.uuid4())
    capture(svc, uow, account=caller.account, region=caller.region, protocol="sms", target=number,
            message_id=message_id, payload={"PhoneNumber": number, "Message": text, "Subject": subject,
                                            "MessageAttributes": encode_attributes(attrs)})
    return {"MessageId": message_id}


def get_sms_attributes(uow: UnitOfWork, caller: Caller, names: list[str] | None) -> dict:
    attrs = {"DefaultSMSType": "Transactional", **repo.get_sms_attributes(uow, caller.account, caller.region)}
    return {k: v for k, v in attrs.items() if not names or k in names}


def set_sms_attributes(uow: UnitOfWork, caller: Caller, attributes: dict) -> None:
    for key, value in (attributes or {}).items():
        if key not in SMS_ATTRIBUTES:
            raise invalid(f"{key}")
        if key == "DefaultSMSType" and value not in ("Promotional", "Transactional"):
            raise invalid("DefaultSMSType")
        if key in ("MonthlySpendLimit", "DeliveryStatusSuccessSamplingRate") and not (
                0 < len(value) <= 18 and value.isascii() and value.isdigit()):  # not '٥
            raise invalid(key)
        if key == "DeliveryStatusSuccessSamplingRate" and int(value) > 100:
            raise invalid(key)
    repo.put_sms_attributes(uow, caller.account, caller.region,
                            {**repo.get_sms_attributes(uow, caller.account, caller.region), **attributes})


def _phone_param(phone: str) -> str:
    number = (phone or "").replace(" ", "").replace("-", "")
    if not E164.match(number):
        raise invalid("PhoneNumber Reason: input incorrectly formatted")
    return number


def check_opted_out(uow: UnitOfWork, caller: Caller, phone: str) -> bool:
    return repo.is_opted_out(uow, caller.account, _phone_param(phone))


def opt_in(uow: UnitOfWork, caller: Caller, phone: str) -> None:
    repo.set_opted_out(uow, caller.account, _phone_param(phone), False)


def opt_out(uow: UnitOfWork, account: str, phone: str) -> None:
    """What a recipient replying STOP does (admin API only)."""
    repo.set_opted_out(uow, account, _phone_param(phone), True)


def list_opted_out(uow: UnitOfWork, caller: Caller, next_token: str | None) -> dict:
    numbers, token = _page(repo.list_opted_out(uow, caller.account, decode_token(next_token), PAGE + 1), lambda n: n)
    out: dict[str, Any] = {"phoneNumbers": numbers}
    if token:
        out["nextToken"] = token
    return out


# --- SMS sandbox ----------------------------------------------------------------------------------

def create_sandbox_number(svc: SnsService, uow: UnitOfWork, caller: Caller, phone: str, language: str | None) -> None:
    number = _phone_param(phone)
    otp = f"{secrets.randbelow(1_000_000):06d}"
    repo.put_sandbox_number(uow, caller.account, caller.region, number, otp, verified=False)
    message_id = str(uuid.uuid4())
    capture(svc, uow, account=caller.account, region=caller.region, protocol="sms", target=number,
            message_id=message_id, payload={"PhoneNumber": number, "Message": f"Your verification code is {otp}",
                                            "OneTimePassword": otp, "LanguageCode": language or "en-US"})


def verify_sandbox_number(uow: UnitOfWork, caller: Caller, phone: str, otp: str) -> None:
    number = _phone_param(phone)
    row = repo.get_sandbox_number(uow, caller.account, caller.region, number)
    if row is None:
        raise ResourceNotFound("Phone number does not exist in the sandbox")
    if row["otp"] != otp:
        raise VerificationException("Invalid one-time password")
    repo.put_sandbox_number(uow, caller.account, caller.region, number, row["otp"], verified=True)


def delete_sandbox_number(uow: UnitOfWork, caller: Caller, phone: str) -> None:
    number = _phone_param(phone)
    if repo.get_sandbox_number(uow, caller.account, caller.region, number) is None:
        raise ResourceNotFound("Phone number does not exist in the sandbox")
    repo.delete_sandbox_number(uow, caller.account, caller.region, number)


def list_sandbox_numbers(uow: UnitOfWork, caller: Caller, next_token: str | None, max_results: int | None) -> dict:
    size = max_results or PAGE
    if not 1 <= size <= PAGE:
        raise ParameterValueInvalid("MaxResults must be between 1 and 100")
    rows, token = _page(repo.list_sandbox_numbers(uow, caller.account, caller.region, decode_token(next_token), size + 1),
                        lambda r: r["phone_number"], size)
    out: dict[str, Any] = {"PhoneNumbers": [
        {"PhoneNumber": r["phone_number"], "Status": "Verified" if r["verified"] else "Pending"} for r in rows]}
    if token:
        out["NextToken"] = token
    return out
