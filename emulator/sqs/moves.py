"""Message-move tasks: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask.

A task is a row with a one-second tick (``next_run_at``); the scheduler runs each due tick in one
transaction that moves up to ``MaxNumberOfMessagesPerSecond`` receivable messages, those already in
the DLQ when the task started, either to ``DestinationArn`` or each back to the queue it was
dead-lettered from. A moved message keeps its MessageId, body and attributes, and its receive count
starts again from zero. A destination that disappears fails the task as AWS reports it.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from emulator.caller import Caller
from storage import sqs_moves as db
from storage.db import UnitOfWork
from storage.sqs_moves import TaskRow

from .errors import InvalidParameterValue, ResourceNotFoundException
from .model import Queue
from .redrive import RedriveOps

TICK_MS = 1000
DEFAULT_RATE = 500  # AWS's "system-optimized" rate is unspecified; this moves a typical DLQ in seconds
MAX_RATE = 500


def _not_found(parameter: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"The resource that you specified for the {parameter} parameter doesn't exist.")


def encode_handle(task_id: str, source_arn: str) -> str:
    return base64.b64encode(json.dumps({"taskId": task_id, "sourceArn": source_arn}).encode()).decode()


def decode_handle(handle: str) -> tuple[str, str]:
    try:
        value = json.loads(base64.b64decode(handle, validate=True))
        return str(value["taskId"]), str(value["sourceArn"])
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidParameterValue("Value for parameter TaskHandle is invalid.") from None


class MoveTaskOps(RedriveOps):
    """Moves a DLQ's messages out with RedriveOps.redrive_to."""

    def _arn_queue(self, uow: UnitOfWork, arn: str, parameter: str, caller: Caller, action: str) -> Queue:
        queue = self.queue_by_arn(uow, arn)
        if queue is None:
            raise _not_found(parameter)
        self.authorize(caller, queue, action)
        return queue

    async def start_message_move_task(self, caller: Caller, *, source_arn: str, destination_arn: str | None = None,
                                      max_number_of_messages_per_second: int | None = None) -> dict:
        return await self.store.transaction(self._start_move_txn, caller, source_arn, destination_arn,
                                            max_number_of_messages_per_second)

    def _start_move_txn(self, uow: UnitOfWork, caller: Caller, source_arn: str, destination_arn: str | None,
                        rate: int | None) -> dict:
        source = self._arn_queue(uow, source_arn, "SourceArn", caller, "StartMessageMoveTask")
        if destination_arn:
            self._arn_queue(uow, destination_arn, "DestinationArn", caller, "StartMessageMoveTask")
        if rate is not None and not 1 <= rate <= MAX_RATE:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. "
                f"Reason: must be between 1 and {MAX_RATE}.")
        if not any(q.redrive_target == source.arn for q in self.queues.all(uow)):
            raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
        if db.running_task(uow, source.arn) is not None:
            raise InvalidParameterValue(
                "There is already a task running. Only one active task is allowed for a source queue arn at a "
                "given time.")
        task_id = str(uuid.uuid4())
        db.insert_task(uow, task_id, source.arn, destination_arn or None, rate, db.count_messages(uow, source.id),
                       db.max_row(uow, source.id))
        uow.after_commit(self.emulator.scheduler.wake)
        return {"TaskHandle": encode_handle(task_id, source.arn)}

    async def cancel_message_move_task(self, caller: Caller, *, task_handle: str) -> dict:
        return await self.store.transaction(self._cancel_move_txn, caller, task_handle)

    def _cancel_move_txn(self, uow: UnitOfWork, caller: Caller, handle: str) -> dict:
        task_id, source_arn = decode_handle(handle)
        self._arn_queue(uow, source_arn, "SourceArn", caller, "CancelMessageMoveTask")
        task = db.get_task(uow, task_id)
        if task is None or task.source_arn != source_arn or task.status != "RUNNING":
            raise ResourceNotFoundException("Task does not exist.")
        db.update_task(uow, task_id, status="CANCELLED", moved=task.moved, next_run_at=None)
        return {"ApproximateNumberOfMessagesMoved": task.moved}

    async def list_message_move_tasks(self, caller: Caller, *, source_arn: str, max_results: int | None = None) -> dict:
        return await self.store.read(self._list_moves_txn, caller, source_arn,
                                     1 if max_results is None else max_results)

    def _list_moves_txn(self, uow: UnitOfWork, caller: Caller, source_arn: str, limit: int) -> dict:
        source = self._arn_queue(uow, source_arn, "SourceArn", caller, "ListMessageMoveTasks")
        if not 1 <= limit <= 10:
            raise InvalidParameterValue(f"Value {limit} for parameter MaxResults is invalid. "
                                        "Reason: must be between 1 and 10.")
        results = []
        for task in db.list_tasks(uow, source.arn, limit):
            entry: dict = {"Status": task.status, "SourceArn": task.source_arn,
                           "ApproximateNumberOfMessagesMoved": task.moved,
                           "ApproximateNumberOfMessagesToMove": task.to_move, "StartedTimestamp": task.started_at}
            if task.status == "RUNNING":
                entry["TaskHandle"] = encode_handle(task.task_id, task.source_arn)
            if task.destination_arn:
                entry["DestinationArn"] = task.destination_arn
            if task.max_per_second is not None:
                entry["MaxNumberOfMessagesPerSecond"] = task.max_per_second
            if task.failure_reason:
                entry["FailureReason"] = task.failure_reason
            results.append(entry)
        return {"Results": results}

    # --- the scheduler's side ---------------------------------------------------------------

    def run_move_ticks(self, uow: UnitOfWork) -> None:
        for task in db.due_tasks(uow):
            self._move_tick(uow, task)

    def _move_tick(self, uow: UnitOfWork, task: TaskRow) -> None:
        source = self.queue_by_arn(uow, task.source_arn)
        moved = task.moved
        if source is None:
            db.update_task(uow, task.task_id, status="FAILED", moved=moved, next_run_at=None,
                           failure_reason="AWS.SimpleQueueService.NonExistentQueue")
            return
        limit = task.max_per_second or DEFAULT_RATE
        batch = db.movable(uow, source.id, task.last_row, limit)
        for row_id, origin in batch:
            target = self.queue_by_arn(uow, task.destination_arn or origin or "")
            if target is None:
                db.update_task(uow, task.task_id, status="FAILED", moved=moved, next_run_at=None,
                               failure_reason="AWS.SimpleQueueService.NonExistentQueue")
                return
            self.redrive_to(uow, row_id, target)
            moved += 1
        done = len(batch) < limit and not db.movable(uow, source.id, task.last_row, 1)
        db.update_task(uow, task.task_id, status="COMPLETED" if done else "RUNNING", moved=moved,
                       next_run_at=None if done else uow.now + TICK_MS)


class MoveTaskRunner:
    """The scheduler's due-source for move tasks."""

    name = "sqs.moves"

    def __init__(self, service: MoveTaskOps):
        self.service = service

    async def next_due(self) -> int | None:
        return await self.service.store.read(db.next_due)

    async def run_due(self, now: int) -> None:
        await self.service.store.transaction(self.service.run_move_ticks)
