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

from .. import jsontext
from ..caller import Caller
from ..patterns import compile_filter_policy
from ..sts import default_identity
from . import delivery_policy, topics
from .errors import AuthorizationError, InvalidParameter, invalid, subscription_not_found, topic_not_found

PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
NEEDS_CONFIRMATION = ("http", "https", "email", "email-json")
RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")
SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
            "SubscriptionRoleArn", "ReplayPolicy")
PENDING = "pending confirmation"
TOKEN_TTL_MS = 2 * 24 * 3600 * 1000   # "Confirmation tokens are valid for two days."
# An SMS endpoint: digits, optionally a leading +, and single separators (/ - . or space) between digits.
PHONE = re.compile(r"^\+?[0-9]+(?:[-./ ][0-9]+)*$")
_PHONE_DIGITS = (5, 15)
# A well-formed subscription ARN: <topic ARN>:<subscription id>.
_SUBSCRIPTION_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+:[A-Za-z0-9-]+$")
_TOKEN = re.compile(r"^[0-9A-Za-z]+$")  # AWS's tokens are hex; anything but letters and digits is no token
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


def check_subscription_arn(arn: str) -> None:
    """A subscription ARN that is not ``<topic ARN>:<id>`` is refused before any lookup."""
    if not _SUBSCRIPTION_ARN.match(arn):
        raise invalid("SubscriptionId")


def _phone_ok(endpoint: str) -> bool:
    digits = sum(c.isdigit() for c in endpoint)
    return bool(PHONE.match(endpoint)) and _PHONE_DIGITS[0] <= digits <= _PHONE_DIGITS[1]


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
        if not _phone_ok(endpoint):
            raise InvalidParameter(f"Invalid SMS endpoint: {endpoint}")  # AWS's text has no "Invalid parameter: "
    elif not _ARN[protocol].match(endpoint):
        label = {"sqs": "SQS", "lambda": "Lambda", "firehose": "Firehose", "application": "Application"}[protocol]
        raise invalid(f"{label} endpoint ARN")
    if topic["fifo"]:
        # A FIFO topic delivers to SQS queues: FIFO ones, or standard ones (without group and
        # deduplication ids; the topic still drops duplicates).
        if protocol != "sqs":
            raise invalid(f"Invalid parameter: Endpoint Reason: FIFO topics only support SQS subscriptions, "
                          f"not {protocol}")
    elif protocol == "sqs" and endpoint.endswith(".fifo"):
        raise invalid("Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS "
                      "topics")
    return endpoint


def _redrive(value: str, lead: str, fifo: bool) -> str:
    try:
        doc = jsontext.loads(value)
    except ValueError:
        raise InvalidParameter(f"{lead}RedrivePolicy: failed to parse JSON.") from None
    target = doc.get("deadLetterTargetArn") if isinstance(doc, dict) else None
    if not isinstance(target, str) or not _ARN["sqs"].match(target):
        raise InvalidParameter(f"{lead}RedrivePolicy: deadLetterTargetArn is an invalid arn")
    if fifo and not target.endswith(".fifo"):
        raise InvalidParameter(f"{lead}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a "
                               "FIFO Topic.")
    if not fifo and target.endswith(".fifo"):
        raise InvalidParameter(f"{lead}RedrivePolicy: must use a standard queue as DLQ")
    return value


