"""SNS filter policies (issue #14): numeric equality at SNS's precision, and the order of validation errors.

SNS DG, "Filter policy constraints": numeric matching is "with five digits of accuracy after the
decimal point"; the recorded case: a policy value 100.123456789 matches 100.1234567, not 100.1234561.
EventBridge compares numbers exactly (its own dialect)."""

from __future__ import annotations

import json

import pytest

from emulator.patterns import (
    InvalidParameter,
    compile_event_pattern,
    compile_filter_policy,
    event_matches,
    policy_matches,
)


def number(value: str) -> dict:
    return {"price": {"DataType": "Number", "StringValue": value}}


@pytest.mark.parametrize("policy", [
    {"price": [100.123456789]},
    {"price": [{"numeric": ["=", 100.123456789]}]},
    {"price": [{"numeric": [">=", 100.123456789, "<", 100.1234575]}]},
])
@pytest.mark.parametrize("value,matches", [
    ("100.1234567", True), ("100.123457", True), ("100.12345678", True),
    ("100.1234561", False), ("100.1234564", False), ("100.12346", False),
])
def test_numeric_equality_at_sns_precision(policy, value, matches):
    compiled = compile_filter_policy(json.dumps(policy))
    assert policy_matches(compiled, number(value), "") is matches


@pytest.mark.parametrize("where", ["attributes", "array", "body"])
def test_the_precision_holds_for_attributes_arrays_and_bodies(where):
    scope = "MessageBody" if where == "body" else "MessageAttributes"
    compiled = compile_filter_policy(json.dumps({"price": [100.123456789]}), scope)
    for value, matches in (("100.1234567", True), ("100.1234561", False)):
        if where == "attributes":
            attributes, body = number(value), ""
        elif where == "array":
            attributes, body = {"price": {"DataType": "String.Array", "StringValue": f"[1, {value}]"}}, ""
        else:
            attributes, body = None, f'{{"price": {value}}}'
        assert policy_matches(compiled, attributes, body) is matches, (where, value)


def test_anything_but_numbers_at_sns_precision():
    compiled = compile_filter_policy(json.dumps({"price": [{"anything-but": 100.123456789}]}))
    assert not policy_matches(compiled, number("100.1234567"), "")
    assert policy_matches(compiled, number("100.1234561"), "")


def test_eventbridge_compares_numbers_exactly():
    pattern = compile_event_pattern(json.dumps({"detail": {"price": [100.123456789]}}))
    assert not event_matches(pattern, {"detail": {"price": 100.1234567}})
    assert event_matches(pattern, {"detail": {"price": 100.123456789}})


def test_the_leaf_error_comes_before_the_scope_nesting_rule():
    with pytest.raises(InvalidParameter) as err:
        compile_filter_policy(json.dumps({"key": {"suffix": "x"}}), "MessageAttributes")
    assert err.value.message == 'Invalid parameter: FilterPolicy: "suffix" must be an object or an array'
    with pytest.raises(InvalidParameter) as err:
        compile_filter_policy(json.dumps({"key": {"inner": ["x"]}}), "MessageAttributes")
    assert "does not support nested filter policy" in err.value.message
