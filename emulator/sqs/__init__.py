"""Amazon SQS: queues, messages, visibility, long polling, FIFO, dead letters, retention.

The service object keeps an in-memory cache of queue metadata (rebuilt from SQLite at start) so
that a send or receive costs no lookup query. The cache is changed on the store's writer thread,
inside the transaction that changes the row, so every later transaction sees it; a failed commit
reloads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.caller import Caller
from storage import sqs as db

from .errors import QueueDoesNotExist
from .messages import MessageOps
from .model import Queue, parse_arn
from .moves import MoveTaskOps, MoveTaskRunner
from .queues import QueueOps
from .receive import ReceiveOps
from .redrive import RedriveOps
from .retention import RetentionSweeper
from .urls import parse_queue_url

if TYPE_CHECKING:
    from emulator.core import Emulator


class Sqs(QueueOps, MessageOps, ReceiveOps, RedriveOps, MoveTaskOps):
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.clock = emulator.clock
        self.settings = emulator.settings
        self.waiters = emulator.waiters
        self._queues: dict[tuple[str, str, str], Queue] = {}
        self._last_seq = 0
        self.retention = RetentionSweeper(self)
        self.moves = MoveTaskRunner(self)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.read(self._load)
        self.emulator.scheduler.add_source(self.retention)
        self.emulator.scheduler.add_source(self.moves)

    def _load(self, uow) -> None:
        self._queues = {}
        for row in db.load_queues(uow):
            queue = Queue.from_row(row)
            self._queues[queue.key] = queue
        self._last_seq = db.max_seq(uow)
        db.rebuild_fifo_groups(uow)
        self.retention.forget()

    def reset(self) -> None:
        self._queues = {}
        self.retention.forget()

    async def _write(self, fn, *args):
        """A transaction that changes queue metadata: on failure the cache is rebuilt from SQLite."""
        try:
            return await self.store.transaction(fn, *args)
        except Exception as exc:
            if not getattr(exc, "code", None):  # an AwsError leaves nothing half-done
                await self.store.read(self._load)
            raise

    # --- lookups (writer thread, inside a transaction) -----------------------------------------

    def queue(self, account: str, region: str, name: str) -> Queue:
        queue = self._queues.get((account, region, name))
        if queue is None:
            raise QueueDoesNotExist()
        return queue

    def queue_by_url(self, caller: Caller, url: str) -> Queue:
        where = parse_queue_url(url, caller)
        if where is None:
            raise QueueDoesNotExist()
        return self.queue(*where)

    def queue_by_arn(self, arn: str) -> Queue | None:
        where = parse_arn(arn)
        return self._queues.get(where) if where else None

    def next_sequence(self, now: int) -> int:
        """Monotonic across restarts: time-based, and above every number handed out before."""
        self._last_seq = max(self._last_seq + 1, now * 1_000_000)
        return self._last_seq

    def wake(self, uow, queue: Queue, n: int | None = None) -> None:
        """Once this transaction commits, let ``n`` long polls on ``queue`` look again (None: all).

        ``n`` is how many messages became receivable now; all waiters are woken when the next
        visible time may have moved earlier (a delayed send, a shorter visibility timeout), so
        that each recomputes how long it sleeps.
        """
        key = ("sqs", queue.id)
        uow.after_commit(lambda: self.waiters.notify(key, n))

    # --- for other services (SNS, EventBridge): inside the caller's transaction -----------------

    def deliver(self, uow, queue_arn: str, body: str, *, message_attributes: dict | None = None,
                group_id: str | None = None, dedup_id: str | None = None, system_attributes: dict | None = None,
                source_arn: str | None = None) -> str:
        """Enqueue a message from another service; returns its MessageId. FIFO rules apply."""
        queue = self.queue_by_arn(queue_arn)
        if queue is None:
            raise QueueDoesNotExist()
        sender = parse_arn(source_arn)[0] if source_arn and parse_arn(source_arn) else queue.account
        if source_arn and not parse_arn(source_arn):
            parts = source_arn.split(":")
            sender = parts[4] if len(parts) > 4 and parts[4] else queue.account
        result = self.enqueue(uow, queue, [self.prepare(queue, {
            "MessageBody": body, "MessageAttributes": message_attributes or None,
            "MessageSystemAttributes": system_attributes or None, "MessageGroupId": group_id,
            "MessageDeduplicationId": dedup_id}, validate=False)], sender)[0]
        return result["MessageId"]

    def queue_exists(self, uow, queue_arn: str) -> bool:
        return self.queue_by_arn(queue_arn) is not None
