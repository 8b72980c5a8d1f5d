"""Order-preserving key encodings: sorting by encoding (memcmp) == sorting by DynamoDB's order.

DynamoDB orders sort keys numerically, by UTF-8 bytes and bytewise (API Reference, Query,
ScanIndexForward: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html).
Property tests use a seeded ``random`` so failures reproduce.
"""

import random
from decimal import Decimal

import pytest

from emulator.dynamodb.keys import decode_key, encode_key, prefix_range, prefix_successor
from emulator.dynamodb.types import parse_number

EDGES = [
    "0", "-0", "1", "-1", "1E-130", "-1E-130", "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125", "1.2", "1.23", "1.3", "-1.2", "-1.23", "-1.3", "10",
    "100", "1000.5", "-10", "-100", "0.1", "-0.1", "0.01", "12345678901234567890123456789012345678",
    "-12345678901234567890123456789012345678", "0.12345678901234567890123456789012345678", "99", "-99",
]


def random_number(rng: random.Random) -> str:
    n = rng.randint(1, 38)
    digits = "".join(rng.choice("0123456789") for _ in range(n)).lstrip("0") or "0"
    if digits == "0":
        return rng.choice(["0", "-0", "0.000"])
    exp = rng.randint(-130, 125 - len(digits) + 1)
    return f"{rng.choice(['', '-'])}{digits}E{exp}"


def clustered_number(rng: random.Random) -> str:
    """Numbers sharing exponents and digit prefixes, where the prefix rule matters most."""
    base = rng.choice(["1", "12", "123", "9", "99", "5"])
    tail = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 5)))
    return f"{rng.choice(['', '-'])}{base}{tail}E{rng.randint(-3, 3)}"


def test_numbers_sort_numerically_by_encoding():
    rng = random.Random(20240601)
    literals = EDGES + [random_number(rng) for _ in range(4000)] + [clustered_number(rng) for _ in range(3000)]
    values = [parse_number(s) for s in literals]
    encodings = {s: encode_key({"N": s}) for s in literals}
    by_value = sorted(literals, key=lambda s: Decimal(s))
    by_encoding = sorted(literals, key=lambda s: encodings[s])
    assert [Decimal(s) for s in by_encoding] == [Decimal(s) for s in by_value]
    # Equal numbers written differently encode identically (a key is one item, "1" == "1.0").
    assert encode_key({"N": "1"}) == encode_key({"N": "1.000"}) == encode_key({"N": "0.1E1"})
    assert len(values) == len(literals)


def test_number_encoding_round_trips_to_normalized_form():
    rng = random.Random(7)
    for s in EDGES + [random_number(rng) for _ in range(2000)]:
        decoded = decode_key("N", encode_key({"N": s}))
        assert Decimal(decoded["N"]) == Decimal(s)
        assert "E" not in decoded["N"]


@pytest.mark.parametrize(("smaller", "larger"), [
    ("-1.2", "-1.19"), ("-1.23", "-1.2"), ("-100", "-99"), ("-1E-130", "0"), ("0", "1E-130"), ("1.2", "1.23"),
    ("99", "100"), ("9.9999999999999999999999999999999999998E+125", "9.9999999999999999999999999999999999999E+125"),
    ("-9.9999999999999999999999999999999999999E+125", "-9.9999999999999999999999999999999999998E+125"),
])
def test_number_pairs(smaller, larger):
    assert encode_key({"N": smaller}) < encode_key({"N": larger})


def test_strings_sort_by_utf8_bytes():
    rng = random.Random(3)
    alphabet = ["a", "b", "A", "z", "é", "ß", "中", "\U0001f600", "\x00", "\x7f", "\uffff", " "]
    strings = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(3000)]
    by_utf8 = sorted(strings, key=lambda s: s.encode("utf-8"))
    by_encoding = sorted(strings, key=lambda s: encode_key({"S": s}))
    assert by_encoding == by_utf8
    # Not UTF-16 order: U+FFFF sorts before an astral character in UTF-8 (and by code point).
    assert encode_key({"S": "\uffff"}) < encode_key({"S": "\U0001f600"})
    assert decode_key("S", encode_key({"S": "中文"})) == {"S": "中文"}


def test_binary_sorts_bytewise():
    rng = random.Random(4)
    blobs = [bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    assert sorted(blobs, key=lambda b: encode_key({"B": b})) == sorted(blobs)
    assert decode_key("B", encode_key({"B": b"\x00\xff"})) == {"B": b"\x00\xff"}


@pytest.mark.parametrize(("prefix", "hi"), [
    (b"ab", b"ac"), (b"a\xff", b"b"), (b"\xff\xff", None), (b"", None), (b"\x00", b"\x01"),
])
def test_prefix_successor(prefix, hi):
    assert prefix_successor(prefix) == hi


def test_begins_with_range_contains_exactly_the_prefixed_keys():
    rng = random.Random(5)
    keys = [bytes(rng.choice(b"ab\xff") for _ in range(rng.randint(0, 4))) for _ in range(2000)]
    for prefix in (b"a", b"a\xff", b"\xff", b"ab", b"b\xff\xff"):
        lo, hi = prefix_range({"B": prefix})
        in_range = {k for k in keys if lo <= k and (hi is None or k < hi)}
        assert in_range == {k for k in keys if k.startswith(prefix)}
    lo, hi = prefix_range({"S": "USER#"})
    assert (lo, hi) == (b"USER#", b"USER$")
