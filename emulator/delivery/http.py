"""HTTP/S POSTs to subscribers and API destinations: one shared client, a hard deadline per attempt.

A 2xx is a delivery. A 5xx, a 429 (throttled), a timeout or a connection error is a server-side
failure (retried by SNS and EventBridge); any other status is a client-side failure (not retried).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .model import Message, Target
from .outbox import Outcome

TIMEOUT_S = 15.0   # SNS gives an HTTP/S endpoint 15 seconds to answer, in all


def failure_of_status(status: int) -> str:
    return "server" if status >= 500 or status == 429 else "client"


class HttpSender:
    """Holds the shared HTTP client (created on the running loop at first use: httpx is imported lazily)."""

    local = False

    def __init__(self, timeout_s: float = TIMEOUT_S):
        self._client: Any = None
        # A total deadline per attempt: httpx's timeout bounds each phase (connect, each read), so a receiver
        # trickling its answer would otherwise hold an attempt open past the outbox lease.
        self.timeout_s = timeout_s

    def client(self) -> Any:
        import httpx

        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout_s, follow_redirects=False,
                                             limits=httpx.Limits(max_keepalive_connections=32))
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def deliver(self, message: Message, target: Target) -> Outcome:
        import httpx

        try:
            response = await asyncio.wait_for(
                self.client().post(target.address, content=message.body.encode("utf-8"),
                                   headers=message.headers or {}), self.timeout_s)
        except (httpx.TimeoutException, TimeoutError):  # wait_for raises TimeoutError
            return Outcome(False, f"timeout: no response in {self.timeout_s:g} s", failure="server")
        except (httpx.HTTPError, OSError) as exc:
            return Outcome(False, f"connection error: {type(exc).__name__}: {exc}", failure="server")
        if 200 <= response.status_code < 300:
            return Outcome(True)
        return Outcome(False, f"HTTP {response.status_code}", failure=failure_of_status(response.status_code),
                       code=str(response.status_code))
