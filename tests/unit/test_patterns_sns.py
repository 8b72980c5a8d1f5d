"""SNS subscription filter policies on MessageAttributes and MessageBody, one table row per behaviour.

Citations: "SNS DG" is the Amazon SNS Developer Guide (pages "String value matching", "Numeric value
matching", "Attribute key matching", "AND/OR logic", "Filter policy constraints", "IP address
matching"); "AWS-recorded" marks responses localstack recorded from real AWS
(tests/aws/services/sns/test_sns_filter_policy.snapshot.json).
"""

import json

import pytest

from emulator.patterns import InvalidParameter, PreparedMessage, compile_filter_policy, policy_matches


def s(v):
    return {"DataType": "String", "StringValue": v}


def n(v):
    return {"DataType": "Number", "StringValue": v}


def arr(*vs):
    return {"DataType": "String.Array", "StringValue": json.dumps(list(vs))}


ATTRS = {
    "store": s("example_corp"), "event": s("order_placed"), "price_usd": n("210.75"), "quantity": n("100"),
    "customer_interests": arr("rugby", "football", "baseball"), "encrypted": {"DataType": "Binary", "BinaryValue": b"x"},
    "source_ip": s("192.0.2.17"), "numbers": arr(1, 2.5, "three"), "label": s("100"),
}

ATTRIBUTE_CASES = [
    ("SNS DG: String value matching - exact", {"store": ["example_corp"]}, True),
    ("SNS DG: String value matching - exact (no match)", {"store": ["other_corp"]}, False),
    ("SNS DG: Filter policy constraints - string matching is case-sensitive", {"store": ["Example_Corp"]}, False),
    ("SNS DG: String value matching - String.Array element", {"customer_interests": ["rugby", "tennis"]}, True),
    ("SNS DG: String value matching - String.Array (no element)", {"customer_interests": ["tennis"]}, False),
    ("SNS DG: String value matching - anything-but", {"event": [{"anything-but": ["order_cancelled"]}]}, True),
    ("SNS DG: String value matching - anything-but (excluded)", {"event": [{"anything-but": "order_placed"}]}, False),
    ("SNS DG: String value matching - anything-but on String.Array with another value",
     {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}, True),
    ("SNS DG: String value matching - anything-but prefix", {"event": [{"anything-but": {"prefix": "order-"}}]}, True),
    ("SNS DG: String value matching - anything-but prefix (excluded)", {"event": [{"anything-but": {"prefix": "order_"}}]},
     False),
    ("SNS DG: String value matching - anything-but absent attribute", {"missing": [{"anything-but": "x"}]}, False),
    ("SNS DG: String value matching - prefix", {"event": [{"prefix": "order"}]}, True),
    ("SNS DG: String value matching - suffix", {"event": [{"suffix": "_placed"}]}, True),
    ("SNS DG: String value matching - suffix (no match)", {"event": [{"suffix": "_PLACED"}]}, False),
    ("SNS DG: String value matching - equals-ignore-case", {"store": [{"equals-ignore-case": "EXAMPLE_CORP"}]}, True),
    ("SNS DG: IP address matching", {"source_ip": [{"cidr": "192.0.2.0/24"}]}, True),
    ("SNS DG: IP address matching (outside)", {"source_ip": [{"cidr": "198.51.100.0/24"}]}, False),
    ("SNS DG: Numeric value matching - exact", {"price_usd": [{"numeric": ["=", 210.75]}]}, True),
    ("SNS DG: Numeric value matching - exact with exponent", {"price_usd": [{"numeric": ["=", 2.1075e2]}]}, True),
    ("SNS DG: Numeric value matching - range", {"price_usd": [{"numeric": [">", 0, "<=", 300]}]}, True),
    ("SNS DG: Numeric value matching - range (outside)", {"price_usd": [{"numeric": ["<", 0]}]}, False),
    ("SNS DG: Numeric value matching - plain number", {"quantity": [100]}, True),
    ("SNS DG: Numeric value matching - 100 equals 100.0", {"quantity": [100.0]}, True),
    ("SNS DG: Numeric value matching - anything-but numbers", {"quantity": [{"anything-but": [100, 500]}]}, False),
    ("SNS DG: Numeric value matching - anything-but numbers (other)", {"price_usd": [{"anything-but": [100, 500]}]}, True),
    ("SNS DG: Numeric value matching - String.Array numbers", {"numbers": [{"numeric": [">", 2]}]}, True),
    ("SNS DG: String matchers do not match Number attributes", {"quantity": ["100"]}, False),
    ("SNS DG: String matchers do not match Number attributes (prefix)", {"quantity": [{"prefix": "1"}]}, False),
    ("SNS DG: Numeric matchers do not match String attributes", {"label": [{"numeric": ["=", 100]}]}, False),
    ("SNS DG: Numeric matchers do not match String attributes (exact)", {"label": [100]}, False),
    ("SNS DG: Filter policy constraints - Binary attributes are ignored", {"encrypted": [{"exists": True}]}, False),
    ("SNS DG: Attribute key matching - exists true", {"store": [{"exists": True}]}, True),
    ("SNS DG: Attribute key matching - exists false", {"store": [{"exists": False}]}, False),
    ("SNS DG: Attribute key matching - exists false (absent)", {"absent": [{"exists": False}]}, True),
    ("AWS-recorded test_filter_policy: null does not match an absent attribute", {"absent": [None]}, False),
    ("SNS DG: AND/OR logic - AND", {"store": ["example_corp"], "event": ["order_cancelled"]}, False),
    ("SNS DG: AND/OR logic - OR operator",
     {"store": ["x"], "$or": [{"event": ["order_placed"]}, {"quantity": [1]}]}, False),
    ("SNS DG: AND/OR logic - OR operator (one branch)",
     {"$or": [{"event": ["order_placed"]}, {"quantity": [1]}], "store": ["example_corp"]}, True),
]


