"""AttributeValues in wire form: validation, numbers, comparison, equality, item size.

A value is the wire dict, ``{"S": "x"}``, ``{"N": "1.5"}``, ``{"B": b"..."}`` (bytes, already decoded
from base64 by the codec), ``{"SS": [...]}``, ``{"NS": [...]}``, ``{"BS": [...]}``, ``{"M": {...}}``,
``{"L": [...]}``, ``{"NULL": True}``, ``{"BOOL": b}``.  An item is ``{name: value}``.

``validate_value``/``validate_item`` return a *normalized* copy (numbers in DynamoDB's output form,
``NULL`` always true): store and return that, never the request's dict.

Sources: Developer Guide "Supported data types and naming rules"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html),
"DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html) and
"Constraints" (nesting depth 32).  The error texts are AWS's as recorded by projects that test
against real DynamoDB (nubo-db/dynamodb-conformance, architect/dynalite); the number byte cost is
the one nubo-db measured against the 400 KB gate (the guide's "1 byte per two digits" is approximate).
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Any

Value = dict[str, Any]
Item = dict[str, Value]

SCALAR_TYPES = frozenset(("S", "N", "B"))
SET_TYPES = {"SS": "S", "NS": "N", "BS": "B"}
TYPES = frozenset(("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"))
MAX_DEPTH = 32  # a top-level attribute is level 1

# Exact for anything the 38-digit / 1E-130..1E+126 range can produce, including the sum or difference
# of two extremes (256 digits), so arithmetic never rounds before the range check sees the result.
CONTEXT = decimal.Context(prec=300, Emin=-999_999, Emax=999_999, traps=[decimal.InvalidOperation])

# Java BigDecimal's grammar (no NaN/Infinity, no spaces or underscores, which Python's Decimal takes).
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")

INVALID = "One or more parameter values were invalid: "
NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"
EMPTY_AV = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
MULTI_AV = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
TOO_DEEP = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"


class ValidationError(Exception):
    """An AWS ValidationException; ``message`` is AWS's text (the caller maps it to the wire error)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- numbers


def parse_number(text: Any) -> Decimal:
    """The Decimal of an ``N`` string, checked against DynamoDB's range and precision."""
    if not isinstance(text, str) or not text:
        raise ValidationError(NOT_NUMERIC)
    if not _NUMBER.match(text):
        raise ValidationError(f"{NOT_NUMERIC}: {text}")
    return check_number(Decimal(text))


def check_number(d: Decimal) -> Decimal:
    """``d`` if DynamoDB can store it (also used on arithmetic results), else ValidationError."""
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    first = next((i for i, x in enumerate(digits) if x), None)
    if first is None:
        return Decimal(0)
    last = len(digits) - next(i for i, x in enumerate(reversed(digits)) if x)
    adjusted = exp + len(digits) - 1  # exponent of the leading digit, as in 1.23E+adjusted
    if adjusted > 125:
        raise ValidationError(OVERFLOW)
    if adjusted < -130:
        raise ValidationError(UNDERFLOW)
    if last - first > 38:
        raise ValidationError(TOO_PRECISE)
    return d


def format_number(d: Decimal) -> str:
    """DynamoDB's output form: plain notation, no exponent, no insignificant zeros, no ``-0``."""
    if not d:
        return "0"
    text = format(d.normalize(CONTEXT), "f")
    return text


def normalize_number(text: str) -> str:
    """Validate an ``N`` string and return it as DynamoDB returns it ("1.50" -> "1.5", "1E2" -> "100")."""
    return format_number(parse_number(text))


