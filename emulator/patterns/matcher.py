"""Flatten an event once, then match compiled patterns against it; ``RuleIndex`` for many rules.

Flattening turns the JSON event into ``{dotted.path: [leaf values]}``.  Dots join keys, so a key that
itself contains a dot lands on the same path as the nested form; event-ruler (and so AWS) does the same.
Only leaves are recorded: empty arrays and empty objects leave no trace, which is what makes
``exists: false`` match them.  Array elements all land on the parent's path, so a field "matches if any
element matches".

Array consistency: event-ruler's rulesForJSONEvent refuses a match that takes two fields from different
elements of the same array (``{"a": [{"x": 1}, {"y": 2}]}`` does not match ``{"a": {"x": [1], "y":
[1]}}``...  nor ``x: [1], y: [2]``).  For that, leaves under an array of objects also record their array
coordinates; events without arrays of objects (the usual case) pay nothing for it.
"""

from __future__ import annotations

from collections import Counter


class Flat:
    """A flattened event: ``fields`` maps path -> list of leaf values; ``coords`` (or None when the event
    has no arrays of objects) maps path -> per-value tuple of (array id, element index)."""

    __slots__ = ("fields", "coords")

    def __init__(self, fields: dict, coords: dict | None = None):
        self.fields = fields
        self.coords = coords or None


class _Arrays:
    __slots__ = ("coords", "next_id")

    def __init__(self):
        self.coords: dict = {}
        self.next_id = 0


def flatten(event: dict) -> Flat:
    """Flatten a parsed JSON object (the event, or an SNS message body)."""
    fields: dict = {}
    arrays = _Arrays()
    _walk_object(event, "", fields, (), arrays)
    return Flat(fields, arrays.coords)


def _walk_object(obj: dict, prefix: str, fields: dict, coord: tuple, arrays: _Arrays) -> None:
    coords = arrays.coords
    for key, v in obj.items():
        path = prefix + key
        t = type(v)
        if t is dict:
            _walk_object(v, path + ".", fields, coord, arrays)
        elif t is list:
            _walk_list(v, path, fields, coord, arrays)
        elif coord or coords:
            _add_with_coord(fields, coords, path, v, coord)
        else:
            vals = fields.get(path)
            if vals is None:
                fields[path] = [v]
            else:
                vals.append(v)


def _walk_list(items: list, path: str, fields: dict, coord: tuple, arrays: _Arrays) -> None:
    array_id = None
    for i, v in enumerate(items):
        t = type(v)
        if t is dict or t is list:
            if array_id is None:
                array_id = arrays.next_id
                arrays.next_id += 1
            inner = coord + ((array_id, i),)
            if t is dict:
                _walk_object(v, path + ".", fields, inner, arrays)
            else:
                _walk_list(v, path, fields, inner, arrays)
        elif coord or arrays.coords:
            _add_with_coord(fields, arrays.coords, path, v, coord)
        else:
            vals = fields.get(path)
            if vals is None:
                fields[path] = [v]
            else:
                vals.append(v)


def _add_with_coord(fields: dict, coords: dict, path: str, v, coord: tuple) -> None:
    vals = fields.setdefault(path, [])
    cl = coords.get(path)
    if cl is None and coord:
        cl = coords[path] = [()] * len(vals)
    vals.append(v)
    if cl is not None:
        cl.append(coord)


def consistent(branch, fields: dict, coords: dict) -> bool:
    """Can each field of ``branch`` be satisfied by values that are not in different elements of one
    array?  Only called after every field matched on its own, so this is a pure refinement."""
    constrained = []
    for f in branch:
        cl = coords.get(f.path)
        if cl is None:
            continue
        options = set()
        for v, c in zip(fields[f.path], cl, strict=True):
            if f.exists_true or (f.pred is not None and f.pred(v)):
                if not c:
                    break  # a value outside any array of objects: no constraint from this field
                options.add(c)
        else:
            if options:
                constrained.append(options)
    if len(constrained) < 2:
        return True
    constrained.sort(key=len)
    return _choose(constrained, 0, {})


def _choose(options: list, i: int, chosen: dict) -> bool:
    if i == len(options):
        return True
    for c in options[i]:
        if all(chosen.get(a, e) == e for a, e in c):
            added = [a for a, _ in c if a not in chosen]
            chosen.update(c)
            if _choose(options, i + 1, chosen):
                return True
            for a in added:
                del chosen[a]
    return False


