"""EventBridge front end: event patterns over the event envelope (PutRule, TestEventPattern, archives).

Errors carry AWS's wording: ``InvalidEventPatternException`` "Event pattern is not valid. Reason: ..."
(AWS also appends Jackson's "at [Source: ...; line: L, column: C]"; we leave that out), and, for
TestEventPattern, ``ValidationException`` "Parameter Event is not valid." when the event is not a JSON
object carrying the envelope fields AWS requires.
"""

from __future__ import annotations

from .. import jsontext
from ..errors import AwsError, ValidationException
from .compiler import EVENTBRIDGE, CompiledPattern, compile_pattern
from .matcher import Flat, flatten
from .operators import PatternError

REASON_PREFIX = "Event pattern is not valid. Reason: "
# The API reference also lists "resources", but AWS accepts events without it (localstack's recorded
# AWS runs: tests/aws/services/events/test_events_patterns.py).
REQUIRED_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


class InvalidEventPatternException(AwsError):
    pass


def compile_event_pattern(pattern_json: str) -> CompiledPattern:
    """Validate an EventPattern as PutRule does and compile it for matching."""
    try:
        return compile_pattern(pattern_json, EVENTBRIDGE)
    except PatternError as e:
        raise InvalidEventPatternException(REASON_PREFIX + e.reason) from None


def event_matches(compiled: CompiledPattern, event: dict | Flat) -> bool:
    """Does an envelope (parsed, or flattened once and shared by every rule on the bus) match?"""
    return compiled.matches(event if isinstance(event, Flat) else flatten(event))


def test_event_pattern(pattern_json: str, event_json: str) -> bool:
    """TestEventPattern: the pattern is validated first, then the event envelope."""
    compiled = compile_event_pattern(pattern_json)
    try:
        event = jsontext.loads(event_json)
    except (TypeError, ValueError):
        raise ValidationException("Parameter Event is not valid.") from None
    if not isinstance(event, dict) or any(f not in event for f in REQUIRED_EVENT_FIELDS):
        raise ValidationException("Parameter Event is not valid.")
    return compiled.matches(flatten(event))


# Not a pytest test, despite the AWS name. (mypy does not model attributes set on a function object, which
# Python allows and pytest reads.)
test_event_pattern.__test__ = False  # type: ignore[attr-defined]
