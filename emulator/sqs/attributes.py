"""Queue attributes: names, ranges, defaults and AWS's errors, and the JSON policies SQS embeds.

``validate`` turns the attributes of a CreateQueue or SetQueueAttributes call into the normalized
strings stored on the queue (None = remove the attribute). RedrivePolicy is checked against its
target queue, including the target's RedriveAllowPolicy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from .. import jsontext
from .errors import InvalidAttributeName, InvalidAttributeValue, invalid_attribute_value, invalid_value
from .model import Queue, queue_key_from_arn

# name -> (low, high) for the integer attributes
INT_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1048576),
    "MessageRetentionPeriod": (60, 1209600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43200),
    "KmsDataKeyReusePeriodSeconds": (60, 86400),
}
STANDARD_SETTABLE = frozenset(INT_RANGES) | {"Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId",
                                             "SqsManagedSseEnabled"}
FIFO_ONLY = frozenset({"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"})
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn")
ALL_NAMES = frozenset(STANDARD_SETTABLE | FIFO_ONLY | set(COMPUTED))
_DIGITS = re.compile(r"[0-9]{1,18}\Z")  # not \d (it takes '٥' and '５') nor $ (it takes '5\n')
_POLICY_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                   "Condition"}
_ENUMS = {"DeduplicationScope": ("messageGroup", "queue"), "FifoThroughputLimit": ("perQueue", "perMessageGroupId")}
_RAP_UNSUPPORTED = "Amazon SQS can't create the redrive allow policy, as it\u2019s in an unsupported format."


def _text(value) -> str:
    # JSON clients may send numbers/booleans; AWS reads them as text (true -> invalid for integers)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def validate(attributes: Mapping[str, object], *, fifo: bool, source: Queue | None, source_arn: str,
             lookup: Callable[[str], Queue | None], creating: bool) -> dict[str, str | None]:
    """Normalized attributes to store; raises AWS's error for the first bad one."""
    out: dict[str, str | None] = {}
    for name, raw in attributes.items():
        value = _text(raw)
        if name not in ALL_NAMES or name in COMPUTED:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if name in FIFO_ONLY and not fifo:
            if name in ("DeduplicationScope", "FifoThroughputLimit"):
                raise InvalidAttributeName(f"You can specify the {name} only when FifoQueue is set to true.")
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if name == "FifoQueue":
            if creating:
                if value.lower() != "true":
                    raise InvalidAttributeName("Unknown Attribute FifoQueue.")
            elif value.lower() != "true":  # SetQueueAttributes on a FIFO queue: true changes nothing
                raise invalid_attribute_value("FifoQueue", "Modifying queue type is not supported.")
            continue
        if name in INT_RANGES:
            low, high = INT_RANGES[name]
            if not _DIGITS.match(value) or not low <= int(value) <= high:
                raise invalid_attribute_value(name)
            out[name] = str(int(value))
        elif name in ("ContentBasedDeduplication", "SqsManagedSseEnabled"):
            if value.lower() not in ("true", "false"):
                raise invalid_attribute_value(name)
            out[name] = value.lower()
        elif name in _ENUMS:
            if value not in _ENUMS[name]:
                raise invalid_attribute_value(name)
            out[name] = value
        elif name == "KmsMasterKeyId":
            out[name] = value or None
        elif name == "Policy":
            out[name] = _policy(value) if value else None
        elif name == "RedrivePolicy":
            out[name] = _redrive_policy(value, fifo=fifo, source_arn=source_arn, lookup=lookup) if value else None
        elif name == "RedriveAllowPolicy":
            out[name] = _redrive_allow_policy(value) if value else None
    _check_combinations(out, source)
    return out


def _check_combinations(out: dict[str, str | None], source: Queue | None) -> None:
    def effective(name: str) -> str | None:
        if name in out:
            return out[name]
        return source.get(name) if source is not None else None

    if out.get("SqsManagedSseEnabled") == "true" and effective("KmsMasterKeyId"):
        raise InvalidAttributeValue("You can use one type of server-side encryption (SSE) at one time. "
                                    "You can either enable KMS SSE or SQS SSE.")
    if out.get("KmsMasterKeyId") and out.get("SqsManagedSseEnabled") == "true":
        raise InvalidAttributeValue("You can use one type of server-side encryption (SSE) at one time. "
                                    "You can either enable KMS SSE or SQS SSE.")
    if effective("FifoThroughputLimit") == "perMessageGroupId" and \
            (effective("DeduplicationScope") or "queue") != "messageGroup" and "FifoThroughputLimit" in out:
        raise invalid_attribute_value("FifoThroughputLimit", "The perMessageGroupId value is allowed only when "
                                      "the value for DeduplicationScope is messageGroup.")


