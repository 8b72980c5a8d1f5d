"""A real Sluice server on a free loopback port, in a thread of the test process or a subprocess."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn
import uvloop

from api.app import create_app
from emulator.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ThreadServer:
    """uvicorn serving ``create_app(settings)`` in a background thread with its own event loop."""

    def __init__(self, **settings):
        settings.setdefault("in_memory", True)
        settings.setdefault("log_level", "warning")
        self.settings = Settings(**settings)
        self.app = create_app(self.settings)
        self.emulator = self.app.state.emulator
        self._sock = free_socket()
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.loop = uvloop.new_event_loop()  # as the CLI serves; the stdlib loop adds a delayed-ACK stall here
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self._sock]))

    def start(self) -> ThreadServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("Sluice test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)
        self._sock.close()

    def call(self, coro_fn, *args):
        """Run an async emulator function on the server's loop (for white-box checks)."""
        return asyncio.run_coroutine_threadsafe(coro_fn(*args), self.loop).result(30)


class ProcessServer:
    """``python -m emulator`` in a subprocess: for restart and kill -9 tests."""

    def __init__(self, *args: str, env: dict | None = None, cwd: Path = ROOT):
        """``cwd``: the checkout whose Sluice runs (another one, to compare commits in a benchmark)."""
        self.cwd = cwd
        sock = free_socket()
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--port", str(self.port), *args]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.ready_ms: float | None = None

    def start(self, timeout: float = 30) -> ProcessServer:
        started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "emulator", *self.args], cwd=self.cwd, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        ready = threading.Event()

        def read() -> None:  # a thread, so that a silent process cannot block the test past its timeout
            for line in self.proc.stdout:
                self.output.append(line)
                if "Ready." in line and not ready.is_set():
                    self.ready_ms = (time.perf_counter() - started) * 1000
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if ready.wait(timeout):
            return self
        self.kill()
        raise RuntimeError("Sluice did not become ready:\n" + "".join(self.output))

    def kill(self, sig: int = 9) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(15)

    def stop(self) -> None:
        self.kill(15)

    def health(self) -> dict:
        return httpx.get(f"{self.url}/_sluice/health", timeout=5).json()
