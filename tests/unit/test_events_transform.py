"""What a rule target receives (Input / InputPath / InputTransformer) and what PutTargets refuses.

Citations: "UG" is the EventBridge User Guide page "Amazon EventBridge input transformation"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html); "API" the API Reference
pages Target, InputTransformer and PutTargets; "recorded" a response localstack recorded from AWS
(tests/aws/services/events/test_events_inputs.snapshot.json); "issue" an AWS answer quoted in a public issue;
"choice" a behaviour no source settles, chosen here and named in the module docstring.
"""

import json

import pytest

from emulator.events.transform import (
    MISSING,
    InvalidTarget,
    parse_json_path,
    render_input,
    select,
    validate_target_input,
)

# UG "Input transform examples": the example Amazon EC2 event, verbatim.
EC2_EVENT = json.loads("""{
  "version": "0",
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "123456789012",
  "time": "2015-11-11T21:29:54Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
  ],
  "detail": {
    "instance-id": "i-0123456789",
    "state": "RUNNING"
  }
}""")
# UG: the Input Path of the examples.
EC2_PATHS = {"timestamp": "$.time", "instance": "$.detail.instance-id", "state": "$.detail.state"}

# The event of the recorded runs (localstack's TEST_EVENT_PATTERN / EVENT_DETAIL).
RECORDED_EVENT = {
    "version": "0", "id": "0b5d7d58-5b8b-4a5a-9a33-0c5d0c2c2b5e", "detail-type": "core.update-account-command",
    "source": "core.update-account-command", "account": "111111111111", "time": "2024-06-11T08:32:56Z",
    "region": "us-east-1", "resources": [],
    "detail": {"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}},
}
RECORDED_PATHS = {"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"}

DETAIL = {
    "count": 5, "limit": 301.8, "flag": True, "off": False, "none": None, "tags": ["web", "eu"],
    "payload": {"acc_id": "0a787ecb-4015", "nested": {"deep": [1, {"x": "y"}]}},
    "employees": [{"first": "John", "last": "Doe"}, {"first": "Anna", "last": "Smith"}],
    "quote": 'say "hi" \\ bye', "lines": "one\ntwo\ttab", "unicode": "héllo ✓ 日本", "path/key": "slash",
    "space key": "spaced",
}
EVENT = {**RECORDED_EVENT, "detail": DETAIL}
PATHS = {name: f"$.detail.{name}" for name in (
    "count", "limit", "flag", "off", "none", "tags", "payload", "employees", "quote", "lines", "unicode", "missing")}

RULE_ARN = "arn:aws:events:us-east-2:123456789012:rule/example"
CONTEXT = {"rule_arn": RULE_ARN, "rule_name": "example", "ingestion_time": "2015-11-11T21:29:55Z"}


def transformer(template: str, paths: dict | None = None) -> dict:
    spec: dict = {"InputTemplate": template}
    if paths is not None:
        spec["InputPathsMap"] = paths
    return {"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", "InputTransformer": spec}


def render(target: dict, event: dict) -> str | None:
    validate_target_input(target)  # every rendered target is one PutTargets accepts
    return render_input(target, event, **CONTEXT)


TRANSFORMED = [
    # --- UG "Input transform examples", templates verbatim
    ("UG: Simple string", '"instance <instance> is in <state>"', EC2_PATHS, EC2_EVENT,
     '"instance i-0123456789 is in RUNNING"'),
    ("UG: String with escaped quotes", '"instance \\"<instance>\\" is in <state>"', EC2_PATHS, EC2_EVENT,
     '"instance \\"i-0123456789\\" is in RUNNING"'),
    ("UG: Simple JSON (sent minified)", '{\n  "instance" : <instance>,\n  "state": <state>\n}', EC2_PATHS, EC2_EVENT,
     '{"instance":"i-0123456789","state":"RUNNING"}'),
    ("UG: JSON with strings and variables",
     '{\n "instance" : <instance>,\n "state": "<state>",\n "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}',
     EC2_PATHS, EC2_EVENT,
     '{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}'),
    ("UG: JSON with a mix of variables and static information",
     '{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}\n',
     EC2_PATHS, EC2_EVENT, '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}'),
    ("UG: Including reserved variables in JSON",
     '{\n  "instance" : <instance>,\n  "state": <state>,\n  "ruleArn" : <aws.events.rule-arn>,\n'
     '  "ruleName" : <aws.events.rule-name>,\n  "originalEvent" : <aws.events.event>\n}',
     EC2_PATHS, EC2_EVENT,
     '{"instance":"i-0123456789","state":"RUNNING","ruleArn":"arn:aws:events:us-east-2:123456789012:rule/example",'
     '"ruleName":"example","originalEvent":{"id":"7bf73129-1428-4cd3-a780-95db273d1602","account":"123456789012",'
     '"detailType":"EC2 Instance State-change Notification","time":"2015-11-11T21:29:54Z","source":"aws.ec2",'
     '"region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],"version":"0"}}'),
    ("UG: Including reserved variables in a string", '"<aws.events.rule-name> triggered"', EC2_PATHS, EC2_EVENT,
     '"example triggered"'),
    ("UG: ingestion time is an ISO 8601 timestamp", '{"received": <aws.events.event.ingestion-time>}', None,
     EC2_EVENT, '{"received":"2015-11-11T21:29:55Z"}'),
    # --- API InputTransformer examples (with the UG event's paths)
    ("API: text template", "<instance> is in state <state>", EC2_PATHS, EC2_EVENT,
     "i-0123456789 is in state RUNNING"),
    ("API: text template with quote marks", '<instance> is in state "<state>"', EC2_PATHS, EC2_EVENT,
     'i-0123456789 is in state "RUNNING"'),
    ("API: JSON with variables in quotes or out",
     '{"myInstance": <instance>,"myStatus": "<instance> is in state \\"<state>\\""}', EC2_PATHS, EC2_EVENT,
     '{"myInstance":"i-0123456789","myStatus":"i-0123456789 is in state \\"RUNNING\\""}'),
    # --- recorded
    ("recorded: string template",
     '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
     RECORDED_PATHS, RECORDED_EVENT,
     '"Event of core.update-account-command type, at time 2024-06-11T08:32:56Z, info extracted from detail '
     'update-account"'),
    ("recorded: a path matching nothing is empty in a string",
     '"Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>"',
     {**RECORDED_PATHS, "command": "$.detail.notinmessage"}, RECORDED_EVENT,
     '"Event of core.update-account-command type, at time 2024-06-11T08:32:56Z, info extracted from detail "'),
    ("recorded: special starting characters",
     '"{[/Check with special starting characters for event of <detail-type> type"', RECORDED_PATHS, RECORDED_EVENT,
     '"{[/Check with special starting characters for event of core.update-account-command type"'),
    ("recorded: JSON template", '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
     RECORDED_PATHS, RECORDED_EVENT,
     '{"detailType":"core.update-account-command","time":"2024-06-11T08:32:56Z","command":"update-account"}'),
    ("recorded: a path matching nothing is \"\" outside quotes",
     '{"detailType": <detail-type>,  "time": <timestamp>, "command": <command>}',
     {**RECORDED_PATHS, "command": "$.detail.notinmessage"}, RECORDED_EVENT,
     '{"detailType":"core.update-account-command","time":"2024-06-11T08:32:56Z","command":""}'),
    ("recorded: predefined variables in a string",
     '"Message containing all pre defined variables <aws.events.rule-arn> <aws.events.rule-name> '
     '<aws.events.event.ingestion-time>"', None, RECORDED_EVENT,
     '"Message containing all pre defined variables arn:aws:events:us-east-2:123456789012:rule/example example '
     '2015-11-11T21:29:55Z"'),
    ("recorded: the event variables as JSON field values",
     '{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}', None, RECORDED_EVENT,
     '{"originalEvent":{"id":"0b5d7d58-5b8b-4a5a-9a33-0c5d0c2c2b5e","account":"111111111111",'
     '"detailType":"core.update-account-command","time":"2024-06-11T08:32:56Z",'
     '"source":"core.update-account-command","region":"us-east-1","resources":[],"version":"0"},'
     '"originalEventJson":' + json.dumps(RECORDED_EVENT, separators=(",", ":")) + "}"),
    # --- value types: outside quotes the JSON value, inside quotes the bare text (UG examples)
    ("UG: a number outside quotes", '{"n": <count>}', PATHS, EVENT, '{"n":5}'),
    ("UG: a number inside quotes", '"<count> items"', PATHS, EVENT, '"5 items"'),
    ("UG: a decimal number", '{"x": <limit>}', PATHS, EVENT, '{"x":301.8}'),
    ("UG: booleans outside quotes", '{"on": <flag>, "off": <off>}', PATHS, EVENT, '{"on":true,"off":false}'),
    ("UG: a boolean inside quotes", '"flag=<flag>"', PATHS, EVENT, '"flag=true"'),
    ("UG: a nested object outside quotes", '{"p": <payload>}', PATHS, EVENT,
     '{"p":{"acc_id":"0a787ecb-4015","nested":{"deep":[1,{"x":"y"}]}}}'),
    ("UG common issues: an object in a string loses its inner quotes", '"payload is <payload>"', PATHS, EVENT,
     '"payload is {acc_id:0a787ecb-4015,nested:{deep:[1,{x:y}]}}"'),
    ("UG: an array outside quotes", '{"tags": <tags>}', PATHS, EVENT, '{"tags":["web","eu"]}'),
    ("UG common issues: an array in a string loses its inner quotes", '"tags: <tags>"', PATHS, EVENT,
     '"tags: [web,eu]"'),
    ("UG: a whole object as the template", "<payload>", PATHS, EVENT,
     '{"acc_id":"0a787ecb-4015","nested":{"deep":[1,{"x":"y"}]}}'),
    ("UG: array indices", '{"second": <t>, "last": <l>}', {"t": "$.detail.tags[1]", "l": "$.detail.employees[1].last"},
     EVENT, '{"second":"eu","last":"Smith"}'),
    ("UG: wildcards", '{"firsts": <f>}', {"f": "$.detail.employees[*].first"}, EVENT, '{"firsts":["John","Anna"]}'),
    ("UG: forward slashes in keys", '"<s>"', {"s": "$.detail.path/key"}, EVENT, '"slash"'),
    ("UG: valid JSON output: quotes and backslashes escaped in a string", '"msg: <quote>"', PATHS, EVENT,
     '"msg: say \\"hi\\" \\\\ bye"'),
    ("UG: quotes and backslashes in a JSON value", '{"m": <quote>}', PATHS, EVENT,
     '{"m":"say \\"hi\\" \\\\ bye"}'),
    ("UG: valid JSON output: control characters escaped", '"<lines>"', PATHS, EVENT, '"one\\ntwo\\ttab"'),
    ("choice: non-ASCII kept as is, in and out of quotes", '{"a": <unicode>, "b": "<unicode>!"}', PATHS, EVENT,
     '{"a":"héllo ✓ 日本","b":"héllo ✓ 日本!"}'),
    ("choice: null like a path matching nothing", '{"a": <none>, "b": "[<none>]"}', PATHS, EVENT,
     '{"a":"","b":"[]"}'),
    ("choice: text template, strings bare, objects without quotes", "count=<count> tags=<tags> q=<quote> m=<missing>",
     PATHS, EVENT, 'count=5 tags=[web,eu] q=say "hi" \\ bye m='),
    ("choice: a placeholder used twice", '"<count>/<count>"', PATHS, EVENT, '"5/5"'),
]


@pytest.mark.parametrize(("source", "template", "paths", "event", "expected"), TRANSFORMED)
def test_input_transformer(source, template, paths, event, expected):
    assert render(transformer(template, paths), event) == expected


INPUT_PATH = [
    ("API: dot notation", "$.detail.payload", '{"acc_id":"0a787ecb-4015","nested":{"deep":[1,{"x":"y"}]}}'),
    ("recorded: a selected string arrives quoted", "$.detail.payload.acc_id", '"0a787ecb-4015"'),
    ("API: a number", "$.detail.count", "5"),
    ("API: a boolean", "$.detail.flag", "true"),
    ("API: null", "$.detail.none", "null"),
    ("UG: array indices", "$.detail.tags[0]", '"web"'),
    ("UG: wildcards", "$.detail.employees[*].last", '["Doe","Smith"]'),
    ("API: bracket notation", "$.detail['space key']", '"spaced"'),
    ("API: bracket notation for a dashed name", "$['detail-type']", '"core.update-account-command"'),
    ("API: $ is the whole event", "$", json.dumps(EVENT, separators=(",", ":"), ensure_ascii=False)),
    ("choice: nothing to deliver when nothing is selected", "$.detail.missing", None),
    ("choice: nothing to deliver past the end of an array", "$.detail.tags[5]", None),
]


@pytest.mark.parametrize(("source", "path", "expected"), INPUT_PATH)
def test_input_path(source, path, expected):
    assert render({"Id": "t1", "Arn": "arn", "InputPath": path}, EVENT) == expected


def test_input_is_sent_verbatim():
    # API Target: "Valid JSON text passed to the target. In this case, nothing from the event itself is passed".
    text = '{ "custom-value" :  "somecustominput", "n": 1.50 }'
    assert render({"Id": "t1", "Arn": "arn", "Input": text}, EVENT) == text


def test_no_input_option_sends_the_whole_event_as_compact_json():
    # API PutTargets: "the entire event is passed to the target in JSON format"; key order as built.
    out = render({"Id": "t1", "Arn": "arn"}, EVENT)
    assert out == json.dumps(EVENT, separators=(",", ":"), ensure_ascii=False)
    assert out.startswith('{"version":"0","id":') and "héllo ✓ 日本" in out


ONLY_ONE = "Only one of Input, InputPath, or InputTransformer must be provided for target t1."
PLACEHOLDER = "InputTemplate for target t1 contains invalid placeholder {}."
LONG = "x" * 8193


def coral(value: str, where: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at 'targets.1.member.{where}' failed to satisfy constraint: " \
           f"{constraint}"


INVALID = [
    # --- recorded / API PutTargets: "Input, InputPath, and InputTransformer are mutually exclusive"
    ("recorded: InputPath and InputTransformer",
     {"InputPath": "$.detail", "InputTransformer": {"InputTemplate": '"x"'}}, ONLY_ONE),
    ("API: Input and InputPath", {"Input": "{}", "InputPath": "$"}, ONLY_ONE),
    ("API: Input and InputTransformer", {"Input": "{}", "InputTransformer": {"InputTemplate": '"x"'}}, ONLY_ONE),
    ("API: all three", {"Input": "{}", "InputPath": "$", "InputTransformer": {"InputTemplate": '"x"'}}, ONLY_ONE),
    # --- API Target: Input is "Valid JSON text"; issue aws/aws-cli#6711 and ansible-collections/community.aws#201
    ("issue aws-cli#6711: JSON syntax error", {"Input": "env:dev"},
     'JSON syntax error in input for target t1: [Source: (String)"env:dev"; line: 1, column: 4]'),
    ("issue community.aws#201: single quotes", {"Input": "{'db_name': 1}"},
     "JSON syntax error in input for target t1: [Source: (String)\"{'db_name': 1}\"; line: 1, column: 3]"),
    ("choice: Jackson refuses NaN", {"Input": '{"a": NaN}'},
     'JSON syntax error in input for target t1: [Source: (String)"{"a": NaN}"; line: 1, column: 10]'),
    ("choice: unexpected end of input", {"Input": '{"a": 1'},
     'JSON syntax error in input for target t1: [Source: (String)"{"a": 1"; line: 1, column: 8]'),
    ("choice: Jackson shows 500 characters", {"Input": "[" + "1," * 300 + "x]"},
     'JSON syntax error in input for target t1: [Source: (String)"[' + "1," * 249 + '1"[truncated 103 chars]; '
     "line: 1, column: 603]"),
    # --- UG: the JSONPath syntax EventBridge supports
    ("UG JSONPath: must start at $", {"InputPath": "detail.state"},
     "InputPath for target t1 contains invalid JSON path detail.state."),
    ("UG JSONPath: no filters", {"InputPath": "$.detail[?(@.a)]"},
     "InputPath for target t1 contains invalid JSON path $.detail[?(@.a)]."),
    ("UG JSONPath: no empty step", {"InputPath": "$.detail..state"},
     "InputPath for target t1 contains invalid JSON path $.detail..state."),
    ("UG JSONPath: no negative index", {"InputPath": "$.detail.tags[-1]"},
     "InputPath for target t1 contains invalid JSON path $.detail.tags[-1]."),
    ("API InputTransformer: dot notation, not bracket notation",
     {"InputTransformer": {"InputPathsMap": {"d": "$['detail']"}, "InputTemplate": "<d>"}},
     "InputPathsMap for target t1 contains invalid JSON path $['detail']."),
    ("UG JSONPath: a path value", {"InputTransformer": {"InputPathsMap": {"d": "detail"}, "InputTemplate": "<d>"}},
     "InputPathsMap for target t1 contains invalid JSON path detail."),
    # --- recorded: a placeholder that is neither an InputPathsMap key nor predefined
    ("recorded: not defined key",
     {"InputTransformer": {"InputPathsMap": RECORDED_PATHS,
                           "InputTemplate": '"Event of <detail-type> type, with not defined key <notdefinedkey>"'}},
     PLACEHOLDER.format("notdefinedkey")),
    ("recorded: no InputPathsMap at all", {"InputTransformer": {"InputTemplate": '{"a": <instance>}'}},
     PLACEHOLDER.format("instance")),
    ("UG predefined: an unknown aws.events name", {"InputTransformer": {"InputTemplate": '"<aws.events.rule>"'}},
     PLACEHOLDER.format("aws.events.rule")),
    ("UG predefined: aws.events.event only as a JSON field value",
     {"InputTransformer": {"InputTemplate": '{"e": "<aws.events.event>"}'}}, PLACEHOLDER.format("aws.events.event")),
    ("UG predefined: aws.events.event.json only as a JSON field value",
     {"InputTransformer": {"InputTemplate": "event: <aws.events.event.json>"}},
     PLACEHOLDER.format("aws.events.event.json")),
    # --- API shapes: the limits and the key pattern, in AWS's request-validation form
    ("API InputTransformer: as many as 100 key-value pairs",
     {"InputTransformer": {"InputPathsMap": {f"k{i}": "$" for i in range(101)}, "InputTemplate": '"x"'}},
     coral("{" + ", ".join(f"k{i}=$" for i in range(101)) + "}", "inputTransformer.inputPathsMap",
           "Member must have length less than or equal to 100")),
    ("UG predefined: reserved names cannot be redefined",
     {"InputTransformer": {"InputPathsMap": {"aws.events.rule-arn": "$.id"}, "InputTemplate": '"x"'}},
     coral("aws.events.rule-arn", "inputTransformer.inputPathsMap.key",
           "Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+")),
    ("API InputTransformer: the keys cannot start with AWS.",
     {"InputTransformer": {"InputPathsMap": {"AWS.x": "$.id"}, "InputTemplate": '"x"'}},
     coral("AWS.x", "inputTransformer.inputPathsMap.key",
           "Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+")),
    ("API InputTransformerPathKey: pattern",
     {"InputTransformer": {"InputPathsMap": {"bad key": "$.id"}, "InputTemplate": '"x"'}},
     coral("bad key", "inputTransformer.inputPathsMap.key",
           "Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+")),
    ("API InputTransformerPathKey: at most 256", {"InputTransformer": {"InputPathsMap": {"k" * 257: "$"},
                                                                      "InputTemplate": '"x"'}},
     coral("k" * 257, "inputTransformer.inputPathsMap.key", "Member must have length less than or equal to 256")),
    ("API TargetInputPath: at most 256 in InputPathsMap",
     {"InputTransformer": {"InputPathsMap": {"k": "$." + "a" * 255}, "InputTemplate": '"x"'}},
     coral("$." + "a" * 255, "inputTransformer.inputPathsMap.k.member",
           "Member must have length less than or equal to 256")),
    ("API TransformerInput: at most 8192", {"InputTransformer": {"InputTemplate": LONG}},
     coral(LONG, "inputTransformer.inputTemplate", "Member must have length less than or equal to 8192")),
    ("API TransformerInput: at least 1", {"InputTransformer": {"InputTemplate": ""}},
     coral("", "inputTransformer.inputTemplate", "Member must have length greater than or equal to 1")),
    ("API InputTransformer: InputTemplate is required", {"InputTransformer": {"InputPathsMap": {"a": "$"}}},
     "1 validation error detected: Value null at 'targets.1.member.inputTransformer.inputTemplate' failed to "
     "satisfy constraint: Member must not be null"),
    ("API TargetInput: at most 8192", {"Input": LONG},
     coral(LONG, "input", "Member must have length less than or equal to 8192")),
    ("API TargetInputPath: at most 256", {"InputPath": "$." + "a" * 255},
     coral("$." + "a" * 255, "inputPath", "Member must have length less than or equal to 256")),
]


@pytest.mark.parametrize(("source", "fields", "message"), INVALID)
def test_invalid_target(source, fields, message):
    with pytest.raises(InvalidTarget) as raised:
        validate_target_input({"Id": "t1", "Arn": "arn:aws:sqs:us-east-1:123456789012:q", **fields})
    assert raised.value.message == message
    assert raised.value.code == "ValidationException" and raised.value.status == 400


def test_invalid_target_names_its_position_in_the_request():
    with pytest.raises(InvalidTarget) as raised:
        validate_target_input({"Id": "t3", "Arn": "arn", "InputPath": "$." + "a" * 255}, position=3)
    assert "at 'targets.3.member.inputPath'" in raised.value.message


VALID = [
    ("UG: every example template", transformer('{"instance" : <instance>, "state": "<state>"}', EC2_PATHS)),
    ("recorded: predefined variables need no InputPathsMap", transformer('"<aws.events.rule-arn>"')),
    ("recorded: the event variables as JSON values",
     transformer('{"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>}')),
    ("API: InputPath in bracket notation", {"Id": "t1", "Arn": "arn", "InputPath": "$['detail']['state']"}),
    ("API: Input of any JSON value", {"Id": "t1", "Arn": "arn", "Input": '"text"'}),
    ("API InputTransformer: 100 pairs", transformer('"x"', {f"k{i}": "$" for i in range(100)})),
    ("API: a map key may be unused", transformer('"x"', {"unused": "$.detail"})),
    ("API: no input option", {"Id": "t1", "Arn": "arn"}),
]


@pytest.mark.parametrize(("source", "target"), VALID)
def test_valid_target(source, target):
    assert validate_target_input(target) is None


@pytest.mark.parametrize(("path", "brackets", "steps"), [
    ("$", False, ()),
    ("$.detail.instance-id", False, ("detail", "instance-id")),
    ("$.detail.tags[0]", False, ("detail", "tags", 0)),
    ("$.detail.*", False, ("detail", None)),
    ("$.items[*].name", False, ("items", None, "name")),
    ("$['a b'].c", True, ("a b", "c")),
    ("$['a b'].c", False, None),
    ("$.", False, None),
    ("$.a b", False, None),
    ("$.a[0", False, None),
])
def test_parse_json_path(path, brackets, steps):
    assert parse_json_path(path, brackets=brackets) == steps


def test_select_distinguishes_null_from_missing():
    assert select({"a": None}, ("a",)) is None
    assert select({"a": None}, ("b",)) is MISSING
    assert select({"a": [1, 2]}, ("a", 0)) == 1
    assert select({"a": {"0": "key"}}, ("a", 0)) is MISSING  # an index only reads arrays
    assert select({"a": [{"b": 1}, {"c": 2}]}, ("a", None, "b")) == [1]  # wildcards drop non-matches
