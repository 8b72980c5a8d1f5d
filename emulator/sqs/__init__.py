"""Amazon SQS: queues, messages, visibility, long polling, FIFO, dead letters, retention.

The service object keeps every queue's metadata in memory (``QueueCache``, rebuilt from SQLite at
start) so that a send or receive costs no lookup query. The cache is read and changed only inside
units of work, and every change is undone with its unit (see ``cache.py``).

Operations take named, typed parameters (AWS's names in snake case); ``api/sqs.py`` maps the wire
dict onto them. Batch entries stay in their wire shape (``SendMessageBatchRequestEntry``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import arns
from emulator.delivery import Message, Target
from storage import sqs as db
from storage.db import UnitOfWork

from .errors import QueueDoesNotExist
from .messages import MessageOps, NewMessage
from .model import Queue
from .moves import MoveTaskOps, MoveTaskRunner
from .queues import QueueOps
from .receive import ReceiveOps

if TYPE_CHECKING:
    from emulator.core import Emulator


class Sqs(QueueOps, MessageOps, ReceiveOps, MoveTaskOps):
    """The SQS service. ``ReceiveOps`` and ``MoveTaskOps`` bring ``RedriveOps``; all share ``SqsCore``."""

    def __init__(self, emulator: Emulator):
        super().__init__(emulator)
        self.moves = MoveTaskRunner(self)
        emulator.delivery.register_target("sqs", QueueTarget(self))

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.read(self._load)
        self.emulator.scheduler.add_source(self.retention)
        self.emulator.scheduler.add_source(self.purges)
        self.emulator.scheduler.add_source(self.moves)

    def _load(self, uow: UnitOfWork) -> None:
        self.queues.load([Queue.from_row(row) for row in db.load_queues(uow)])
        self._last_seq = db.max_seq(uow)
        db.rebuild_fifo_groups(uow)
        self.retention.forget()
        self.purges.forget()

    def reset(self) -> None:
        self.queues.load([])
        self.retention.forget()
        self.purges.forget()

    # --- for other services (SNS, EventBridge): inside the caller's transaction -----------------

    def deliver(self, uow: UnitOfWork, queue_arn: str, body: str, *, message_attributes: dict | None = None,
                group_id: str | None = None, dedup_id: str | None = None, system_attributes: dict | None = None,
                source_arn: str | None = None, trace_header: str | None = None) -> str:
        """Enqueue a message from another service; returns its MessageId. FIFO rules apply.

        The sender (SenderId) is the account of ``source_arn`` (the topic, the rule), else the queue's.
        ``trace_header``: the X-Amzn-Trace-Id of the request that published it (AWSTraceHeader).
        """
        queue = self.queue_by_arn(uow, queue_arn)
        if queue is None:
            raise QueueDoesNotExist()
        source = arns.parse(source_arn)
        sender = source.account if source is not None and source.account else queue.account
        message = NewMessage(message_body=body, message_attributes=message_attributes or None,
                             message_system_attributes=system_attributes or None, message_group_id=group_id,
                             message_deduplication_id=dedup_id, trace_header=trace_header)
        return self.enqueue(uow, queue, [self.prepare(queue, message, validate=False)], sender)[0]["MessageId"]

    def queue_exists(self, uow: UnitOfWork, queue_arn: str) -> bool:
        return self.queue_by_arn(uow, queue_arn) is not None


TRACE_HEADER = "X-Amzn-Trace-Id"


class QueueTarget:
    """The delivery layer's adapter for SQS queues (``Target.kind`` "sqs"), in the publisher's transaction.

    A message carries the X-Amzn-Trace-Id of the request that published it in its headers: the queue
    keeps it as the AWSTraceHeader system attribute, as AWS does for SNS deliveries.

    The queue's policy must allow the delivering service (sns.amazonaws.com, events.amazonaws.com) to call
    sqs:SendMessage, as on AWS: ``Delivery.check_service_principal`` says what happens when it does not.
    """

    local = True
    atomic = True  # everything is checked before Sqs.deliver writes (queue, policy, contents, FIFO ids)

    def __init__(self, sqs: Sqs):
        self.sqs = sqs

    def deliver_in(self, uow: UnitOfWork, message: Message, target: Target) -> str | None:
        queue = self.sqs.queue_by_arn(uow, target.address)
        if queue is None:
            raise QueueDoesNotExist()
        note = self.sqs.emulator.delivery.check_service_principal(
            message, policy_text=queue.attributes.get("Policy"), owner=queue.account, action="sqs:SendMessage",
            resource=queue.arn, what="queue")
        self.sqs.deliver(uow, target.address, message.body, message_attributes=message.attributes,
                         group_id=message.group_id, dedup_id=message.dedup_id, source_arn=message.source_arn,
                         trace_header=(message.headers or {}).get(TRACE_HEADER))
        return note
