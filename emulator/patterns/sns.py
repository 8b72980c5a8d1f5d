"""SNS front end: subscription filter policies on message attributes or on the message body.

SNS runs an older generation of event-ruler than EventBridge: no ``wildcard``, ``anything-but`` only
nests ``prefix``, no ``{"prefix": {"equals-ignore-case": ...}}``, and numeric operands are limited to
+-1e9 (SNS Developer Guide, "Filter policy constraints").  Errors are ``InvalidParameter`` with
"Invalid parameter: FilterPolicy: <event-ruler reason>"; inside Subscribe's Attributes AWS words it
"Invalid parameter: Attributes Reason: FilterPolicy: ..." (pass ``subscribe=True``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import jsontext
from ..errors import AwsError
from .compiler import OR, CompiledPattern, Dialect, compile_pattern, count_combinations, reject_constant
from .matcher import Flat, flatten
from .operators import PatternError

SCOPES = ("MessageAttributes", "MessageBody")
MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024

SNS = Dialect("SNS", numeric_limit=1e9, wildcard=False, anything_but_ops=frozenset(("prefix",)),
              nested_ignore_case=False, anything_but_lists=False,
              anything_but_prefix_type_error="prefix match pattern must be a string", numeric_decimals=6)


class InvalidParameter(AwsError):
    pass


@dataclass(eq=False)
class CompiledPolicy:
    """A validated filter policy; ``pattern`` is None for ``{}`` (no constraint)."""

    source: str
    scope: str
    pattern: CompiledPattern | None


def compile_filter_policy(policy_json: str, scope: str = "MessageAttributes", *,
                          subscribe: bool = False) -> CompiledPolicy:
    """Validate a FilterPolicy for ``scope`` (FilterPolicyScope) as Subscribe/SetSubscriptionAttributes do."""
    lead = "Invalid parameter: Attributes Reason: " if subscribe else "Invalid parameter: "
    if scope not in SCOPES:
        raise InvalidParameter(
            f"{lead}FilterPolicyScope: Invalid value [{scope}]. Please use either MessageBody or MessageAttributes")

    def fail(detail: str):
        return InvalidParameter(f"{lead}FilterPolicy: {detail}")

    if len(policy_json.encode()) > MAX_POLICY_BYTES:
        raise fail("Filter policy is too long")
    try:
        obj = jsontext.loads(policy_json, parse_constant=reject_constant)
    except ValueError:
        raise fail("failed to parse JSON.") from None
    if not isinstance(obj, dict):
        raise fail("Filter is not an object")
    if not obj:
        return CompiledPolicy(policy_json, scope, None)
    # MessageBody counts only top-level keys; MessageAttributes has no others (nesting is refused).
    if len(obj) > MAX_KEYS:
        raise fail(f"Filter policy can not have more than {MAX_KEYS} keys")
    # The policy's own errors come first: {"key": {"suffix": "x"}} under MessageAttributes is refused
    # for '"suffix" must be an object or an array', not for being nested.
    try:
        pattern = compile_pattern(policy_json, SNS, obj)
    except PatternError as e:
        raise fail(e.reason) from None
    if scope == "MessageAttributes" and _nested(obj):
        raise InvalidParameter(f"{lead}Filter policy scope MessageAttributes does not support nested filter policy")
    if count_combinations(obj) > MAX_COMBINATIONS:
        raise fail("Filter policy is too complex")
    return CompiledPolicy(policy_json, scope, pattern)


def _nested(obj: dict) -> bool:
    for key, value in obj.items():
        if key == OR and isinstance(value, list):
            if any(isinstance(alt, dict) and _nested(alt) for alt in value):
                return True
        elif isinstance(value, dict):
            return True
    return False


def flatten_attributes(message_attributes: dict | None) -> Flat:
    """MessageAttributes as SNS receives them ({name: {DataType, StringValue|BinaryValue}}, or the
    {Type, Value} form of a delivered notification) -> one field per attribute.

    String.Array values are JSON arrays whose elements keep their JSON type (so numbers in them meet
    numeric operators); Number values become numbers, so string operators never match them, and
    String values stay strings, so numeric operators never match them; Binary attributes are ignored
    (SNS Developer Guide, "Filter policy constraints").
    """
    fields = {}
    for name, attr in (message_attributes or {}).items():
        dtype = attr.get("DataType") or attr.get("Type") or "String"
        raw = attr.get("StringValue", attr.get("Value"))
        if dtype.startswith("Binary") or not isinstance(raw, str):
            continue
        if dtype == "String.Array":
            try:
                items = jsontext.loads(raw)
            except ValueError:
                continue
            values = [v for v in items if not isinstance(v, (dict, list))] if isinstance(items, list) else []
            if values:
                fields[name] = values
        elif dtype.startswith("Number"):
            fields[name] = [_number(raw)]
        else:
            fields[name] = [raw]
    return Flat(fields)


def _number(raw: str):
    try:
        return int(raw) if raw.strip().lstrip("+-").isdigit() else float(raw)
    except ValueError:
        return raw


def flatten_body(body: str) -> Flat | None:
    """A message body that is not a JSON object matches no MessageBody policy (but ``{}``)."""
    try:
        obj = jsontext.loads(body)
    except (TypeError, ValueError):
        return None
    return flatten(obj) if isinstance(obj, dict) else None


class PreparedMessage:
    """One published message, flattened at most once per scope however many subscriptions test it."""

    __slots__ = ("message_attributes", "body", "_attrs", "_body", "_body_done")

    def __init__(self, message_attributes: dict | None, body: str):
        self.message_attributes, self.body = message_attributes, body
        self._attrs: Flat | None = None
        self._body: Flat | None = None
        self._body_done = False

    def matches(self, compiled: CompiledPolicy) -> bool:
        if compiled.pattern is None:
            return True
        if compiled.scope == "MessageBody":
            if not self._body_done:
                self._body, self._body_done = flatten_body(self.body), True
            return self._body is not None and compiled.pattern.matches(self._body)
        if self._attrs is None:
            self._attrs = flatten_attributes(self.message_attributes)
        return compiled.pattern.matches(self._attrs)


def policy_matches(compiled: CompiledPolicy, message_attributes: dict | None, body: str) -> bool:
    """Would a subscription with this policy receive the message?"""
    return PreparedMessage(message_attributes, body).matches(compiled)
