"""Outbox kinds of SNS: HTTP/S POSTs retried per DeliveryPolicy, and deferred SQS deliveries.

Which HTTP outcomes are retried follows SNS: a 2xx is a delivery; a 5xx, a 429 (throttled), a timeout
or a connection error is a server-side failure retried per the effective ``healthyRetryPolicy``; any
other status is a client-side error, not retried. When retries are exhausted or the failure is not
retryable, the message goes to the subscription's RedrivePolicy DLQ, or is dropped (and logged).
"""

from __future__ import annotations

import asyncio

from storage.db import UnitOfWork

from ..errors import AwsError
from ..outbox import OutboxKind, Outcome
from . import delivery_policy, fanout

TIMEOUT_S = 15.0   # SNS gives an HTTP/S endpoint 15 seconds to answer, in all


def retryable_status(status: int) -> bool:
    return status >= 500 or status == 429


class HttpDelivery:
    """Holds the shared HTTP client (created on the running loop at first use)."""

    def __init__(self, svc):
        self.svc = svc
        self._client = None  # an httpx.AsyncClient, made (and httpx imported) on the first delivery
        # A total deadline per attempt: httpx's timeout bounds each phase (connect, each read), so a receiver
        # trickling its answer would otherwise hold an attempt open past the outbox lease.
        self.timeout_s = TIMEOUT_S

    def kinds(self) -> list[OutboxKind]:
        return [OutboxKind("sns.http", self.deliver, self.next_delay, self.dead_letter),
                OutboxKind("sns.sqs", self.deliver_sqs, lambda payload, attempt, created: None, self.dead_letter)]

    def client(self):
        import httpx

        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False,
                                             limits=httpx.Limits(max_keepalive_connections=32))
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def deliver(self, payload: dict) -> Outcome:
        import httpx

        timeout = f"timeout: no response in {self.timeout_s:g} s"
        try:
            response = await asyncio.wait_for(
                self.client().post(payload["url"], content=payload["body"].encode("utf-8"),
                                   headers=payload["headers"]), self.timeout_s)
        except (httpx.TimeoutException, TimeoutError):  # wait_for raises TimeoutError
            return Outcome(False, timeout, retryable=True)
        except (httpx.HTTPError, OSError) as exc:
            return Outcome(False, f"connection error: {type(exc).__name__}: {exc}", retryable=True)
        if 200 <= response.status_code < 300:
            return Outcome(True)
        return Outcome(False, f"HTTP {response.status_code}", retryable=retryable_status(response.status_code))

    @staticmethod
    def next_delay(payload: dict, attempts: int, created_at: int) -> int | None:
        return delivery_policy.next_delay_ms(payload.get("policy") or delivery_policy.DEFAULT_RETRY, attempts)

    def dead_letter(self, uow: UnitOfWork, payload: dict, error: str) -> str:
        return fanout.dead_letter(self.svc, uow, payload, error)

    async def deliver_sqs(self, payload: dict) -> Outcome:
        """``--delivery async``: the SQS enqueue in a transaction of its own."""
        def work(uow: UnitOfWork):
            try:
                fanout.sqs_enqueue(self.svc, uow, payload["queue_arn"], payload)
            except AwsError as exc:
                return f"{exc.code}: {exc.message}"
            return None
        error = await self.svc.emulator.store.transaction(work)
        return Outcome(True) if error is None else Outcome(False, error, retryable=False)
