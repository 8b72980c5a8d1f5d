"""EventBridge event patterns: matching and validation, one table row per documented behaviour.

Citations: "EB UG" is the Amazon EventBridge User Guide (pages "Event patterns", "Content filtering",
"Arrays in event patterns", "Comparison operators"); "ruler" is aws/event-ruler (README or
JsonRuleCompiler), whose messages EventBridge returns verbatim; "AWS-recorded" marks responses that
localstack recorded from real AWS (tests/aws/services/events/test_events_patterns.snapshot.json).
"""

import json

import pytest

from emulator.errors import ValidationException
from emulator.patterns import (
    InvalidEventPatternException,
    compile_event_pattern,
    event_matches,
    flatten,
    test_event_pattern,
)

ENVELOPE = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2", "account": "111122223333", "time": "2017-12-22T18:43:48Z", "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
}
DETAIL = {
    "instance-id": "i-1234567890abcdef0", "state": "terminated", "c-count": 5, "d-count": 3, "x-limit": 301.8,
    "source-ip": "10.0.0.33", "ipv6": "2001:db8:1234:1a00::12", "FileName": "photo.PNG", "FilePath": "/usr/lib/x.jar",
    "flag": True, "none": None, "empty": "", "tags": ["web", "eu"], "neg": -7.5, "big": 6e9,
    "nested": {"inner": {"leaf": "v"}}, "obj": {"c1": 100},
    "employees": [{"first": "John", "last": "Doe"}, {"first": "Anna", "last": "Smith"}],
}


def event(**detail_overrides):
    return {**ENVELOPE, "detail": {**DETAIL, **detail_overrides}}


def matches(pattern, evt=None) -> bool:
    return event_matches(compile_event_pattern(json.dumps(pattern)), flatten(evt or event()))