def validate_attribute(name: str, value: str, *, protocol: str, fifo: bool, current: dict,
                       lead: str = "Invalid parameter: ") -> str:
    """The stored form of a subscription attribute; raises like Subscribe / SetSubscriptionAttributes.

    ``fifo``: a FIFO subscription (a FIFO queue subscribed to a FIFO topic)."""
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
                doc = jsontext.loads(value)
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
    topics.check_arn(topic_arn, caller)
    protocol = (protocol or "").lower()
    topic = repo.get_topic(uow, topic_arn)
    if topic is None:
        raise topic_not_found()
    topics.authorize(caller, topic_arn, topic["account"], topic["attributes"], "Subscribe")
    endpoint = _validate_endpoint(protocol, endpoint, topic)
    attrs = _check_attributes(dict(attributes or {}), protocol, _fifo_subscription(topic, endpoint))
    existing = repo.find_subscription(uow, topic_arn, protocol, endpoint)
    if existing is not None:
        # Idempotent when the given attributes equal the subscription's effective ones, defaults included.
        effective = _effective(existing["attributes"])
        if any(effective.get(k, "") != v for k, v in attrs.items()):
            raise invalid("Attributes Reason: Subscription already exists with different attributes")
        return existing, False
    pending = protocol in NEEDS_CONFIRMATION or _foreign_queue(protocol, endpoint, caller)
    arn = f"{topic_arn}:{uuid.uuid4()}"
    token = secrets.token_hex(64) if pending else None
    repo.insert_subscription(uow, arn=arn, topic_arn=topic_arn, account=topic["account"], region=topic["region"],
                             owner=caller.account, protocol=protocol, endpoint=endpoint, attributes=attrs,
                             pending=pending, token=token)
    sub = repo.get_subscription(uow, arn)
    assert sub is not None, "inserted just above, in this transaction"
    return sub, True


def _foreign_queue(protocol: str, endpoint: str, caller: Caller) -> bool:
    """A queue of another account, subscribed by someone who is not its owner, waits for the queue's owner
    to confirm (SNS Developer Guide, "Sending Amazon SNS messages to an Amazon SQS queue in a different
    account": the SubscriptionConfirmation goes to the queue)."""
    parts = endpoint.split(":")
    return protocol == "sqs" and len(parts) > 4 and parts[4] != caller.account


def _fifo_subscription(topic: dict, endpoint: str) -> bool:
    return bool(topic["fifo"]) and endpoint.endswith(".fifo")


def _effective(attrs: dict) -> dict:
    """A subscription's attributes with the defaults GetSubscriptionAttributes shows."""
    out = {"RawMessageDelivery": "false", **attrs}
    if out.get("FilterPolicy"):
        out.setdefault("FilterPolicyScope", "MessageAttributes")
    return out


def require(uow: UnitOfWork, arn: str) -> dict:
    check_subscription_arn(arn)
    sub = repo.get_subscription(uow, arn)
    if sub is None:
        raise subscription_not_found()
    return sub


def confirm(uow: UnitOfWork, caller: Caller | None, topic_arn: str, token: str,
            authenticate_on_unsubscribe: str | None) -> str:
    """The token is checked before the topic: a malformed one is "Invalid token", an unknown (or
    expired) one "Invalid parameter: Token", whether or not the topic exists."""
    topics.check_arn(topic_arn, caller)
    if not _TOKEN.match(token):
        raise InvalidParameter("Invalid token")
    sub = repo.subscription_by_token(uow, topic_arn, token)
    if sub is None or (sub["pending"] and uow.now - sub["created_at"] > TOKEN_TTL_MS):
        raise invalid("Token")
    if repo.get_topic(uow, topic_arn) is None:
        raise topic_not_found()
    if sub["pending"]:
        authenticated = str(authenticate_on_unsubscribe or "").lower() == "true"
        repo.update_subscription(uow, sub["arn"], pending=False, authenticated=authenticated)
    return sub["arn"]


def unsubscribe(uow: UnitOfWork, arn: str, *, signed: bool, caller: Caller | None = None) -> dict | None:
    """Remove a subscription; a well-formed ARN of one that no longer exists is a no-op (None). A signed
    call of another account needs the topic's policy (an unsigned one is the unsubscribe link's)."""
    check_subscription_arn(arn)
    sub = repo.get_subscription(uow, arn)
    if sub is None:
        return None
    if sub["authenticated"] and not signed:
        raise AuthorizationError("Unsubscribe requires authentication for this subscription")
    if signed:
        authorize(uow, caller, sub, "Unsubscribe")
    repo.delete_subscription(uow, arn)
    topic = repo.get_topic(uow, sub["topic_arn"])
    if topic is not None:
        repo.update_topic(uow, topic["arn"], subscriptions_deleted=topic["subscriptions_deleted"] + 1)
    return sub


