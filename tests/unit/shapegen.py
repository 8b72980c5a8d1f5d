"""Generate values from botocore shapes that satisfy the model's constraints.

Used by the codec round-trip tests: a value generated here must pass botocore's client-side
validation and Sluice's validation (types, required members, min/max, enum, pattern), so a mismatch
after a round trip is a codec bug, not a generator artefact. Strings that match a pattern are built
from the pattern itself (a walk over Python's parsed regex); patterns Python cannot compile (Java's
``\\p{...}``, surrogate ranges) are not enforced by Sluice either, so any string within the length
bounds is generated for them.

Two flavours per shape: ``typical`` (every member, two elements per collection) and ``edge``
(collections alternately empty where allowed and three long, XML-special and non-ASCII text, some
empty strings, extreme numbers, ``False``). Recursive shapes (DynamoDB ``AttributeValue``) stop at
the first repetition; ``required_only`` gives the smallest valid input; ``min_map=1`` keeps maps
non-empty for the query protocol, which cannot send an empty map.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

try:  # Python 3.11+
    from re import _constants as sre_c
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as sre_c
    import sre_parse

from botocore.model import Shape

SPECIAL_TEXT = "a&b<c>d\"e'f\r\ng\t]]> ü €🎉"
PLAIN_TEXT = "value"
MAXREPEAT = sre_c.MAXREPEAT


class Unsatisfiable(Exception):
    """No value could be generated for a shape (reported, never silently skipped)."""


def _compile(pattern: str):
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:
        return None


# --- strings from regular expressions ---------------------------------------------------------

_CATEGORY_CHARS = {
    sre_c.CATEGORY_DIGIT: "0123456789",
    sre_c.CATEGORY_NOT_DIGIT: "abcXYZ_-",
    sre_c.CATEGORY_SPACE: " ",
    sre_c.CATEGORY_NOT_SPACE: "abcXYZ019",
    sre_c.CATEGORY_WORD: "abcxyzABC019_",
    sre_c.CATEGORY_NOT_WORD: "-.:/ ",
}
_CANDIDATES = "abcxyzABCXYZ0189_-.:/@+=, é"


class _RegexGen:
    def __init__(self, rng: random.Random, extra: int):
        self.rng, self.extra, self.groups = rng, extra, {}

    def seq(self, items) -> str:
        return "".join(self.item(op, av) for op, av in items)

    def _class_chars(self, items) -> list[str]:
        chars, negate = [], False
        for op, av in items:
            if op is sre_c.NEGATE:
                negate = True
            elif op is sre_c.LITERAL:
                chars.append(chr(av))
            elif op is sre_c.RANGE:
                lo, hi = av
                chars += [chr(lo), chr(hi), chr((lo + hi) // 2)]
            elif op is sre_c.CATEGORY:
                chars += list(_CATEGORY_CHARS.get(av, "a"))
        if negate:
            members = re.compile("[" + "".join(re.escape(c) for c in chars) + "]") if chars else None
            return [c for c in _CANDIDATES if members is None or not members.match(c)] or ["a"]
        return chars or ["a"]

    def item(self, op, av) -> str:
        rng = self.rng
        if op is sre_c.LITERAL:
            return chr(av)
        if op is sre_c.NOT_LITERAL:
            return "a" if chr(av) != "a" else "b"
        if op is sre_c.ANY:
            return "a"
        if op is sre_c.IN:
            return rng.choice(self._class_chars(av))
        if op is sre_c.CATEGORY:
            return rng.choice(_CATEGORY_CHARS.get(av, "a"))
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            high = low + self.extra if high is MAXREPEAT else high
            count = rng.randint(low, max(low, min(high, low + self.extra)))
            return "".join(self.seq(sub) for _ in range(count))
        if op is sre_c.SUBPATTERN:
            group, _add, _del, sub = av
            text = self.seq(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op is sre_c.BRANCH:
            return self.seq(rng.choice(av[1]))
        if op is sre_c.GROUPREF:
            return self.groups.get(av, "")
        return ""  # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit


def string_for_pattern(pattern: str, low: int, high: int | None, rng: random.Random) -> str:
    regex = _compile(pattern)
    if regex is None:
        return "x" * max(low, 1) if high is None or high >= 1 else ""
    parsed = sre_parse.parse(pattern, re.DOTALL)
    for extra in (2, 0, 1, 3, 5, 8, 12, 20, 40, 80, 160):
        for _ in range(16):  # an exact length (STS's 6-digit TokenCode: [\d]*, 6..6) may take a few draws
            text = _RegexGen(rng, extra).seq(parsed)
            if regex.fullmatch(text) and len(text) >= low and (high is None or len(text) <= high):
                return text
    raise Unsatisfiable(f"no string of length {low}..{high} matching {pattern!r}")


# --- values from shapes -----------------------------------------------------------------------

class ShapeGen:
    """Values for one shape tree. ``edge`` picks the boundary flavour; ``seed`` keeps runs stable."""

    def __init__(self, *, edge: bool = False, seed: int = 0, max_depth: int = 8,
                 timestamp_micros: bool = False, required_only: bool = False, min_map: int = 0):
        self.edge = edge
        self.required_only = required_only
        self.min_map = min_map  # the query protocol cannot send an empty map: 1 keeps required maps present
        self.rng = random.Random(seed)
        self.max_depth = max_depth
        self.timestamp_micros = timestamp_micros
        self.notes: set[str] = set()
        self._collections = 0

    def value(self, shape: Shape, depth: int = 0, stack: tuple = ()):
        kind = shape.type_name
        method = getattr(self, f"_{kind}")
        return method(shape, depth, stack)

    # structures: every member at the top, optional members thin out with depth and recursion.
    def _structure(self, shape: Shape, depth: int, stack: tuple):
        if shape.is_document_type:
            return {"doc": [1, "two", None, True]}
        recursive = stack.count(shape.name) >= 1
        required = set(shape.required_members)
        out = {}
        for name, member in shape.members.items():
            if name not in required:
                if self.required_only:
                    continue
                if depth >= self.max_depth or (recursive and self._refers_to(member, stack + (shape.name,))):
                    continue
            out[name] = self.value(member, depth + 1, stack + (shape.name,))
        return out

    def _refers_to(self, shape: Shape, names: tuple, seen=None) -> bool:
        seen = seen if seen is not None else set()
        if shape.name in seen:
            return False
        seen.add(shape.name)
        if shape.name in names:
            return True
        kind = shape.type_name
        if kind == "structure":
            return any(self._refers_to(m, names, seen) for m in shape.members.values())
        if kind == "list":
            return self._refers_to(shape.member, names, seen)
        if kind == "map":
            return self._refers_to(shape.value, names, seen)
        return False

    def _count(self, shape: Shape, depth: int, cap: int | None = None, low: int = 0) -> int:
        meta = shape.metadata
        low, high = max(meta.get("min", 0), low), meta.get("max")
        # Edge values alternate empty collections (where allowed) with three-element ones.
        self._collections += 1
        want = (3 if self._collections % 2 else 0) if self.edge else 2
        if depth >= self.max_depth:
            want = 0
        n = max(low, want)
        if high is not None:
            n = min(n, high)
        if cap is not None:
            n = min(n, cap)
        return n

    def _list(self, shape: Shape, depth: int, stack: tuple):
        n = self._count(shape, depth)
        items = []
        member = shape.member
        for _ in range(n * 3):
            if len(items) == n:
                break
            item = self.value(member, depth + 1, stack)
            if member.type_name == "string" and item in items:
                continue  # keep string lists distinct (e.g. string sets)
            items.append(item)
        return items

    def _map(self, shape: Shape, depth: int, stack: tuple):
        key_shape = shape.key
        cap = len(key_shape.enum) if key_shape.enum else None
        n = self._count(shape, depth, cap, self.min_map)
        out = {}
        for attempt in range(n * 10):
            if len(out) == n:
                break
            key = self._string(key_shape, depth + 1, stack, salt=attempt)
            if key in out:
                continue
            out[key] = self.value(shape.value, depth + 1, stack)
        if len(out) < shape.metadata.get("min", 0):
            raise Unsatisfiable(f"map {shape.name}: not enough distinct keys")
        return out

    def _string(self, shape: Shape, depth: int, stack: tuple, salt: int | None = None):
        enum = shape.enum
        if enum:
            if salt is not None:
                return enum[salt % len(enum)]
            return enum[-1] if self.edge else enum[self.rng.randrange(len(enum))]
        meta = shape.metadata
        low, high = meta.get("min", 0), meta.get("max")
        pattern = meta.get("pattern")
        if pattern:
            if _compile(pattern) is None:
                self.notes.add(f"{shape.name}: pattern {pattern!r} is not a Python regex; not enforced")
            else:
                # Text that also satisfies the pattern keeps the edge characters in play.
                preferred = (SPECIAL_TEXT if self.edge else PLAIN_TEXT) if salt is None else f"{PLAIN_TEXT}{salt}"
                regex = _compile(pattern)
                if regex.fullmatch(preferred) and low <= len(preferred) <= (high if high is not None else 1 << 30):
                    return preferred
                return string_for_pattern(pattern, low, high, self.rng)
        base = SPECIAL_TEXT if self.edge else PLAIN_TEXT
        if salt:
            base = f"{base}{salt}"
        if low == 0 and self.edge and salt is None and depth > 1 and self.rng.random() < 0.2:
            return ""
        text = base
        while len(text) < low:
            text += "x"
        if high is not None and len(text) > high:
            text = text[:high]
        return text

    def _integer(self, shape: Shape, depth: int, stack: tuple):
        return self._number(shape, 2**31 - 1, 7)

    def _long(self, shape: Shape, depth: int, stack: tuple):
        return self._number(shape, 2**62 + 3, 1234567)

    def _number(self, shape: Shape, big, typical):
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        value = big if self.edge else typical
        if high is not None and value > high:
            value = high
        if low is not None and value < low:
            value = low
        return value

    def _float(self, shape: Shape, depth: int, stack: tuple):
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        value = 1.0e300 if self.edge else 0.1
        if high is not None and value > high:
            value = float(high)
        if low is not None and value < low:
            value = float(low)
        return value

    _double = _float

    def _boolean(self, shape: Shape, depth: int, stack: tuple):
        return not self.edge

    def _blob(self, shape: Shape, depth: int, stack: tuple):
        meta = shape.metadata
        low, high = meta.get("min", 0), meta.get("max")
        data = bytes([0, 255, 10, 13, 60, 38]) + "ü".encode() if self.edge else b"binary-data"
        while len(data) < low:
            data += b"\x00"
        if high is not None:
            data = data[:high]
        return data

    def _timestamp(self, shape: Shape, depth: int, stack: tuple):
        micros = 123000 if self.timestamp_micros else 0
        if self.edge:
            return datetime(1999, 12, 31, 23, 59, 59, micros, tzinfo=UTC)
        return datetime(2024, 2, 29, 13, 14, 15, micros, tzinfo=UTC)


def generate(shape: Shape, *, edge: bool = False, seed: int = 0, timestamp_micros: bool = False) -> dict:
    if shape is None:
        return {}
    return ShapeGen(edge=edge, seed=seed, timestamp_micros=timestamp_micros).value(shape)


# --- hostile variations (the wire fuzz, tests/integration/test_fuzz.py) --------------------------------

# Text a client may send in any string: characters XML cannot carry, characters SQS forbids, non-ASCII
# digits (int() takes them), a trailing newline, numbers beyond float, XML and JSON syntax.
HOSTILE_TEXT = ["", " ", "\x00", "a\x01b", "\ufffe", "\uffff", "٥", "５", "5\n", "-0", "1e400", "9" * 400,
                "</x>&<y>", '{"a": 1', "[]", "null", "%00", "\u202e", "\U0001f389" * 3, "a" * 70_000]


def nested_json(depth: int, kind: str = "object") -> str:
    """A JSON document ``depth`` levels deep (objects or arrays)."""
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def typed_paths(value, shape: Shape, path: tuple = ()):
    """(path, shape) of every typed node of ``value`` (document contents excluded), the root first."""
    yield path, shape
    kind = shape.type_name
    if kind == "structure" and not shape.is_document_type and isinstance(value, dict):
        for name, item in value.items():
            if name in shape.members:
                yield from typed_paths(item, shape.members[name], path + (name,))
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            yield from typed_paths(item, shape.member, path + (i,))
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from typed_paths(item, shape.value, path + (key,))


def set_at(value, path: tuple, new):
    """``value`` with the node at ``path`` replaced by ``new`` (in place for containers)."""
    if not path:
        return new
    value[path[0]] = set_at(value[path[0]], path[1:], new)
    return value


def carries_json(name: str, shape: Shape) -> bool:
    """Whether a string member holds a JSON document (a policy, a pattern, an event, an input): by the
    names AWS gives them, or by what the model's documentation says of the member."""
    if shape.type_name != "string":
        return False
    if name.endswith(("Policy", "Pattern", "Document")) or name in ("Event", "Detail", "Input", "InputTemplate",
                                                                  "Message", "Policy", "Statement"):
        return True
    return "JSON" in (shape.documentation or "")


