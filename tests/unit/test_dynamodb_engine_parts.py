"""Pure parts of the table engine: stored item encoding, capacity arithmetic, legacy parameters."""

from __future__ import annotations

import pytest

from emulator.dynamodb import legacy
from emulator.dynamodb.capacity import Capacity, read_units, write_units
from emulator.dynamodb.errors import ValidationException
from emulator.dynamodb.expressions import apply_update
from emulator.dynamodb.model import Index
from storage.dynamodb import decode_item, encode_item


def test_items_round_trip_through_their_stored_text():
    plain = {"a": {"S": "é"}, "n": {"N": "1.5"}, "l": {"L": [{"NULL": True}, {"BOOL": False}]}}
    text = encode_item(plain)
    assert text.startswith("{") and decode_item(text) == plain
    binary = {"b": {"B": b"\x00\xff"}, "m": {"M": {"bs": {"BS": [b"\x01", b""]}, "l": {"L": [{"B": b"x"}]}}},
              "s": {"S": "AAE="}}  # a string that looks like base64 stays a string
    text = encode_item(binary)
    assert text.startswith("b") and decode_item(text) == binary
    # Attributes named like the binary types, and strings that spell them, are not binary values.
    lookalikes = {"B": {"S": '"B":"x"'}, "BS": {"L": [{"S": '"BS":['}]}, "m": {"M": {"B": {"N": "1"}}}}
    text = encode_item(lookalikes)
    assert text.startswith("{") and decode_item(text) == lookalikes


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (409600, 400)])
def test_write_units(size, units):
    assert write_units(size) == units


@pytest.mark.parametrize(("size", "consistent", "units"), [(0, True, 1), (4096, True, 1), (4097, True, 2),
                                                           (4097, False, 1), (100, False, 0.5)])
def test_read_units(size, consistent, units):
    assert read_units(size, consistent) == units


def test_capacity_shapes():
    gsi = Index(1, "g1", "GSI", "g", None, "ALL")
    lsi = Index(2, "l1", "LSI", "pk", "l", "ALL")
    cap = Capacity("t")
    cap.add_write(1)
    cap.add_index(gsi, 2)
    cap.add_index(lsi, 0)  # an index a write did not charge has no arm
    assert cap.to_wire("NONE") is None
    assert cap.to_wire("TOTAL") == {"TableName": "t", "CapacityUnits": 3.0}
    assert cap.to_wire("INDEXES") == {"TableName": "t", "CapacityUnits": 3.0, "Table": {"CapacityUnits": 1.0},
                                      "GlobalSecondaryIndexes": {"g1": {"CapacityUnits": 2.0}}}
    tx = Capacity("t", transactional=True)
    tx.add_read(1)
    tx.add_write(1)
    assert tx.to_wire("TOTAL", split=True) == {"TableName": "t", "CapacityUnits": 4.0, "ReadCapacityUnits": 2.0,
                                               "WriteCapacityUnits": 2.0}


ITEM = {"a": {"N": "5"}, "s": {"S": "hello"}, "set": {"SS": ["x", "y"]}}


@pytest.mark.parametrize(("spec", "operator", "holds"), [
    ({"a": {"Value": {"N": "5"}}}, None, True),
    ({"a": {"Exists": False}}, None, False),
    ({"missing": {"Exists": False}}, None, True),
    ({"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}}, None, True),
    ({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "6"}, {"N": "9"}]}}, None, False),
    ({"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}}, None, True),
    ({"set": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}, None, True),
    ({"missing": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "z"}]}}, None, False),
    ({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}, None, True),
    ({"missing": {"ComparisonOperator": "NULL"}, "a": {"ComparisonOperator": "NOT_NULL"}}, None, True),
    ({"a": {"Value": {"N": "6"}}, "s": {"Value": {"S": "hello"}}}, "OR", True),
    ({"a": {"Value": {"N": "6"}}, "s": {"Value": {"S": "hello"}}}, "AND", False),
])
def test_legacy_expected(spec, operator, holds):
    assert legacy.expected(spec, operator).evaluate(ITEM) is holds


def test_legacy_errors_and_updates():
    with pytest.raises(ValidationException, match="Value must be provided when Exists is true for Attribute: a"):
        legacy.expected({"a": {"Exists": True}}, None)
    with pytest.raises(ValidationException, match="Invalid number of argument\\(s\\) for the EQ ComparisonOperator"):
        legacy.expected({"a": {"ComparisonOperator": "EQ"}}, None)
    update = legacy.attribute_updates({"a": {"Action": "ADD", "Value": {"N": "2"}}, "s": {"Action": "DELETE"},
                                       "set": {"Action": "DELETE", "Value": {"SS": ["x"]}},
                                       "l": {"Action": "ADD", "Value": {"L": [{"S": "q"}]}},
                                       "new": {"Value": {"S": "v"}}})
    assert apply_update(update, ITEM).item == {"a": {"N": "7"}, "set": {"SS": ["y"]}, "l": {"L": [{"S": "q"}]},
                                               "new": {"S": "v"}}
    key = legacy.key_conditions({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
                                 "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "a"}]}})
    value, sort = key.for_schema("pk", "sk")
    assert value == {"S": "p"} and sort.op == "begins_with"
    with pytest.raises(ValidationException, match="not an indexable operation"):
        legacy.key_conditions({"pk": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "p"}]}})
