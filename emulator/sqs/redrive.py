"""Dead-letter queues: moving messages into a DLQ and back out of it, and ListDeadLetterSourceQueues.

A message is moved on the receive that would exceed the source's maxReceiveCount, in that
receive's transaction, to a DLQ of the same type. It keeps its MessageId, body, attributes and
receive count, and gains DeadLetterQueueSourceArn (also the origin a move task returns it to).
A standard DLQ keeps counting retention from the original send; a FIFO DLQ restarts it.
"""

from __future__ import annotations

from emulator.caller import Caller
from storage import sqs as db
from storage.db import UnitOfWork

from .core import SqsCore
from .model import Queue
from .pagination import page


class RedriveOps(SqsCore):
    def dead_letter(self, uow: UnitOfWork, source: Queue, dlq: Queue, row_id: int) -> None:
        self._move(uow, row_id, dlq, source_arn=source.arn, reset_count=False)

    def redrive_to(self, uow: UnitOfWork, row_id: int, target: Queue) -> None:
        """Move one message back out of a DLQ: receivable now, receive count reset, no longer a dead letter."""
        self._move(uow, row_id, target, source_arn=None, reset_count=True)

    def _move(self, uow: UnitOfWork, row_id: int, target: Queue, *, source_arn: str | None,
              reset_count: bool) -> None:
        now = uow.now
        expires_at = now + target.retention_ms if target.fifo else None
        seq = self.next_sequence(now) if target.fifo else None
        db.move_message(uow, row_id, target.id, expires_at=expires_at, retention_ms=target.retention_ms, seq=seq,
                        source_arn=source_arn, visible_at=now, reset_count=reset_count)
        self.retention.note(uow, expires_at if expires_at is not None else now)
        self.wake(uow, target, 1)

    async def list_dead_letter_source_queues(self, caller: Caller, *, queue_url: str, next_token: str | None = None,
                                             max_results: int | None = None) -> dict:
        dlq, names = await self.store.read(self._dlq_sources_txn, caller, queue_url)
        names, token = page(names, max_results, next_token)
        return {"queueUrls": [self.url(caller, dlq.account, dlq.region, n) for n in names],
                **({"NextToken": token} if token else {})}

    def _dlq_sources_txn(self, uow: UnitOfWork, caller: Caller, url: str) -> tuple[Queue, list[str]]:
        dlq = self.queue_by_url(uow, caller, url, "ListDeadLetterSourceQueues")
        return dlq, sorted(q.name for q in self.queues.all(uow)
                                   if q.account == dlq.account and q.region == dlq.region and q.redrive_target == dlq.arn)

