"""RuleIndex: same answers as evaluating every rule, while evaluating only the plausible ones.

Citation: ruler README "Matching with a Machine" (many rules against one event, the matching time not
depending on how many rules there are) is the behaviour EventBridge buses rely on.
"""

import json
import random

import pytest

from emulator.patterns import RuleIndex, compile_event_pattern, flatten

CITE = "ruler README: Matching with a Machine"
PATHS = ["source", "detail-type", "region", "detail.a", "detail.b", "detail.n", "detail.items.x", "detail.items.y"]
STRINGS = ["s0", "s1", "s2", "S1", "t0"]


def random_matcher(rng: random.Random):
    kind = rng.randrange(10)
    if kind < 4:
        return rng.choice(STRINGS)
    return [
        lambda: rng.randrange(4),
        lambda: {"prefix": rng.choice(["s", "t", "S"])},
        lambda: {"anything-but": rng.sample(STRINGS, 2)},
        lambda: {"numeric": [">=", rng.randrange(3), "<", rng.randrange(3, 6)]},
        lambda: {"exists": rng.random() < 0.5},
        lambda: {"equals-ignore-case": rng.choice(STRINGS)},
    ][kind - 4]()


def nest(flat: dict) -> dict:
    out: dict = {}
    for path, value in flat.items():
        node = out
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


def random_branch(rng) -> dict:
    fields = rng.sample(PATHS, rng.randint(1, 3))
    return {p: [random_matcher(rng) for _ in range(rng.randint(1, 3))] for p in fields}


def random_pattern(rng) -> dict:
    pattern = random_branch(rng)
    if rng.random() < 0.3:
        alternatives = [nest(random_branch(rng)) for _ in range(2)]
        pattern = {k: v for k, v in pattern.items() if not k.startswith("detail.")}
        return {**nest(pattern), "$or": alternatives}
    return nest(pattern)


def random_event(rng) -> dict:
    def value():
        return rng.choice(STRINGS + [0, 1, 2, 3, 4.5, None, True])

    detail = {k: (value() if rng.random() < 0.7 else [value(), value()]) for k in "abn" if rng.random() < 0.8}
    if rng.random() < 0.6:
        detail["items"] = [{k: value() for k in "xy" if rng.random() < 0.8} for _ in range(rng.randint(1, 3))]
    return {"source": rng.choice(STRINGS), "detail-type": rng.choice(STRINGS), "region": rng.choice(STRINGS),
            "detail": detail}


def brute_force(rules: dict, event: dict) -> set:
    flat = flatten(event)
    return {rule_id for rule_id, compiled in rules.items() if compiled.matches(flat)}


@pytest.mark.parametrize("seed", range(5))
def test_index_agrees_with_evaluating_every_rule(seed):
    rng = random.Random(seed)
    rules = {f"r{i}": compile_event_pattern(json.dumps(random_pattern(rng))) for i in range(300)}
    index = RuleIndex()
    for rule_id, compiled in rules.items():
        index.add(rule_id, compiled)
    # The comparison only means something if both the indexed and the fallback paths are exercised.
    assert index._buckets and (index._present or index._fallback), CITE
    events = [random_event(rng) for _ in range(300)]
    hits = 0
    for event in events:
        expected = brute_force(rules, event)
        assert index.match(event) == expected, CITE
        hits += len(expected)
    assert hits > 0, CITE
    for rule_id in rng.sample(sorted(rules), 150):  # removal, then re-adding under the same ids
        index.remove(rule_id)
        del rules[rule_id]
    for event in events[:100]:
        assert index.match(event) == brute_force(rules, event), CITE
    for i, event in enumerate(events[100:200]):  # greedy placement between lazy rebuilds
        rules[f"r{i}"] = compile_event_pattern(json.dumps(random_pattern(rng)))
        index.add(f"r{i}", rules[f"r{i}"])
        assert index.match(event) == brute_force(rules, event), CITE
    for event in events[200:]:
        assert index.match(event) == brute_force(rules, event), CITE


class Counting:
    """A compiled pattern that counts how often the index evaluates it."""

    calls = 0

    def __init__(self, compiled):
        self.index_candidates = compiled.index_candidates
        self.required_paths = compiled.required_paths
        self._inner = compiled.match_fields

    def match_fields(self, fields, coords):
        Counting.calls += 1
        return self._inner(fields, coords)


def test_rules_differing_by_detail_type_are_not_each_evaluated():
    index = RuleIndex()
    for i in range(1000):
        pattern = {"source": ["com.example"], "detail-type": [f"Type {i}"]}
        index.add(i, Counting(compile_event_pattern(json.dumps(pattern))))
    Counting.calls = 0
    assert index.match({"source": "com.example", "detail-type": "Type 42", "detail": {}}) == {42}, CITE
    assert Counting.calls <= 2, CITE  # the one filed under "Type 42", at most one more filed by source


def test_rules_without_exact_fields_are_filed_by_presence():
    index = RuleIndex()
    index.add("amount", Counting(compile_event_pattern('{"detail": {"amount": [{"numeric": [">", 10]}]}}')))
    index.add("absent", Counting(compile_event_pattern('{"detail": {"x": [{"exists": false}]}}')))
    Counting.calls = 0
    assert index.match({"detail": {"other": 1}}) == {"absent"}, CITE
    assert Counting.calls == 1, CITE  # the numeric rule needs detail.amount, which this event lacks
    assert index.match({"detail": {"amount": 11}}) == {"amount", "absent"}, CITE


def test_or_rule_is_indexed_only_on_a_path_every_branch_requires():
    compiled = compile_event_pattern(json.dumps(
        {"source": ["a", "b"], "$or": [{"detail-type": ["x"]}, {"region": ["eu"]}]}))
    assert compiled.index_candidates == {"source": frozenset({"a", "b"})}, CITE
    index = RuleIndex()
    index.add("r", compiled)
    assert index.match({"source": "b", "region": "eu"}) == {"r"}, CITE
    assert index.match({"source": "c", "region": "eu"}) == set(), CITE


def test_add_replaces_and_remove_forgets():
    index = RuleIndex()
    index.add("r", compile_event_pattern('{"source": ["a"]}'))
    index.add("r", compile_event_pattern('{"source": ["b"]}'))
    assert len(index) == 1 and "r" in index, CITE
    assert index.match({"source": "a"}) == set() and index.match({"source": "b"}) == {"r"}, CITE
    index.remove("r")
    index.remove("never-added")
    assert index.match({"source": "b"}) == set() and len(index) == 0, CITE


def test_match_accepts_an_already_flattened_event():
    index = RuleIndex()
    index.add("r", compile_event_pattern('{"detail": {"tags": ["eu"]}}'))
    assert index.match(flatten({"detail": {"tags": ["web", "eu"]}})) == {"r"}, CITE
