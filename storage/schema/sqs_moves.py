"""SQS message-move tasks (DLQ redrive), durable so a restart resumes them at their next tick."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .base import metadata

sqs_move_tasks = Table(
    "sqs_move_tasks", metadata,
    Column("task_id", String, primary_key=True),
    Column("source_arn", String, nullable=False),
    Column("destination_arn", String),               # None: each message goes back to its own origin
    Column("max_per_second", Integer),               # None: Sluice's "system-optimized" rate
    Column("status", String, nullable=False),        # RUNNING | COMPLETED | CANCELLED | FAILED
    Column("started_at", Integer, nullable=False),
    Column("to_move", Integer, nullable=False),      # ApproximateNumberOfMessagesToMove, fixed at start
    Column("moved", Integer, nullable=False),
    Column("last_row", Integer, nullable=False),     # only messages already in the source at start move
    Column("next_run_at", Integer),                  # the next one-second tick while RUNNING
    Column("failure_reason", Text),
)
Index("ix_sqs_move_tasks_source", sqs_move_tasks.c.source_arn, sqs_move_tasks.c.started_at)
Index("ix_sqs_move_tasks_due", sqs_move_tasks.c.next_run_at)