@pytest.mark.parametrize("cite,policy,expected", ATTRIBUTE_CASES, ids=[c[0] for c in ATTRIBUTE_CASES])
def test_message_attributes(cite, policy, expected):
    compiled = compile_filter_policy(json.dumps(policy), "MessageAttributes")
    assert policy_matches(compiled, ATTRS, "body ignored") is expected, cite


BODY = {"customer_interests": ["soccer", "rugby", "hockey"], "store": "example_corp", "event": "order_placed",
        "price_usd": 210.75, "object": {"key": "auto-test", "nested": {"test": "string.value"}},
        "Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "a.xml", "size": 17}}},
                    {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "b.xml", "size": 20}}}]}

BODY_CASES = [
    ("SNS DG: Message body filtering - exact", {"store": ["example_corp"]}, json.dumps(BODY), True),
    ("SNS DG: Message body filtering - array property", {"customer_interests": ["rugby"]}, json.dumps(BODY), True),
    ("SNS DG: Message body filtering - nested property", {"object": {"key": [{"prefix": "auto-"}]}}, json.dumps(BODY),
     True),
    ("SNS DG: Message body filtering - nested property (no match)", {"object": {"key": [{"prefix": "home-"}]}},
     json.dumps(BODY), False),
    ("AWS-recorded test_filter_policy_on_message_body_dot_attribute", {"object.nested.test": ["string.value"]},
     json.dumps(BODY), True),
    ("SNS DG: Message body filtering - numeric", {"price_usd": [{"numeric": [">=", 200]}]}, json.dumps(BODY), True),
    ("SNS DG: Message body filtering - array of objects",
     {"Records": {"eventName": [{"prefix": "ObjectCreated"}], "s3": {"object": {"size": [17]}}}}, json.dumps(BODY), True),
    ("ruler README: JSON Array Matching - fields from different elements",
     {"Records": {"eventName": [{"prefix": "ObjectCreated"}], "s3": {"object": {"size": [20]}}}}, json.dumps(BODY), False),
    ("SNS DG: Message body filtering - exists false", {"missing": [{"exists": False}]}, json.dumps(BODY), True),
    ("SNS DG: Message body filtering - body must be JSON", {"store": [{"exists": False}]}, "not json", False),
    ("SNS DG: Message body filtering - body must be a JSON object", {"store": [{"exists": False}]}, "[1, 2]", False),
    ("SNS DG: Message body filtering - a JSON string body", {"store": [{"exists": False}]}, '"text"', False),
    ("SNS DG: AND/OR logic - OR operator on body",
     {"$or": [{"store": ["x"]}, {"object": {"key": ["auto-test"]}}]}, json.dumps(BODY), True),
]


