"""EventBridge tables: event buses, rules (with their schedule timer), targets.

Documents AWS keeps as strings or structures (policies, tags, targets, dead-letter configs) are JSON text.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from .base import metadata

events_buses = Table(
    "events_buses", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("description", Text),
    Column("kms_key", String),
    Column("dead_letter", Text),                      # JSON DeadLetterConfig
    Column("log_config", Text),                       # JSON LogConfig
    Column("policy", Text),                           # the resource policy (JSON text, as DescribeEventBus shows it)
    Column("event_source", String),                   # EventSourceName of a partner bus
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
)
Index("ix_events_buses_owner", events_buses.c.account, events_buses.c.region, events_buses.c.name)

events_rules = Table(
    "events_rules", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("bus_arn", String, nullable=False),
    Column("bus_name", String, nullable=False),
    Column("name", String, nullable=False),
    Column("event_pattern", Text),
    Column("schedule", String),                       # ScheduleExpression
    Column("state", String, nullable=False),
    Column("description", Text),
    Column("role_arn", String),
    Column("managed_by", String),
    Column("created_by", String, nullable=False),
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_at", Integer, nullable=False),
    # The schedule as data: the next firing (NULL when the rule has no schedule or is disabled) and the
    # time a rate() schedule counts from (when it was created or last enabled).
    Column("next_fire_at", Integer),
    Column("schedule_anchor", Integer),
)
Index("ix_events_rules_bus", events_rules.c.bus_arn, events_rules.c.name, unique=True)
Index("ix_events_rules_due", events_rules.c.next_fire_at, sqlite_where=events_rules.c.next_fire_at.isnot(None))

events_targets = Table(
    "events_targets", metadata,
    Column("rule_arn", String, nullable=False),
    Column("target_id", String, nullable=False),
    Column("arn", String, nullable=False),            # the target's ARN (ListRuleNamesByTarget)
    Column("bus_arn", String, nullable=False),
    Column("position", Integer, nullable=False),      # first PutTargets order
    Column("target", Text, nullable=False),           # JSON: the Target structure as given
    PrimaryKeyConstraint("rule_arn", "target_id"),
)
Index("ix_events_targets_arn", events_targets.c.arn, events_targets.c.bus_arn)
