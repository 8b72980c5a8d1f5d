"""SQL of SQS message-move tasks."""

from __future__ import annotations

from .db import UnitOfWork

_COLUMNS = ("task_id, source_arn, destination_arn, max_per_second, status, started_at, to_move, moved, last_row, "
            "next_run_at, failure_reason")


def running_task(uow: UnitOfWork, source_arn: str):
    return uow.conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM sqs_move_tasks WHERE source_arn = ? AND status = 'RUNNING'", (source_arn,)).first()


def get_task(uow: UnitOfWork, task_id: str):
    return uow.conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM sqs_move_tasks WHERE task_id = ?", (task_id,)).first()


def insert_task(uow: UnitOfWork, task_id: str, source_arn: str, destination_arn: str | None,
                max_per_second: int | None, to_move: int, last_row: int) -> None:
    uow.conn.exec_driver_sql(
        "INSERT INTO sqs_move_tasks (task_id, source_arn, destination_arn, max_per_second, status, started_at, "
        "to_move, moved, last_row, next_run_at) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, 0, ?, ?)",
        (task_id, source_arn, destination_arn, max_per_second, uow.now, to_move, last_row, uow.now))


def list_tasks(uow: UnitOfWork, source_arn: str, limit: int) -> list:
    return uow.conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC, rowid DESC LIMIT ?",
        (source_arn, limit)).all()


def due_tasks(uow: UnitOfWork) -> list:
    return uow.conn.exec_driver_sql(
        f"SELECT {_COLUMNS} FROM sqs_move_tasks WHERE status = 'RUNNING' AND next_run_at <= ? ORDER BY next_run_at",
        (uow.now,)).all()


def next_due(uow: UnitOfWork) -> int | None:
    return uow.conn.exec_driver_sql(
        "SELECT MIN(next_run_at) FROM sqs_move_tasks WHERE status = 'RUNNING'").scalar()


def update_task(uow: UnitOfWork, task_id: str, *, status: str, moved: int, next_run_at: int | None,
                failure_reason: str | None = None) -> None:
    uow.conn.exec_driver_sql(
        "UPDATE sqs_move_tasks SET status = ?, moved = ?, next_run_at = ?, failure_reason = ? WHERE task_id = ?",
        (status, moved, next_run_at, failure_reason, task_id))


def movable(uow: UnitOfWork, queue_id: int, last_row: int, limit: int) -> list:
    """(row id, origin queue ARN) of receivable messages that were in the queue when the task started."""
    now = uow.now
    return uow.conn.exec_driver_sql(
        "SELECT id, dlq_source_arn FROM sqs_messages WHERE queue_id = ? AND id <= ? AND visible_at <= ? "
        "AND expires_at > ? ORDER BY id LIMIT ?", (queue_id, last_row, now, now, limit)).all()


def max_row(uow: UnitOfWork, queue_id: int) -> int:
    return uow.conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM sqs_messages WHERE queue_id = ?",
                                    (queue_id,)).scalar()


def count_messages(uow: UnitOfWork, queue_id: int) -> int:
    return uow.conn.exec_driver_sql("SELECT COUNT(*) FROM sqs_messages WHERE queue_id = ? AND expires_at > ?",
                                    (queue_id, uow.now)).scalar()
