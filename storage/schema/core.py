"""Tables of the scheduler core: the outbox and the delivery log."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .base import metadata

# The durable outbox: every remote delivery and every retry is a row with a due time.
outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String, nullable=False),          # which delivery handler runs it, e.g. "sns.http"
    Column("target", String, nullable=False),        # what it is delivered to (ARN, URL), for the log
    Column("payload", Text, nullable=False),         # JSON: everything the handler needs, policy included
    Column("due_at", Integer, nullable=False),       # next attempt; a claimed row is pushed to its lease end
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", Integer, nullable=False),
    Column("message_id", String),
    Column("source_arn", String),                    # the topic or rule the delivery comes from, for the log
    sqlite_autoincrement=True,  # ids are never reused: the delivery log points at outbox rows long gone
)
Index("ix_outbox_due", outbox.c.due_at)

# One row per delivery attempt, success or failure, readable over GET /_sluice/deliveries.
delivery_log = Table(
    "delivery_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("target", String, nullable=False),
    Column("message_id", String),
    Column("attempt", Integer, nullable=False),
    Column("status", String, nullable=False),        # delivered | retrying | dead-lettered | dropped
    Column("error", Text),
    Column("outbox_id", Integer),
    Column("source_arn", String),                     # the topic or rule the delivery came from
    sqlite_autoincrement=True,  # readers page with after_id: a reused id would be skipped or read twice
)
