"""Validation of what a publisher sends: Message, Subject, MessageStructure, MessageAttributes, size."""

from __future__ import annotations

import re
from decimal import Decimal

from .. import jsontext
from .errors import InvalidParameter, ParameterValueInvalid, invalid

NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")  # ASCII digits; \Z: not "5\n"
MAX_PRECISION = 38
MIN_MAGNITUDE, MAX_MAGNITUDE = Decimal("1e-128"), Decimal("1e126")


def check_subject(subject: str | None) -> None:
    """ASCII text, at most 100 characters, no line breaks or control characters."""
    if subject is None:
        return
    if not subject or len(subject) > 100 or not subject.isascii() or any(ord(c) < 32 or ord(c) == 127
                                                                          for c in subject):
        raise invalid("Subject")


def check_message(message: str | None) -> str:
    if message is None or message == "":
        raise invalid("Empty message")
    return message


def parse_structure(message: str, structure: str | None) -> dict | None:
    """The per-protocol messages of ``MessageStructure=json``, or None for a plain message.

    "Keys in the JSON object that correspond to supported transport protocols must have simple JSON
    string values" (Publish, API Reference): a key whose value is not a string counts as absent, so
    ``{"default": {...}}`` has no default and an object under ``sqs`` delivers the default.
    """
    if structure is None:
        return None
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        doc = jsontext.loads(message)
    except ValueError:
        raise invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(doc, dict):
        raise invalid("Message Structure - JSON message body failed to parse")
    out = {key: value for key, value in doc.items() if isinstance(value, str)}
    if "default" not in out:
        raise invalid("Message Structure - No default entry in JSON message body")
    return out


# Message attribute names: ASCII letters and digits, hyphens, underscores and periods.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_TYPE = re.compile(r"^(String|Number|Binary)(\..+)?$")   # a custom label may not be empty: "String." is invalid


def _check_name(name: str) -> None:
    """AWS's checks and texts, in its order (ParameterValueInvalid)."""
    if len(name.encode()) > 256:
        raise ParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
    if name.startswith("."):
        raise ParameterValueInvalid("Invalid message attribute name starting with character '.' was found.")
    if name.endswith("."):
        raise ParameterValueInvalid("Invalid message attribute name ending with character '.' was found.")
    for index, char in enumerate(name):
        if char not in _NAME_CHARS:
            raise ParameterValueInvalid(f"Invalid non-alphanumeric character '#x{ord(char):X}' was found in the "
                                        "message attribute name. Can only include alphanumeric characters, "
                                        "hyphens, underscores, or dots.")
        if char == "." and index and name[index - 1] == ".":
            raise ParameterValueInvalid("Message attribute name can not have successive '.' character.")
    if name.lower().startswith(("aws.", "amazon.")):
        raise InvalidParameter(f"Invalid parameter: Message attribute name '{name}' has an invalid character, "
                               "or is reserved.")


def check_attributes(attributes: dict | None) -> dict:
    """Validated MessageAttributes ({name: {DataType, StringValue|BinaryValue}}), values normalized."""
    if not attributes:
        return {}
    out = {}
    for name, attr in attributes.items():
        _check_name(name)
        dtype = attr.get("DataType") or ""
        if not _TYPE.match(dtype):
            raise ParameterValueInvalid(f"The message attribute '{name}' has an invalid message attribute type, "
                                        "the set of supported type prefixes is Binary, Number, and String.")
        if not any(key.endswith("Value") and value is not None for key, value in attr.items()):
            raise ParameterValueInvalid(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{dtype}'.")
        field = "Binary" if dtype.startswith("Binary") else "String"
        value = attr.get(f"{field}Value")
        if value is None:
            raise ParameterValueInvalid(f"The message attribute '{name}' with type '{dtype}' must use field "
                                        f"'{field}'.")
        if value in ("", b""):
            raise ParameterValueInvalid(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{dtype}'.")
        if field == "Binary":
            out[name] = {"DataType": dtype, "BinaryValue": value}
            continue
        if dtype.startswith("Number"):
            check_number(name, value)
        if dtype == "String.Array":
            try:
                items = jsontext.loads(value)
            except ValueError:
                items = None
            if not isinstance(items, list) or any(isinstance(i, (dict, list)) for i in items):
                raise ParameterValueInvalid(f"Invalid parameter: MessageAttributes: The message attribute '{name}' "
                                            "with type 'String.Array' has an invalid value.")
        out[name] = {"DataType": dtype, "StringValue": value}
    return out


def check_number(name: str, string: str) -> None:
    """A Number attribute: "up to 38 digits of precision, and it can be between 10^-128 and 10^+126" (SNS
    Developer Guide, "Amazon SNS message attributes"); a finite decimal literal, parsed exactly."""
    number = Decimal(string) if NUMBER.match(string) else None
    if number is None or not number.is_finite():
        raise ParameterValueInvalid(f"Could not cast message attribute '{name}' value to number.")
    digits = "".join(map(str, number.as_tuple().digits)).strip("0")  # not normalize(): it rounds to 28 digits
    if number and (len(digits) > MAX_PRECISION
                   or not MIN_MAGNITUDE <= abs(number) <= MAX_MAGNITUDE):
        raise ParameterValueInvalid(f"Value {string} for parameter {name} is invalid. Reason: Number is "
                                    "out of range.")


def attributes_size(attributes: dict) -> int:
    size = 0
    for name, attr in attributes.items():
        value = attr.get("StringValue")
        raw = value.encode() if value is not None else (attr.get("BinaryValue") or b"")
        size += len(name.encode()) + len(attr["DataType"].encode()) + len(raw)
    return size


def message_size(message: str, attributes: dict) -> int:
    return len(message.encode("utf-8")) + attributes_size(attributes)
