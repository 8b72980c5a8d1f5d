"""What a service hands to the delivery layer: a message, a target, a retry policy, a dead-letter queue.

Everything here is plain data that survives a round trip through JSON, because a delivery that
leaves its transaction is an outbox row, and a restarted Sluice must be able to resume it.
"""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# How a target failed; the retry policy decides which kinds it retries (AWS's services differ).
Failure = Literal["missing", "permission", "client", "server"]


@dataclass(slots=True)
class Message:
    """One message for one target, already in the shape the target receives."""

    source: str                      # the service that sends: "sns", "events" (the delivery log's prefix)
    source_arn: str | None           # the topic or rule it comes from
    message_id: str
    body: str
    account: str                     # where it was published (captured deliveries are listed by it)
    region: str
    route: str | None = None         # the SNS subscription ARN, or the EventBridge target Id
    attributes: dict[str, dict] | None = None   # SQS message attributes; BinaryValue as bytes
    group_id: str | None = None
    dedup_id: str | None = None
    headers: dict[str, str] | None = None       # HTTP/S targets
    capture: dict[str, Any] | None = None       # captured targets: the payload recorded
    http: dict[str, Any] | None = None          # API destinations: the target's HttpParameters


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes. ``kind`` picks the adapter; ``protocol`` names it in the delivery log."""

    kind: Literal["sqs", "sns", "bus", "http", "captured", "api-destination"]
    address: str                     # queue/topic/bus ARN, URL, function ARN, phone number, email ...
    protocol: str                    # "sqs", "http", "lambda", "sms" ...: "<source>.<protocol>" in the log


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try again. ``kind`` "none": never; "sns": an SNS healthyRetryPolicy (``sns``); "events":
    EventBridge's RetryPolicy (``maximum_retry_attempts``, ``maximum_event_age_s``)."""

    kind: Literal["none", "sns", "events"] = "none"
    sns: dict[str, Any] | None = None
    maximum_retry_attempts: int = 185
    maximum_event_age_s: int = 86_400


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead-letter queue and what the service adds to the message it writes there.

    ``attributes``: SQS message attributes to add (EventBridge's RULE_ARN, TARGET_ARN); with
    ``error_attributes`` the writer adds ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION and
    RETRY_ATTEMPTS as EventBridge does. ``keep_attributes``: the message's own attributes go along (SNS).
    """

    arn: str
    attributes: dict[str, dict] = field(default_factory=dict)
    error_attributes: bool = False
    keep_attributes: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str | None = None
    failure: Failure = "server"
    code: str | None = None          # the AWS error code, when the target answered one

    @classmethod
    def failed(cls, failure: Failure, error: str, code: str | None = None) -> Outcome:
        return cls(False, error, failure, code)


DELIVERED = Outcome(True)


# --- JSON form (outbox payloads) -------------------------------------------------------------------

def _encode_attributes(attributes: dict[str, dict] | None) -> dict[str, dict] | None:
    if not attributes:
        return None
    return {name: ({"DataType": a["DataType"], "BinaryValue": base64.b64encode(a["BinaryValue"]).decode()}
                   if "BinaryValue" in a else dict(a)) for name, a in attributes.items()}


def _decode_attributes(attributes: dict[str, dict] | None) -> dict[str, dict] | None:
    if not attributes:
        return None
    return {name: ({"DataType": a["DataType"], "BinaryValue": base64.b64decode(a["BinaryValue"])}
                   if "BinaryValue" in a else dict(a)) for name, a in attributes.items()}


def to_payload(message: Message, target: Target, retry: RetryPolicy, dead_letter: DeadLetter | None,
               first_attempt_at: int) -> dict[str, Any]:
    msg = asdict(message)
    msg["attributes"] = _encode_attributes(message.attributes)
    dlq = None
    if dead_letter is not None:
        dlq = asdict(dead_letter)
        dlq["attributes"] = _encode_attributes(dead_letter.attributes) or {}
    return {"message": msg, "target": asdict(target), "retry": asdict(retry), "dead_letter": dlq,
            "first_attempt_at": first_attempt_at}


def from_payload(payload: dict[str, Any]) -> tuple[Message, Target, RetryPolicy, DeadLetter | None, int]:
    msg = dict(payload["message"])
    msg["attributes"] = _decode_attributes(msg.get("attributes"))
    dlq = payload.get("dead_letter")
    dead_letter = None
    if dlq:
        dead_letter = DeadLetter(**{**dlq, "attributes": _decode_attributes(dlq.get("attributes")) or {}})
    return (Message(**msg), Target(**payload["target"]), RetryPolicy(**payload["retry"]), dead_letter,
            int(payload.get("first_attempt_at") or 0))
