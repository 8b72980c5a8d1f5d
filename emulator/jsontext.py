"""JSON documents that clients send inside string parameters (policies, filter policies, events).

``loads`` is ``json.loads`` with a nesting limit: a document nested deeper than ``MAX_DEPTH`` raises
``TooDeep``, a ``ValueError`` like any other parse error, so every caller's "not valid JSON" answer
covers it. Without the limit a document ~1,000 levels deep exhausts Python's recursion in the
parser (a ``RecursionError``, not a ``ValueError``: a 500), and one a little shallower parses but
breaks the recursive code that reads it (pattern compilers, validators, ``json.dumps``).
"""

from __future__ import annotations

import json
import re

# Deeper than any policy, filter policy or event a real application writes, shallow enough that every
# recursive reader of a document (a few frames a level) stays far from Python's recursion limit.
MAX_DEPTH = 128

# A string (skipped whole: brackets inside it do not nest) or a bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


class TooDeep(json.JSONDecodeError):
    """A JSON document nested deeper than ``MAX_DEPTH`` (a ``JSONDecodeError``, so a ``ValueError``:
    every caller's answer to JSON it cannot parse covers it, with the position of the offending bracket)."""


def too_deep_at(text: str | bytes, limit: int = MAX_DEPTH) -> int | None:
    """The offset of the bracket that opens level ``limit + 1`` of ``text`` (strings ignored), or None.
    Cheap for ordinary documents: fewer brackets than the limit in all cannot nest deeper."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("latin-1")  # brackets, quotes and backslashes are ASCII in UTF-8
    if text.count("[") + text.count("{") <= limit:
        return None
    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > limit:
                return token.start()
        elif bracket in ("]", "}"):
            depth -= 1
    return None


def loads(text: str | bytes, **kwargs):
    """``json.loads(text, **kwargs)`` that refuses documents nested deeper than ``MAX_DEPTH``."""
    if isinstance(text, (str, bytes, bytearray)):
        at = too_deep_at(text)
        if at is not None:
            raise TooDeep(f"Nested deeper than {MAX_DEPTH} levels", _as_str(text), at)
    try:
        return json.loads(text, **kwargs)
    except RecursionError:  # belt and braces: the scan above already refused anything this deep
        raise TooDeep(f"Nested deeper than {MAX_DEPTH} levels", _as_str(text), 0) from None


def _as_str(text) -> str:
    return bytes(text).decode("latin-1") if isinstance(text, (bytes, bytearray)) else str(text)
