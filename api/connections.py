"""Limits on connections, below the app: what uvicorn leaves open to a slow or abusive client.

uvicorn closes a keep-alive connection that stays idle after a response, but a connection that never
finishes its request headers (opened and left silent, or fed a byte every few seconds, each byte
resetting the keep-alive timer) is kept forever, and with httptools its headers grow without bound.
``guarded_protocol`` wraps uvicorn's HTTP protocol class: the headers of every request must arrive
within ``header_timeout`` seconds of the connection or of the request's first byte, and within
``MAX_HEADER_BYTES``; otherwise the connection is closed. The body has its own deadline in the
gateway (SLUICE_BODY_TIMEOUT_S), where a 408 can still be answered.
"""

from __future__ import annotations

import asyncio

MAX_HEADER_BYTES = 64 * 1024  # request line and headers; uvicorn's h11 default is 16 KiB


def base_protocol() -> type:
    """The protocol uvicorn's ``http="auto"`` picks: httptools when installed, else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
        return HttpToolsProtocol
    except ImportError:  # pragma: no cover (httptools is a dependency)
        from uvicorn.protocols.http.h11_impl import H11Protocol
        return H11Protocol


def guarded_protocol(header_timeout: float, base: type | None = None) -> type:
    """A subclass of uvicorn's protocol ``base`` that closes connections slow or huge in their headers."""
    parent = base or base_protocol()

    class GuardedProtocol(parent):  # type: ignore[valid-type, misc]
        _head_timer: asyncio.TimerHandle | None = None
        _head_bytes = 0

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            cycle = self.cycle
            waiting = cycle is None or cycle.response_complete  # between requests: this byte starts one
            if waiting and self._head_timer is None:
                self._arm()
            if self._head_timer is not None:
                self._head_bytes += len(data)
            super().data_received(data)
            if self.cycle is not cycle:  # the request's headers are complete: the app has it now
                self._disarm()
            elif self._head_timer is not None and self._head_bytes > MAX_HEADER_BYTES \
                    and not self.transport.is_closing():
                self.send_400_response("Request headers too large.")
                self._disarm()

        def _arm(self) -> None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(header_timeout, self._head_too_slow)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None
            self._head_bytes = 0

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
                self.transport.close()

    GuardedProtocol.__name__ = GuardedProtocol.__qualname__ = f"Guarded{parent.__name__}"
    return GuardedProtocol


def uvicorn_limits(settings) -> dict:
    """uvicorn.Config keyword arguments that bound what clients can hold: the guarded protocol, the
    largest incomplete h11 event, the idle keep-alive time and the number of concurrent connections."""
    return {"http": guarded_protocol(settings.header_timeout_s),
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
            "timeout_keep_alive": 5,
            "limit_concurrency": settings.max_connections}