def authorize(uow: UnitOfWork, caller: Caller | None, sub: dict, action: str) -> None:
    """The subscriber's account and the topic's own need no policy; another account needs the topic's
    policy to allow SNS ``action`` (AuthorizationError otherwise). ``caller`` None: not checked."""
    if caller is None or caller.account in (sub["owner"], sub["account"]):
        return
    topic = repo.get_topic(uow, sub["topic_arn"])
    topics.authorize(caller, sub["topic_arn"], sub["account"], (topic or {}).get("attributes") or {}, action)


def get_attributes(uow: UnitOfWork, arn: str, *, caller: Caller | None = None) -> dict:
    sub = require(uow, arn)
    authorize(uow, caller, sub, "GetSubscriptionAttributes")
    attrs = sub["attributes"]
    # The subscriber, as STS's GetCallerIdentity names the account's default identity (an IAM user).
    out = {"SubscriptionPrincipal": default_identity(sub["owner"], sub["region"])["Arn"], "Owner": sub["owner"],
           "RawMessageDelivery": attrs.get("RawMessageDelivery", "false"),
           "TopicArn": sub["topic_arn"], "Endpoint": sub["endpoint"], "Protocol": sub["protocol"],
           "PendingConfirmation": "true" if sub["pending"] else "false",
           # AWS answers "true" for every confirmed subscription (those confirmed at creation too:
           # sqs, lambda, sms ...), "false" while the confirmation is pending.
           "ConfirmationWasAuthenticated": "false" if sub["pending"] else "true",
           "SubscriptionArn": sub["arn"]}
    for key, value in attrs.items():
        if key not in ("RawMessageDelivery", "FilterPolicyScope"):
            out[key] = value
    if attrs.get("FilterPolicy"):  # FilterPolicyScope shows only once a FilterPolicy is set
        out["FilterPolicyScope"] = attrs.get("FilterPolicyScope", "MessageAttributes")
    if sub["protocol"] in ("http", "https"):
        topic = repo.get_topic(uow, sub["topic_arn"])
        topic_policy = (topic or {}).get("attributes", {}).get("DeliveryPolicy")
        out["EffectiveDeliveryPolicy"] = json.dumps(
            delivery_policy.effective_subscription_policy(topic_policy, attrs.get("DeliveryPolicy")),
            separators=(",", ":"))
    return out


def set_attribute(uow: UnitOfWork, arn: str, name: str, value: str | None, caller: Caller | None = None) -> None:
    sub = require(uow, arn)
    authorize(uow, caller, sub, "SetSubscriptionAttributes")
    topic = repo.get_topic(uow, sub["topic_arn"])
    attrs = dict(sub["attributes"])
    value = validate_attribute(name, value or "", protocol=sub["protocol"],
                               fifo=bool(topic) and _fifo_subscription(topic or {}, sub["endpoint"]), current=attrs)
    if value == "":
        attrs.pop(name, None)
    else:
        attrs[name] = value
    repo.update_subscription(uow, arn, attributes=attrs)


def _entry(sub: dict) -> dict:
    return {"SubscriptionArn": "PendingConfirmation" if sub["pending"] else sub["arn"], "Owner": sub["owner"],
            "Protocol": sub["protocol"], "Endpoint": sub["endpoint"], "TopicArn": sub["topic_arn"]}


def _page(rows: list[dict]) -> dict:
    out: dict = {"Subscriptions": [_entry(s) for s in rows[:100]]}
    if len(rows) > 100:
        out["NextToken"] = topics.encode_token(rows[99]["arn"])
    return out


def list_all(uow: UnitOfWork, caller: Caller, next_token: str | None) -> dict:
    return _page(repo.list_subscriptions(uow, account=caller.account, region=caller.region,
                                         after=topics.decode_token(next_token), limit=101))


def list_by_topic(uow: UnitOfWork, caller: Caller | None, topic_arn: str, next_token: str | None) -> dict:
    topics.check_arn(topic_arn, caller)
    topic = topics.require(uow, topic_arn)
    topics.authorize(caller, topic_arn, topic["account"], topic["attributes"], "ListSubscriptionsByTopic")
    return _page(repo.list_subscriptions(uow, topic_arn=topic_arn, after=topics.decode_token(next_token),
                                         limit=101))

