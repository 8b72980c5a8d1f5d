"""The ``sluice`` command: parse flags (each also a SLUICE_* variable) and serve on uvicorn."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

from emulator.settings import Settings

log = logging.getLogger("sluice")
# Its own logger, kept at INFO whatever --log-level says: tools (Testcontainers) wait for "Ready.".
ready_log = logging.getLogger("sluice.ready")
# Past this many seconds of stopping, requests still open are cancelled: docker stop waits 10 s.
GRACEFUL_SHUTDOWN_S = 5


def parse_args(argv: list[str] | None = None, environ=os.environ) -> Settings:
    from .localstack import ConfigError, overrides

    parser = argparse.ArgumentParser(prog="sluice", description="Local emulator of AWS SQS, SNS, EventBridge and DynamoDB Streams.")
    parser.add_argument("--host", help="address to listen on (SLUICE_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (SLUICE_PORT, default 4566)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--data-dir", help="directory of the SQLite database (SLUICE_DATA_DIR)")
    where.add_argument("--in-memory", action="store_true", default=None, help="keep nothing on disk (SLUICE_IN_MEMORY)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="SLUICE_LOG_LEVEL")
    parser.add_argument("--default-account", help="SLUICE_DEFAULT_ACCOUNT (default 000000000000)")
    parser.add_argument("--default-region", help="SLUICE_DEFAULT_REGION (default us-east-1)")
    parser.add_argument("--clock", choices=["real", "fake"], help="SLUICE_CLOCK: `fake` moves only via /_sluice/clock/advance")
    parser.add_argument("--delivery", choices=["inline", "async"], help="SLUICE_DELIVERY: local fan-out inline or via the scheduler")
    parser.add_argument("--public-url", help="SLUICE_PUBLIC_URL: base URL written into SNS links")
    args = vars(parser.parse_args(argv))
    flags = {k: v for k, v in args.items() if v is not None}
    try:
        values = overrides(environ)  # LocalStack's variables beat SLUICE_* ones; flags beat both
    except ConfigError as exc:
        parser.error(str(exc))
    if "data_dir" in flags or "in_memory" in flags:
        values.pop("data_dir", None)
        values.pop("in_memory", None)
    return Settings(**{**values, **flags})


def data_dir_problem(settings: Settings) -> str | None:
    """Why Sluice cannot keep its database where the settings say, and what to do; None when it can."""
    if settings.in_memory:
        return None
    directory = Path(settings.data_dir)
    database = Path(settings.database_path)
    permission = False
    if directory.exists() and not directory.is_dir():
        why = "it is a file, not a directory"
    else:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            why = exc.strerror or str(exc)
            permission = isinstance(exc, PermissionError)
        else:
            if not os.access(directory, os.W_OK | os.X_OK):
                why, permission = "it is not writable", True
            elif database.exists() and not os.access(database, os.R_OK | os.W_OK):
                why, permission = f"{database.name} in it is not writable", True
            else:
                return None
    uid = os.getuid()
    fix = ""
    if permission:
        owner = ""
        try:
            owner = f", owned by uid {directory.stat().st_uid}"
        except OSError:
            pass
        fix = (f"Sluice runs as uid {uid}{owner}: make the directory writable for uid {uid} (for a Docker volume "
               f"or bind mount: chown {uid} on the host's directory), or ")
    else:
        fix = "Fix the path, or "
    return (f"Sluice cannot keep its database in {directory}: {why}. {fix}choose another directory with "
            "--data-dir or SLUICE_DATA_DIR, or keep nothing on disk with --in-memory.")


def server(config, app, *, init_scripts=None, started: float | None = None):
    """uvicorn's Server for a ``create_app`` app, with Sluice's start and stop.

    Once the socket accepts connections: the ``Ready.`` line (logged on stderr and, bare, on stdout,
    where Testcontainers' LocalStack modules look for it), then the app's deferred work (the admin
    API) and the ready.d init hooks. When asked to stop: first mark the emulator stopping and wake
    every long poll (they answer at once, empty), run the shutdown.d hooks while Sluice still
    answers, then let uvicorn close the connections.
    """
    import uvicorn

    emulator = app.state.emulator
    app.defer_admin = True

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.should_exit:
                return
            if started is not None:
                ready_log.info("Ready. (%.0f ms)", (time.perf_counter() - started) * 1000)
                print("Ready.", flush=True)
            app.after_ready()
            if init_scripts is not None:
                self._ready_hooks = asyncio.get_running_loop().run_in_executor(None, init_scripts.run, "READY")

        async def shutdown(self, sockets=None):
            emulator.stopping = True
            emulator.waiters.notify_all()
            if init_scripts is not None and init_scripts.scripts["SHUTDOWN"]:
                await asyncio.get_running_loop().run_in_executor(None, init_scripts.run, "SHUTDOWN")
            await super().shutdown(sockets)

    return Server(config)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    settings = parse_args(argv)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    ready_log.setLevel(logging.INFO)
    logging.getLogger("sluice.init").setLevel(min(logging.INFO, logging.getLogger().level))
    problem = data_dir_problem(settings)
    if problem:
        log.error("%s", problem)
        return 1
    import uvicorn

    from .app import create_app
    from .connections import uvicorn_limits

    app = create_app(settings)
    try:
        app.state.emulator.lock_data_dir()  # held for the process's life: a second Sluice on the directory refuses
    except (RuntimeError, OSError) as exc:
        log.error("%s", exc)
        return 1
    log.info("Sluice on http://%s:%s  database: %s  clock: %s", settings.host, settings.port,
             settings.database_path, settings.clock)
    if settings.enabled_services is not None:
        log.info("SERVICES=%s: serving %s", settings.services, ", ".join(sorted(settings.enabled_services)))
    init_scripts = app.state.init_scripts
    init_scripts.configure(settings.host, settings.port, settings.default_region)
    if init_scripts.scripts["BOOT"]:
        init_scripts.run("BOOT")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            access_log=False, lifespan="on", loop="auto",
                            ws="none",  # no WebSocket endpoints: skip importing the protocol stacks
                            proxy_headers=False,  # Sluice is called directly; trust no forwarded headers
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
                            **uvicorn_limits(settings))  # slow and abusive clients: api/connections.py
    srv = server(config, app, init_scripts=init_scripts, started=started)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler that
    # was installed before it, so the process would die "by signal 15". A clean stop exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    srv.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
