"""Subscriptions: protocol and endpoint validation, attributes, confirmation, listing, unsubscribing.

Confirmation messages to HTTP/S endpoints are deliveries like any other: ``http_delivery`` posts them
through the outbox. ``Subscribe`` and ``Unsubscribe`` only decide what to send.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid

from storage import sns as repo
from storage.db import UnitOfWork

from ..caller import Caller
from ..patterns import compile_filter_policy
from . import delivery_policy, topics
from .errors import AuthorizationError, InvalidParameter, invalid, subscription_not_found, topic_not_found

PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
NEEDS_CONFIRMATION = ("http", "https", "email", "email-json")
RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")
SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
            "SubscriptionRoleArn", "ReplayPolicy")
PENDING = "pending confirmation"
TOKEN_TTL_MS = 2 * 24 * 3600 * 1000   # "Confirmation tokens are valid for two days."
PHONE = re.compile(r"^\+?[0-9]{5,15}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_ARN = {"sqs": re.compile(r"^arn:aws[\w-]*:sqs:[\w-]+:\d{12}:[\w-]{1,80}(\.fifo)?$"),
        "lambda": re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$"),
        "firehose": re.compile(r"^arn:aws[\w-]*:firehose:[\w-]+:\d{12}:deliverystream/[\w.-]+$"),
        "application": re.compile(r"^arn:aws[\w-]*:sns:[\w-]+:\d{12}:endpoint/[\w-]+/[\w.-]+/[\w-]+$")}
_ROLE = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


def parse_arn(arn: str, what: str = "SubscriptionArn") -> list[str]:
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise invalid(f"{what} Reason: An ARN must have at least 6 elements, not {len(parts)}")
    return parts


def _validate_endpoint(protocol: str, endpoint: str | None, topic: dict) -> str:
    if protocol not in PROTOCOLS:
        raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
    if not endpoint:
        raise invalid("Endpoint")
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://") or len(endpoint) <= len(protocol) + 3:
            raise invalid("Endpoint must match the specified protocol")
    elif protocol in ("email", "email-json"):
        if not EMAIL.match(endpoint):
            raise invalid("Email address")
    elif protocol == "sms":
        if not PHONE.match(endpoint.replace("-", "").replace(" ", "")):
            raise invalid(f"Invalid SMS endpoint: {endpoint}")
    elif not _ARN[protocol].match(endpoint):
        label = {"sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose", "application": "Application"}[protocol]
        raise invalid(f"{label} endpoint ARN")
    if topic["fifo"]:
        if protocol != "sqs":
            raise invalid(f"Invalid parameter: Endpoint Reason: FIFO topics only support SQS subscriptions, "
                          f"not {protocol}")
        if not endpoint.endswith(".fifo"):
            raise invalid("Invalid parameter: Endpoint Reason: Please use FIFO SQS queue")
    elif protocol == "sqs" and endpoint.endswith(".fifo"):
        raise invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS "
                      "topics")
    return endpoint


def _redrive(value: str, lead: str, fifo: bool) -> str:
    try:
        doc = json.loads(value)
    except ValueError:
        raise InvalidParameter(f"{lead}RedrivePolicy: failed to parse JSON.") from None
    target = doc.get("deadLetterTargetArn") if isinstance(doc, dict) else None
    if not isinstance(target, str) or not _ARN["sqs"].match(target):
        raise InvalidParameter(f"{lead}RedrivePolicy: deadLetterTargetArn is an invalid arn")
    if fifo != target.endswith(".fifo"):
        raise InvalidParameter(f"{lead}RedrivePolicy: must use a {'FIFO' if fifo else 'standard'} queue as DLQ")
    return value


def validate_attribute(name: str, value: str, *, protocol: str, fifo: bool, current: dict,
                       lead: str = "Invalid parameter: ") -> str:
    """The stored form of a subscription attribute; raises like Subscribe / SetSubscriptionAttributes."""
    in_subscribe = lead != "Invalid parameter: "
    if name not in SETTABLE:
        raise InvalidParameter(f"{lead}Unknown attribute {name}" if in_subscribe else f"{lead}AttributeName")
    if name == "RawMessageDelivery":
        if value.lower() not in ("true", "false"):
            raise InvalidParameter(f"{lead}RawMessageDelivery: Invalid value [{value}]. Must be true or false.")
        if protocol not in RAW_PROTOCOLS:
            raise InvalidParameter(f"{lead}Delivery protocol [{protocol}] does not support raw message delivery.")
        return value.lower()
    if name == "FilterPolicy":
        if value:
            compile_filter_policy(value, current.get("FilterPolicyScope") or "MessageAttributes",
                                  subscribe=in_subscribe)
        return value
    if name == "FilterPolicyScope":
        if current.get("FilterPolicy"):
            compile_filter_policy(current["FilterPolicy"], value, subscribe=in_subscribe)
        elif value not in ("MessageAttributes", "MessageBody"):
            raise InvalidParameter(f"{lead}FilterPolicyScope: Invalid value [{value}]. Please use either "
                                   "MessageBody or MessageAttributes")
        return value
    if name == "RedrivePolicy":
        return _redrive(value, lead, fifo) if value else value
    if name == "DeliveryPolicy":
        if value:
            if protocol not in ("http", "https"):
                raise InvalidParameter(f"{lead}DeliveryPolicy: only HTTP/S subscriptions accept a delivery policy")
            delivery_policy.validate_subscription_policy(value, lead)
        return value
    if name == "SubscriptionRoleArn":
        if value and not _ROLE.match(value):
            raise InvalidParameter(f"{lead}SubscriptionRoleArn: invalid role ARN")
        return value
    if name == "ReplayPolicy":
        if value:
            if not fifo:
                raise InvalidParameter(f"{lead}ReplayPolicy: replay is only supported for FIFO topics")
            try:
                doc = json.loads(value)
            except ValueError:
                doc = None
            if not isinstance(doc, dict) or "StartingPoint" not in doc:
                raise InvalidParameter(f"{lead}ReplayPolicy: StartingPoint is required")
        return value
    return value


def _check_attributes(given: dict, protocol: str, fifo: bool) -> dict:
    lead = "Invalid parameter: Attributes Reason: "
    current: dict = {}
    # Scope first, so that the filter policy is compiled for the scope it will run in.
    for name in sorted(given, key=lambda n: n != "FilterPolicyScope"):
        current[name] = validate_attribute(name, given[name], protocol=protocol, fifo=fifo, current=current,
                                           lead=lead)
    if protocol == "firehose" and not current.get("SubscriptionRoleArn"):
        raise invalid("Invalid parameter: Attributes Reason: SubscriptionRoleArn is required for firehose "
                      "subscriptions")
    return {k: v for k, v in current.items() if v != ""}


def subscribe(uow: UnitOfWork, caller: Caller, topic_arn: str, protocol: str, endpoint: str | None,
              attributes: dict | None) -> tuple[dict, bool]:
    """Create (or find) a subscription; returns (subscription row, created)."""
    parse_arn(topic_arn, "TopicArn")
    protocol = (protocol or "").lower()
    topic = repo.get_topic(uow, topic_arn)
    if topic is None:
        raise topic_not_found()
    endpoint = _validate_endpoint(protocol, endpoint, topic)
    attrs = _check_attributes(dict(attributes or {}), protocol, bool(topic["fifo"]))
    existing = repo.find_subscription(uow, topic_arn, protocol, endpoint)
    if existing is not None:
        if attrs and any(existing["attributes"].get(k) != v for k, v in attrs.items()):
            raise invalid("Attributes Reason: Subscription already exists with different attributes")
        return existing, False
    pending = protocol in NEEDS_CONFIRMATION
    arn = f"{topic_arn}:{uuid.uuid4()}"
    token = secrets.token_hex(64) if pending else None
    repo.insert_subscription(uow, arn=arn, topic_arn=topic_arn, account=topic["account"], region=topic["region"],
                             owner=caller.account, protocol=protocol, endpoint=endpoint, attributes=attrs,
                             pending=pending, token=token)
    sub = repo.get_subscription(uow, arn)
    assert sub is not None, "inserted just above, in this transaction"
    return sub, True


def require(uow: UnitOfWork, arn: str) -> dict:
    parse_arn(arn)
    sub = repo.get_subscription(uow, arn)
    if sub is None:
        raise subscription_not_found()
    return sub


def confirm(uow: UnitOfWork, topic_arn: str, token: str, authenticate_on_unsubscribe: str | None) -> str:
    parse_arn(topic_arn, "TopicArn")
    if repo.get_topic(uow, topic_arn) is None:
        raise topic_not_found()
    sub = repo.subscription_by_token(uow, topic_arn, token)
    if sub is None or (sub["pending"] and uow.now - sub["created_at"] > TOKEN_TTL_MS):
        raise invalid("Token")
    if sub["pending"]:
        authenticated = str(authenticate_on_unsubscribe or "").lower() == "true"
        repo.update_subscription(uow, sub["arn"], pending=False, authenticated=authenticated)
    return sub["arn"]


def unsubscribe(uow: UnitOfWork, arn: str, *, signed: bool) -> dict:
    sub = require(uow, arn)
    if sub["authenticated"] and not signed:
        raise AuthorizationError("Unsubscribe requires authentication for this subscription")
    repo.delete_subscription(uow, arn)
    topic = repo.get_topic(uow, sub["topic_arn"])
    if topic is not None:
        repo.update_topic(uow, topic["arn"], subscriptions_deleted=topic["subscriptions_deleted"] + 1)
    return sub


def get_attributes(uow: UnitOfWork, arn: str) -> dict:
    sub = require(uow, arn)
    attrs = sub["attributes"]
    out = {"Owner": sub["owner"], "RawMessageDelivery": attrs.get("RawMessageDelivery", "false"),
           "TopicArn": sub["topic_arn"], "Endpoint": sub["endpoint"], "Protocol": sub["protocol"],
           "PendingConfirmation": "true" if sub["pending"] else "false",
           "ConfirmationWasAuthenticated": "true" if sub["authenticated"] else "false",
           "SubscriptionArn": sub["arn"]}
    if sub["protocol"] == "sqs":
        out["SubscriptionPrincipal"] = f"arn:aws:iam::{sub['owner']}:root"
    for key, value in attrs.items():
        if key != "RawMessageDelivery":
            out[key] = value
    if attrs.get("FilterPolicy") and "FilterPolicyScope" not in attrs:
        out["FilterPolicyScope"] = "MessageAttributes"
    if sub["protocol"] in ("http", "https"):
        topic = repo.get_topic(uow, sub["topic_arn"])
        topic_policy = (topic or {}).get("attributes", {}).get("DeliveryPolicy")
        out["EffectiveDeliveryPolicy"] = json.dumps(
            delivery_policy.effective_subscription_policy(topic_policy, attrs.get("DeliveryPolicy")),
            separators=(",", ":"))
    return out


def set_attribute(uow: UnitOfWork, arn: str, name: str, value: str | None) -> None:
    sub = require(uow, arn)
    topic = repo.get_topic(uow, sub["topic_arn"])
    attrs = dict(sub["attributes"])
    value = validate_attribute(name, value or "", protocol=sub["protocol"], fifo=bool(topic and topic["fifo"]),
                               current=attrs)
    if value == "":
        attrs.pop(name, None)
    else:
        attrs[name] = value
    repo.update_subscription(uow, arn, attributes=attrs)


def _entry(sub: dict) -> dict:
    return {"SubscriptionArn": "PendingConfirmation" if sub["pending"] else sub["arn"], "Owner": sub["owner"],
            "Protocol": sub["protocol"], "Endpoint": sub["endpoint"], "TopicArn": sub["topic_arn"]}


def _page(rows: list[dict]) -> dict:
    out = {"Subscriptions": [_entry(s) for s in rows[:100]]}
    if len(rows) > 100:
        out["NextToken"] = rows[99]["arn"]
    return out


def list_all(uow: UnitOfWork, caller: Caller, next_token: str | None) -> dict:
    return _page(repo.list_subscriptions(uow, account=caller.account, region=caller.region,
                                         after=next_token or "", limit=101))


def list_by_topic(uow: UnitOfWork, topic_arn: str, next_token: str | None) -> dict:
    parse_arn(topic_arn, "TopicArn")
    topics.require(uow, topic_arn)
    return _page(repo.list_subscriptions(uow, topic_arn=topic_arn, after=next_token or "", limit=101))

