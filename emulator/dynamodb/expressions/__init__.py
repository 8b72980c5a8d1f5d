"""DynamoDB expressions: one grammar, parsed once per text (cached), checked, then evaluated.

Modules: ``grammar`` (the lark LALR grammar and syntax errors), ``parser`` (placeholders, reserved
words and AWS's validation), ``evaluate`` (condition trees), ``update`` (applying an update),
``projection``, ``keycond`` (key conditions to key ranges), ``reserved`` (the reserved words).
See the package docstring of ``emulator.dynamodb`` for the API and how a request uses it.
"""

from .evaluate import Condition, Path, evaluate, get_path
from .keycond import KeyCondition, SortKeyCondition, parse_key_condition
from .parser import (
    ParsedCondition,
    check_unused,
    parse_condition,
    parse_projection,
    parse_update,
    validate_expression_attributes,
)
from .projection import Projection, project
from .update import Update, UpdateResult, apply_update

__all__ = [
    "Condition", "KeyCondition", "ParsedCondition", "Path", "Projection", "SortKeyCondition", "Update", "UpdateResult",
    "apply_update", "check_unused", "evaluate", "get_path", "parse_condition", "parse_key_condition",
    "parse_projection", "parse_update", "project", "validate_expression_attributes",
]
