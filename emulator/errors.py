"""AWS errors raised by the emulator.

An error is named by its AWS error code (the botocore exception shape name where there is one).
The api layer turns it into the wire shape of the calling protocol; the emulator never knows HTTP
beyond the status code AWS documents for the error.
"""

from __future__ import annotations


class AwsError(Exception):
    """An error AWS would return. Subclasses set ``code`` (defaults to the class name) and ``status``."""

    code: str = "InternalFailure"
    status: int = 400
    sender_fault: bool = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def __init__(self, message: str = "", *, code: str | None = None, status: int | None = None,
                 sender_fault: bool | None = None, **fields):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        # Extra modeled members of the error shape (e.g. DynamoDB CancellationReasons).
        self.fields = fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


def aws_error(code: str, message: str = "", status: int = 400, sender_fault: bool = True) -> AwsError:
    """An ad-hoc error for codes that need no class of their own."""
    return AwsError(message, code=code, status=status, sender_fault=sender_fault)


# Generic codes shared by services (each service's validation maps to one of these).
class ValidationException(AwsError):
    pass


class InvalidParameterValue(AwsError):
    pass


class InvalidParameterCombination(AwsError):
    pass


class MissingParameter(AwsError):
    pass


class InvalidAction(AwsError):
    pass


class UnknownOperationException(AwsError):
    pass


class SerializationException(AwsError):
    pass


class MalformedQueryString(AwsError):
    code = "MalformedQueryString"


class NotImplementedYet(AwsError):
    """A modeled operation Sluice does not implement yet: HTTP 501, named like AWS's generic code."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


class InternalFailure(AwsError):
    status = 500
    sender_fault = False
