"""What routing an event needs of a bus, parsed once: the bus cache.

An entry holds the bus's resource policy, a ``RuleIndex`` over its enabled pattern rules and each of those
rules' targets already turned into delivery specs (``targets.TargetSpec``). PutEvents reads no rule or target
row and compiles no pattern. As ``emulator/sns/cache.py``: entries are loaded inside a transaction (so they
see exactly what it sees) and dropped by every transaction that changes the bus, its rules or their targets;
both register ``uow.on_rollback``, so the cache never shows state that was not committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage import events as repo
from storage.db import UnitOfWork

from ..arns import parse
from ..patterns import RuleIndex, compile_event_pattern
from .archiving import ArchiveSpec, load_specs
from .targets import TargetSpec, spec_of


@dataclass(frozen=True, slots=True)
class RoutedRule:
    arn: str
    name: str
    targets: tuple[TargetSpec, ...]


@dataclass(slots=True)
class Bus:
    arn: str
    account: str
    region: str
    name: str
    exists: bool
    policy: dict | None
    index: RuleIndex = field(default_factory=RuleIndex)
    rules: dict[str, RoutedRule] = field(default_factory=dict)
    archives: tuple[ArchiveSpec, ...] = ()      # its enabled archives (archiving.py)

    def match(self, event) -> list[RoutedRule]:
        """The rules an event (parsed, or a ``Flat``) matches, by name: deliveries happen in a stable order."""
        if not self.rules:
            return []
        ids = self.index.match(event)
        if len(ids) < 2:
            return [self.rules[i] for i in ids]
        return sorted((self.rules[i] for i in ids), key=lambda r: r.name)


def load(uow: UnitOfWork, arn: str) -> Bus:
    parts = parse(arn, service="events")
    assert parts is not None, arn
    name = parts.resource.split("/", 1)[1]
    exists, policy = repo.bus_policy(uow, arn)
    bus = Bus(arn, parts.account, parts.region, name, exists or name == "default",
              json.loads(policy) if policy else None)
    if not bus.exists:
        return bus
    by_rule: dict[str, list[TargetSpec]] = {}
    for rule_arn, target in repo.routing_targets(uow, arn):
        by_rule.setdefault(rule_arn, []).append(spec_of(target, rule_arn))
    for rule_arn, rule_name, pattern in repo.routing_rules(uow, arn):
        bus.rules[rule_arn] = RoutedRule(rule_arn, rule_name, tuple(by_rule.get(rule_arn, ())))
        bus.index.add(rule_arn, compile_event_pattern(pattern))
    bus.archives = load_specs(uow, arn)
    return bus


class BusCache:
    def __init__(self) -> None:
        self._buses: dict[str, Bus] = {}

    def get(self, uow: UnitOfWork, arn: str) -> Bus:
        """The bus as this transaction sees it (``exists`` False: no such bus)."""
        bus = self._buses.get(arn)
        if bus is None:
            bus = self._buses[arn] = load(uow, arn)
            # Built from what this unit sees: if the unit is undone, so is the entry.
            uow.on_rollback(lambda: self._buses.pop(arn, None))
        return bus

    def changed(self, uow: UnitOfWork, arn: str | None = None) -> None:
        """This transaction changes the bus ``arn``, its rules or their targets (None: any bus)."""
        self._drop(arn)
        uow.on_rollback(lambda: self._drop(arn))

    def _drop(self, arn: str | None) -> None:
        if arn is None:
            self._buses.clear()
        else:
            self._buses.pop(arn, None)

    def clear(self) -> None:
        self._buses.clear()