def number_size(d: Decimal) -> int:
    """Bytes a number costs: 1 + base-100 digits spanned by its significant digits (+1 if negative).

    Digits are paired from the decimal point, so ``1.5`` spans two pairs (01|50) and costs 3 while
    ``15`` costs 2; the exponent is free (``1E125`` costs 2).  Matches the 23 literals measured by
    nubo-db/dynamodb-conformance (src/item-size.ts) against the 400 KB gate.
    """
    sign, digits, exp = d.normalize(CONTEXT).as_tuple()
    assert isinstance(exp, int)
    if not any(digits):
        return 1
    low, high = exp, exp + len(digits) - 1  # powers of ten of the last and first significant digit
    return 1 + (high // 2 - low // 2 + 1) + (1 if sign else 0)


# --- validation


def value_type(value: Value) -> str:
    """The type key of a (valid) value."""
    for t in value:
        return t
    raise ValidationError(EMPTY_AV)


def validate_value(value: Any, depth: int = 1) -> Value:
    """A normalized copy of ``value``; raises ValidationError with AWS's message if it is invalid."""
    if not isinstance(value, dict) or not value:
        raise ValidationError(EMPTY_AV)
    if len(value) > 1:
        raise ValidationError(MULTI_AV)
    (t, v), = value.items()
    if depth > MAX_DEPTH:
        raise ValidationError(TOO_DEEP)
    if t == "S":
        if not isinstance(v, str):
            raise ValidationError(f"{INVALID}Invalid string value")
        return value
    if t == "N":
        return {"N": normalize_number(v)}
    if t == "B":
        if not isinstance(v, bytes | bytearray):
            raise ValidationError(f"{INVALID}Invalid binary value")
        return {"B": bytes(v)}
    if t == "BOOL":
        return {"BOOL": bool(v)}
    if t == "NULL":
        # AWS now accepts {"NULL": false} and stores it as true (nubo-db conformance, 2026-06).
        return {"NULL": True}
    if t == "M":
        if not isinstance(v, dict):
            raise ValidationError(EMPTY_AV)
        return {"M": {k: validate_value(x, depth + 1) for k, x in v.items()}}
    if t == "L":
        if not isinstance(v, list):
            raise ValidationError(EMPTY_AV)
        return {"L": [validate_value(x, depth + 1) for x in v]}
    if t == "SS":
        return {"SS": _validate_ss(v)}
    if t == "NS":
        return {"NS": _validate_ns(v)}
    if t == "BS":
        return {"BS": _validate_bs(v)}
    raise ValidationError(EMPTY_AV)  # an unknown member: the codec would not have kept it


def _validate_ss(v: Any) -> list[str]:
    if not v:
        raise ValidationError(f"{INVALID}An string set  may not be empty")  # sic, two spaces
    if len(set(v)) != len(v):
        raise ValidationError(f"{INVALID}Input collection [{', '.join(v)}] contains duplicates.")
    return list(v)


def _validate_ns(v: Any) -> list[str]:
    if not v:
        raise ValidationError(f"{INVALID}An number set  may not be empty")
    nums = [parse_number(x) for x in v]
    if len(set(nums)) != len(nums):  # numerically: "1" and "1.0" are the same member
        raise ValidationError("Input collection contains duplicates")
    return [format_number(d) for d in nums]


def _validate_bs(v: Any) -> list[bytes]:
    if not v:
        raise ValidationError(f"{INVALID}Binary sets should not be empty")
    out = [bytes(x) for x in v]
    if len(set(out)) != len(out):
        raise ValidationError("Input collection contains duplicates")
    return out


def validate_item(item: Any) -> Item:
    """A normalized copy of an item (``{name: value}``)."""
    return {name: validate_value(v) for name, v in item.items()}


# --- comparison and equality


def number(value: Value) -> Decimal:
    """The Decimal of a stored (already valid) ``{"N": ...}``."""
    return Decimal(value["N"])


def compare(a: Value, b: Value) -> int | None:
    """-1/0/1 for two scalars of the same type (S, N, B); None if they are not comparable.

    Strings compare by UTF-8 bytes, which is code point order, i.e. Python's str order; binary by
    bytes; numbers numerically.  Different types are never ordered (a condition is then false).
    """
    ta, tb = value_type(a), value_type(b)
    if ta != tb or ta not in SCALAR_TYPES:
        return None
    if ta == "N":
        x: Any = Decimal(a["N"])
        y: Any = Decimal(b["N"])
    else:
        x, y = a[ta], b[tb]
    return (x > y) - (x < y)


def set_members(value: Value) -> set:
    """The members of a set value as a Python set (Decimals for NS, so equality is numeric)."""
    t = value_type(value)
    if t == "NS":
        return {Decimal(x) for x in value["NS"]}
    return set(value[t])


def equal(a: Value, b: Value) -> bool:
    """DynamoDB equality: same type and same value (numbers numerically, sets unordered, deep M/L)."""
    ta, tb = value_type(a), value_type(b)
    if ta != tb:
        return False
    if ta == "N":
        return a["N"] == b["N"] or Decimal(a["N"]) == Decimal(b["N"])
    if ta in SET_TYPES:
        return set_members(a) == set_members(b)
    if ta == "L":
        la, lb = a["L"], b["L"]
        return len(la) == len(lb) and all(equal(x, y) for x, y in zip(la, lb, strict=True))
    if ta == "M":
        ma, mb = a["M"], b["M"]
        return ma.keys() == mb.keys() and all(equal(v, mb[k]) for k, v in ma.items())
    return bool(a[ta] == b[tb])


# --- size


def value_size(value: Value) -> int:
    """Bytes of a value, not counting its attribute name (Developer Guide "Item sizes and formats")."""
    t = value_type(value)
    v = value[t]
    if t == "S":
        return len(v.encode())
    if t == "N":
        return number_size(Decimal(v))
    if t == "B":
        return len(v)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "SS":
        return sum(len(x.encode()) for x in v)
    if t == "NS":
        return sum(number_size(Decimal(x)) for x in v)
    if t == "BS":
        return sum(len(x) for x in v)
    if t == "L":  # 3 bytes for the container, 1 per element
        return 3 + sum(1 + value_size(x) for x in v)
    return 3 + sum(1 + len(k.encode()) + value_size(x) for k, x in v.items())  # M


def item_size(item: Item) -> int:
    """Bytes of an item: each attribute name's UTF-8 length plus its value's size."""
    return sum(len(name.encode()) + value_size(v) for name, v in item.items())
