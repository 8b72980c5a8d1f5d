"""The durable outbox: deliveries that leave the request's transaction.

A producer writes a row (kind, target, payload with everything needed, due time) in its own
transaction. The runner claims due rows (pushing each to a lease, so a crash retries it), runs the
kind's ``deliver`` outside any transaction, then settles the row in a new transaction: delete on
success; reschedule by the kind's retry policy; or, when retries are exhausted or the failure is
permanent, hand it to the kind's dead-letter callback. Every attempt goes to the delivery log.

A claimed row is also noted in ``outbox_leases`` until it is settled. At start nothing of a previous
process is running any more, so ``start`` makes every row it left mid-attempt due at once instead of
waiting its lease out (a retry scheduled for later keeps its time). So HTTP delivery is at-least-once:
an endpoint may see an attempt again whose answer was lost with the process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from storage import outbox as repo
from storage import outbox_leases as leases
from storage.db import Store, UnitOfWork

from ..scheduler import Scheduler

log = logging.getLogger("sluice.outbox")


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str | None = None
    retryable: bool = True  # False: AWS would not retry this failure (e.g. a 4xx from an HTTP endpoint)
    # What kind of failure (the delivery layer's "missing" | "permission" | "client" | "server") and the AWS
    # error code if the target answered one: opaque to the runner, handed back to ``dead_letter``.
    failure: str | None = None
    code: str | None = None


@dataclass
class OutboxKind:
    name: str
    deliver: Callable[[dict], Awaitable[Outcome]]
    # ms until the next attempt after ``attempt`` attempts failed, or None when retries are exhausted.
    next_delay: Callable[[dict, int, int], int | None]
    # Called in the settling transaction when a delivery is given up, with the row's attempt count and the
    # last outcome (None when settling itself failed); returns the log status ("dead-lettered" or "dropped").
    dead_letter: Callable[..., str] = lambda uow, payload, error, **_: "dropped"
    # The name an attempt is logged under (default: the kind's name), e.g. "sns.http" for a delivery row.
    log_kind: Callable[[dict], str] | None = None
    # A row this returns an outcome for (not None) was delivered inside the transaction that settles it: a
    # local target (an SQS queue under --delivery async) then gets it exactly once, even across kill -9.
    deliver_in: Callable[[UnitOfWork, dict], Outcome | None] | None = None


# How many times an in-transaction attempt may be rolled back by an error (not a target's refusal) before
# its row is given up rather than retried after its lease again.
ROLLED_BACK_ATTEMPTS = 5


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
                message_id: str | None = None, attempt_now: bool = False, attempts: int = 0,
                source_arn: str | None = None) -> int:
        """Add a delivery inside the caller's transaction; the scheduler wakes after its commit.

        ``attempt_now``: the row is written already claimed (leased, its first attempt counted) and
        attempted as soon as the transaction commits, without waiting for a scheduler pass; the lease
        keeps it safe if the process dies first. ``attempts``: attempts already made elsewhere (an
        inline delivery that failed and is retried from here).
        """
        if attempt_now:
            row_id = repo.enqueue(uow, kind, target, payload, due_at=uow.now + self.lease_ms, attempts=attempts + 1,
                                  message_id=message_id, source_arn=source_arn)
            row = {"id": row_id, "kind": kind, "target": target, "payload": payload, "attempts": attempts + 1,
                   "created_at": uow.now, "message_id": message_id, "source_arn": source_arn}
            leases.add(uow, (row_id,))
            self._inflight.add(row_id)  # not claimable by a pass that runs before the commit's callback
            uow.on_rollback(lambda: self._inflight.discard(row_id))
            uow.after_commit(lambda: self.scheduler.spawn(self._attempt(row)))
            return row_id
        row_id = repo.enqueue(uow, kind, target, payload, due_at=due_at, attempts=attempts, message_id=message_id,
                              source_arn=source_arn)
        uow.after_commit(self.scheduler.wake)
        return row_id

    async def start(self) -> None:
        """Before the scheduler runs: the rows a dead process left mid-attempt are due now."""
        released = await self.store.transaction(leases.release_all)
        if released:
            log.info("%d delivery attempt(s) interrupted by the last stop are retried now", released)

    async def next_due(self) -> int | None:
        return await self.store.read(repo.next_due, frozenset(self._inflight))

    def _claim(self, uow: UnitOfWork, exclude: frozenset[int]) -> list[dict]:
        rows = repo.claim_due(uow, self.batch, self.lease_ms, exclude)
        leases.add(uow, (row["id"] for row in rows))
        return rows

    async def run_due(self, now: int) -> None:
        rows = await self.store.transaction(self._claim, frozenset(self._inflight))
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
        outcome: Outcome | None = None
        if kind.deliver_in is not None:
            try:
                if await self.store.transaction(self._deliver_in_and_settle, kind, row):
                    return
            except Exception as exc:
                # Rolled back whole, as if never attempted: the row stays leased and comes back after its
                # lease (the store may recover, e.g. a full disk); a row that keeps failing is given up.
                log.exception("delivery %s to %s raised", row["kind"], row["target"])
                if row["attempts"] < ROLLED_BACK_ATTEMPTS:
                    return
                outcome = Outcome(False, f"{type(exc).__name__}: {exc}")
        if outcome is None:
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
        await self._give_up_safely(kind, row, error)

    def _deliver_in_and_settle(self, uow: UnitOfWork, kind: OutboxKind, row: dict) -> bool:
        """Deliver and settle in one transaction (False: not a local delivery, attempt it the other way)."""
        if not repo.is_at(uow, row["id"], row["attempts"]):
            return True  # a later claim took the row: this attempt is stale, deliver nothing
        assert kind.deliver_in is not None
        outcome = kind.deliver_in(uow, row["payload"])
        if outcome is None:
            return False
        self._settle(uow, kind, row, outcome)
        return True

    async def _give_up_safely(self, kind: OutboxKind, row: dict, error: str) -> None:
        try:
            await self.store.transaction(self._give_up, kind, row, error)
        except Exception:
            log.exception("dead-lettering delivery %s to %s raised; dropping it", row["kind"], row["target"])
            try:
                await self.store.transaction(self._give_up, None, row, error)
            except Exception:  # the store itself fails: nothing better than the lease is left
                log.exception("dropping delivery %s to %s raised; left for its lease", row["kind"], row["target"])

    def _common(self, row: dict) -> dict:
        kind = self.kinds.get(row["kind"])
        name = kind.log_kind(row["payload"]) if kind is not None and kind.log_kind is not None else row["kind"]
        return dict(kind=name, target=row["target"], message_id=row["message_id"], attempt=row["attempts"],
                    outbox_id=row["id"], source_arn=row.get("source_arn"))

    def _settle(self, uow: UnitOfWork, kind: OutboxKind, row: dict, outcome: Outcome) -> None:
        # Every write is conditional on the row still being at this attempt: a stale attempt (its row claimed
        # again meanwhile, e.g. by a process that took over after the lease) neither settles nor logs.
        attempt = row["attempts"]
        leases.end(uow, row["id"])
        if outcome.ok:
            if repo.remove(uow, row["id"], attempts=attempt):
                repo.log_attempt(uow, status="delivered", error=outcome.error, **self._common(row))
            return
        delay = kind.next_delay(row["payload"], attempt, row["created_at"]) if outcome.retryable else None
        if delay is not None:
            if repo.reschedule(uow, row["id"], uow.now + max(0, int(delay)), attempts=attempt):
                repo.log_attempt(uow, status="retrying", error=outcome.error, **self._common(row))
            return
        self._give_up(uow, kind, row, outcome.error or "", outcome)

    def _give_up(self, uow: UnitOfWork, kind: OutboxKind | None, row: dict, error: str,
                 outcome: Outcome | None = None) -> None:
        """Remove the row and hand it to the kind's dead-letter callback (``kind=None``: just drop it)."""
        leases.end(uow, row["id"])
        if not repo.remove(uow, row["id"], attempts=row["attempts"]):
            return
        status = (kind.dead_letter(uow, row["payload"], error, attempts=row["attempts"], outcome=outcome)
                  if kind is not None else "dropped")
        repo.log_attempt(uow, status=status, error=error or None, **self._common(row))