MATCHING = [
    # --- exact values
    ("EB UG: Event patterns - example pattern", {"source": ["aws.ec2"]}, None, True),
    ("EB UG: Event patterns - values are ORed", {"source": ["aws.s3", "aws.ec2"]}, None, True),
    ("EB UG: Event patterns - no match", {"source": ["aws.s3"]}, None, False),
    ("EB UG: Event patterns - matching is case-sensitive", {"source": ["AWS.EC2"]}, None, False),
    ("EB UG: Event patterns - all fields ANDed", {"source": ["aws.ec2"], "detail": {"state": ["running"]}}, None, False),
    ("EB UG: Event patterns - nested detail", {"detail": {"state": ["terminated"]}}, None, True),
    ("EB UG: Event patterns - field must exist", {"detail": {"missing": ["x"]}}, None, False),
    ("EB UG: Null values and empty strings - empty string", {"detail": {"empty": [""]}}, None, True),
    ("EB UG: Null values and empty strings - null", {"detail": {"none": [None]}}, None, True),
    ("EB UG: Null values and empty strings - null is not absent", {"detail": {"missing": [None]}}, None, False),
    ("EB UG: Null values and empty strings - null is not empty", {"detail": {"empty": [None]}}, None, False),
    ("ruler README: JSON text matching - true literal", {"detail": {"flag": [True]}}, None, True),
    ("ruler README: JSON text matching - \"true\" string is not true", {"detail": {"flag": ["true"]}}, None, False),
    ("ruler README: JSON text matching - number is not string", {"detail": {"c-count": ["5"]}}, None, False),
    ("ruler README: JSON text matching - string is not number", {"detail": {"state": [5]}}, None, False),
    ("AWS-recorded number_comparison_float: 300 matches 300.0", {"detail": {"n": [300]}}, event(n=300.0), True),
    ("ruler README: numeric equality 3.018e2", {"detail": {"x-limit": [3.018e2]}}, None, True),
    ("ruler: true is not the number 1", {"detail": {"flag": [1]}}, None, False),
    ("EB UG: Event patterns - key matching is case-sensitive", {"detail": {"STATE": ["terminated"]}}, None, False),
    ("ruler README: Compiled rules and JSON keys with dots (pattern)", {"detail": {"nested.inner.leaf": ["v"]}}, None, True),
    ("ruler README: Compiled rules and JSON keys with dots (event)",
     {"detail": {"a": {"b": ["v"]}}}, event(**{"a.b": "v"}), True),
    # --- prefix / suffix / equals-ignore-case
    ("EB UG: Content filtering - Prefix matching", {"time": [{"prefix": "2017-12-22"}]}, None, True),
    ("EB UG: Content filtering - Prefix matching (no match)", {"time": [{"prefix": "2018"}]}, None, False),
    ("ruler README: prefix only works on strings", {"detail": {"c-count": [{"prefix": "5"}]}}, None, False),
    ("EB UG: Content filtering - Prefix matching while ignoring case",
     {"source": [{"prefix": {"equals-ignore-case": "AWS."}}]}, None, True),
    ("EB UG: Content filtering - Suffix matching", {"detail": {"FileName": [{"suffix": ".PNG"}]}}, None, True),
    ("EB UG: Content filtering - Suffix matching is case-sensitive", {"detail": {"FileName": [{"suffix": ".png"}]}}, None,
     False),
    ("EB UG: Content filtering - Suffix matching while ignoring case",
     {"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}, None, True),
    ("EB UG: Content filtering - Equals-ignore-case matching", {"source": [{"equals-ignore-case": "AWS.EC2"}]}, None,
     True),
    ("EB UG: Content filtering - Equals-ignore-case (no match)", {"source": [{"equals-ignore-case": "aws.ec"}]}, None,
     False),
    # --- anything-but
    ("EB UG: Content filtering - Anything-but matching", {"detail": {"state": [{"anything-but": "initializing"}]}},
     None, True),
    ("EB UG: Content filtering - Anything-but (excluded value)",
     {"detail": {"state": [{"anything-but": "terminated"}]}}, None, False),
    ("EB UG: Content filtering - Anything-but list", {"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}},
     None, False),
    ("AWS-recorded content_anything_but_string_null: null is anything but a string",
     {"detail": {"none": [{"anything-but": "initializing"}]}}, None, True),
    ("AWS-recorded content_anything_but_string_missing_NEG: absent field",
     {"detail": {"missing": [{"anything-but": "initializing"}]}}, None, False),
    ("AWS-recorded complex_multi_match_NEG: numeric anything-but list",
     {"detail": {"x": [{"anything-but": [100, 200, 300]}]}}, event(x=300), False),
    ("EB UG: Content filtering - Anything-but numeric list", {"detail": {"c-count": [{"anything-but": [100, 200]}]}},
     None, True),
    ("EB UG: Content filtering - Anything-but begins with", {"region": [{"anything-but": {"prefix": "us-"}}]}, None,
     False),
    ("AWS-recorded content_anything_prefix_int_value: a number is not a prefix match",
     {"detail": {"c-count": [{"anything-but": {"prefix": "init"}}]}}, None, True),
    ("EB UG: Content filtering - Anything-but ends with", {"detail": {"FileName": [{"anything-but": {"suffix": ".txt"}}]}},
     None, True),
    ("EB UG: Content filtering - Anything-but ends with (excluded)",
     {"detail": {"FileName": [{"anything-but": {"suffix": ".PNG"}}]}}, None, False),
    ("EB UG: Content filtering - Anything-but ignoring case",
     {"detail": {"state": [{"anything-but": {"equals-ignore-case": ["TERMINATED", "stopped"]}}]}}, None, False),
    ("EB UG: Content filtering - Anything-but using a wildcard",
     {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}, None, False),
    ("AWS-recorded content_anything_wildcard_int: a number never matches the wildcard",
     {"detail": {"c-count": [{"anything-but": {"wildcard": "*/dir/*"}}]}}, None, True),
    ("AWS-recorded content_anything_wildcard_empty", {"detail": {"FilePath": [{"anything-but": {"wildcard": ""}}]}},
     None, True),
    ("EB UG: Arrays - anything-but matches if any element differs", {"detail": {"tags": [{"anything-but": "web"}]}},
     None, True),
    # --- numeric
    ("EB UG: Content filtering - Numeric matching (range)", {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
     None, True),
    ("EB UG: Content filtering - Numeric matching (open top)", {"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}},
     None, False),
    ("EB UG: Content filtering - Numeric matching (<)", {"detail": {"d-count": [{"numeric": ["<", 10]}]}}, None, True),
    ("EB UG: Content filtering - Numeric matching (= with exponent)", {"detail": {"x-limit": [{"numeric": ["=", 3.018e2]}]}},
     None, True),
    ("ruler: integers and decimals compare as numbers", {"detail": {"c-count": [{"numeric": ["=", 5.0]}]}}, None, True),
    ("ruler: >= is inclusive", {"detail": {"c-count": [{"numeric": [">=", 5]}]}}, None, True),
    ("ruler: > is exclusive", {"detail": {"c-count": [{"numeric": [">", 5]}]}}, None, False),
    ("ruler: <= with decimals", {"detail": {"x-limit": [{"numeric": ["<=", 301.79]}]}}, None, False),
    ("ruler: negative numbers", {"detail": {"neg": [{"numeric": [">=", -10, "<", -7]}]}}, None, True),
    ("ruler: negative exponent", {"detail": {"n": [{"numeric": [">", 1e-3]}]}}, event(n=0.0011), True),
    ("ruler README: numeric works only on JSON numbers", {"detail": {"s": [{"numeric": [">", 0]}]}}, event(s="5"), False),
    ("AWS-recorded numeric-null_NEG", {"detail": {"none": [{"numeric": [">", 0]}]}}, None, False),
    ("ruler README: numbers beyond +-5.0e9 are not comparable", {"detail": {"big": [{"numeric": [">", 0]}]}}, None, False),
    ("ruler: booleans are not numbers", {"detail": {"flag": [{"numeric": [">", 0]}]}}, None, False),
    # --- exists
    ("EB UG: Content filtering - Exists matching", {"detail": {"state": [{"exists": True}]}}, None, True),
    ("EB UG: Content filtering - Exists matching (absent)", {"detail": {"missing": [{"exists": True}]}}, None, False),
    ("EB UG: Content filtering - Exists false", {"detail": {"missing": [{"exists": False}]}}, None, True),
    ("EB UG: Content filtering - Exists false (present)", {"detail": {"state": [{"exists": False}]}}, None, False),
    ("ruler README: exists only works on leaf nodes", {"detail": {"obj": [{"exists": False}]}}, None, True),
    ("ruler README: exists true on an intermediate node", {"detail": {"obj": [{"exists": True}]}}, None, False),
    ("AWS-recorded exists_list_empty_NEG: empty array is absent", {"resources": [{"exists": True}]}, {**ENVELOPE,
     "resources": []}, False),
    ("EB UG: Null values - exists true on a null value", {"detail": {"none": [{"exists": True}]}}, None, True),
    ("AWS-recorded or-exists-parent: exists false under a missing parent",
     {"detail": {"homemade": {"S": [{"anything-but": ["roses"]}, {"exists": False}]}}}, None, True),
    # --- cidr
    ("EB UG: Content filtering - IP address matching", {"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, None, True),
    ("EB UG: Content filtering - IP address matching (outside)", {"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}},
     None, False),
    ("EB UG: Content filtering - IP address matching IPv6",
     {"detail": {"ipv6": [{"cidr": "2001:db8:1234:1a00::/64"}]}}, None, True),
    ("AWS-recorded content_ip_address_v6_NEG", {"detail": {"ipv6": [{"cidr": "2001:db8:1234:1b00::/64"}]}}, None, False),
    ("ruler CIDR.java: range starts at the address as written", {"detail": {"source-ip": [{"cidr": "10.0.0.40/24"}]}},
     None, False),
    ("AWS-recorded content_ip_address_bad_type_NEG: not an IP", {"detail": {"state": [{"cidr": "10.0.0.0/8"}]}}, None,
     False),
    ("ruler: IPv4 pattern never matches an IPv6 value", {"detail": {"ipv6": [{"cidr": "0.0.0.0/0"}]}}, None, False),
    # --- wildcard
    ("EB UG: Content filtering - Wildcard matching", {"detail": {"FilePath": [{"wildcard": "/usr/*/*.jar"}]}}, None,
     True),
    ("EB UG: Content filtering - Wildcard matching (no match)", {"detail": {"FilePath": [{"wildcard": "*/bin/*"}]}},
     None, False),
    ("ruler README: Wildcard matching - * matches an empty run", {"detail": {"state": [{"wildcard": "term*inated*"}]}},
     None, True),
    ("ruler README: Wildcard matching - escaped \\* is a literal star", {"detail": {"s": [{"wildcard": "a\\*b*"}]}},
     event(s="a*bc"), True),
    ("ruler README: Wildcard matching - escaped star does not match other text", {"detail": {"s": [{"wildcard": "a\\*b"}]}},
     event(s="axb"), False),
    ("ruler README: Wildcard matching - \\\\ is a literal backslash", {"detail": {"s": [{"wildcard": "c:\\\\*"}]}},
     event(s="c:\\dir"), True),
    ("ruler README: Wildcard matching - repeated segments", {"detail": {"s": [{"wildcard": "*ab*ab"}]}}, event(s="abab"),
     True),
    ("ruler README: Wildcard matching - only on strings", {"detail": {"c-count": [{"wildcard": "*"}]}}, None, False),
    # --- arrays
    ("EB UG: Arrays in event patterns - intersection non-empty",
     {"resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "arn:other"]}, None, True),
    ("AWS-recorded arrays_NEG", {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}, None, False),
    ("EB UG: Arrays - any element of an event array", {"detail": {"tags": ["eu"]}}, None, True),
    ("AWS-recorded arrays_empty_null_NEG", {"resources": [None]}, {**ENVELOPE, "resources": []}, False),
    ("ruler README: JSON Array Matching - objects in arrays", {"detail": {"employees": {"first": ["Anna"]}}}, None, True),
    ("ruler README: JSON Array Matching - same element", {"detail": {"employees": {"first": ["Anna"], "last": ["Smith"]}}},
     None, True),
    ("ruler README: JSON Array Matching - rulesForJSONEvent refuses fields from different elements",
     {"detail": {"employees": {"first": ["Anna"], "last": ["Doe"]}}}, None, False),
    ("ruler README: JSON Array Matching - multi-level arrays",
     {"detail": {"e": {"first": ["Peter"], "last": ["Jones"]}}},
     event(e=[[{"first": "John"}, {"first": "Anna"}], [{"first": "Peter", "last": "Jones"}]]), True),
    ("ruler README: JSON Array Matching - multi-level arrays, different inner elements",
     {"detail": {"e": {"first": ["Anna"], "last": ["Jones"]}}},
     event(e=[[{"first": "Anna"}, {"last": "Jones"}]]), False),
    ("AWS-recorded list_within_dict: exists in one element", {"detail": {"automations": {"id": [{"exists": True}]}}},
     event(automations=[{"k": "v"}, {"id": "x"}]), True),
    ("ruler README: JSON Array Matching - consistency applies within each $or branch",
     {"$or": [{"source": ["aws.s3"]}, {"detail": {"employees": {"first": ["Anna"], "last": ["Doe"]}}}]}, None, False),
    # --- $or
    ("EB UG: Content filtering - Or matching (top level)",
     {"$or": [{"source": ["aws.s3"]}, {"detail-type": ["EC2 Instance State-change Notification"]}]}, None, True),
    ("EB UG: Content filtering - Or matching (none)", {"$or": [{"source": ["aws.s3"]}, {"region": ["eu-west-1"]}]},
     None, False),
    ("EB UG: Content filtering - Or matching inside detail",
     {"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]}, {"d-count": [{"numeric": ["<", 10]}]}]}},
     None, True),
    ("ruler README: \"Or\" has an \"And\" inside",
     {"source": ["aws.ec2"], "$or": [{"region": ["eu-west-1"]}, {"account": ["111122223333"], "region": ["us-west-1"]}]},
     None, True),
    ("ruler README: Nested \"Or\" and \"And\"",
     {"source": ["aws.ec2"], "$or": [{"region": ["x"]}, {"detail": {"state": ["terminated"], "$or": [
         {"c-count": [1]}, {"d-count": [3]}]}}]}, None, True),
    ("ruler README: Nested \"Or\" and \"And\" (inner fails)",
     {"source": ["aws.ec2"], "$or": [{"region": ["x"]}, {"detail": {"state": ["terminated"], "$or": [
         {"c-count": [1]}, {"d-count": [4]}]}}]}, None, False),
    ("ruler README: Parallel \"Or\"",
     {"$or": [{"source": ["x"]}, {"region": ["us-west-1"]}], "detail": {"$or": [{"state": ["x"]}, {"flag": [True]}]}},
     None, True),
]


@pytest.mark.parametrize("cite,pattern,evt,expected", MATCHING, ids=[c[0] for c in MATCHING])
def test_matching(cite, pattern, evt, expected):
    assert matches(pattern, evt) is expected, cite


REASON = "Event pattern is not valid. Reason: "
ERRORS = [
    ("AWS-recorded invalid_json[not a dict]", '["not", "a", "dict"]', "Filter is not an object"),
    ("AWS-recorded int_nolist_EXC", '{"int": 42}', '"int" must be an object or an array'),
    ("AWS-recorded string_nolist_EXC", '{"string": "my-value"}', '"string" must be an object or an array'),
    ("AWS-recorded arrays_empty_EXC", '{"resources": []}', "Empty arrays are not allowed"),
    ("issue cloud-custodian#6507 (AWS response)", '{"source": ["aws.health"], "detail": {}}',
     "Empty objects are not allowed"),
    ("ruler JsonRuleCompiler: nested arrays", '{"a": [["v"]]}', "Match value must be String, number, true, false, or null"),
    ("AWS-recorded content_numeric_operatorcasing_EXC", '{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}',
     "Unrecognized match type NUMERIC"),
    ("AWS-recorded operator_case_sensitive_EXC", '{"my_key": [{"EXISTS": true}]}', "Unrecognized match type EXISTS"),
    ("ruler JsonRuleCompiler: two operators", '{"a": [{"suffix": "v", "prefix": "w"}]}',
     "Only one key allowed in match expression"),
    ("ruler JsonRuleCompiler: empty match expression", '{"a": [{}]}', "Match expression name not found"),
    ("AWS-recorded content_prefix_int_EXC", '{"time": [{"prefix": 123}]}', "prefix match pattern must be a string"),
    ("AWS-recorded content_prefix_list_EXC", '{"time": [{"prefix": ["2022"]}]}', "prefix match pattern must be a string"),
    ("AWS-recorded content_suffix_list_EXC", '{"FileName": [{"suffix": [".png"]}]}', "suffix match pattern must be a string"),
    ("ruler JsonRuleCompiler: prefix object", '{"a": [{"prefix": {"exists": true}}]}', "Unsupported prefix pattern: exists"),
    ("AWS-recorded content_ignorecase_list_EXC", '{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}',
     "equals-ignore-case match pattern must be a string"),
    ("ruler: numeric needs an array", '{"a": [{"numeric": 5}]}', "Value of numeric must be an array."),
    ("AWS-recorded (SNS) error-numeric-empty", '{"a": [{"numeric": []}]}', "Invalid member in numeric match: ]"),
    ("AWS-recorded (SNS) error-numeric-wrong-operator", '{"a": [{"numeric": ["operator"]}]}',
     "Unrecognized numeric range operator: operator"),
    ("AWS-recorded (SNS) error-numeric-operator-order", '{"a": [{"numeric": [1, "<="]}]}', "Invalid member in numeric match: 1"),
    ("AWS-recorded (SNS) error-numeric-type", '{"a": [{"numeric": ["=", "000"]}]}', "Value of equals must be numeric"),
    ("AWS-recorded (SNS) error-numeric-missing-value", '{"a": [{"numeric": [">="]}]}', "Value of >= must be numeric"),
    ("AWS-recorded (SNS) error-numeric-wrong-range-order", '{"a": [{"numeric": ["<", 100, ">", 10]}]}',
     "Too many elements in numeric expression"),
    ("AWS-recorded content_numeric_EXC", '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}',
     "Bad numeric range operator: >"),
    ("AWS-recorded content_numeric_syntax_EXC", '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}',
     "Value of < must be numeric"),
    ("AWS-recorded (SNS) error-numeric-wrong-value-order", '{"a": [{"numeric": [">", 3, "<", 1]}]}',
     "Bottom must be less than top"),
    ("AWS-recorded (SNS) error-numeric-missing-range-operator", '{"a": [{"numeric": [">", 20, 30]}]}',
     "Bad value in numeric range: 30"),
    ("AWS-recorded (SNS) error-numeric-too-many-range", '{"a": [{"numeric": [">", 20, "<", 30, "<", 50]}]}',
     "Too many terms in numeric range expression"),
    ("ruler README: numeric limited to -5.0e9..+5.0e9", '{"a": [{"numeric": [">", 6e9]}]}',
     "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ("ruler JsonRuleCompiler: numeric with another key", '{"a": [{"numeric": [">", 1], "x": 1}]}',
     "Too many elements in numeric expression"),
    ("AWS-recorded (SNS) error-condition-string", '{"a": [{"exists": "no"}]}',
     "exists match pattern must be either true or false."),
    ("ruler JsonRuleCompiler: anything-but null in list", '{"a": [{"anything-but": ["x", null]}]}',
     "Inside anything but list, start|null|boolean is not supported."),
    ("ruler JsonRuleCompiler: anything-but mixed list", '{"a": [{"anything-but": ["x", 1]}]}',
     "Inside anything but list, either all values are number or string, mixed type is not supported"),
    ("ruler JsonRuleCompiler: anything-but boolean", '{"a": [{"anything-but": true}]}',
     "Value of anything-but must be an array or single string/number value."),
    ("AWS-recorded content_anything_prefix_ignorecase_EXC",
     '{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}',
     "Value of anything-but must be an array or single string/number value."),
    ("ruler JsonRuleCompiler: anything-but exists", '{"a": [{"anything-but": {"exists": false}}]}',
     "Unsupported anything-but pattern: exists"),
    ("AWS-recorded content_anything_prefix_int_EXC", '{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}',
     "prefix/suffix match pattern must be a string"),
    ("AWS-recorded content_anything_suffix_list_type_EXC",
     '{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}', "prefix/suffix match pattern must be a string"),
    ("AWS-recorded content_anything_prefix_empty_EXC", '{"a": [{"anything-but": {"prefix": ""}}]}',
     "Null prefix/suffix not allowed"),
    ("AWS-recorded content_anything_but_ignorecase_EXC",
     '{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}',
     "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."),
    ("AWS-recorded content_anything_wildcard_list_type_EXC",
     '{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}', "wildcard match pattern must be a string"),
    ("ruler README: anything-but numbers within limits", '{"a": [{"anything-but": [1e10]}]}',
     "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ("AWS-recorded content_ip_address_EXC", '{"a": [{"cidr": "bad"}]}', "Malformed CIDR, one '/' required"),
    ("AWS-recorded content_ip_address_bad_mask_EXC", '{"a": [{"cidr": "10.0.0.0/xx"}]}',
     "Malformed CIDR, mask bits must be an integer"),
    ("AWS-recorded content_ip_address_bad_ip_EXC", '{"a": [{"cidr": "xx.11.xx/8"}]}', "Nonstandard IP address: xx.11.xx"),
    ("AWS-recorded content_ip_address_v6_bad_ip_EXC", '{"a": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}',
     "Nonstandard IP address: xxxx:db8:1234:1a00::"),
    ("AWS-recorded content_ip_address_type_EXC", '{"a": [{"cidr": ["bad-type"]}]}', "prefix match pattern must be a string"),
    ("ruler CIDR.java: IPv4 mask", '{"a": [{"cidr": "10.0.0.0/32"}]}', "IPv4 mask bits must be < 32"),
    ("ruler CIDR.java: IPv6 mask", '{"a": [{"cidr": "2001:db8::/128"}]}', "IPv6 mask bits must be < 128"),
    ("ruler CIDR.java: negative mask", '{"a": [{"cidr": "10.0.0.0/-1"}]}', "Malformed CIDR, mask bits must not be negative"),
    ("ruler CIDR.java: octet out of range", '{"a": [{"cidr": "999.0.0.1/8"}]}', "Invalid IP address: 999.0.0.1"),
    ("AWS-recorded content_wildcard_int_EXC", '{"EventBusArn": [{"wildcard": 123}]}', "wildcard match pattern must be a string"),
    ("AWS-recorded content_wildcard_repeating_star_EXC",
     '{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}', "Consecutive wildcard characters at pos 26"),
    ("ruler WildcardParser: invalid escape", '{"a": [{"wildcard": "a\\\\b"}]}', "Invalid escape character at pos 2"),
    ("ruler JsonRuleCompiler: $or needs two objects", '{"$or": [{"a": ["b"]}]}',
     "There must have at least 2 Objects in $or relationship."),
    ("ruler JsonRuleCompiler: $or members are objects", '{"$or": [{"a": ["b"]}, ["c"]]}',
     "Only JSON object is allowed in array of $or relationship."),
    ("ruler JsonRuleCompiler: $or is an array", '{"$or": {"a": ["b"]}}', "It must be an Array followed with $or."),
    ("ruler README: reserved keywords inside $or", '{"$or": [{"numeric": [1]}, {"a": ["b"]}]}',
     "numeric is Ruler reserved fieldName which cannot be used inside $or."),
]


@pytest.mark.parametrize("cite,pattern,reason", ERRORS, ids=[c[0] for c in ERRORS])
def test_validation_errors(cite, pattern, reason):
    with pytest.raises(InvalidEventPatternException) as e:
        compile_event_pattern(pattern)
    assert (e.value.code, e.value.status, e.value.message) == ("InvalidEventPatternException", 400, REASON + reason), cite


def test_malformed_json_is_an_invalid_pattern():
    # AWS-recorded invalid_json[{'bad': 'quotation'}]: Jackson's own parse message follows the reason prefix.
    with pytest.raises(InvalidEventPatternException) as e:
        compile_event_pattern("{'bad': 'quotation'}")
    assert e.value.message.startswith(REASON)


def test_compiled_pattern_keeps_source():
    source = '{"source": ["aws.ec2"]}'
    assert compile_event_pattern(source).source == source


def test_later_duplicate_key_wins():
    # AWS-recorded complex_multi_key: "if you include a key more than once the last reference will be used".
    pattern = '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}'
    assert event_matches(compile_event_pattern(pattern), event(location="eu-central-1"))


VALID_EVENT = json.dumps({k: ENVELOPE[k] for k in ("id", "account", "source", "time", "region", "detail-type")})
EVENT_ERRORS = [
    ("AWS-recorded test_plain_string_payload", "plain string"),
    ("EB API: TestEventPattern - Event must be a JSON object", '["x"]'),
    *[(f"EB API: TestEventPattern - mandatory field {f}",
       json.dumps({k: v for k, v in json.loads(VALID_EVENT).items() if k != f}))
      for f in ("id", "account", "source", "time", "region", "detail-type")],
]


@pytest.mark.parametrize("cite,evt", EVENT_ERRORS, ids=[c[0] for c in EVENT_ERRORS])
def test_test_event_pattern_validates_the_event(cite, evt):
    with pytest.raises(ValidationException) as e:
        test_event_pattern('{"source": ["aws.ec2"]}', evt)
    assert (e.value.code, e.value.message) == ("ValidationException", "Parameter Event is not valid."), cite


def test_test_event_pattern_results():
    # localstack PR #11994 (checked against AWS): "resources" is not actually mandatory.
    assert test_event_pattern('{"source": ["aws.ec2"]}', VALID_EVENT) is True
    assert test_event_pattern('{"source": ["aws.s3"]}', VALID_EVENT) is False


def test_test_event_pattern_checks_the_pattern_first():
    with pytest.raises(InvalidEventPatternException):
        test_event_pattern('{"source": "aws.ec2"}', "not json")
