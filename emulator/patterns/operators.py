"""Value predicates for the pattern operators.

Each builder validates its operand the way aws/event-ruler does (the library behind EventBridge and SNS
filtering, whose messages AWS returns verbatim) and returns a closure ``pred(value) -> bool`` over one
flattened leaf value (str, int, float, bool or None).  Everything that can be computed from the pattern
is computed here, once, so matching an event does no parsing beyond the event itself.

Type discipline mirrors event-ruler, which compares JSON text: strings only match string operators,
numbers only match numeric ones, and ``bool`` (a Python ``int`` subclass) never counts as a number.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import TypeGuard


class PatternError(Exception):
    """A pattern is invalid; ``reason`` is event-ruler's wording, which each front end wraps in its AWS error."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_number(v: object) -> TypeGuard[int | float]:
    t = type(v)
    return t is int or t is float


def java_double(x: float) -> str:
    """Format like Java's Double.toString for the magnitudes used in limit messages (5.0E9, 1.0E9)."""
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(float(x))
    mantissa, exp = f"{x:.15E}".split("E")
    mantissa = mantissa.rstrip("0")
    if mantissa.endswith("."):
        mantissa += "0"
    return f"{mantissa}E{int(exp)}"


def token_text(v) -> str:
    """What Jackson's getText() shows for the JSON token starting at ``v`` (used in numeric errors)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, dict):
        return "{"
    if isinstance(v, list):
        return "["
    return str(v)


# ---------------------------------------------------------------------------------------------- numbers

def check_number_range(n, limit: float) -> None:
    """event-ruler's ComparableNumber only represents -limit..+limit; outside that a numeric operand is refused."""
    if not -limit <= n <= limit:
        raise PatternError(f"Value must be between {java_double(-limit)} and {java_double(limit)}, inclusive")


def parse_numeric(spec, limit: float) -> tuple[float | None, bool, float | None, bool]:
    """Validate a ``numeric`` operand list; return (low, low_open, high, high_open) with None for unbounded.

    The checks and their order follow JsonRuleCompiler.processNumericMatchExpression, because AWS reports
    the first problem that streaming parser meets.
    """
    if not isinstance(spec, list):
        raise PatternError("Value of numeric must be an array.")
    if not spec:
        raise PatternError("Invalid member in numeric match: ]")
    op = spec[0]
    if not isinstance(op, str):
        raise PatternError(f"Invalid member in numeric match: {token_text(op)}")
    rest = spec[1:]
    val = rest[0] if rest else None
    if op not in ("=", "<", "<=", ">", ">="):
        raise PatternError(f"Unrecognized numeric range operator: {op}")
    if not is_number(val):
        raise PatternError(f"Value of {'equals' if op == '=' else op} must be numeric")
    if op in ("=", "<", "<=") and len(rest) > 1:
        raise PatternError("Too many elements in numeric expression")
    check_number_range(val, limit)
    if op == "=":
        return val, False, val, False
    if op == "<":
        return None, False, val, True
    if op == "<=":
        return None, False, val, False
    if len(rest) == 1:
        return val, op == ">", None, False
    op2 = rest[1]
    if not isinstance(op2, str):
        raise PatternError(f"Bad value in numeric range: {token_text(op2)}")
    if op2 not in ("<", "<="):
        raise PatternError(f"Bad numeric range operator: {op2}")
    top = rest[2] if len(rest) > 2 else None
    if not is_number(top):
        raise PatternError(f"Value of {op2} must be numeric")
    if len(rest) > 3:
        raise PatternError("Too many terms in numeric range expression")
    check_number_range(top, limit)
    if top <= val:
        raise PatternError("Bottom must be less than top")
    return val, op == ">", top, op2 == "<"


def quantizer(decimals: int) -> Callable[[float], int]:
    """A number as compared at ``decimals`` places (rounded half up): SNS matches numbers "with five
    digits of accuracy after the decimal point" (SNS DG, filter policy constraints), which its
    matcher keeps by comparing them rounded to millionths: 100.123456789 equals 100.1234567, not
    100.1234561."""
    scale = 10 ** decimals
    return lambda x: math.floor(x * scale + 0.5)


def numeric_pred(low, low_open, high, high_open, limit: float, quantize: Callable[[float], int] | None = None):
    """Numbers outside event-ruler's representable range never match a numeric operator.

    ``quantize``: the dialect compares numbers at a fixed precision (SNS); bounds and values both."""
    lo = -limit if low is None else low
    hi = limit if high is None else high
    if quantize is not None:
        qlo, qhi = quantize(lo), quantize(hi)

        def quantized(v):
            t = type(v)
            if t is not int and t is not float or v < -limit or v > limit:
                return False
            q = quantize(v)
            if q < qlo or q > qhi:
                return False
            return not (low_open and q == qlo or high_open and q == qhi)
        return quantized

    def pred(v):
        t = type(v)
        if t is not int and t is not float or v < -limit or v > limit:
            return False
        if v < lo or v > hi:
            return False
        return not (low_open and v == lo or high_open and v == hi)
    return pred


