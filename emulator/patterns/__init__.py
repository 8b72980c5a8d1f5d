"""The one event-pattern engine behind EventBridge event patterns and SNS filter policies.

Pure Python, no I/O.  Compile once when the rule or subscription is created (``compile_*``), flatten
each event once (``flatten`` / ``PreparedMessage``), match many patterns against it (``RuleIndex``).
"""

from .compiler import CompiledPattern
from .events import InvalidEventPatternException, compile_event_pattern, event_matches, test_event_pattern
from .matcher import Flat, RuleIndex, flatten
from .operators import PatternError
from .sns import (
                  CompiledPolicy,
                  InvalidParameter,
                  PreparedMessage,
                  compile_filter_policy,
                  flatten_attributes,
                  flatten_body,
                  policy_matches,
)

__all__ = [
    "CompiledPattern", "CompiledPolicy", "Flat", "InvalidEventPatternException", "InvalidParameter", "PatternError",
    "PreparedMessage", "RuleIndex", "compile_event_pattern", "compile_filter_policy", "event_matches", "flatten",
    "flatten_attributes", "flatten_body", "policy_matches", "test_event_pattern",
]
