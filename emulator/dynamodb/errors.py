"""DynamoDB's errors, named by their AWS codes (the botocore exception shapes); all are HTTP 400.

Messages are AWS's; where they were confirmed, the source is named at the raise site.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from emulator.errors import AwsError

from .types import ValidationError

NOT_FOUND = "Requested resource not found"
CONDITION_FAILED = "The conditional request failed"

F = TypeVar("F", bound=Callable[..., Any])


class ValidationException(AwsError):
    pass


class ResourceNotFoundException(AwsError):
    pass


class ResourceInUseException(AwsError):
    pass


class LimitExceededException(AwsError):
    pass


class ConditionalCheckFailedException(AwsError):
    """``Item`` (ReturnValuesOnConditionCheckFailure ALL_OLD) rides in the error's fields."""

    def __init__(self, item: dict | None = None):
        super().__init__(CONDITION_FAILED)
        if item:
            self.fields = {"Item": item}


class TransactionCanceledException(AwsError):
    def __init__(self, reasons: list[dict]):
        codes = ", ".join(r["Code"] for r in reasons)
        super().__init__(f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
                         CancellationReasons=reasons)


class TransactionConflictException(AwsError):
    pass


class IdempotentParameterMismatchException(AwsError):
    pass


class ItemCollectionSizeLimitExceededException(AwsError):
    pass


class DuplicateItemException(AwsError):
    """PartiQL INSERT of a key that exists."""


def table_not_found(name: str | None = None) -> ResourceNotFoundException:
    """Data-plane operations say only "Requested resource not found"; table operations add the name
    (dynalite db/index.js getTable; conformance tier3 GetItem/BatchWriteItem/TransactWriteItems)."""
    return ResourceNotFoundException(NOT_FOUND if name is None else f"{NOT_FOUND}: Table: {name} not found")


def validation(fn: F) -> F:
    """Turn the pure core's ``ValidationError`` into AWS's ValidationException."""
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationError as e:
            raise ValidationException(e.message) from None
    return wrapper  # type: ignore[return-value]
