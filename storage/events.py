"""SQL of EventBridge (sync functions over a UnitOfWork): buses, rules with their schedule timer, targets.

Every statement is a SQL string run on ``uow.sql``; ``schema/events.py`` only defines the tables. Rows come
back as dicts; JSON documents (tags, dead-letter and log configs, targets) are decoded here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from . import rows
from .db import UnitOfWork

_BUS_COLUMNS = ("arn", "account", "region", "name", "description", "kms_key", "dead_letter", "log_config", "policy",
                "event_source", "tags", "created_at", "modified_at")
_RULE_COLUMNS = ("arn", "account", "region", "bus_arn", "bus_name", "name", "event_pattern", "schedule", "state",
                 "description", "role_arn", "managed_by", "created_by", "tags", "created_at", "next_fire_at",
                 "schedule_anchor")
_JSON = frozenset(("dead_letter", "log_config", "tags"))


def _row(columns: Sequence[str], values: Sequence[Any] | None) -> dict | None:
    return rows.as_dict(columns, values, _JSON)


def _rows(columns: Sequence[str], cursor: Iterable[Sequence[Any]]) -> list[dict]:
    return [_row(columns, values) for values in cursor]  # type: ignore[misc]


# --- buses ------------------------------------------------------------------------------------------

_BUS_SELECT = f"SELECT {', '.join(_BUS_COLUMNS)} FROM events_buses"
_GET_BUS = f"{_BUS_SELECT} WHERE arn = ?"
_INSERT_BUS = (f"INSERT INTO events_buses ({', '.join(_BUS_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_BUS_COLUMNS))})")
_INSERT_DEFAULT_BUS = ("INSERT OR IGNORE INTO events_buses (arn, account, region, name, tags, created_at, modified_at) "
                       "VALUES (?, ?, ?, 'default', '{}', ?, ?)")
_LIST_BUSES = (f"{_BUS_SELECT} WHERE account = ? AND region = ? AND name >= ? AND name < ? AND name > ? "
               "ORDER BY name LIMIT ?")
_BUS_POLICY = "SELECT policy FROM events_buses WHERE arn = ?"


def get_bus(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(_BUS_COLUMNS, uow.sql.execute(_GET_BUS, (arn,)).fetchone())


def bus_policy(uow: UnitOfWork, arn: str) -> tuple[bool, str | None]:
    """(exists, policy JSON) of a bus: the hot path of routing only needs these."""
    row = uow.sql.execute(_BUS_POLICY, (arn,)).fetchone()
    return (False, None) if row is None else (True, row[0])


def insert_bus(uow: UnitOfWork, **values: Any) -> None:
    row = {c: None for c in _BUS_COLUMNS} | rows.encode(values, _JSON) | {"created_at": uow.now, "modified_at": uow.now}
    uow.sql.execute(_INSERT_BUS, [row[c] for c in _BUS_COLUMNS])


def ensure_default_bus(uow: UnitOfWork, arn: str, account: str, region: str) -> None:
    """The default bus exists in every account and region: its row is written the first time it is needed."""
    uow.sql.execute(_INSERT_DEFAULT_BUS, (arn, account, region, uow.now, uow.now))


def update_bus(uow: UnitOfWork, arn: str, **values: Any) -> None:
    rows.update(uow, "events_buses", _BUS_COLUMNS, "arn", arn, values, _JSON)


def delete_bus(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute("DELETE FROM events_targets WHERE bus_arn = ?", (arn,))
    uow.sql.execute("DELETE FROM events_rules WHERE bus_arn = ?", (arn,))
    uow.sql.execute("DELETE FROM events_buses WHERE arn = ?", (arn,))


def list_buses(uow: UnitOfWork, account: str, region: str, prefix: str, after: str, limit: int) -> list[dict]:
    # name >= prefix AND name < prefix + U+10FFFF: a prefix match that uses the index, whatever the prefix holds.
    return _rows(_BUS_COLUMNS, uow.sql.execute(_LIST_BUSES, (account, region, prefix, prefix + "\U0010ffff", after,
                                                             limit)))


# --- rules ------------------------------------------------------------------------------------------

_RULE_SELECT = f"SELECT {', '.join(_RULE_COLUMNS)} FROM events_rules"
_GET_RULE = f"{_RULE_SELECT} WHERE arn = ?"
_INSERT_RULE = (f"INSERT INTO events_rules ({', '.join(_RULE_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_RULE_COLUMNS))})")
_LIST_RULES = (f"{_RULE_SELECT} WHERE bus_arn = ? AND name >= ? AND name < ? AND name > ? ORDER BY name LIMIT ?")
_ROUTING_RULES = ("SELECT arn, name, event_pattern FROM events_rules WHERE bus_arn = ? AND event_pattern IS NOT NULL "
                  "AND state != 'DISABLED' ORDER BY name")
_ROUTING_TARGETS = ("SELECT t.rule_arn, t.target FROM events_targets t JOIN events_rules r ON r.arn = t.rule_arn "
                    "WHERE t.bus_arn = ? AND r.event_pattern IS NOT NULL AND r.state != 'DISABLED' "
                    "ORDER BY t.rule_arn, t.position")
_NEXT_FIRE = "SELECT min(next_fire_at) FROM events_rules WHERE next_fire_at IS NOT NULL"
_DUE_RULES = (f"{_RULE_SELECT} WHERE next_fire_at IS NOT NULL AND next_fire_at <= ? "
              "ORDER BY next_fire_at, arn LIMIT ?")
_SET_NEXT_FIRE = "UPDATE events_rules SET next_fire_at = ?, schedule_anchor = ? WHERE arn = ?"


def get_rule(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(_RULE_COLUMNS, uow.sql.execute(_GET_RULE, (arn,)).fetchone())


def insert_rule(uow: UnitOfWork, **values: Any) -> None:
    row = {c: None for c in _RULE_COLUMNS} | rows.encode(values, _JSON) | {"created_at": uow.now}
    uow.sql.execute(_INSERT_RULE, [row[c] for c in _RULE_COLUMNS])


def update_rule(uow: UnitOfWork, arn: str, **values: Any) -> None:
    rows.update(uow, "events_rules", _RULE_COLUMNS, "arn", arn, values, _JSON)


def delete_rule(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute("DELETE FROM events_targets WHERE rule_arn = ?", (arn,))
    uow.sql.execute("DELETE FROM events_rules WHERE arn = ?", (arn,))


def list_rules(uow: UnitOfWork, bus_arn: str, prefix: str, after: str, limit: int) -> list[dict]:
    return _rows(_RULE_COLUMNS, uow.sql.execute(_LIST_RULES, (bus_arn, prefix, prefix + "\U0010ffff", after, limit)))


def routing_rules(uow: UnitOfWork, bus_arn: str) -> list[tuple[str, str, str]]:
    """(arn, name, event pattern) of the bus's rules that match events: enabled, with a pattern."""
    return uow.sql.execute(_ROUTING_RULES, (bus_arn,)).fetchall()


