"""Topics: names, attributes, the default access policy, permissions, tags, data protection policies."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from storage import sns as repo
from storage.db import UnitOfWork

from .. import jsontext, policy
from ..caller import Caller
from ..sts import default_identity
from . import delivery_policy
from .errors import AuthorizationError, InvalidParameter, ResourceNotFound, TagLimitExceeded, invalid, topic_not_found

NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
DEFAULT_MAX_MESSAGE_SIZE = 262_144
MAX_MESSAGE_SIZE = 1_048_576
MAX_TAGS = 50
DEFAULT_ACTIONS = ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                   "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"]
_FEEDBACK = re.compile(r"^(HTTP|Application|Firehose|Lambda|SQS)(SuccessFeedbackRoleArn|SuccessFeedbackSampleRate|"
                       r"FailureFeedbackRoleArn)$")
SETTABLE = {"DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId", "SignatureVersion",
            "ContentBasedDeduplication", "ArchivePolicy", "FifoThroughputScope", "MaximumMessageSize"}
FIFO_ONLY = {"ContentBasedDeduplication", "ArchivePolicy", "FifoThroughputScope"}
# What AddPermission may grant: SNS's actions (its API's operation names).
ACTIONS = frozenset((
    "AddPermission", "CheckIfPhoneNumberIsOptedOut", "ConfirmSubscription", "CreatePlatformApplication",
    "CreatePlatformEndpoint", "CreateSMSSandboxPhoneNumber", "CreateTopic", "DeleteEndpoint",
    "DeletePlatformApplication", "DeleteSMSSandboxPhoneNumber", "DeleteTopic", "GetDataProtectionPolicy",
    "GetEndpointAttributes", "GetPlatformApplicationAttributes", "GetSMSAttributes", "GetSMSSandboxAccountStatus",
    "GetSubscriptionAttributes", "GetTopicAttributes", "ListEndpointsByPlatformApplication",
    "ListOriginationNumbers", "ListPhoneNumbersOptedOut", "ListPlatformApplications", "ListSMSSandboxPhoneNumbers",
    "ListSubscriptions", "ListSubscriptionsByTopic", "ListTagsForResource", "ListTopics", "OptInPhoneNumber",
    "Publish", "PublishBatch", "PutDataProtectionPolicy", "RemovePermission", "SetEndpointAttributes",
    "SetPlatformApplicationAttributes", "SetSMSAttributes", "SetSubscriptionAttributes", "SetTopicAttributes",
    "Subscribe", "TagResource", "Unsubscribe", "UntagResource", "VerifySMSSandboxPhoneNumber", "*"))
_TOPIC_ARN = re.compile(r"^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$")


def check_arn(arn: str, caller: Caller | None, what: str = "TopicArn") -> None:
    """A topic ARN as SNS checks it before looking for the topic: at least six ``:``-separated elements
    (else "An ARN must have at least 6 elements, not N"), an SNS topic ARN, and of the caller's region
    (an ARN of another region is invalid for every operation; deliveries across regions still work)."""
    parts = arn.split(":")
    if len(parts) < 6:
        raise invalid(f"{what} Reason: An ARN must have at least 6 elements, not {len(parts)}")
    if not _TOPIC_ARN.match(arn) or (caller is not None and parts[3] != caller.region):
        raise invalid(what)


def topic_arn(caller: Caller, name: str) -> str:
    return f"arn:aws:sns:{caller.region}:{caller.account}:{name}"


def default_policy(arn: str, account: str) -> str:
    return json.dumps({"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": DEFAULT_ACTIONS,
        "Resource": arn, "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]}, separators=(",", ":"))


def require(uow: UnitOfWork, arn: str) -> dict:
    topic = repo.get_topic(uow, arn)
    if topic is None:
        raise topic_not_found()
    return topic


def policy_of(topic: dict) -> str:
    """The topic's access policy: its Policy attribute, else the default one (the owner's account only)."""
    return topic["attributes"].get("Policy") or default_policy(topic["arn"], topic["account"])


def authorize(caller: Caller | None, arn: str, account: str, attributes: dict, action: str) -> None:
    """AuthorizationError unless ``caller`` may call SNS ``action`` on topic ``arn`` of ``account``.

    The topic's own account is always allowed (identity policies are not emulated); another account
    needs the topic's policy (what AddPermission writes included) to allow ``SNS:<action>``. The default
    policy's ``AWS:SourceOwner`` condition names the owner, so it grants no other account anything.
    ``caller`` None: the console and admin API, not checked.
    """
    if caller is None or caller.account == account:
        return
    text = attributes.get("Policy") or default_policy(arn, account)
    verb = f"SNS:{action}"
    decision = policy.decide(account, policy.Principal.of_account(caller.account), text, verb, arn)
    if decision == "Allow":
        return
    who = default_identity(caller.account, caller.region)["Arn"]
    raise AuthorizationError(policy.denial_message(who, verb, arn, explicit=decision == "Deny"))


def authorize_arn(uow: UnitOfWork, caller: Caller | None, arn: str, action: str) -> None:
    """``authorize`` for the topic ``arn`` names; a topic that does not exist is left to the operation's
    own answer (NotFound, or a validation error it checks first)."""
    if caller is None:
        return
    topic = repo.get_topic(uow, arn)
    if topic is not None:
        authorize(caller, arn, topic["account"], topic["attributes"], action)


def _bool(value: str, name: str, lead: str) -> str:
    if value.lower() not in ("true", "false"):
        raise InvalidParameter(f"{lead}{name}: Invalid value [{value}]. Must be true or false.")
    return value.lower()


def _ascii_digits(value: str) -> bool:
    """0-9 only: str.isdigit() and int() also take '٥', '５' and '²'."""
    return 0 < len(value) <= 18 and value.isascii() and value.isdigit()


def validate_attribute(name: str, value: str, *, fifo: bool, lead: str = "Invalid parameter: ") -> str:
    """The stored form of a topic attribute; raises like CreateTopic / SetTopicAttributes."""
    if _FEEDBACK.match(name):
        if name.endswith("SampleRate") and not (_ascii_digits(value) and 0 <= int(value) <= 100):
            raise InvalidParameter(f"{lead}{name}")
        return value
    if name not in SETTABLE:
        raise InvalidParameter(f"{lead}AttributeName" if lead == "Invalid parameter: "
                               else f"{lead}Unknown attribute {name}")
    if name in FIFO_ONLY and not fifo:
        raise InvalidParameter(f"{lead}{name}: {name} is only supported for FIFO topics")
    if name == "DeliveryPolicy":
        if value:
            delivery_policy.validate_topic_policy(value, lead)
    elif name == "Policy":
        _check_policy(value, lead)
    elif name == "DisplayName":
        if len(value) > 100:
            raise InvalidParameter(f"{lead}DisplayName")
    elif name == "SignatureVersion":
        if value not in ("1", "2"):
            raise InvalidParameter(f"{lead}SignatureVersion: Invalid value [{value}]. Must be 1 or 2.")
    elif name == "TracingConfig":
        if value not in ("PassThrough", "Active"):
            raise InvalidParameter(f"{lead}TracingConfig: Invalid value [{value}]. Must be PassThrough or Active.")
    elif name == "ContentBasedDeduplication":
        return _bool(value, name, lead)
    elif name == "FifoThroughputScope":
        if value not in ("Topic", "MessageGroup"):
            raise InvalidParameter(f"{lead}FifoThroughputScope: Invalid value [{value}]. "
                                   "Must be Topic or MessageGroup.")
    elif name == "MaximumMessageSize":
        if not _ascii_digits(value) or not 1024 <= int(value) <= MAX_MESSAGE_SIZE:
            raise InvalidParameter(f"{lead}MaximumMessageSize: Invalid value [{value}]. "
                                   f"Must be between 1024 and {MAX_MESSAGE_SIZE}.")
        return str(int(value))
    elif name == "ArchivePolicy" and value:
        try:
            doc = jsontext.loads(value)
            period = doc["MessageRetentionPeriod"]
            if isinstance(period, str) and not _ascii_digits(period):  # int() takes '٥' and ' 5\n'
                raise ValueError(period)
            days = int(period)
        except (ValueError, TypeError, KeyError):
            raise InvalidParameter(f"{lead}ArchivePolicy: failed to parse MessageRetentionPeriod") from None
        if not 1 <= days <= 365:
            raise InvalidParameter(f"{lead}ArchivePolicy: MessageRetentionPeriod must be between 1 and 365")
    return value


def _check_policy(value: str, lead: str) -> None:
    """An access policy document: a JSON object whose Statement is a statement object or a list of them.
    AWS answers a document it cannot read with "Policy Error: null"."""
    try:
        doc = jsontext.loads(value)
    except ValueError:
        doc = None
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise InvalidParameter(f"{lead}Policy Error: null")
    for statement in statements:
        if statement.get("Effect") not in ("Allow", "Deny") or not isinstance(statement.get("Sid", ""), str):
            raise InvalidParameter(f"{lead}Policy Error: null")


def _tags(tags: list[dict] | None) -> dict:
    out = {}
    for tag in tags or []:
        out[tag["Key"]] = tag["Value"]
    if len(out) > MAX_TAGS:
        raise TagLimitExceeded("Could not complete request: tag quota of per resource exceeded")
    return out


def create_topic(uow: UnitOfWork, caller: Caller, name: str, attributes: dict | None, tags: list | None,
                 data_protection_policy: str | None) -> str:
    attributes = dict(attributes or {})
    fifo_flag = attributes.pop("FifoTopic", "false")
    if fifo_flag.lower() not in ("true", "false"):
        raise invalid(f"Attributes Reason: FifoTopic: Invalid value [{fifo_flag}]. Must be true or false.")
    fifo = fifo_flag.lower() == "true"
    if fifo:
        if not name.endswith(".fifo"):
            raise invalid("Topic Name")
        if not FIFO_NAME.match(name):
            raise invalid("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase "
                          "ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 "
                          "characters long.")
    elif not NAME.match(name):
        raise invalid("Topic Name")
    arn = topic_arn(caller, name)
    checked = {k: validate_attribute(k, v, fifo=fifo, lead="Invalid parameter: Attributes Reason: ")
               for k, v in attributes.items()}
    tag_map = _tags(tags)
    existing = repo.get_topic(uow, arn)
    if existing is not None:
        current = existing["attributes"]
        if bool(existing["fifo"]) != fifo or any(current.get(k, _default(k, existing)) != v
                                                  for k, v in checked.items()):
            raise invalid("Attributes Reason: Topic already exists with different attributes")
        # Idempotent while every given tag is one the topic has (a subset of its tags).
        if any(existing["tags"].get(key) != value for key, value in tag_map.items()):
            raise invalid("Tags Reason: Topic already exists with different tags")
        return arn
    if fifo and "ContentBasedDeduplication" not in checked:
        checked["ContentBasedDeduplication"] = "false"
    if data_protection_policy is not None:
        _check_data_protection(data_protection_policy)
    repo.insert_topic(uow, arn=arn, account=caller.account, region=caller.region, name=name, fifo=fifo,
                      attributes=checked, tags=tag_map, data_protection_policy=data_protection_policy)
    return arn


def _default(name: str, topic: dict) -> str | None:
    if name == "Policy":
        return default_policy(topic["arn"], topic["account"])
    if name == "DisplayName":
        return ""
    return None


def delete_topic(uow: UnitOfWork, arn: str) -> list[dict]:
    """Delete a topic (a missing one is not an error); returns its subscriptions, now gone."""
    subs = repo.list_subscriptions(uow, topic_arn=arn, limit=1_000_000)
    repo.delete_topic(uow, arn)
    return subs


def get_attributes(uow: UnitOfWork, arn: str) -> dict:
    topic = require(uow, arn)
    confirmed, pending = repo.subscription_counts(uow, arn)
    attrs = topic["attributes"]
    out = {"Policy": attrs.get("Policy") or default_policy(arn, topic["account"]), "Owner": topic["account"],
           "SubscriptionsPending": str(pending), "TopicArn": arn,
           "EffectiveDeliveryPolicy": json.dumps(delivery_policy.effective_topic_policy(attrs.get("DeliveryPolicy")),
                                                 separators=(",", ":")),
           "SubscriptionsConfirmed": str(confirmed), "DisplayName": attrs.get("DisplayName", ""),
           "SubscriptionsDeleted": str(topic["subscriptions_deleted"])}
    if topic["fifo"]:
        out["FifoTopic"] = "true"
        out["ContentBasedDeduplication"] = attrs.get("ContentBasedDeduplication", "false")
    for key, value in attrs.items():
        if key not in ("Policy", "DisplayName") and value != "":
            out[key] = value
    if attrs.get("ArchivePolicy"):
        from .envelope import iso_timestamp
        out["BeginningArchiveTime"] = iso_timestamp(topic["created_at"])
    return out


def set_attribute(uow: UnitOfWork, arn: str, name: str, value: str | None) -> None:
    topic = require(uow, arn)
    if name == "FifoTopic":
        raise invalid("AttributeName")
    value = validate_attribute(name, value or "", fifo=bool(topic["fifo"]))
    attrs = dict(topic["attributes"])
    if value == "" and name != "DisplayName":
        attrs.pop(name, None)
    else:
        attrs[name] = value
    repo.update_topic(uow, arn, attributes=attrs)


def max_message_size(attributes: dict) -> int:
    return int(attributes.get("MaximumMessageSize") or DEFAULT_MAX_MESSAGE_SIZE)


def encode_token(key: str) -> str:
    """A list operation's NextToken: opaque (base64 of where the next page starts after), as SNS's are."""
    return base64.b64encode(key.encode()).decode()


def decode_token(token: str | None) -> str:
    if not token:
        return ""
    try:
        return base64.b64decode(token.encode(), validate=True).decode()
    except (ValueError, UnicodeError):
        raise invalid("NextToken") from None


def list_topics(uow: UnitOfWork, caller: Caller, next_token: str | None) -> dict:
    arns = repo.list_topic_arns(uow, caller.account, caller.region, decode_token(next_token), 101)
    out: dict[str, Any] = {"Topics": [{"TopicArn": a} for a in arns[:100]]}
    if len(arns) > 100:
        out["NextToken"] = encode_token(arns[99])
    return out


# --- permissions ------------------------------------------------------------------------------

def add_permission(uow: UnitOfWork, arn: str, label: str, accounts: list[str], actions: list[str]) -> None:
    topic = require(uow, arn)
    if not re.match(r"^[A-Za-z0-9_-]{1,80}$", label):
        raise invalid("Label")
    attrs = dict(topic["attributes"])
    policy = json.loads(attrs.get("Policy") or default_policy(arn, topic["account"]))
    statements = policy.setdefault("Statement", [])
    if isinstance(statements, dict):
        statements = policy["Statement"] = [statements]
    if any(s.get("Sid") == label for s in statements):
        raise invalid("Statement already exists")
    names = [a[4:] if a.startswith("SNS:") else a for a in actions]
    if any(a not in ACTIONS for a in names):
        raise invalid("Policy statement action out of service scope!")
    principals = [a if a.startswith("arn:") else f"arn:aws:iam::{a}:root" for a in accounts]
    verbs = [f"SNS:{a}" for a in names]
    statements.append({"Sid": label, "Effect": "Allow",
                       "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                       "Action": verbs[0] if len(verbs) == 1 else verbs, "Resource": arn})
    attrs["Policy"] = json.dumps(policy, separators=(",", ":"))
    repo.update_topic(uow, arn, attributes=attrs)


def remove_permission(uow: UnitOfWork, arn: str, label: str) -> None:
    topic = require(uow, arn)
    attrs = dict(topic["attributes"])
    policy = json.loads(attrs.get("Policy") or default_policy(arn, topic["account"]))
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = [s for s in statements if s.get("Sid") != label]
    attrs["Policy"] = json.dumps(policy, separators=(",", ":"))
    repo.update_topic(uow, arn, attributes=attrs)


# --- tags -------------------------------------------------------------------------------------

def _tag_target(uow: UnitOfWork, arn: str) -> dict:
    topic = repo.get_topic(uow, arn)
    if topic is None:
        raise ResourceNotFound("Resource does not exist")
    return topic


def tag_resource(uow: UnitOfWork, arn: str, tags: list[dict]) -> None:
    keys = [t["Key"] for t in tags]
    if len(set(keys)) != len(keys):
        raise invalid("Duplicated keys are not allowed.")
    topic = _tag_target(uow, arn)
    merged = {**topic["tags"], **{t["Key"]: t["Value"] for t in tags}}
    if len(merged) > MAX_TAGS:
        raise TagLimitExceeded("Could not complete request: tag quota of per resource exceeded")
    repo.update_topic(uow, arn, tags=merged)


def untag_resource(uow: UnitOfWork, arn: str, keys: list[str]) -> None:
    topic = _tag_target(uow, arn)
    repo.update_topic(uow, arn, tags={k: v for k, v in topic["tags"].items() if k not in set(keys)})


def list_tags(uow: UnitOfWork, arn: str) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in _tag_target(uow, arn)["tags"].items()]


# --- data protection --------------------------------------------------------------------------

def _check_data_protection(policy: str) -> None:
    try:
        doc = jsontext.loads(policy)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise invalid("DataProtectionPolicy: failed to parse JSON")
    if doc and not isinstance(doc.get("Statement"), list):
        raise invalid("DataProtectionPolicy: Statement is required")


def put_data_protection_policy(uow: UnitOfWork, arn: str, policy: str) -> None:
    _tag_target(uow, arn)
    _check_data_protection(policy)
    repo.update_topic(uow, arn, data_protection_policy=policy)


def get_data_protection_policy(uow: UnitOfWork, arn: str) -> str | None:
    return _tag_target(uow, arn)["data_protection_policy"]