@pytest.mark.parametrize("cite,policy,body,expected", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_message_body(cite, policy, body, expected):
    compiled = compile_filter_policy(json.dumps(policy), "MessageBody")
    assert policy_matches(compiled, {"store": s("example_corp")}, body) is expected, cite


def test_empty_policy_accepts_everything():
    # SNS DG: a subscription without a filter policy receives every message; "{}" constrains nothing.
    assert policy_matches(compile_filter_policy("{}", "MessageBody"), None, "not json") is True


def test_prepared_message_flattens_once_per_scope():
    msg = PreparedMessage({"store": s("example_corp")}, json.dumps(BODY))
    by_attr = compile_filter_policy('{"store": ["example_corp"]}', "MessageAttributes")
    by_body = compile_filter_policy('{"event": ["order_placed"]}', "MessageBody")
    assert msg.matches(by_attr) and msg.matches(by_body)
    cached = msg._attrs
    assert msg.matches(by_attr) and msg._attrs is cached


LEAD = "Invalid parameter: FilterPolicy: "
SIX_KEYS = {k: ["v"] for k in "abcdef"}
ERRORS = [
    ("AWS-recorded sub-filter-policy-max-attr-keys", SIX_KEYS, "MessageAttributes",
     LEAD + "Filter policy can not have more than 5 keys"),
    ("SNS DG: Filter policy constraints - five top-level keys in payload policies", SIX_KEYS, "MessageBody",
     LEAD + "Filter policy can not have more than 5 keys"),
    ("SNS DG: Filter policy constraints - 150 combinations", {"a": list(range(151))}, "MessageAttributes",
     LEAD + "Filter policy is too complex"),
    ("SNS DG: Filter policy constraints - combinations multiply", {"a": list(range(13)), "b": list(range(12))},
     "MessageAttributes", LEAD + "Filter policy is too complex"),
    ("SNS DG: Filter policy constraints - nested keys multiply by depth",
     {"a": {"b": {"c": list(range(10))}}, "d": {"e": list(range(3))}}, "MessageBody", LEAD + "Filter policy is too complex"),
    ("AWS-recorded error-complexity-or-flat", {"$or": [{"a": list(range(100))}, {"b": list(range(51))}]},
     "MessageAttributes", LEAD + "Filter policy is too complex"),
    ("AWS-recorded sub-filter-policy-nested-error", {"object": {"key": [{"prefix": "auto-"}]}}, "MessageAttributes",
     "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"),
    ("AWS-recorded sub-filter-policy-rule-no-list", {"key_a": "value_one"}, "MessageBody",
     LEAD + '"key_a" must be an object or an array'),
    ("AWS-recorded error-condition-list", {"key": [["value"]]}, "MessageAttributes",
     LEAD + "Match value must be String, number, true, false, or null"),
    ("AWS-recorded error-condition-operator", {"key": [{"wrong-operator": True}]}, "MessageAttributes",
     LEAD + "Unrecognized match type wrong-operator"),
    ("SNS DG: supported operators - no wildcard", {"key": [{"wildcard": "a*"}]}, "MessageAttributes",
     LEAD + "Unrecognized match type wildcard"),
    ("AWS-recorded error-condition-two-operators", {"key": [{"suffix": "value", "prefix": "value2"}]},
     "MessageAttributes", LEAD + "Only one key allowed in match expression"),
    ("AWS-recorded error-condition-is-numeric", {"key": [{"suffix": 100}]}, "MessageAttributes",
     LEAD + "suffix match pattern must be a string"),
    ("AWS-recorded error-condition-empty-list", {"key": [{"suffix": []}]}, "MessageAttributes",
     LEAD + "suffix match pattern must be a string"),
    ("AWS-recorded error-condition-anything-but-suffix", {"key": [{"anything-but": {"suffix": "test"}}]},
     "MessageAttributes", LEAD + "Unsupported anything-but pattern: suffix"),
    ("AWS-recorded error-condition-anything-but-exists", {"key": [{"anything-but": {"exists": False}}]},
     "MessageAttributes", LEAD + "Unsupported anything-but pattern: exists"),
    ("AWS-recorded error-condition-anything-but-prefix-wrong-type", {"key": [{"anything-but": {"prefix": False}}]},
     "MessageAttributes", LEAD + "prefix match pattern must be a string"),
    ("AWS-recorded error-condition-none (exists)", {"key": [{"exists": None}]}, "MessageAttributes",
     LEAD + "exists match pattern must be either true or false."),
    ("AWS-recorded error-numeric-wrong-range-operators", {"key": [{"numeric": [">=", 1, ">", 2]}]},
     "MessageAttributes", LEAD + "Bad numeric range operator: >"),
    ("AWS-recorded error-numeric-wrong-range-value-1-type", {"key": [{"numeric": [">", "20", "<", "30"]}]},
     "MessageAttributes", LEAD + "Value of > must be numeric"),
    ("SNS DG: Filter policy constraints - numbers from -1e9 to 1e9", {"key": [{"numeric": ["<", 2e9]}]},
     "MessageAttributes", LEAD + "Value must be between -1.0E9 and 1.0E9, inclusive"),
    ("ruler JsonRuleCompiler: empty arrays", {"key": []}, "MessageBody", LEAD + "Empty arrays are not allowed"),
]


@pytest.mark.parametrize("cite,policy,scope,message", ERRORS, ids=[c[0] for c in ERRORS])
def test_validation_errors(cite, policy, scope, message):
    with pytest.raises(InvalidParameter) as e:
        compile_filter_policy(json.dumps(policy), scope)
    assert (e.value.code, e.value.status, e.value.message) == ("InvalidParameter", 400, message), cite


RAW_ERRORS = [
    ("AWS-recorded invalid-json-filter-policy", "{invalidjson}", "MessageAttributes", False,
     LEAD + "failed to parse JSON."),
    ("AWS-recorded test_validate_policy (Subscribe Attributes)", '{"key": [["value"]]}', "MessageAttributes", True,
     "Invalid parameter: Attributes Reason: FilterPolicy: Match value must be String, number, true, false, or null"),
    ("AWS-recorded sub-attrs-filter-scope-error", '{"a": ["b"]}', "RandomValue", False,
     "Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes"),
    ("SNS DG: Filter policy constraints - maximum size 256 KB", json.dumps({"a": ["x" * (256 * 1024)]}), "MessageBody",
     False, LEAD + "Filter policy is too long"),
]


@pytest.mark.parametrize("cite,policy,scope,subscribe,message", RAW_ERRORS, ids=[c[0] for c in RAW_ERRORS])
def test_raw_validation_errors(cite, policy, scope, subscribe, message):
    with pytest.raises(InvalidParameter) as e:
        compile_filter_policy(policy, scope, subscribe=subscribe)
    assert e.value.message == message, cite


def test_depth_multiplied_example_is_accepted():
    # SNS DG: Filter policy constraints - "3 x 4 x 2 x 3 = 72" is within the limit.
    policy = {"key_a": {"key_b": {"key_c": ["v1", "v2", "v3", "v4"]}}, "key_d": {"key_e": ["v1", "v2", "v3"]}}
    assert compile_filter_policy(json.dumps(policy), "MessageBody").source == json.dumps(policy)
