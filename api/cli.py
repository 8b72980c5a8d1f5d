"""The ``sluice`` command: parse flags (each also a SLUICE_* variable) and serve on uvicorn."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from emulator.settings import Settings

log = logging.getLogger("sluice")
# Its own logger, kept at INFO whatever --log-level says: tools (Testcontainers) wait for "Ready.".
ready_log = logging.getLogger("sluice.ready")


def parse_args(argv: list[str] | None = None) -> Settings:
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
    overrides = {k: v for k, v in args.items() if v is not None}
    return Settings(**overrides)


class _Server:
    """uvicorn's Server, logging ``Ready.`` once the socket accepts connections."""

    def __new__(cls, config, started: float):
        import uvicorn

        class Server(uvicorn.Server):
            async def startup(self, sockets=None):
                await super().startup(sockets)
                if not self.should_exit:
                    ready_log.info("Ready. (%.0f ms)", (time.perf_counter() - started) * 1000)

        return Server(config)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    settings = parse_args(argv)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    ready_log.setLevel(logging.INFO)
    import uvicorn

    from .app import create_app

    app = create_app(settings)
    log.info("Sluice on http://%s:%s  database: %s  clock: %s", settings.host, settings.port,
             settings.database_path, settings.clock)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            access_log=False, lifespan="on", loop="auto", http="auto",
                            ws="none",  # no WebSocket endpoints: skip importing the protocol stacks
                            proxy_headers=False)  # Sluice is called directly; trust no forwarded headers
    server = _Server(config, started)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler that
    # was installed before it, so the process would die "by signal 15". A clean stop exits 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
