"""The durable outbox: deliveries that leave the request's transaction.

A producer writes a row (kind, target, payload with everything needed, due time) in its own
transaction. The runner claims due rows (pushing each to a lease, so a crash retries it), runs the
kind's ``deliver`` outside any transaction, then settles the row in a new transaction: delete on
success; reschedule by the kind's retry policy; or, when retries are exhausted or the failure is
permanent, hand it to the kind's dead-letter callback. Every attempt goes to the delivery log.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
        # Rows whose attempt runs in this process: never claimed again while it runs, even past the lease.
        # Empty after a restart, so a crash mid-delivery is still retried once the lease ends.
        self._inflight: set[int] = set()

    def register(self, kind: OutboxKind) -> None:
        self.kinds[kind.name] = kind

    def enqueue(self, uow: UnitOfWork, kind: str, target: str, payload: dict, *, due_at: int | None = None,
                message_id: str | None = None) -> int:
        """Add a delivery inside the caller's transaction; the scheduler wakes after its commit."""
        row_id = repo.enqueue(uow, kind, target, payload, due_at=due_at, message_id=message_id)
        uow.after_commit(self.scheduler.wake)
        return row_id

    async def next_due(self) -> int | None:
        return await self.store.read(repo.next_due, frozenset(self._inflight))

    async def run_due(self, now: int) -> None:
        rows = await self.store.transaction(repo.claim_due, self.batch, self.lease_ms, frozenset(self._inflight))
        for row in rows:
            self._inflight.add(row["id"])
            self.scheduler.spawn(self._attempt(row))

    async def _attempt(self, row: dict) -> None:
        try:
            await self._deliver_and_settle(row)
        finally:
            self._inflight.discard(row["id"])

    async def _deliver_and_settle(self, row: dict) -> None:
        kind = self.kinds.get(row["kind"])
        if kind is None:
            log.error("outbox row %s has unknown kind %r; left for its lease", row["id"], row["kind"])
            return
        try:
            outcome = await kind.deliver(row["payload"])
        except Exception as exc:  # a bug in a handler is a failed attempt, not a lost delivery
            log.exception("delivery %s to %s raised", row["kind"], row["target"])
            outcome = Outcome(False, f"{type(exc).__name__}: {exc}")
        try:
            await self.store.transaction(self._settle, kind, row, outcome)
            return
        except Exception as exc:
            # Left leased, the row would be delivered again after every lease, forever: give it up instead.
            log.exception("settling delivery %s to %s raised; giving it up", row["kind"], row["target"])
            error = f"{outcome.error or 'delivered'}; settling failed: {type(exc).__name__}: {exc}"
        try:
            await self.store.transaction(self._give_up, kind, row, error)
        except Exception:
            log.exception("dead-lettering delivery %s to %s raised; dropping it", row["kind"], row["target"])
            try:
                await self.store.transaction(self._give_up, None, row, error)
            except Exception:  # the store itself fails: nothing better than the lease is left
                log.exception("dropping delivery %s to %s raised; left for its lease", row["kind"], row["target"])

    @staticmethod
    def _common(row: dict) -> dict:
        return dict(kind=row["kind"], target=row["target"], message_id=row["message_id"], attempt=row["attempts"],
                    outbox_id=row["id"])

    @classmethod
    def _settle(cls, uow: UnitOfWork, kind: OutboxKind, row: dict, outcome: Outcome) -> None:
        # Every write is conditional on the row still being at this attempt: a stale attempt (its row claimed
        # again meanwhile, e.g. by a process that took over after the lease) neither settles nor logs.
        attempt = row["attempts"]
        if outcome.ok:
            if repo.remove(uow, row["id"], attempts=attempt):
                repo.log_attempt(uow, status="delivered", error=None, **cls._common(row))
            return
        delay = kind.next_delay(row["payload"], attempt, row["created_at"]) if outcome.retryable else None
        if delay is not None:
            if repo.reschedule(uow, row["id"], uow.now + max(0, int(delay)), attempts=attempt):
                repo.log_attempt(uow, status="retrying", error=outcome.error, **cls._common(row))
            return
        cls._give_up(uow, kind, row, outcome.error or "")

    @classmethod
    def _give_up(cls, uow: UnitOfWork, kind: OutboxKind | None, row: dict, error: str) -> None:
        """Remove the row and hand it to the kind's dead-letter callback (``kind=None``: just drop it)."""
        if not repo.remove(uow, row["id"], attempts=row["attempts"]):
            return
        status = kind.dead_letter(uow, row["payload"], error) if kind is not None else "dropped"
        repo.log_attempt(uow, status=status, error=error or None, **cls._common(row))
