"""Dead-letter queues: moving over-received messages, and ListDeadLetterSourceQueues.

A message is moved on the receive that would exceed the source's maxReceiveCount, in that
receive's transaction, to a DLQ of the same type. It keeps its MessageId, body, attributes and
receive count, and gains DeadLetterQueueSourceArn (also the origin a move task returns it to).
A standard DLQ keeps counting retention from the original send; a FIFO DLQ restarts it.
"""

from __future__ import annotations

from emulator.caller import Caller
from storage import sqs as db

from .model import Queue
from .pagination import page
from .urls import queue_url


class RedriveOps:
    def dead_letter(self, uow, source: Queue, dlq: Queue, row_id: int) -> None:
        now = uow.now
        expires_at = now + dlq.retention_ms if dlq.fifo else None
        seq = self.next_sequence(now) if dlq.fifo else None
        db.move_message(uow, row_id, dlq.id, expires_at=expires_at, retention_ms=dlq.retention_ms, seq=seq,
                        source_arn=source.arn, visible_at=now)
        self.retention.note(uow, expires_at if expires_at is not None else now)
        self.wake(uow, dlq, 1)

    async def list_dead_letter_source_queues(self, caller: Caller, params: dict) -> dict:
        return await self.store.read(self._dlq_sources_txn, caller, params)

    def _dlq_sources_txn(self, uow, caller: Caller, params: dict) -> dict:
        dlq = self.queue_by_url(caller, params["QueueUrl"])
        names = sorted(q.name for q in self._queues.values()
                       if q.account == dlq.account and q.region == dlq.region and q.redrive_target == dlq.arn)
        names, token = page(names, params.get("MaxResults"), params.get("NextToken"))
        return {"queueUrls": [queue_url(caller.endpoint, dlq.account, n) for n in names],
                **({"NextToken": token} if token else {})}