def _policy(value: str) -> str:
    try:
        doc = jsontext.loads(value)
    except ValueError:
        raise invalid_attribute_value("Policy") from None
    if not isinstance(doc, dict) or set(doc) - _POLICY_KEYS or "Statement" not in doc:
        raise invalid_attribute_value("Policy")
    if doc.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise invalid_attribute_value("Policy")
    statements = doc["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    if not statements or any(not isinstance(s, dict) or set(s) - _STATEMENT_KEYS for s in statements):
        raise invalid_attribute_value("Policy")
    if len(statements) > 20:
        raise invalid_attribute_value(
            "Policy", f"{len(statements)} statements were found in the submitted policy, max allowed is 20")
    return value


def _redrive_policy(value: str, *, fifo: bool, source_arn: str, lookup: Callable[[str], Queue | None]) -> str:
    try:
        doc = jsontext.loads(value)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise invalid_attribute_value("RedrivePolicy", "Redrive policy is not a valid JSON map.")
    bad = set(doc) - {"deadLetterTargetArn", "maxReceiveCount"}
    if bad:
        raise invalid_value(value, "RedrivePolicy",
                            "Only following attributes are supported: [maxReceiveCount, deadLetterTargetArn].")
    for required in ("maxReceiveCount", "deadLetterTargetArn"):
        if required not in doc:
            raise invalid_value(value, "RedrivePolicy",
                                f"Redrive policy does not contain mandatory attribute: {required}.")
    count = doc["maxReceiveCount"]
    try:
        number = int(str(count)) if not isinstance(count, bool) else None
    except ValueError:
        number = None
    if number is None or not 1 <= number <= 1000:
        raise invalid_value(value, "RedrivePolicy", f"Invalid value for maxReceiveCount: {count}, valid values "
                            "are from 1 to 1000 both inclusive.")
    target = doc["deadLetterTargetArn"]
    if queue_key_from_arn(target) is None:
        raise invalid_value(value, "RedrivePolicy", "Only SQS queues are valid resources for deadLetterTargetArn.")
    if target == source_arn:
        # AWS accepts a queue as its own DLQ (also while creating it); the receive then delivers an
        # over-received message as usual rather than moving it into the queue it is already in.
        return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": number}, separators=(",", ":"))
    dlq = lookup(target)
    if dlq is None:
        raise invalid_value(value, "RedrivePolicy", "Dead letter target does not exist.")
    if dlq.fifo != fifo:
        raise invalid_value(value, "RedrivePolicy", "Dead-letter queue must be same type of queue as the source..")
    allow = dlq.attributes.get("RedriveAllowPolicy")
    if allow:
        rule = json.loads(allow)
        permission = rule.get("redrivePermission")
        if permission == "denyAll" or (permission == "byQueue" and source_arn not in rule.get("sourceQueueArns", [])):
            raise invalid_value(value, "RedrivePolicy", f"Queue {target} does not allow {source_arn} to use it "
                                "as a dead-letter queue: see its RedriveAllowPolicy.")
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": number}, separators=(",", ":"))


def _redrive_allow_policy(value: str) -> str:
    try:
        doc = jsontext.loads(value)
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or set(doc) - {"redrivePermission", "sourceQueueArns"} \
            or doc.get("redrivePermission") not in ("allowAll", "denyAll", "byQueue"):
        raise invalid_attribute_value("RedriveAllowPolicy", _RAP_UNSUPPORTED)
    arns = doc.get("sourceQueueArns")
    if arns is not None and (not isinstance(arns, list) or any(not isinstance(a, str) for a in arns)):
        raise invalid_attribute_value("RedriveAllowPolicy", _RAP_UNSUPPORTED)
    prefix = "Amazon SQS can't create the redrive allow policy."
    if doc["redrivePermission"] == "byQueue":
        if not arns:
            raise invalid_value(value, "RedriveAllowPolicy", f"{prefix} When you specify the byQueue permission "
                                "type, you must also specify one or more sourceQueueArns values.")
        if len(arns) > 10:
            raise invalid_value(value, "RedriveAllowPolicy",
                                f"{prefix} The maximum number of source queue ARNs you can specify is 10.")
    elif arns is not None:
        raise invalid_value(value, "RedriveAllowPolicy", f"{prefix} To specify one or more source queue ARNs, "
                            "you must set redrivePermission to byQueue.")
    return value


def effective_attributes(queue: Queue) -> dict[str, str]:
    """Every stored or defaulted attribute as GetQueueAttributes shows it (computed ones excluded)."""
    out = {name: queue.setting(name) for name in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                                              "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout")}
    for name in ("Policy", "RedrivePolicy", "RedriveAllowPolicy"):
        if name in queue.attributes:
            out[name] = queue.attributes[name]
    if queue.attributes.get("KmsMasterKeyId"):
        out["KmsMasterKeyId"] = queue.attributes["KmsMasterKeyId"]
        out["KmsDataKeyReusePeriodSeconds"] = queue.attributes.get("KmsDataKeyReusePeriodSeconds", "300")
        out["SqsManagedSseEnabled"] = "false"
    else:
        # KmsDataKeyReusePeriodSeconds is a KMS setting: not shown while no KmsMasterKeyId is set,
        # even when it was set (it is kept, and shows again with a key).
        out["SqsManagedSseEnabled"] = queue.attributes.get("SqsManagedSseEnabled", "true")
    if queue.fifo:
        out["FifoQueue"] = "true"
        for name in ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"):
            out[name] = queue.setting(name)
    return out
