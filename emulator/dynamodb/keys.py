"""Order-preserving byte encodings of key values, for SQLite BLOB columns compared with memcmp.

DynamoDB orders sort keys numerically (N), by UTF-8 bytes (S) and bytewise (B) (API Reference,
Query, ScanIndexForward: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).
A key attribute has one type for the life of a table, so encodings carry no type tag and are only
ever compared with encodings of the same type:

- S: the UTF-8 bytes (code point order is UTF-8 byte order);
- B: the bytes themselves;
- N: a sign byte (``0x01`` negative, ``0x02`` zero, ``0x03`` positive), then for non-zero numbers
  one exponent byte (the leading digit's power of ten, -130..125, biased by 130) and the significant
  digits packed two per byte (0..99, an odd count padded with a 0 digit).  Trailing zeros are never
  stored, so a shorter mantissa that is a prefix of a longer one is the smaller number.  Negative
  numbers invert the exponent (255 - e) and the digit bytes (254 - d) and end with ``0xFF``, so a
  larger magnitude sorts first and a prefix (-1.2 > -1.23) sorts after its extensions.
"""

from __future__ import annotations

from decimal import Decimal

from .types import CONTEXT, Value, format_number, parse_number, value_type

NEGATIVE, ZERO, POSITIVE = 1, 2, 3
_BIAS = 130
_END = 0xFF


def encode_number(d: Decimal) -> bytes:
    """The order-preserving encoding of a (valid) number."""
    sign, digits, exp = d.normalize(CONTEXT).as_tuple() if d else (0, (0,), 0)
    assert isinstance(exp, int)
    if not d:
        return bytes((ZERO,))
    adjusted = exp + len(digits) - 1
    ds = list(digits)
    if len(ds) % 2:
        ds.append(0)
    pairs = [ds[i] * 10 + ds[i + 1] for i in range(0, len(ds), 2)]
    if not sign:
        return bytes((POSITIVE, adjusted + _BIAS, *pairs))
    return bytes((NEGATIVE, 255 - (adjusted + _BIAS), *(254 - p for p in pairs), _END))


def decode_number(data: bytes) -> Decimal:
    """The number ``encode_number`` encoded."""
    if data[0] == ZERO:
        return Decimal(0)
    negative = data[0] == NEGATIVE
    if negative:
        adjusted = 255 - data[1] - _BIAS
        pairs = [254 - b for b in data[2:-1]]
    else:
        adjusted = data[1] - _BIAS
        pairs = list(data[2:])
    digits = "".join(f"{p:02d}" for p in pairs).rstrip("0") or "0"
    return Decimal(f"{'-' if negative else ''}{digits[0]}.{digits[1:]}E{adjusted}")


def encode_key(value: Value) -> bytes:
    """The encoding of a key value ``{"S"|"N"|"B": ...}`` (validated; N parsed again here)."""
    t = value_type(value)
    if t == "S":
        return value["S"].encode()
    if t == "B":
        return bytes(value["B"])
    if t == "N":
        return encode_number(parse_number(value["N"]))
    raise ValueError(f"not a key type: {t}")


def decode_key(key_type: str, data: bytes) -> Value:
    """The wire value of an encoding, given the attribute's type (from the key schema)."""
    if key_type == "S":
        return {"S": data.decode()}
    if key_type == "B":
        return {"B": bytes(data)}
    if key_type == "N":
        return {"N": format_number(decode_number(data))}
    raise ValueError(f"not a key type: {key_type}")


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix`` (None: unbounded)."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))


def prefix_range(value: Value) -> tuple[bytes, bytes | None]:
    """``begins_with(sk, value)`` on an S or B sort key as the scan range ``lo <= enc < hi``.

    ``hi`` is None when there is no upper bound (an empty prefix, or one made only of 0xFF bytes).
    """
    lo = encode_key(value)
    return lo, prefix_successor(lo)
