"""What every part of the SQS service shares: its collaborators, the queue cache and its lookups,
sequence numbers and wake-ups.

The operation mixins (``QueueOps``, ``MessageOps``, ...) subclass ``SqsCore``, so what each one
uses of the service is declared (here) and checked by mypy; ``Sqs`` combines them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.caller import Caller
from storage.db import UnitOfWork

from .cache import QueueCache
from .errors import QueueDoesNotExist
from .model import Queue
from .retention import RetentionSweeper
from .urls import parse_queue_url

if TYPE_CHECKING:
    from emulator.core import Emulator


class SqsCore:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store
        self.clock = emulator.clock
        self.settings = emulator.settings
        self.waiters = emulator.waiters
        self.queues = QueueCache()
        self.retention = RetentionSweeper(self)
        self._last_seq = 0

    # --- lookups (inside a unit of work: see QueueCache) ----------------------------------------

    def queue(self, uow: UnitOfWork, account: str, region: str, name: str) -> Queue:
        queue = self.queues.get(uow, (account, region, name))
        if queue is None:
            raise QueueDoesNotExist()
        return queue

    def queue_by_url(self, uow: UnitOfWork, caller: Caller, url: str) -> Queue:
        where = parse_queue_url(url, caller)
        if where is None:
            raise QueueDoesNotExist()
        return self.queue(uow, *where)

    def queue_by_arn(self, uow: UnitOfWork, arn: object) -> Queue | None:
        return self.queues.by_arn(uow, arn)

    # --- shared by sending, dead-lettering and redrive ------------------------------------------

    def next_sequence(self, now: int) -> int:
        """Monotonic across restarts: time-based, and above every number handed out before.

        Not undone with a rolled-back unit: that only leaves a gap, and sequence numbers only grow.
        """
        self._last_seq = max(self._last_seq + 1, now * 1_000_000)
        return self._last_seq

    def wake(self, uow: UnitOfWork, queue: Queue, n: int | None = None) -> None:
        """Once this transaction commits, let ``n`` long polls on ``queue`` look again (None: all).

        ``n`` is how many messages became receivable now; all waiters are woken when the next
        visible time may have moved earlier (a delayed send, a shorter visibility timeout), so
        that each recomputes how long it sleeps.
        """
        key = ("sqs", queue.id)
        uow.after_commit(lambda: self.waiters.notify(key, n))
