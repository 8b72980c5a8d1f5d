"""Rules: PutRule, DescribeRule, EnableRule, DisableRule, DeleteRule, ListRules, ListRuleNamesByTarget.

PutRule replaces a rule whole ("If you omit arguments in PutRule, the old values for those arguments are not
kept", API reference) but keeps its targets and tags. A rule's schedule is data: ``next_fire_at`` (NULL when
the rule has no schedule or is disabled) is what ``scheduler.ScheduleSource`` fires on; every operation that
changes the schedule or the state recomputes it here, in its own transaction.
"""

from __future__ import annotations

from typing import Any

from storage import events as repo
from storage.db import UnitOfWork

from ..caller import Caller
from ..patterns import compile_event_pattern
from .buses import own_bus
from .common import DEFAULT_BUS, decode_token, page, rule_arn, tag_dict
from .errors import ManagedRuleException, ValidationException, rule_not_found
from .schedule import Schedule, parse_schedule

DISABLED = "DISABLED"
ENABLED = "ENABLED"


def schedule_of(row: dict) -> Schedule | None:
    return parse_schedule(row["schedule"]) if row["schedule"] else None


def first_firing(schedule: Schedule, now: int) -> tuple[int | None, int]:
    """(next_fire_at, anchor) of a schedule that starts now: rate() counts from now, cron() ignores it."""
    return schedule.next_after(now, anchor_ms=now), now


def put_rule(uow: UnitOfWork, caller: Caller, name: str, *, schedule: str | None, pattern: str | None,
             state: str | None, description: str | None, role_arn: str | None, tags: list | None,
             bus_name: str | None) -> tuple[str, str, int | None]:
    """Create or replace a rule; returns (rule ARN, bus ARN, next firing)."""
    bus = own_bus(uow, caller, bus_name)
    if not pattern and not schedule:
        raise ValidationException("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if pattern:
        compile_event_pattern(pattern)
    parsed = None
    if schedule:
        if bus["name"] != DEFAULT_BUS:
            raise ValidationException("ScheduleExpression is supported only on the default event bus.")
        try:
            parsed = parse_schedule(schedule)
        except ValueError as exc:
            raise ValidationException(str(exc)) from None
    new_tags = tag_dict(tags)
    arn = rule_arn(caller.account, caller.region, bus["name"], name)
    existing = repo.get_rule(uow, arn)
    state = state or ENABLED
    next_fire_at = anchor = None
    if parsed is not None and state != DISABLED:
        unchanged = (existing is not None and existing["schedule"] == schedule and existing["state"] != DISABLED
                     and existing["next_fire_at"] is not None)
        if unchanged:
            next_fire_at, anchor = existing["next_fire_at"], existing["schedule_anchor"]  # type: ignore[index]
        else:
            next_fire_at, anchor = first_firing(parsed, uow.now)
    values: dict[str, Any] = dict(event_pattern=pattern or None, schedule=schedule or None, state=state,
                                  description=description, role_arn=role_arn, next_fire_at=next_fire_at,
                                  schedule_anchor=anchor)
    if existing is None:
        repo.insert_rule(uow, arn=arn, account=caller.account, region=caller.region, bus_arn=bus["arn"],
                         bus_name=bus["name"], name=name, created_by=caller.account, tags=new_tags, **values)
    else:
        repo.update_rule(uow, arn, tags={**existing["tags"], **new_tags}, **values)
    return arn, bus["arn"], next_fire_at


def own_rule(uow: UnitOfWork, caller: Caller, name: str, bus_name: str | None) -> dict:
    bus = own_bus(uow, caller, bus_name)
    row = repo.get_rule(uow, rule_arn(caller.account, caller.region, bus["name"], name))
    if row is None:
        raise rule_not_found(name, bus["name"])
    return row


def output(row: dict, *, created_by: bool = False) -> dict[str, Any]:
    """A rule as ListRules lists it (DescribeRule adds CreatedBy); members not set are left out."""
    out: dict[str, Any] = {"Name": row["name"], "Arn": row["arn"]}
    for key, column in (("EventPattern", "event_pattern"), ("ScheduleExpression", "schedule"), ("State", "state"),
                        ("Description", "description"), ("RoleArn", "role_arn"), ("ManagedBy", "managed_by"),
                        ("EventBusName", "bus_name")):
        if row[column] is not None:
            out[key] = row[column]
    if created_by:
        out["CreatedBy"] = row["created_by"]
    return out


def set_state(uow: UnitOfWork, caller: Caller, name: str, bus_name: str | None,
              enabled: bool) -> tuple[dict, int | None]:
    """EnableRule / DisableRule; an enabled schedule starts again from now (rate() counts from it).
    Returns the rule as it was and its next firing."""
    row = own_rule(uow, caller, name, bus_name)
    schedule = schedule_of(row)
    next_fire_at, anchor = row["next_fire_at"], row["schedule_anchor"]
    if not enabled:
        next_fire_at = None
    elif schedule is not None and (row["state"] == DISABLED or next_fire_at is None):
        next_fire_at, anchor = first_firing(schedule, uow.now)
    repo.update_rule(uow, row["arn"], state=ENABLED if enabled else DISABLED, next_fire_at=next_fire_at,
                     schedule_anchor=anchor)
    return row, next_fire_at


def delete_rule(uow: UnitOfWork, caller: Caller, name: str, bus_name: str | None, force: bool) -> dict | None:
    """A rule that does not exist is no error; one with targets is refused (a managed one needs Force)."""
    bus = own_bus(uow, caller, bus_name)
    row = repo.get_rule(uow, rule_arn(caller.account, caller.region, bus["name"], name))
    if row is None:
        return None
    if row["managed_by"] and not force:
        raise ManagedRuleException(f"Rule {name} is managed by {row['managed_by']} and cannot be deleted without "
                                   "Force.")
    if repo.count_targets(uow, row["arn"]) and not (force and row["managed_by"]):
        raise ValidationException("Rule can't be deleted since it has targets.")
    repo.delete_rule(uow, row["arn"])
    return row


def list_rules(uow: UnitOfWork, caller: Caller, prefix: str | None, bus_name: str | None, next_token: str | None,
               limit: int | None) -> dict:
    bus = own_bus(uow, caller, bus_name)
    rows = repo.list_rules(uow, bus["arn"], prefix or "", decode_token(next_token), (limit or 100) + 1)
    rows, token = page(rows, limit, lambda r: r["name"])
    out: dict[str, Any] = {"Rules": [output(r) for r in rows]}
    if token:
        out["NextToken"] = token
    return out


def list_rule_names_by_target(uow: UnitOfWork, caller: Caller, target_arn: str, bus_name: str | None,
                              next_token: str | None, limit: int | None) -> dict:
    bus = own_bus(uow, caller, bus_name)
    names = repo.rule_names_by_target(uow, target_arn, bus["arn"], decode_token(next_token), (limit or 100) + 1)
    names, token = page(names, limit, lambda n: n)
    out: dict[str, Any] = {"RuleNames": names}
    if token:
        out["NextToken"] = token
    return out
