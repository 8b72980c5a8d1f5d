"""EventBridge archives (with the events they hold) and replays (with their progress, as data).

An archived event is kept as the JSON text it was routed with; ``event_time`` is its ``time`` field (what a
replay's window selects on) and ``archived_at`` when it arrived (what retention counts from). A replay's
``due_at`` is its next step (NULL once it has ended) and ``cursor_time``/``cursor_id`` the last event it
replayed: a restart picks the replay up exactly there.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .base import metadata

events_archives = Table(
    "events_archives", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("bus_arn", String, nullable=False),        # EventSourceArn
    Column("description", Text),
    Column("event_pattern", Text),
    Column("retention_days", Integer),                # 0 or NULL (not given): kept forever
    Column("kms_key", String),
    Column("state", String, nullable=False),
    Column("created_at", Integer, nullable=False),
)
Index("ix_events_archives_owner", events_archives.c.account, events_archives.c.region, events_archives.c.name,
      unique=True)
Index("ix_events_archives_bus", events_archives.c.bus_arn)

events_archived = Table(
    "events_archived", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("archive_arn", String, nullable=False),
    Column("event_time", Integer, nullable=False),    # the event's time (epoch ms)
    Column("archived_at", Integer, nullable=False),
    Column("size", Integer, nullable=False),          # bytes of the event's JSON (SizeBytes)
    Column("event", Text, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_events_archived_time", events_archived.c.archive_arn, events_archived.c.event_time, events_archived.c.id)
Index("ix_events_archived_age", events_archived.c.archive_arn, events_archived.c.archived_at)

events_replays = Table(
    "events_replays", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("archive_arn", String, nullable=False),    # EventSourceArn
    Column("description", Text),
    Column("destination", Text, nullable=False),      # JSON ReplayDestination
    Column("event_start", Integer, nullable=False),
    Column("event_end", Integer, nullable=False),
    Column("state", String, nullable=False),
    Column("state_reason", Text),
    Column("started_at", Integer, nullable=False),    # ReplayStartTime
    Column("ended_at", Integer),                      # ReplayEndTime
    Column("last_replayed", Integer),                 # EventLastReplayedTime
    Column("cursor_time", Integer),
    Column("cursor_id", Integer),
    Column("due_at", Integer),
)
Index("ix_events_replays_owner", events_replays.c.account, events_replays.c.region, events_replays.c.name,
      unique=True)
Index("ix_events_replays_due", events_replays.c.due_at, sqlite_where=events_replays.c.due_at.isnot(None))
