"""SQS errors, named by the botocore exception shapes; the gateway adds the legacy query codes."""

from __future__ import annotations

from emulator.errors import AwsError, InvalidParameterValue, MissingParameter  # noqa: F401


class QueueDoesNotExist(AwsError):
    def __init__(self, message: str = "The specified queue does not exist."):
        super().__init__(message)


class QueueNameExists(AwsError):
    pass


class QueueDeletedRecently(AwsError):
    pass


class PurgeQueueInProgress(AwsError):
    status = 403


class InvalidAttributeName(AwsError):
    pass


class InvalidAttributeValue(AwsError):
    pass


class InvalidMessageContents(AwsError):
    pass


class ReceiptHandleIsInvalid(AwsError):
    pass


class MessageNotInflight(AwsError):
    pass


class EmptyBatchRequest(AwsError):
    pass


class TooManyEntriesInBatchRequest(AwsError):
    pass


class BatchEntryIdsNotDistinct(AwsError):
    pass


class InvalidBatchEntryId(AwsError):
    pass


class BatchRequestTooLong(AwsError):
    pass


class ResourceNotFoundException(AwsError):
    status = 404


class OverLimit(AwsError):
    status = 403


class UnsupportedOperation(AwsError):
    pass


def invalid_value(value, parameter: str, reason: str) -> InvalidParameterValue:
    """AWS's usual shape: ``Value X for parameter P is invalid. Reason: R``."""
    return InvalidParameterValue(f"Value {value} for parameter {parameter} is invalid. Reason: {reason}")


def invalid_attribute_value(name: str, reason: str | None = None) -> InvalidAttributeValue:
    message = f"Invalid value for the parameter {name}."
    if reason:
        message = f"Invalid value for the parameter {name}. Reason: {reason}"
    return InvalidAttributeValue(message)
