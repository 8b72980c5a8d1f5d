"""EventBridge errors, named by the exception shapes of botocore's ``events`` model (all HTTP 400).

The messages are AWS's (recorded by localstack's AWS-validated snapshots and quoted in SDK issues).
"""

from __future__ import annotations

from ..errors import AwsError, ValidationException
from ..patterns import InvalidEventPatternException


class ResourceNotFoundException(AwsError):
    pass


class ResourceAlreadyExistsException(AwsError):
    pass


class LimitExceededException(AwsError):
    pass


class ConcurrentModificationException(AwsError):
    pass


class ManagedRuleException(AwsError):
    pass


class IllegalStatusException(AwsError):
    pass


class AccessDeniedException(AwsError):
    pass


class PolicyLengthExceededException(AwsError):
    pass


class InvalidParameterValue(AwsError):
    """Not in the model, but what AWS answers to PutPermission's principal/condition mix-ups."""


def bus_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Event bus {name} does not exist.")


def rule_not_found(name: str, bus_name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus_name}.")


__all__ = [
    "AccessDeniedException", "ConcurrentModificationException", "IllegalStatusException", "InvalidEventPatternException",
    "InvalidParameterValue", "LimitExceededException", "ManagedRuleException", "PolicyLengthExceededException",
    "ResourceAlreadyExistsException", "ResourceNotFoundException", "ValidationException", "bus_not_found",
    "rule_not_found",
]
