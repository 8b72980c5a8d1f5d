"""What a rule's target receives: its Input, InputPath or InputTransformer, validated as PutTargets does and rendered.

Sources ("UG" below):
- User Guide, "Amazon EventBridge input transformation":
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
- API Reference, Target: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html
- API Reference, InputTransformer: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
- API Reference, PutTargets: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
- "recorded": responses localstack recorded from AWS (tests/aws/services/events/test_events_inputs.snapshot.json).

Rendering rules:
- No input option: the whole event, as compact JSON (PutTargets: "the entire event is passed to the target").
- ``Input``: that text, verbatim ("the matched event is overridden with this constant").
- ``InputPath``: the selected value as JSON; a selected string arrives quoted (recorded: ``"baz"``).
- ``InputTransformer``: ``<name>`` placeholders in InputTemplate are replaced by the value of that InputPathsMap
  path or predefined variable. In a JSON template a placeholder outside quotes takes the JSON value (UG "Simple
  JSON": a string arrives quoted) and one inside quotes the bare text (UG "JSON with strings and variables"),
  JSON-escaped so the result stays JSON (UG: "EventBridge replaces input transformers at runtime to ensure a
  valid JSON output"); an object or array inside quotes loses its inner quotes (UG, common issues). A template
  that is a JSON string literal ("instance <instance> is in <state>") keeps its quotes (UG "Simple string",
  recorded). A JSON template is sent minified (UG, common issues: "The JSON that is passed to the target is
  minified"). A template that is no JSON at all gets bare text everywhere.
- A path that selects nothing (or null) gives an empty value: nothing inside quotes, ``""`` outside (recorded:
  ``"... from detail "`` and ``"command": ""``).

PutTargets answers every problem found here with ``ValidationException`` for the whole call (recorded for the
"Only one of" and "invalid placeholder" messages, aws/aws-cli#6711 for the JSON syntax error), not as a
FailedEntries item (those carry ConcurrentModificationException and the like); so InvalidTarget is one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from .. import jsontext
from ..errors import ValidationException


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()  # what a path selecting nothing gives (JSON null is None)

# The limits and the key pattern of the botocore shapes (TargetInput, TargetInputPath, TransformerPaths,
# InputTransformerPathKey, TransformerInput); AWS checks them before anything else, with its generic message.
MAX_INPUT = 8192
MAX_PATH = 256
MAX_PATHS = 100
MAX_TEMPLATE = 8192
KEY_PATTERN = r"[A-Za-z0-9\_\-]+"

RULE_ARN = "aws.events.rule-arn"
RULE_NAME = "aws.events.rule-name"
INGESTION_TIME = "aws.events.event.ingestion-time"
EVENT = "aws.events.event"
EVENT_JSON = "aws.events.event.json"
PREDEFINED = frozenset((RULE_ARN, RULE_NAME, INGESTION_TIME, EVENT, EVENT_JSON))
# UG: these two "can only be used as a value for a JSON field, as [their] contents are not escaped".
JSON_FIELD_ONLY = frozenset((EVENT, EVENT_JSON))
# The key order AWS gives <aws.events.event> (recorded): the envelope without detail, detail-type as detailType.
_EVENT_KEYS = (("id", "id"), ("account", "account"), ("detail-type", "detailType"), ("time", "time"),
               ("source", "source"), ("region", "region"), ("resources", "resources"), ("version", "version"))

_KEY = re.compile(KEY_PATTERN)
_PLACEHOLDER = re.compile(r"<([^<>]*)>")
# JSONPath as EventBridge takes it. UG: "dot notation, dashes, underscores, alphanumeric characters, array indices,
# wildcards (*), forward slashes". Target API: InputPath may use "JSON dot notation or bracket notation";
# InputTransformer API: InputPathsMap "must use JSON dot notation, not bracket notation" (indices still allowed).
_STEP = re.compile(r"\.(?P<name>[\w/-]+)|\.\*|\[(?P<index>[0-9]+)\]|\[\*\]|\['(?P<quoted>[^'\\]+)'\]")
_WILDCARD = None


class InvalidTarget(ValidationException):
    """A target PutTargets refuses; ``message`` is AWS's text."""

    code = "ValidationException"


# ---------------------------------------------------------------------------------------------------- JSONPath

def parse_json_path(text: str, *, brackets: bool = False) -> tuple[str | int | None, ...] | None:
    """The steps of a JSONPath (key, index, or None for ``*``), or None when EventBridge would not take it.

    ``brackets`` allows ``['key']`` (InputPath does, InputPathsMap does not).
    """
    if not text.startswith("$"):
        return None
    steps: list[str | int | None] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None or (m["quoted"] is not None and not brackets):
            return None
        if m["name"] is not None:
            steps.append(m["name"])
        elif m["index"] is not None:
            steps.append(int(m["index"]))
        elif m["quoted"] is not None:
            steps.append(m["quoted"])
        else:
            steps.append(_WILDCARD)
        pos = m.end()
    return tuple(steps)


