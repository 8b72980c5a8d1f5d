"""SQL of SQS message-move tasks: SQL strings on ``uow.sql``, as in ``storage/sqs.py``."""

from __future__ import annotations

from typing import NamedTuple

from .db import UnitOfWork
from .sqs import scalar


class TaskRow(NamedTuple):
    task_id: str
    source_arn: str
    destination_arn: str | None
    max_per_second: int | None
    status: str
    started_at: int
    to_move: int
    moved: int
    last_row: int
    next_run_at: int | None
    failure_reason: str | None


_SELECT = f"SELECT {', '.join(TaskRow._fields)} FROM sqs_move_tasks"
_RUNNING = f"{_SELECT} WHERE source_arn = ? AND status = 'RUNNING'"
_GET = f"{_SELECT} WHERE task_id = ?"
_LIST = f"{_SELECT} WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?"
_DUE = f"{_SELECT} WHERE status = 'RUNNING' AND next_run_at <= ? ORDER BY next_run_at"
_INSERT = ("INSERT INTO sqs_move_tasks (task_id, source_arn, destination_arn, max_per_second, status, started_at, "
           "to_move, moved, last_row, next_run_at) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, 0, ?, ?)")
_NEXT_DUE = "SELECT MIN(next_run_at) FROM sqs_move_tasks WHERE status = 'RUNNING'"
_UPDATE = "UPDATE sqs_move_tasks SET status = ?, moved = ?, next_run_at = ?, failure_reason = ? WHERE task_id = ?"
# Rows under a pending purge's bound (storage/sqs.py, ``_LIVE``) are gone already.
_MOVABLE = ("SELECT id, dlq_source_arn FROM sqs_messages WHERE queue_id = ?1 AND id <= ?2 AND visible_at <= ?3 "
            "AND expires_at > ?3 AND id > COALESCE((SELECT purged_below FROM sqs_queue_counts WHERE queue_id = ?1), 0) "
            "ORDER BY id LIMIT ?4")
_MAX_ROW = "SELECT COALESCE(MAX(id), 0) FROM sqs_messages WHERE queue_id = ?"
_COUNT = ("SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ?1 AND expires_at > ?2 "
          "AND id > COALESCE((SELECT purged_below FROM sqs_queue_counts WHERE queue_id = ?1), 0)")


def _task(row: tuple | None) -> TaskRow | None:
    return TaskRow._make(row) if row is not None else None


def running_task(uow: UnitOfWork, source_arn: str) -> TaskRow | None:
    return _task(uow.sql.execute(_RUNNING, (source_arn,)).fetchone())


def get_task(uow: UnitOfWork, task_id: str) -> TaskRow | None:
    return _task(uow.sql.execute(_GET, (task_id,)).fetchone())


def insert_task(uow: UnitOfWork, task_id: str, source_arn: str, destination_arn: str | None,
                max_per_second: int | None, to_move: int, last_row: int) -> None:
    uow.sql.execute(_INSERT, (task_id, source_arn, destination_arn, max_per_second, uow.now, to_move, last_row,
                               uow.now))


def list_tasks(uow: UnitOfWork, source_arn: str, limit: int) -> list[TaskRow]:
    return [TaskRow._make(row) for row in uow.sql.execute(_LIST, (source_arn, limit))]


def due_tasks(uow: UnitOfWork) -> list[TaskRow]:
    return [TaskRow._make(row) for row in uow.sql.execute(_DUE, (uow.now,))]


def next_due(uow: UnitOfWork) -> int | None:
    return scalar(uow, _NEXT_DUE)


def update_task(uow: UnitOfWork, task_id: str, *, status: str, moved: int, next_run_at: int | None,
                failure_reason: str | None = None) -> None:
    uow.sql.execute(_UPDATE, (status, moved, next_run_at, failure_reason, task_id))


def movable(uow: UnitOfWork, queue_id: int, last_row: int, limit: int) -> list[tuple[int, str | None]]:
    """(row id, origin queue ARN) of receivable messages that were in the queue when the task started."""
    now = uow.now
    return uow.sql.execute(_MOVABLE, (queue_id, last_row, now, limit)).fetchall()


def max_row(uow: UnitOfWork, queue_id: int) -> int:
    return int(scalar(uow, _MAX_ROW, (queue_id,)))


def count_messages(uow: UnitOfWork, queue_id: int) -> int:
    return int(scalar(uow, _COUNT, (queue_id, uow.now)))