def routing_targets(uow: UnitOfWork, bus_arn: str) -> list[tuple[str, dict]]:
    """(rule arn, target) of those rules, in each rule's target order."""
    return [(rule_arn, json.loads(target)) for rule_arn, target in uow.sql.execute(_ROUTING_TARGETS, (bus_arn,))]


def next_fire(uow: UnitOfWork) -> int | None:
    row = uow.sql.execute(_NEXT_FIRE).fetchone()
    return row[0] if row else None


def due_rules(uow: UnitOfWork, now: int, limit: int) -> list[dict]:
    return _rows(_RULE_COLUMNS, uow.sql.execute(_DUE_RULES, (now, limit)))


def set_next_fire(uow: UnitOfWork, arn: str, next_fire_at: int | None, anchor: int | None) -> None:
    uow.sql.execute(_SET_NEXT_FIRE, (next_fire_at, anchor, arn))


# --- targets ----------------------------------------------------------------------------------------

_TARGETS = "SELECT target FROM events_targets WHERE rule_arn = ? ORDER BY position"
_TARGET_IDS = "SELECT target_id, position FROM events_targets WHERE rule_arn = ?"
_UPSERT_TARGET = (
    "INSERT INTO events_targets (rule_arn, target_id, arn, bus_arn, position, target) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (rule_arn, target_id) DO UPDATE SET arn = excluded.arn, target = excluded.target")
_DELETE_TARGET = "DELETE FROM events_targets WHERE rule_arn = ? AND target_id = ?"
_COUNT_TARGETS = "SELECT count(*) FROM events_targets WHERE rule_arn = ?"
_RULE_NAMES_BY_TARGET = ("SELECT DISTINCT r.name FROM events_targets t JOIN events_rules r ON r.arn = t.rule_arn "
                         "WHERE t.arn = ? AND t.bus_arn = ? AND r.name > ? ORDER BY r.name LIMIT ?")


def targets(uow: UnitOfWork, rule_arn: str) -> list[dict]:
    return [json.loads(t) for (t,) in uow.sql.execute(_TARGETS, (rule_arn,))]


def target_positions(uow: UnitOfWork, rule_arn: str) -> dict[str, int]:
    return dict(uow.sql.execute(_TARGET_IDS, (rule_arn,)).fetchall())


def put_target(uow: UnitOfWork, rule_arn: str, bus_arn: str, position: int, target: dict) -> None:
    uow.sql.execute(_UPSERT_TARGET, (rule_arn, target["Id"], target["Arn"], bus_arn, position, json.dumps(target)))


def delete_target(uow: UnitOfWork, rule_arn: str, target_id: str) -> bool:
    return uow.sql.execute(_DELETE_TARGET, (rule_arn, target_id)).rowcount > 0


def count_targets(uow: UnitOfWork, rule_arn: str) -> int:
    return int(uow.sql.execute(_COUNT_TARGETS, (rule_arn,)).fetchone()[0])


def rule_names_by_target(uow: UnitOfWork, target_arn: str, bus_arn: str, after: str, limit: int) -> list[str]:
    return [name for (name,) in uow.sql.execute(_RULE_NAMES_BY_TARGET, (target_arn, bus_arn, after, limit))]
