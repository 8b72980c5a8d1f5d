"""The one dead-letter writer: a given-up delivery becomes a message in an SQS queue.

SNS writes the message as it would have been delivered, with its attributes (SNS Developer Guide,
"Amazon SNS dead-letter queues"). EventBridge writes the event and adds RULE_ARN, TARGET_ARN and the
error attributes (EventBridge User Guide, "Using dead-letter queues to process undelivered events").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.db import UnitOfWork

from ..errors import AwsError
from .model import DeadLetter, Message, RetryPolicy
from .outbox import Outcome
from .retry import exhausted_condition

if TYPE_CHECKING:
    from ..core import Emulator


def _string(value: str) -> dict:
    return {"DataType": "String", "StringValue": value}


# The ERROR_CODE values AWS documents for EventBridge DLQ messages.
EVENTBRIDGE_CODES = frozenset({
    "CONNECTION_FAILURE", "CROSS_ACCOUNT_INGESTION_FAILED", "CROSS_REGION_INGESTION_FAILED", "ERROR_FROM_TARGET",
    "EVENTS_IN_BATCH_REQUEST_REJECTED", "FAILED_TO_ASSUME_ROLE", "INTERNAL_ERROR", "INVALID_JSON",
    "INVALID_PARAMETER", "NO_PERMISSIONS", "NO_RESOURCE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_LIMIT_EXCEEDED",
    "RESOURCE_MODIFICATION_COLLISION", "SDK_CLIENT_ERROR", "THIRD_ACCOUNT_HOP_DETECTED",
    "THIRD_REGION_HOP_DETECTED", "THROTTLING", "TIMEOUT", "TRANSIENT_ASSUME_ROLE", "UNKNOWN"})
_THROTTLING = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestThrottled", "429"}


def eventbridge_error_code(outcome: Outcome | None, error: str) -> str:
    """The ERROR_CODE EventBridge writes on a DLQ message: its own vocabulary (User Guide, "Using dead-letter
    queues to process undelivered events": NO_RESOURCE, NO_PERMISSIONS, THROTTLING, TIMEOUT, ...), with the
    target's own error in ERROR_MESSAGE."""
    if outcome is None:
        return "INTERNAL_ERROR"
    if outcome.code in EVENTBRIDGE_CODES:
        return outcome.code          # the service named it already (THIRD_ACCOUNT_HOP_DETECTED)
    if outcome.failure == "missing":
        return "NO_RESOURCE"
    if outcome.failure == "permission":
        return "NO_PERMISSIONS"
    if outcome.code in _THROTTLING:
        return "THROTTLING"
    if error.startswith("timeout"):
        return "TIMEOUT"
    if error.startswith("connection error"):
        return "CONNECTION_FAILURE"
    if outcome.failure == "client" and outcome.code and not outcome.code.isdigit():
        return "INVALID_PARAMETER"   # the target service refused the request (an AWS error code)
    return "ERROR_FROM_TARGET"       # the target answered with an error status


def attributes_for(dead_letter: DeadLetter, message: Message, retry: RetryPolicy, outcome: Outcome | None,
                   error: str, attempts: int) -> dict[str, dict]:
    attributes = dict(message.attributes or {}) if dead_letter.keep_attributes else {}
    attributes.update(dead_letter.attributes)
    if dead_letter.error_attributes:
        code = eventbridge_error_code(outcome, error)
        attributes["ERROR_CODE"] = _string(code)
        attributes["ERROR_MESSAGE"] = _string(error[:1024] or code)
        # Only a retryable failure can have exhausted its retries (an API destination's 400 was never retried).
        condition = exhausted_condition(retry, outcome.failure, attempts) \
            if outcome is not None and outcome.failure and outcome.retryable else None
        if condition:
            attributes["EXHAUSTED_RETRY_CONDITION"] = _string(condition)
        attributes["RETRY_ATTEMPTS"] = {"DataType": "Number", "StringValue": str(max(0, attempts - 1))}
    return attributes


def write(emulator: Emulator, uow: UnitOfWork, dead_letter: DeadLetter, message: Message, retry: RetryPolicy,
          outcome: Outcome | None, error: str, attempts: int) -> str | None:
    """Put the message in the DLQ, in this transaction; None on success, else why it could not."""
    attributes = attributes_for(dead_letter, message, retry, outcome, error, attempts)
    try:
        # FIFO ids only to a FIFO DLQ: a standard DLQ of a FIFO target (EventBridge's are always standard)
        # refuses them.
        fifo = dead_letter.arn.endswith(".fifo")
        with uow.savepoint("dead_letter"):
            emulator.sqs.deliver(uow, dead_letter.arn, message.body, message_attributes=attributes or None,
                                 group_id=message.group_id if fifo else None,
                                 dedup_id=message.dedup_id if fifo else None, source_arn=message.source_arn)
    except AwsError as exc:
        return f"{exc.code}: {exc.message}"
    return None
