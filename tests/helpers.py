"""Small helpers the integration tests share."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    """(code, message) of the AWS error ``call`` must raise."""
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def wait_until(condition, *, timeout: float = 10.0, what: str = "the condition") -> None:
    """Return as soon as ``condition()`` holds; fail after ``timeout`` real seconds.

    For server state that no event announces (a long poll parking, a waiter leaving): it polls,
    but the test goes on the moment the state is reached, never after a fixed delay.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def parked(server) -> int:
    """How many long polls wait on ``server`` (a ThreadServer) now, counted on its event loop."""

    async def count() -> int:
        return server.emulator.waiters.count()

    return server.call(count)


def settled(server) -> None:
    """Return once every unit of work ``server`` has been asked for so far has run (a store round trip)."""
    server.call(server.emulator.store.read, lambda uow: None)


def receive_in_thread(server, sqs, **kwargs):
    """Start ``sqs.receive_message(**kwargs)`` in a thread and return (thread, out) once the receive has
    answered or is parked on its queue's waiter on ``server``. ``out`` gets the response and the real
    seconds it took."""
    out: dict = {}
    before = parked(server)

    def run():
        started = time.monotonic()
        out["response"] = sqs.receive_message(**kwargs)
        out["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: "response" in out or parked(server) > before, what="the receive to park")
    return thread, out


def response_of(thread, out, timeout: float = 10.0) -> dict:
    """The response of a ``receive_in_thread`` receive, which must end within ``timeout`` real seconds.

    The fake-clock tests give their polls a wait (and next visible time) beyond ``timeout``: a
    fake-clock wait is capped in real time by its own length, so a poll that ends in time was woken
    by what the test did, not by the cap.
    """
    thread.join(timeout)
    assert not thread.is_alive(), "the receive is still waiting"
    return out["response"]


class LoopbackHTTP:
    """An HTTP endpoint of the test's own on a free loopback port (``self.base``), run in a thread while
    used as a context manager; subclasses pass their request handler class."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