def select(value: Any, steps: tuple[str | int | None, ...]) -> Any:
    """Evaluate parsed steps: the value, MISSING, or (once a ``*`` is met) the list of every match."""
    matches = [value]
    for step in steps:
        found: list[Any] = []
        for v in matches:
            if step is _WILDCARD:
                found.extend(v.values() if isinstance(v, dict) else v if isinstance(v, list) else ())
            elif isinstance(step, int):
                if isinstance(v, list) and step < len(v):
                    found.append(v[step])
            elif isinstance(v, dict) and step in v:
                found.append(v[step])
        matches = found
    if _WILDCARD in steps:
        return matches
    return matches[0] if matches else MISSING


# -------------------------------------------------------------------------------------------------- validation

def validate_target_input(target: dict, *, position: int = 1) -> None:
    """Check a PutTargets entry's Input / InputPath / InputTransformer; raise InvalidTarget as AWS would.

    ``position`` is the 1-based index of the target in the request, which AWS names in length/pattern errors.
    """
    target_id = target.get("Id")
    given = [name for name in ("Input", "InputPath", "InputTransformer") if target.get(name) is not None]
    _check_shapes(target, f"targets.{position}.member")
    if len(given) > 1:
        raise InvalidTarget(f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}.")
    if "Input" in given:
        _check_json(target["Input"], target_id)
    if "InputPath" in given and parse_json_path(target["InputPath"], brackets=True) is None:
        # Wording not confirmed against AWS.
        raise InvalidTarget(f"InputPath for target {target_id} contains invalid JSON path {target['InputPath']}.")
    if "InputTransformer" in given:
        _check_transformer(target["InputTransformer"], target_id)


def _check_shapes(target: dict, path: str) -> None:
    """The botocore constraints, worded as AWS's request validation words them.

    The gateway's shape validation normally answers these first; they are repeated so this module stands alone.
    """
    if len(target.get("Input") or "") > MAX_INPUT:
        raise _constraint(target["Input"], f"{path}.input", f"Member must have length less than or equal to {MAX_INPUT}")
    if len(target.get("InputPath") or "") > MAX_PATH:
        raise _constraint(target["InputPath"], f"{path}.inputPath",
                          f"Member must have length less than or equal to {MAX_PATH}")
    transformer = target.get("InputTransformer")
    if transformer is None:
        return
    paths = transformer.get("InputPathsMap") or {}
    where = f"{path}.inputTransformer"
    if len(paths) > MAX_PATHS:
        shown = "{" + ", ".join(f"{k}={v}" for k, v in paths.items()) + "}"
        raise _constraint(shown, f"{where}.inputPathsMap", f"Member must have length less than or equal to {MAX_PATHS}")
    for key, value in paths.items():
        if len(key) > 256:
            raise _constraint(key, f"{where}.inputPathsMap.key", "Member must have length less than or equal to 256")
        if _KEY.fullmatch(key) is None:
            # This is also what refuses a key named after a predefined variable: the pattern has no '.'.
            raise _constraint(key, f"{where}.inputPathsMap.key",
                              f"Member must satisfy regular expression pattern: {KEY_PATTERN}")
        if len(value) > MAX_PATH:
            raise _constraint(value, f"{where}.inputPathsMap.{key}.member",
                              f"Member must have length less than or equal to {MAX_PATH}")
    template = transformer.get("InputTemplate")
    if template is None:
        raise InvalidTarget(f"1 validation error detected: Value null at '{where}.inputTemplate' failed to satisfy "
                            "constraint: Member must not be null")
    if not 1 <= len(template) <= MAX_TEMPLATE:
        bound = "greater than or equal to 1" if not template else f"less than or equal to {MAX_TEMPLATE}"
        raise _constraint(template, f"{where}.inputTemplate", f"Member must have length {bound}")


def _constraint(value: str, path: str, constraint: str) -> InvalidTarget:
    return InvalidTarget(f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: "
                         f"{constraint}")


def _check_json(text: str, target_id: str | None) -> None:
    """Input must be JSON. AWS parses it with Jackson and quotes only Jackson's location (aws/aws-cli#6711:
    ``JSON syntax error in input for target 1: [Source: (String)"env:dev"; line: 1, column: 4]``).
    """
    try:
        jsontext.loads(text, parse_constant=_refuse_constant)
    except _NonStandardToken as e:
        pos = text.find(e.token)  # Jackson: "Non-standard token 'NaN'", located just after the token
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + len(e.token) + 1
        raise InvalidTarget(f"JSON syntax error in input for target {target_id}: "
                            f"{_jackson_source(text, line, column)}") from None
    except json.JSONDecodeError as e:
        raise InvalidTarget(f"JSON syntax error in input for target {target_id}: "
                            f"{_jackson_source(text, e.lineno, _jackson_column(text, e))}") from None