# --------------------------------------------------------------------------------------------- wildcard

def parse_wildcard(text: str) -> tuple[str, ...]:
    """Split a wildcard pattern into the literal runs between unescaped ``*``.

    Positions in the errors are byte offsets into the pattern as event-ruler sees it: UTF-8, wrapped in
    the JSON quotes (so the first character is position 1).
    """
    segments: list[str] = []
    cur: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "*":
            if i + 1 < n and text[i + 1] == "*":
                raise PatternError(f"Consecutive wildcard characters at pos {len(text[:i].encode()) + 1}")
            segments.append("".join(cur))
            cur = []
        elif ch == "\\":
            if i + 1 < n and text[i + 1] in "*\\":
                cur.append(text[i + 1])
                i += 1
            else:
                raise PatternError(f"Invalid escape character at pos {len(text[:i].encode()) + 1}")
        else:
            cur.append(ch)
        i += 1
    segments.append("".join(cur))
    return tuple(segments)


def wildcard_pred(segments: tuple[str, ...]):
    """``*`` matches any run (including an empty one); leftmost-first search is exact for star-only globs."""
    if len(segments) == 1:
        lit = segments[0]
        return lambda v: v == lit
    first, last, middle = segments[0], segments[-1], segments[1:-1]
    lf, ll = len(first), len(last)

    def pred(v):
        if type(v) is not str or len(v) < lf + ll or not v.startswith(first) or not v.endswith(last):
            return False
        pos, end = lf, len(v) - ll
        for seg in middle:
            at = v.find(seg, pos, end)
            if at < 0:
                return False
            pos = at + len(seg)
        return True
    return pred


# ------------------------------------------------------------------------------------------------- cidr

_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")


def ip_value(s: str):
    """(bits, int) for an IPv4/IPv6 literal, else None.  Like event-ruler, only strings shaped like an
    address are considered (it never resolves host names) and IPv4 octets may carry leading zeros."""
    if _IPV4.fullmatch(s):
        n = 0
        for part in s.split("."):
            b = int(part)
            if b > 255:
                return None
            n = n << 8 | b
        return 32, n
    if _IPV6.fullmatch(s):
        try:
            return 128, int(ipaddress.IPv6Address(s))
        except ValueError:
            return None
    return None


def parse_cidr(spec) -> tuple[int, int, int]:
    """Validate a ``cidr`` operand; return (bits, low, high).

    event-ruler's range starts at the address as written (host bits are not cleared) and ends with the
    host bits set, so ``10.0.0.5/24`` covers 10.0.0.5-10.0.0.255.
    """
    if not isinstance(spec, str):
        raise PatternError("prefix match pattern must be a string")
    parts = spec.split("/")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise PatternError("Malformed CIDR, one '/' required")
    addr, mask = parts
    if not re.fullmatch(r"[+-]?[0-9]+", mask):
        raise PatternError("Malformed CIDR, mask bits must be an integer")
    bits_masked = int(mask)
    if bits_masked < 0:
        raise PatternError("Malformed CIDR, mask bits must not be negative")
    if not (_IPV4.fullmatch(addr) or _IPV6.fullmatch(addr)):
        raise PatternError(f"Nonstandard IP address: {addr}")
    ip = ip_value(addr)
    if ip is None:
        raise PatternError(f"Invalid IP address: {addr}")
    bits, n = ip
    if bits == 32 and bits_masked > 31:
        raise PatternError("IPv4 mask bits must be < 32")
    if bits == 128 and bits_masked > 127:
        raise PatternError("IPv6 mask bits must be < 128")
    host = (1 << (bits - bits_masked)) - 1
    return bits, n, n | host


def cidr_pred(ranges: list[tuple[int, int, int]]):
    def pred(v):
        if type(v) is not str:
            return False
        ip = ip_value(v)
        if ip is None:
            return False
        bits, n = ip
        for b, lo, hi in ranges:
            if b == bits and lo <= n <= hi:
                return True
        return False
    return pred


# ---------------------------------------------------------------------------------------- anything-but

def anything_but_values_pred(strings: frozenset, numbers: frozenset,
                             quantize: Callable[[float], int] | None = None):
    """anything-but a value list matches every present value not listed, of any JSON type (null included).

    ``quantize``: numbers are compared at the dialect's precision (``numbers`` already quantized)."""
    if numbers and quantize is not None:
        return lambda v: not (is_number(v) and quantize(v) in numbers)
    if numbers:
        return lambda v: not (type(v) is not bool and v in numbers)
    return lambda v: v not in strings


def negate_string_pred(test):
    """anything-but prefix/suffix/equals-ignore-case/wildcard: non-strings (numbers, null) always match."""
    return lambda v: type(v) is not str or not test(v)
