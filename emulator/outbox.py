"""The durable outbox: deliveries that leave the request's transaction.

A producer writes a row (kind, target, payload with everything needed, due time) in its own
transaction. The runner claims due rows (pushing each to a lease, so a crash retries it), runs the
kind's ``deliver`` outside any transaction, then settles the row in a new transaction: delete on
success; reschedule by the kind's retry policy; or, when retries are exhausted or the failure is
permanent, hand it to the kind's dead-letter callback. Every attempt goes to the delivery log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

from storage import outbox as repo
from storage.db import Store, UnitOfWork

from .scheduler import Scheduler

log = logging.getLogger("sluice.outbox")


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str | None = None
    retryable: bool = True  # False: AWS would not retry this failure (e.g. a 4xx from an HTTP endpoint)


@dataclass
class OutboxKind:
    name: str
    deliver: Callable[[dict], Awaitable[Outcome]]
    # ms until the next attempt after ``attempt`` attempts failed, or None when retries are exhausted.
    next_delay: Callable[[dict, int, int], int | None]
    # Called in the settling transaction when a delivery is given up; returns the log status
    # ("dead-lettered" or "dropped").
    dead_letter: Callable[[UnitOfWork, dict, str], str] = lambda uow, payload, error: "dropped"


class OutboxRunner:
    name = "outbox"

    def __init__(self, store: Store, scheduler: Scheduler, *, lease_ms: int = 60_000, batch: int = 64):
        self.store = store
        self.scheduler = scheduler
        self.lease_ms = lease_ms
        self.batch = batch
        self.kinds: dict[str, OutboxKind] = {}

    def register(self, kind: OutboxKind) -> None:
        self.kinds[kind.name] = kind

    def enqueue(self, uow: UnitOfWork, kind: str, target: str, payload: dict, *, due_at: int | None = None,
                message_id: str | None = None) -> int:
        """Add a delivery inside the caller's transaction; the scheduler wakes after its commit."""
        row_id = repo.enqueue(uow, kind, target, payload, due_at=due_at, message_id=message_id)
        uow.after_commit(self.scheduler.wake)
        return row_id

    async def next_due(self) -> int | None:
        return await self.store.read(repo.next_due)

    async def run_due(self, now: int) -> None:
        rows = await self.store.transaction(repo.claim_due, self.batch, self.lease_ms)
        for row in rows:
            self.scheduler.spawn(self._attempt(row))

    async def _attempt(self, row: dict) -> None:
        kind = self.kinds.get(row["kind"])
        if kind is None:
            log.error("outbox row %s has unknown kind %r; left for its lease", row["id"], row["kind"])
            return
        try:
            outcome = await kind.deliver(row["payload"])
        except Exception as exc:  # a bug in a handler is a failed attempt, not a lost delivery
            log.exception("delivery %s to %s raised", row["kind"], row["target"])
            outcome = Outcome(False, f"{type(exc).__name__}: {exc}")
        await self.store.transaction(self._settle, kind, row, outcome)

    @staticmethod
    def _settle(uow: UnitOfWork, kind: OutboxKind, row: dict, outcome: Outcome) -> None:
        attempt = row["attempts"]
        common = dict(kind=row["kind"], target=row["target"], message_id=row["message_id"], attempt=attempt,
                      outbox_id=row["id"])
        if outcome.ok:
            repo.remove(uow, row["id"])
            repo.log_attempt(uow, status="delivered", error=None, **common)
            return
        delay = kind.next_delay(row["payload"], attempt, row["created_at"]) if outcome.retryable else None
        if delay is not None:
            repo.reschedule(uow, row["id"], uow.now + max(0, int(delay)))
            repo.log_attempt(uow, status="retrying", error=outcome.error, **common)
            return
        repo.remove(uow, row["id"])
        status = kind.dead_letter(uow, row["payload"], outcome.error or "")
        repo.log_attempt(uow, status=status, error=outcome.error, **common)
