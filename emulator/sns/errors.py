"""SNS errors, named by their wire code (SNS is a query service: the code is what SDKs match on)."""

from __future__ import annotations

from ..errors import AwsError


class InvalidParameter(AwsError):
    pass


class ParameterValueInvalid(AwsError):
    """botocore's InvalidParameterValueException."""


class NotFound(AwsError):
    status = 404


class AuthorizationError(AwsError):
    status = 403


class ResourceNotFound(AwsError):
    status = 404


class TagLimitExceeded(AwsError):
    pass


class EndpointDisabled(AwsError):
    pass


class OptedOut(AwsError):
    pass


class BatchEntryIdsNotDistinct(AwsError):
    pass


class EmptyBatchRequest(AwsError):
    pass


class TooManyEntriesInBatchRequest(AwsError):
    pass


class BatchRequestTooLong(AwsError):
    pass


class InvalidBatchEntryId(AwsError):
    pass


class VerificationException(AwsError):
    pass


def invalid(what: str) -> InvalidParameter:
    return InvalidParameter(f"Invalid parameter: {what}")


def topic_not_found() -> NotFound:
    return NotFound("Topic does not exist")


def subscription_not_found() -> NotFound:
    return NotFound("Subscription does not exist")