class RuleIndex:
    """Match one event against many compiled patterns without evaluating each of them.

    A rule that requires one of some exact strings on a path (in every ``$or`` branch) is filed under
    those (path, string) pairs; an event only evaluates the rules filed under its own values.  Among a
    rule's candidate paths the one whose buckets are least crowded is chosen (so 1,000 rules sharing a
    ``source`` but differing by ``detail-type`` are filed by ``detail-type``).  Other rules are filed
    under a path they need present, and evaluated only for events that have it; the rest (only
    ``exists: false`` fields) are evaluated for every event.  Placement is greedy as rules arrive and is
    redone in full, lazily, once enough rules changed since the last rebuild.

    Not thread-safe (``match`` may rebuild): the owner serialises calls, e.g. one index per bus.
    """

    def __init__(self):
        self._rules: dict = {}           # rule id -> compiled pattern
        self._placed: dict = {}          # rule id -> (path, strings); strings None when filed by presence
        self._buckets: dict = {}         # path -> {string: {rule id: match_fields}}
        self._present: dict = {}         # path -> {rule id: match_fields}, for rules that need the path
        self._fallback: dict = {}        # rule id -> match_fields, evaluated for every event
        self._demand: Counter = Counter()  # (path, string) -> rules that could be filed there
        self._changes = 0

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id) -> bool:
        return rule_id in self._rules

    def add(self, rule_id, compiled) -> None:
        if rule_id in self._rules:
            self.remove(rule_id)
        self._rules[rule_id] = compiled
        for path, strings in compiled.index_candidates.items():
            for s in strings:
                self._demand[(path, s)] += 1
        self._place(rule_id, compiled)
        self._changes += 1

    def remove(self, rule_id) -> None:
        compiled = self._rules.pop(rule_id, None)
        if compiled is None:
            return
        for path, strings in compiled.index_candidates.items():
            for s in strings:
                self._demand[(path, s)] -= 1
        self._unplace(rule_id)
        self._changes += 1

    def match(self, event) -> set:
        """Ids of the rules matching ``event``: a parsed JSON object (with ``detail`` parsed too) or a ``Flat``."""
        flat = event if isinstance(event, Flat) else flatten(event)
        if self._changes > 16 and self._changes * 4 > len(self._rules):
            self._rebuild()
        fields, coords = flat.fields, flat.coords
        matched = set()
        for path, bucket in self._buckets.items():
            vals = fields.get(path)
            if vals is None:
                continue
            for v in vals:
                if type(v) is str:
                    rules = bucket.get(v)
                    if rules:
                        for rule_id, match in rules.items():
                            if rule_id not in matched and match(fields, coords):
                                matched.add(rule_id)
        for path, rules in self._present.items():
            if path in fields:
                for rule_id, match in rules.items():
                    if match(fields, coords):
                        matched.add(rule_id)
        for rule_id, match in self._fallback.items():
            if match(fields, coords):
                matched.add(rule_id)
        return matched

    def _place(self, rule_id, compiled) -> None:
        cands, match = compiled.index_candidates, compiled.match_fields
        if cands:
            demand = self._demand
            path = min(cands, key=lambda p: (sum(demand[(p, s)] for s in cands[p]), len(cands[p]), p))
            bucket = self._buckets.setdefault(path, {})
            for s in cands[path]:
                bucket.setdefault(s, {})[rule_id] = match
            self._placed[rule_id] = (path, cands[path])
        elif compiled.required_paths:
            present = self._present
            path = min(compiled.required_paths, key=lambda p: (len(present.get(p, ())), -len(p), p))
            present.setdefault(path, {})[rule_id] = match
            self._placed[rule_id] = (path, None)
        else:
            self._fallback[rule_id] = match

    def _unplace(self, rule_id) -> None:
        placed = self._placed.pop(rule_id, None)
        if placed is None:
            self._fallback.pop(rule_id, None)
            return
        path, strings = placed
        if strings is None:
            rules = self._present[path]
            del rules[rule_id]
            if not rules:
                del self._present[path]
            return
        bucket = self._buckets[path]
        for s in strings:
            rules = bucket[s]
            del rules[rule_id]
            if not rules:
                del bucket[s]
        if not bucket:
            del self._buckets[path]

    def _rebuild(self) -> None:
        self._placed, self._buckets, self._present, self._fallback = {}, {}, {}, {}
        for rule_id, compiled in self._rules.items():
            self._place(rule_id, compiled)
        self._changes = 0
