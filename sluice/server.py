"""A Sluice server in a background thread of the calling process (moto's ``ThreadedMotoServer``, for Sluice)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any


class ThreadedSluiceServer:
    """Sluice on ``host:port`` in a daemon thread with its own event loop.

    In memory and on a free port by default (``port=0``); every other keyword is a Sluice setting
    (``clock="fake"``, ``default_region="eu-west-1"``, ``data_dir=...``: see ``emulator.settings``).

    - ``start()`` returns once the server accepts connections; ``stop()`` answers open long polls
      and stops it; both are also the context manager's enter and exit.
    - ``port``, ``url`` (``http://127.0.0.1:<port>``, the ``endpoint_url`` for clients),
      ``get_host_and_port()`` as moto has it.
    - ``reset()`` wipes every resource and message (what ``POST /moto-api/reset`` does).
    - ``advance(seconds)`` moves a fake clock (``clock="fake"``) and runs everything that became due.
    """

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 0, verbose: bool = False, **settings: Any):
        settings.setdefault("in_memory", True)
        settings.setdefault("log_level", "info" if verbose else "warning")
        self._host = ip_address
        self._requested_port = port
        self._settings = settings
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app: Any = None
        self.port = port

    # --- moto's interface ------------------------------------------------------------------------

    def start(self) -> ThreadedSluiceServer:
        if self._thread is not None:
            raise RuntimeError("this server was started already")
        import uvicorn

        from api.app import create_app
        from api.cli import server
        from emulator.settings import Settings

        self._sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self._host, self._requested_port))
        self.port = self._sock.getsockname()[1]
        settings = Settings(host=self._host, port=self.port, **self._settings)
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, log_level=settings.log_level, access_log=False, lifespan="on",
                                ws="none", timeout_graceful_shutdown=5)
        self._server = server(config, self.app)
        self._thread = threading.Thread(target=self._run, name=f"sluice-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("Sluice did not start; see the log above")
            if time.monotonic() > deadline:
                raise RuntimeError("Sluice did not start within 30 s")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(30)
        if self._sock is not None:
            self._sock.close()

    def get_host_and_port(self) -> tuple[str, int]:
        return self._host, self.port

    def reset(self) -> None:
        self._call(self.emulator.reset())

    # --- Sluice's additions ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"

    endpoint = url

    @property
    def emulator(self):
        if self.app is None:
            raise RuntimeError("the server is not started")
        return self.app.state.emulator

    def advance(self, seconds: float = 0, ms: int = 0) -> int:
        """Move the fake clock forward, run everything that became due, and return the new time (ms)."""
        if not self.emulator.clock.fake:
            raise RuntimeError("the clock is real: start the server with clock='fake' to move it")
        return self._call(self.emulator.advance_clock(ms + int(round(seconds * 1000))))

    def __enter__(self) -> ThreadedSluiceServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            import uvloop

            self.loop = uvloop.new_event_loop()
        except ImportError:  # uvicorn without its [standard] extra
            self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve(sockets=[self._sock]))

    def _call(self, coro):
        if self.loop is None:
            coro.close()
            raise RuntimeError("the server is not started")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)


class ThreadedMotoServer(ThreadedSluiceServer):
    """moto's ``ThreadedMotoServer`` with its defaults (port 5000), served by Sluice:
    ``from moto.server import ThreadedMotoServer`` becomes ``from sluice import ThreadedMotoServer``."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 5000, verbose: bool = True, **settings: Any):
        super().__init__(ip_address, port, verbose, **settings)
