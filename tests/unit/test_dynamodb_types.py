"""AttributeValue validation, number normalization, comparison, equality and item size.

Citations: "NamingRules" = Developer Guide "Supported data types and naming rules"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html);
"ItemSizes" = "DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
"conformance" = nubo-db/dynamodb-conformance, whose tests run against real DynamoDB (error texts,
number round-trips, and the number byte costs measured at the 400 KB gate, src/item-size.ts).
"""

import pytest

from emulator.dynamodb.types import (
    ValidationError,
    compare,
    equal,
    item_size,
    normalize_number,
    parse_number,
    validate_item,
    validate_value,
    value_size,
)

NORMALIZED = [
    ("conformance: trailing zeros stripped", "3.1400", "3.14"),
    ("conformance: 1.0 -> 1", "1.0", "1"),
    ("conformance: leading zeros stripped", "00042", "42"),
    ("conformance: both", "0042.1200", "42.12"),
    ("conformance: -0 -> 0", "-0", "0"),
    ("conformance: exponent expanded", "1.5E2", "150"),
    ("conformance: 1E125 stored as 126 digits", "1E125", "1" + "0" * 125),
    ("NamingRules: smallest positive", "1E-130", "0." + "0" * 129 + "1"),
    ("NamingRules: 38 digits kept", "12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("Java BigDecimal: leading +", "+5", "5"),
    ("Java BigDecimal: .5", ".5", "0.5"),
    ("Java BigDecimal: 5.", "5.", "5"),
    ("negative fraction", "-0.050", "-0.05"),
]


@pytest.mark.parametrize(("why", "literal", "out"), NORMALIZED, ids=[r[0] for r in NORMALIZED])
def test_number_normalization(why, literal, out):
    assert normalize_number(literal) == out


INVALID_NUMBERS = [
    ("NamingRules: magnitude above 9.99..E+125", "1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("NamingRules: negative overflow", "-1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("NamingRules: below 1E-130", "1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ("NamingRules: 39 digits", "123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number"),
    ("dynalite: not a number", "abc", "The parameter cannot be converted to a numeric value: abc"),
    ("Python-only syntax is refused: NaN", "NaN", "The parameter cannot be converted to a numeric value: NaN"),
    ("Python-only syntax is refused: underscore", "1_000", "The parameter cannot be converted to a numeric value: 1_000"),
    ("Python-only syntax is refused: spaces", " 1", "The parameter cannot be converted to a numeric value:  1"),
    ("dynalite: empty", "", "The parameter cannot be converted to a numeric value"),
]


@pytest.mark.parametrize(("why", "literal", "message"), INVALID_NUMBERS, ids=[r[0] for r in INVALID_NUMBERS])
def test_invalid_numbers(why, literal, message):
    with pytest.raises(ValidationError) as e:
        parse_number(literal)
    assert e.value.message == message


def test_38_digits_with_zeros_around_them_are_fine():
    # Leading and trailing zeros are not significant (ItemSizes).
    assert parse_number("000" + "1" * 38 + "000") == int("1" * 38 + "000")
    assert normalize_number("0.000" + "1" * 38) == "0.000" + "1" * 38


INVALID_VALUES = [
    ("dynalite: empty AttributeValue", {}, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"),
    ("dynalite: two types", {"S": "a", "N": "1"}, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"),
    ("conformance: empty SS", {"SS": []}, "One or more parameter values were invalid: An string set  may not be empty"),
    ("conformance: empty NS", {"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
    ("conformance: empty BS", {"BS": []}, "One or more parameter values were invalid: Binary sets should not be empty"),
    ("minidyn/conformance: SS duplicates", {"SS": ["a", "a"]}, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
    ("ExtendDB#100: NS duplicates compare numerically", {"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
    ("ExtendDB#100: BS duplicates", {"BS": [b"a", b"a"]}, "Input collection contains duplicates"),
    ("conformance: empty set nested in a map", {"M": {"x": {"SS": []}}}, "One or more parameter values were invalid: An string set  may not be empty"),
    ("conformance: empty set nested in a list", {"L": [{"NS": []}]}, "One or more parameter values were invalid: An number set  may not be empty"),
    ("NamingRules: number in a set checked", {"NS": ["1E+126"]}, "Number overflow. Attempting to store a number with magnitude larger than supported range"),
]


@pytest.mark.parametrize(("why", "value", "message"), INVALID_VALUES, ids=[r[0] for r in INVALID_VALUES])
def test_invalid_values(why, value, message):
    with pytest.raises(ValidationError) as e:
        validate_value(value)
    assert e.value.message == message


def nested(depth: int) -> dict:
    value: dict = {"S": "leaf"}
    for _ in range(depth - 1):
        value = {"M": {"a": value}}
    return value


def test_nesting_depth_32():
    # Constraints: 32 levels; dynoxide#110 (captured on AWS): 31 map wraps accepted, 32 rejected.
    validate_value(nested(32))
    with pytest.raises(ValidationError, match="Nesting Levels have exceeded supported limits"):
        validate_value(nested(33))


def test_validation_returns_a_normalized_copy():
    item = {"n": {"N": "1.50"}, "ns": {"NS": ["2.0", "1E1"]}, "z": {"NULL": False}, "e": {"S": ""},
            "eb": {"B": b""}, "m": {"M": {"l": {"L": [{"N": "-0"}]}}}}
    out = validate_item(item)
    assert out == {"n": {"N": "1.5"}, "ns": {"NS": ["2", "10"]}, "z": {"NULL": True}, "e": {"S": ""},
                   "eb": {"B": b""}, "m": {"M": {"l": {"L": [{"N": "0"}]}}}}
    assert item["n"] == {"N": "1.50"}  # the request's dict is not modified


COMPARE = [
    ({"N": "10"}, {"N": "9"}, 1), ({"N": "-10"}, {"N": "-9"}, -1), ({"N": "1.0"}, {"N": "1"}, 0),
    ({"N": "12345678901234567890123456789012345678"}, {"N": "12345678901234567890123456789012345677"}, 1),
    ({"S": "a"}, {"S": "B"}, 1), ({"S": "\uffff"}, {"S": "\U0001f600"}, -1), ({"S": ""}, {"S": "a"}, -1),
    ({"B": b"\x01"}, {"B": b"\x00\xff"}, 1), ({"S": "1"}, {"N": "1"}, None), ({"BOOL": True}, {"BOOL": False}, None),
    ({"SS": ["a"]}, {"SS": ["a"]}, None),
]


@pytest.mark.parametrize(("a", "b", "expected"), COMPARE)
def test_compare(a, b, expected):
    assert compare(a, b) == expected


EQUAL = [
    ({"N": "1"}, {"N": "1.00"}, True), ({"N": "1"}, {"S": "1"}, False), ({"SS": ["a", "b"]}, {"SS": ["b", "a"]}, True),
    ({"NS": ["1", "2"]}, {"NS": ["2.0", "1"]}, True), ({"NS": ["1"]}, {"NS": ["1", "2"]}, False),
    ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"N": "1.0"}, {"S": "x"}]}, True),
    ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"S": "x"}, {"N": "1"}]}, False),
    ({"M": {"a": {"N": "1"}, "b": {"NULL": True}}}, {"M": {"b": {"NULL": True}, "a": {"N": "1.0"}}}, True),
    ({"M": {"a": {"N": "1"}}}, {"M": {"a": {"N": "1"}, "b": {"N": "1"}}}, False),
    ({"BOOL": True}, {"BOOL": True}, True), ({"NULL": True}, {"NULL": True}, True), ({"B": b"a"}, {"B": b"b"}, False),
]


@pytest.mark.parametrize(("a", "b", "expected"), EQUAL)
def test_equal(a, b, expected):
    assert equal(a, b) is expected
    assert equal(b, a) is expected


# (literal, bytes) measured by nubo-db/dynamodb-conformance against the 400 KB gate (eu-west-2).
NUMBER_BYTES = [
    ("0", 1), ("1", 2), ("12", 2), ("123", 3), ("1234", 3), ("12345678901234567890123456789012345678", 20),
    ("0042", 2), ("100", 2), ("1010", 3), ("0.0000001", 2), ("1E125", 2), ("1E-100", 2), ("1.5", 3), ("15", 2),
    ("1.2", 3), ("1.200", 3), ("1.234", 4), ("3.14159", 5), ("123456", 4), ("100.5", 4), ("0.15", 2), ("-42", 3),
    ("-0", 1),
]


@pytest.mark.parametrize(("literal", "size"), NUMBER_BYTES)
def test_number_size_as_measured(literal, size):
    assert value_size({"N": literal}) == size


def test_item_size():
    # ItemSizes: names + values; S is UTF-8 bytes, B raw bytes, BOOL/NULL 1 byte,
    # L/M 3 bytes of overhead plus 1 byte per element.
    item = {
        "s": {"S": "héllo"},          # 1 + 6
        "b": {"B": b"\x00\x01\x02"},  # 1 + 3
        "t": {"BOOL": True},          # 1 + 1
        "z": {"NULL": True},          # 1 + 1
        "l": {"L": [{"S": "ab"}, {"N": "1"}]},  # 1 + 3 + (1 + 2) + (1 + 2)
        "m": {"M": {"k": {"S": "v"}}},          # 1 + 3 + (1 + 1 + 1)
        "e": {"M": {}},                         # 1 + 3
        "ss": {"SS": ["a", "bc"]},              # 2 + 3
    }
    assert item_size(item) == 7 + 4 + 2 + 2 + 10 + 7 + 4 + 5
