"""The queue cache: every queue's metadata in memory, so a send or receive costs no lookup query.

Two rules make it safe under group commit, and both are enforced here rather than left to callers:

- It is read and changed only inside a unit of work (every method takes the ``uow``): units run
  one at a time on the store's writer thread, in order, so a read sees exactly the changes of the
  units before it, and nothing is answered before their COMMIT.
- Every change registers its undo with ``uow.on_rollback``: a unit rolled back alone (its
  SAVEPOINT) or with its whole batch (a failed COMMIT) leaves the cache as it was, before any
  later unit runs. Queues are immutable, so the undo puts the previous object back.
"""

from __future__ import annotations

from storage.db import UnitOfWork

from .model import Queue, QueueKey, queue_key_from_arn


class QueueCache:
    def __init__(self) -> None:
        self._queues: dict[QueueKey, Queue] = {}

    def load(self, queues: list[Queue]) -> None:
        """Replace everything (at start, from SQLite; after a reset, with nothing)."""
        self._queues = {queue.key: queue for queue in queues}

    # --- reads --------------------------------------------------------------------------------

    def get(self, uow: UnitOfWork, key: QueueKey) -> Queue | None:
        return self._queues.get(key)

    def by_arn(self, uow: UnitOfWork, arn: object) -> Queue | None:
        key = queue_key_from_arn(arn)
        return self._queues.get(key) if key is not None else None

    def all(self, uow: UnitOfWork) -> list[Queue]:
        return list(self._queues.values())

    # --- changes (each undone if the unit's work is) ------------------------------------------

    def put(self, uow: UnitOfWork, queue: Queue) -> None:
        """Add a queue, or replace the one with its name by a changed copy."""
        key = queue.key
        previous = self._queues.get(key)
        self._queues[key] = queue
        uow.on_rollback(lambda: self._restore(key, previous))

    def remove(self, uow: UnitOfWork, queue: Queue) -> None:
        key = queue.key
        previous = self._queues.pop(key, None)
        uow.on_rollback(lambda: self._restore(key, previous))

    def _restore(self, key: QueueKey, queue: Queue | None) -> None:
        if queue is None:
            self._queues.pop(key, None)
        else:
            self._queues[key] = queue
