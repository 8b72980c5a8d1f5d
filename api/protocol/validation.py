"""Validate an input against its botocore shape: types, required members, min/max, enum, pattern.

One walk serves both protocols. JSON inputs arrive as parsed JSON, so the walk also checks JSON
types and decodes blobs (base64) and timestamps; query inputs were already converted by the parser.
Problems are collected and reported the way each service reports them.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache

from botocore.model import Shape

from emulator.errors import AwsError, SerializationException

from .timestamps import parse_timestamp


class Problem:
    __slots__ = ("path", "value", "constraint", "missing")

    def __init__(self, path: str, value, constraint: str, missing: bool = False):
        self.path, self.value, self.constraint, self.missing = path, value, constraint, missing


@cache
def _regex(pattern: str):
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None  # a Java-only construct (\p{...}): not enforceable here, so not enforced


def _coral_path(path: str) -> str:
    # AWS reports member paths with a lower-case first letter: entries.1.member.detail
    return ".".join(p[:1].lower() + p[1:] for p in path.split(".")) if path else path


class Validator:
    def __init__(self, json_types: bool, check_enums: bool = True):
        self.json_types = json_types
        self.check_enums = check_enums
        self.problems: list[Problem] = []

    def structure(self, value, shape: Shape, path: str) -> dict:
        if not isinstance(value, dict):
            raise SerializationException(f"Unexpected value for {path or 'request'}: expected an object")
        members = shape.members
        out = {}
        for name in shape.required_members:
            if value.get(name) is None:
                self.problems.append(Problem(f"{path}.{name}" if path else name, None, "Member must not be null", True))
        for name, item in value.items():
            member = members.get(name)
            if member is None or item is None:
                continue  # AWS ignores members it does not model
            out[name] = self.value(item, member, f"{path}.{name}" if path else name)
        return out

    def value(self, value, shape: Shape, path: str):
        kind = shape.type_name
        if kind == "structure":
            if shape.is_document_type:
                return value
            return self.structure(value, shape, path)
        if kind == "list":
            if not isinstance(value, list):
                raise SerializationException(f"Unexpected value for {path}: expected a list")
            self._length(len(value), value, shape, path, "have length")
            member = shape.member
            return [self.value(v, member, f"{path}.{i}.member") for i, v in enumerate(value, 1)]
        if kind == "map":
            if not isinstance(value, dict):
                raise SerializationException(f"Unexpected value for {path}: expected a map")
            self._length(len(value), value, shape, path, "have length")
            key_shape, value_shape = shape.key, shape.value
            out = {}
            for k, v in value.items():
                self.value(k, key_shape, f"{path}.key")
                if v is not None:
                    out[k] = self.value(v, value_shape, f"{path}.{k}.member")
            return out
        if kind == "string":
            if not isinstance(value, str):
                raise SerializationException(f"Unexpected value type for {path}: expected a string")
            self._length(len(value), value, shape, path, "have length")
            enum = shape.enum
            if enum and self.check_enums and value not in enum:
                self.problems.append(Problem(path, value, f"Member must satisfy enum value set: [{', '.join(enum)}]"))
            pattern = shape.metadata.get("pattern")
            if pattern:
                regex = _regex(pattern)
                if regex is not None and regex.fullmatch(value) is None:
                    self.problems.append(Problem(path, value, f"Member must satisfy regular expression pattern: {pattern}"))
            return value
        if kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                if self.json_types and isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise SerializationException(f"Unexpected value type for {path}: expected an integer")
            self._range(value, shape, path)
            return value
        if kind in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SerializationException(f"Unexpected value type for {path}: expected a number")
            self._range(value, shape, path)
            return value
        if kind == "boolean":
            if not isinstance(value, bool):
                raise SerializationException(f"Unexpected value type for {path}: expected a boolean")
            return value
        if kind == "blob":
            if isinstance(value, (bytes, bytearray)):
                data = bytes(value)
            elif isinstance(value, str) and self.json_types:
                try:
                    data = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise SerializationException(f"Value for {path} is not valid base64") from None
            else:
                raise SerializationException(f"Unexpected value type for {path}: expected a blob")
            self._length(len(data), data, shape, path, "have length")
            return data
        if kind == "timestamp":
            if hasattr(value, "tzinfo"):
                return value
            try:
                return parse_timestamp(value)
            except (ValueError, TypeError, OverflowError, OSError):
                raise SerializationException(f"Unexpected value for {path}: expected a timestamp") from None
        return value

    def _length(self, n: int, value, shape: Shape, path: str, what: str) -> None:
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        if low is not None and n < low:
            self.problems.append(Problem(path, value, f"Member must {what} greater than or equal to {low}"))
        elif high is not None and n > high:
            self.problems.append(Problem(path, value, f"Member must {what} less than or equal to {high}"))

    def _range(self, value, shape: Shape, path: str) -> None:
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            self.problems.append(Problem(path, value, f"Member must have value greater than or equal to {low}"))
        elif high is not None and value > high:
            self.problems.append(Problem(path, value, f"Member must have value less than or equal to {high}"))


def _java(value) -> str:
    """A value as AWS's (Java) validator prints it: toString() of the deserialized member."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, list):
        return "[" + ", ".join(_java(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_java(k)}={_java(v)}" for k, v in value.items()) + "}"
    return str(value)


def _coral_message(problems: list[Problem]) -> str:
    parts = []
    for p in problems:
        shown = "null" if p.value is None else f"'{_java(p.value)}'"
        parts.append(f"Value {shown} at '{_coral_path(p.path)}' failed to satisfy constraint: {p.constraint}")
    n = len(problems)
    return f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(parts)


def to_error(service: str, problems: list[Problem]) -> AwsError:
    """Report validation problems as the service does."""
    if service in ("sqs", "sqs-query"):
        first = problems[0]
        name = first.path.split(".")[-1] if first.missing else first.path
        if first.missing:
            return AwsError(f"The request must contain the parameter {name}.", code="MissingParameter")
        return AwsError(f"Value {first.value} for parameter {name} is invalid. Reason: {first.constraint}.",
                        code="InvalidParameterValue")
    if service == "sns":
        return AwsError(_coral_message(problems), code="ValidationError")
    return AwsError(_coral_message(problems), code="ValidationException")


def validate(service: str, value: dict, shape: Shape | None, *, json_types: bool) -> dict:
    if shape is None:
        return {}
    # SQS checks names against its enums itself, with its own errors (InvalidAttributeName), and
    # accepts more than the model lists (ReceiveMessage AttributeNames=SentTimestamp).
    validator = Validator(json_types, check_enums=service not in ("sqs", "sqs-query"))
    out = validator.structure(value, shape, "")
    if validator.problems:
        raise to_error(service, validator.problems)
    return out
