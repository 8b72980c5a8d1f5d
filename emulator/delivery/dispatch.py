"""Delivery: the one way any service hands a message to a target.

``dispatch(uow, message, target, retry=..., dead_letter=...)`` is called inside the sender's
transaction. It decides, once for every service, whether the message is delivered right there (a
local target under ``--delivery inline``: the whole fan-out is one transaction) or through the
durable outbox (HTTP/S always; every target under ``--delivery async``; every retry). It writes the
delivery log (every attempt, with its outcome) and hands given-up messages to the dead-letter writer.

An outbox row's first attempt does not wait for a scheduler pass: the row is written already leased
and attempted right after the commit; if the process dies first, the lease runs out and the
scheduler attempts it again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from storage import delivery as captured_repo
from storage import outbox as log_repo
from storage.db import UnitOfWork

from .. import policy
from ..errors import AwsError, aws_error
from . import dead_letter as dlq_writer
from .http import HttpSender
from .model import DeadLetter, Message, RetryPolicy, Target, from_payload, to_payload
from .outbox import OutboxKind, Outcome
from .retry import NO_RETRY, next_delay_ms, retries
from .targets import DELIVERED, CapturedTarget, LocalTarget, RemoteTarget, failed

if TYPE_CHECKING:
    from ..core import Emulator

log = logging.getLogger("sluice.delivery")
KIND = "delivery"
# The principal a service delivers as: a target's resource policy must allow it, whatever the accounts.
SERVICE_PRINCIPALS = {"sns": "sns.amazonaws.com", "events": "events.amazonaws.com"}


def log_kind(payload: dict[str, Any]) -> str:
    """How the delivery log names a delivery: "<source>.<protocol>" ("sns.http", "events.sqs")."""
    return f"{payload['message']['source']}.{payload['target']['protocol']}"


class Delivery:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.http = HttpSender()
        # Services that are targets add theirs (sqs, sns, bus) when they are built.
        self.local: dict[str, LocalTarget] = {"captured": CapturedTarget()}
        # Remote kinds a service brings (EventBridge's api-destination), attempted from the outbox like http.
        self.remote: dict[str, RemoteTarget] = {}
        emulator.outbox.register(OutboxKind(KIND, self._attempt_row, self._next_delay_row, self._dead_letter_row,
                                            log_kind=log_kind, deliver_in=self._attempt_row_in))
        self._warned: set[tuple] = set()  # (source, route, resource) already warned of a refusing policy

    def register_target(self, kind: str, adapter: LocalTarget) -> None:
        """A service that is itself a target (EventBridge's buses) plugs its adapter in here."""
        self.local[kind] = adapter

    def register_remote(self, kind: str, adapter: RemoteTarget) -> None:
        """A service's own remote target kind (EventBridge's API destinations) plugs in here."""
        self.remote[kind] = adapter

    async def close(self) -> None:
        await self.http.close()

    # --- the port every service calls, inside its transaction ---------------------------------------

    def dispatch(self, uow: UnitOfWork, message: Message, target: Target, *, retry: RetryPolicy = NO_RETRY,
                 dead_letter: DeadLetter | None = None, not_before: int | None = None) -> None:
        """Deliver ``message`` to ``target`` now (inline) or through the outbox; never raises for the target.

        ``not_before``: the first attempt's earliest time (SNS's throttlePolicy spaces them).
        """
        adapter = self.local.get(target.kind)
        inline = (adapter is not None and self.emulator.settings.delivery == "inline"
                  and (not_before is None or not_before <= uow.now))
        if adapter is None or not inline:
            payload = to_payload(message, target, retry, dead_letter, first_attempt_at=uow.now)
            if not_before is not None and not_before > uow.now:
                self.emulator.outbox.enqueue(uow, KIND, target.address, payload, due_at=not_before,
                                             message_id=message.message_id, source_arn=message.source_arn)
            else:
                self.emulator.outbox.enqueue(uow, KIND, target.address, payload, attempt_now=True,
                                             message_id=message.message_id, source_arn=message.source_arn)
            return
        outcome = self._deliver_in(uow, adapter, message, target)
        if outcome.ok:
            self._log(uow, message, target, 1, "delivered", outcome.error)  # a delivered row's error: a warning
            return
        delay = next_delay_ms(retry, outcome.failure or "server", message_id=message.message_id, attempts=1,
                              first_attempt_at=uow.now, now=uow.now)
        if delay is None:
            self._log(uow, message, target, 1, self._dead_letter(uow, message, retry, dead_letter, outcome,
                                                                 outcome.error or "", 1), outcome.error)
            return
        self._log(uow, message, target, 1, "retrying", outcome.error)
        self.emulator.outbox.enqueue(uow, KIND, target.address,
                                     to_payload(message, target, retry, dead_letter, first_attempt_at=uow.now),
                                     due_at=uow.now + delay, attempts=1, message_id=message.message_id,
                                     source_arn=message.source_arn)

    def reject(self, uow: UnitOfWork, message: Message, target: Target, error: str, *,
               dead_letter: DeadLetter | None = None, code: str | None = None) -> None:
        """A delivery that fails before any attempt (a client-side error AWS never retries): DLQ or dropped.
        ``code``: the error code the DLQ message carries, when the service names one (THIRD_ACCOUNT_HOP_DETECTED)."""
        outcome = Outcome(False, error, retryable=False, failure="client", code=code)
        status = self._dead_letter(uow, message, NO_RETRY, dead_letter, outcome, error, 1)
        self._log(uow, message, target, 1, status, error)

    def check_service_principal(self, message: Message, *, policy_text: str | None, owner: str, action: str,
                                resource: str, what: str) -> str | None:
        """Would AWS let the service ``message`` comes from (SNS, EventBridge) call ``action`` on ``resource``?

        Its policy must allow the service principal (sns.amazonaws.com ...) with ``aws:SourceArn`` the topic or
        rule and ``aws:SourceAccount`` its account, even within one account. None when it does. When it does
        not: under ``strict_policies`` raise AccessDenied (the delivery fails, retried and dead-lettered by the
        usual rules); otherwise return the delivery log's note and log a warning once per route.
        """
        service = SERVICE_PRINCIPALS.get(message.source)
        if service is None:
            return None
        context = {"aws:SourceAccount": message.account}
        if message.source_arn:
            context["aws:SourceArn"] = message.source_arn
        if policy.permitted(owner, policy.Principal.of_service(service), policy_text, action, resource, context):
            return None
        if self.emulator.settings.strict_policies:
            raise aws_error("AccessDenied", policy.denial_message(service, action, resource), 403)
        note = f"AWS would refuse this: the {what} policy does not allow {service}"
        key = (message.source_arn, message.route, resource)
        if key not in self._warned:
            self._warned.add(key)
            log.warning("%s (%s -> %s); SLUICE_STRICT_POLICIES=1 fails such deliveries as AWS does", note,
                        message.route or message.source_arn, resource)
        return note

    # --- shared steps ---------------------------------------------------------------------------------

    @staticmethod
    def _deliver_in(uow: UnitOfWork, adapter: LocalTarget, message: Message, target: Target) -> Outcome:
        """A local delivery in its own savepoint, so a target that refuses half-way leaves nothing behind;
        an ``atomic`` target refuses before it writes and needs none (a savepoint each was ~10% of a publish)."""
        try:
            if getattr(adapter, "atomic", False):  # an adapter that does not say may refuse half-way
                note = adapter.deliver_in(uow, message, target)
            else:
                with uow.savepoint("delivery"):
                    note = adapter.deliver_in(uow, message, target)
        except AwsError as exc:
            return failed(exc)
        return DELIVERED if note is None else Outcome(True, note)

    def _dead_letter(self, uow: UnitOfWork, message: Message, retry: RetryPolicy, dead_letter: DeadLetter | None,
                     outcome: Outcome | None, error: str, attempts: int) -> str:
        """Hand a given-up message to its DLQ; the log status ("dead-lettered" or "dropped")."""
        if dead_letter is None:
            return "dropped"
        problem = dlq_writer.write(self.emulator, uow, dead_letter, message, retry, outcome, error, attempts)
        if problem is None:
            return "dead-lettered"
        log_repo.log_attempt(uow, kind=f"{message.source}.dlq", target=dead_letter.arn,
                             message_id=message.message_id, attempt=1, status="dropped", error=problem,
                             outbox_id=None, source_arn=message.source_arn)
        return "dropped"

    @staticmethod
    def _log(uow: UnitOfWork, message: Message, target: Target, attempt: int, status: str, error: str | None) -> None:
        log_repo.log_attempt(uow, kind=f"{message.source}.{target.protocol}", target=target.address,
                             message_id=message.message_id, attempt=attempt, status=status, error=error,
                             outbox_id=None, source_arn=message.source_arn)

    # --- the outbox kind: attempts that left their transaction --------------------------------------------

    def _attempt_row_in(self, uow: UnitOfWork, payload: dict[str, Any]) -> Outcome | None:
        """A local target's attempt, in the transaction that settles its row (exactly once); None: not local."""
        message, target, retry, _, _ = from_payload(payload)
        adapter = self.local.get(target.kind)
        if adapter is None:
            return None
        return self._retryable(self._deliver_in(uow, adapter, message, target), retry)

    async def _attempt_row(self, payload: dict[str, Any]) -> Outcome:
        message, target, retry, _, _ = from_payload(payload)
        adapter = self.local.get(target.kind)
        if adapter is not None:
            outcome = await self.emulator.store.transaction(self._deliver_in, adapter, message, target)
        elif target.kind == "http":
            outcome = await self.http.deliver(message, target)
        elif target.kind in self.remote:
            outcome = await self.remote[target.kind].deliver(message, target)
        else:
            outcome = Outcome(False, f"no adapter for target kind {target.kind!r}", failure="client")
        return self._retryable(outcome, retry)

    @staticmethod
    def _retryable(outcome: Outcome, retry: RetryPolicy) -> Outcome:
        if outcome.ok:
            return outcome
        # An adapter may rule a failure out of retries (an API destination's 400); the policy decides the rest.
        return replace(outcome, retryable=outcome.retryable and retries(retry, outcome.failure or "server"))

    def _next_delay_row(self, payload: dict[str, Any], attempts: int, created_at: int) -> int | None:
        message, _, retry, _, first = from_payload(payload)
        return next_delay_ms(retry, "server", message_id=message.message_id, attempts=attempts,
                             first_attempt_at=first or created_at, now=self.emulator.clock.now_ms())

    def _dead_letter_row(self, uow: UnitOfWork, payload: dict[str, Any], error: str, *, attempts: int,
                         outcome: Outcome | None) -> str:
        message, _, retry, dead_letter, _ = from_payload(payload)
        return self._dead_letter(uow, message, retry, dead_letter, outcome, error, attempts)

    # --- what the admin API shows -----------------------------------------------------------------------

    async def log(self, *, after_id: int = 0, limit: int = 1000, target: str | None = None,
                  kind: str | None = None) -> list[dict]:
        """Every attempt, oldest first."""
        return await self.emulator.store.read(log_repo.read_log, after_id=after_id, limit=limit, target=target,
                                              kind=kind)

    async def pending(self) -> list[dict]:
        """Deliveries waiting in the outbox, with the log's name of their kind ("sns.http")."""
        rows = await self.emulator.store.read(log_repo.pending)
        for row in rows:
            if row["kind"] == KIND:
                row["kind"] = log_kind(row["payload"])
        return rows

    async def captured(self, **filters: Any) -> list[dict]:
        return await self.emulator.store.read(captured_repo.read_captured, **filters)

    async def clear_captured(self, **filters: Any) -> None:
        await self.emulator.store.transaction(captured_repo.clear_captured, **filters)