def violations(shape: Shape, rng: random.Random, current=None) -> list:
    """Values of the right JSON type that break the shape's constraints (length, range, enum, pattern),
    and extreme values of its type. ``current``: the node's valid value (a list to repeat past its max)."""
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    kind = shape.type_name
    out: list = []
    if kind == "string":
        out += [rng.choice(HOSTILE_TEXT), rng.choice(HOSTILE_TEXT), nested_json(rng.choice((129, 1_000)))]
        if low:
            out.append("x" * (int(low) - 1))
        if high is not None and high < 300_000:
            out.append("x" * (int(high) + 1))
        if shape.enum:
            out.append(shape.enum[0].lower() + "\x00")
    elif kind in ("integer", "long"):
        out += [2**63, -(2**63) - 1, 10**30, -1]
        if low is not None:
            out.append(int(low) - 1)
        if high is not None:
            out.append(int(high) + 1)
    elif kind in ("float", "double"):
        out += [1e308, -1e308, 5e-324]
    elif kind == "list":
        out.append([])
        if high is not None and high < 2_000 and isinstance(current, list) and current:
            out.append(current[:1] * (int(high) + 1))
    elif kind == "map":
        out.append({})
        out.append({"\x00": None})
    elif kind == "blob":
        out += [b"", b"\x00" * 300_000]
    elif kind == "timestamp":
        out += [-1, 10**15, 1e20]
    elif kind == "boolean":
        out.append(True)
    return out or [None]