class _NonStandardToken(ValueError):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str):
    # Python takes NaN and Infinity; Jackson (and so AWS) does not.
    raise _NonStandardToken(token)


def _jackson_column(text: str, e: json.JSONDecodeError) -> int:
    """Jackson reports the column after what it consumed: a whole bad word ("env" -> 4), else one character."""
    if e.pos >= len(text):
        return e.colno
    word = re.match(r"[A-Za-z0-9_$]*", text[e.pos:])
    return e.colno + max(len(word[0]) if word else 0, 1)


def _jackson_source(text: str, line: int, column: int) -> str:
    """Jackson's location suffix; it shows at most 500 characters of the source."""
    shown, cut = text[:500], len(text) - 500
    return f'[Source: (String)"{shown}"{f"[truncated {cut} chars]" if cut > 0 else ""}; line: {line}, column: {column}]'


def _check_transformer(transformer: dict, target_id: str | None) -> None:
    paths = transformer.get("InputPathsMap") or {}
    for path in paths.values():
        if parse_json_path(path) is None:
            # Wording not confirmed against AWS.
            raise InvalidTarget(f"InputPathsMap for target {target_id} contains invalid JSON path {path}.")
    template = transformer["InputTemplate"]
    json_mode = _is_json_template(template)
    for name, in_string, _, _ in _placeholders(template):
        if name in paths:
            continue
        # Recorded: "InputTemplate for target <id> contains invalid placeholder notdefinedkey."; for the
        # event variables inside a string, the same message is assumed (not confirmed against AWS).
        if name not in PREDEFINED or (name in JSON_FIELD_ONLY and (in_string or not json_mode)):
            raise InvalidTarget(f"InputTemplate for target {target_id} contains invalid placeholder {name}.")


# --------------------------------------------------------------------------------------------------- rendering

def render_input(target: dict, event: dict, *, rule_arn: str, rule_name: str, ingestion_time: str) -> str | None:
    """The exact text the target receives for ``event``, or None when its InputPath selects nothing.

    ``target`` has passed validate_target_input. What AWS delivers when an InputPath selects nothing is not
    documented; None lets the caller skip (or fail) the delivery.
    """
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath") is not None:
        steps = parse_json_path(target["InputPath"], brackets=True)
        assert steps is not None, "validate_target_input first"
        value = select(event, steps)
        return None if value is MISSING else _compact(value)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return _compact(event)
    values = {name: select(event, _steps(path)) for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values |= {RULE_ARN: rule_arn, RULE_NAME: rule_name, INGESTION_TIME: ingestion_time,
               EVENT: {alias: event[key] for key, alias in _EVENT_KEYS if key in event}, EVENT_JSON: event}
    return _fill(transformer["InputTemplate"], values)


def _steps(path: str) -> tuple[str | int | None, ...]:
    steps = parse_json_path(path)
    assert steps is not None, "validate_target_input first"
    return steps


def _fill(template: str, values: dict[str, Any]) -> str:
    json_mode = _is_json_template(template)
    out, last = [], 0
    for name, in_string, start, end in _placeholders(template):
        value = values.get(name, MISSING)
        out.append(template[last:start])
        if not json_mode:
            out.append(_bare(value))
        elif in_string:
            out.append(_escape(_bare(value)))
        else:
            out.append('""' if value is MISSING or value is None else _compact(value))
        last = end
    out.append(template[last:])
    text = "".join(out)
    if not json_mode:
        return text
    try:
        return _compact(json.loads(text))
    except ValueError:
        return text  # values are inserted as valid JSON, so this is only a safety net


def _bare(value: Any) -> str:
    """A value as bare text: strings as they are; objects and arrays without their inner quotes (UG)."""
    if value is MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    text = _compact(value)
    return text.replace('"', "") if isinstance(value, (dict, list)) else text


def _placeholders(template: str) -> Iterator[tuple[str, bool, int, int]]:
    """Each ``<name>`` as (name, inside a JSON string?, start, end), tracking quotes the way a JSON reader does."""
    in_string = escaped = False
    pos = 0
    while pos < len(template):
        c = template[pos]
        if c == "<" and (m := _PLACEHOLDER.match(template, pos)):
            yield m[1], in_string, m.start(), m.end()
            pos = m.end()
            continue
        if escaped:
            escaped = False
        elif c == "\\" and in_string:
            escaped = True
        elif c == '"':
            in_string = not in_string
        pos += 1


def _is_json_template(template: str) -> bool:
    """Is the template JSON once its placeholders hold values (an object, array, string literal...)?"""
    dummy, last = [], 0
    for _, in_string, start, end in _placeholders(template):
        dummy.append(template[last:start])
        dummy.append("" if in_string else "null")
        last = end
    dummy.append(template[last:])
    try:
        jsontext.loads("".join(dummy), parse_constant=_refuse_constant)
    except ValueError:
        return False
    return True


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _escape(text: str) -> str:
    """Text as the inside of a JSON string."""
    return json.dumps(text, ensure_ascii=False)[1:-1]
