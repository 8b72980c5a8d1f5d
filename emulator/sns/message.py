"""Validation of what a publisher sends: Message, Subject, MessageStructure, MessageAttributes, size."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from .errors import InvalidParameter, ParameterValueInvalid, invalid

ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
TYPES = ("String", "Number", "Binary")
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
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
    """The per-protocol messages of ``MessageStructure=json``, or None for a plain message."""
    if structure is None:
        return None
    if structure != "json":
        raise invalid("MessageStructure")
    try:
        doc = json.loads(message)
    except ValueError:
        raise invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(doc, dict):
        raise invalid("Message Structure - JSON message body failed to parse")
    if "default" not in doc:
        raise invalid("Message Structure - No default entry in JSON message body")
    out = {}
    for key, value in doc.items():
        # Mobile platforms take a JSON object as a string; SNS also accepts it inline.
        out[key] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return out


def check_attributes(attributes: dict | None) -> dict:
    """Validated MessageAttributes ({name: {DataType, StringValue|BinaryValue}}), values normalized."""
    if not attributes:
        return {}
    out = {}
    for name, attr in attributes.items():
        if not ATTRIBUTE_NAME.match(name) or name.startswith((".",)) or name.endswith(".") or ".." in name or \
                name.lower().startswith(("aws.", "amazon.")):
            raise InvalidParameter(f"Invalid parameter: Message attribute name '{name}' has an invalid character, "
                                   "or is reserved.")
        dtype = attr.get("DataType") or ""
        base = dtype.split(".", 1)[0]
        if base not in TYPES or (base == "String" and dtype not in ("String", "String.Array")
                                 and not dtype.startswith("String.")):
            raise ParameterValueInvalid(f"The message attribute '{name}' has an invalid message attribute type, "
                                        "the set of supported type prefixes is Binary, Number, and String.")
        string, binary = attr.get("StringValue"), attr.get("BinaryValue")
        if base == "Binary":
            if binary is None or binary == b"":
                raise ParameterValueInvalid(f"The message attribute '{name}' must contain non-empty message "
                                            f"attribute value for message attribute type '{dtype}'.")
            out[name] = {"DataType": dtype, "BinaryValue": binary}
            continue
        if string is None or string == "":
            raise ParameterValueInvalid(f"The message attribute '{name}' must contain non-empty message attribute "
                                        f"value for message attribute type '{dtype}'.")
        if base == "Number":
            check_number(name, string)
        if dtype == "String.Array":
            try:
                items = json.loads(string)
            except ValueError:
                items = None
            if not isinstance(items, list) or any(isinstance(i, (dict, list)) for i in items):
                raise ParameterValueInvalid(f"Invalid parameter: MessageAttributes: The message attribute '{name}' "
                                            "with type 'String.Array' has an invalid value.")
        out[name] = {"DataType": dtype, "StringValue": string}
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
