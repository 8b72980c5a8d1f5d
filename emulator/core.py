"""The Emulator: the composition root that owns settings, clock, store, scheduler and waiters.

Services come from the explicit table in ``services.py`` and are typed attributes here
(``emulator.sqs``, ``emulator.sns``). There is no module-level state: two Emulators can live in
one process, e.g. in a test.
"""

from __future__ import annotations

import logging
import time

from storage.db import Store

from .clock import Clock, FakeClock
from .delivery import Delivery
from .delivery.outbox import OutboxRunner
from .dynamodb import DynamoDB
from .errors import AwsError, aws_error
from .events import Events
from .scheduler import Scheduler
from .services import SERVICES, Service
from .settings import Settings
from .sns import SnsService
from .sqs import Sqs
from .sts import Sts
from .waiters import Waiters

log = logging.getLogger("sluice")


def disk_full(detail: str) -> AwsError:
    """What a write answers when SQLite finds no room. AWS has no such error: a 503 ServiceUnavailable (retried
    by the SDKs, as a server-side failure should be) whose message says what happened."""
    return aws_error("ServiceUnavailable", f"Sluice: the disk is full ({detail})", status=503, sender_fault=False)


class Emulator:
    sqs: Sqs
    sns: SnsService
    dynamodb: DynamoDB
    events: Events
    sts: Sts

    def __init__(self, settings: Settings | None = None, *, clock: Clock | None = None):
        self.settings = settings or Settings()
        self.clock = clock or (FakeClock() if self.settings.clock == "fake" else Clock())
        self.store = Store(self.settings.database_path, self.clock.now_ms, full_error=disk_full)
        self.scheduler = Scheduler(self.clock)
        self.waiters = Waiters(self.clock)
        self.outbox = OutboxRunner(self.store, self.scheduler)
        self.scheduler.add_source(self.outbox)
        self.delivery = Delivery(self)
        self.started_at = time.time()
        self.services: dict[str, Service] = {}
        for name, cls in SERVICES.items():
            self.services[name] = cls(self)
        self.sqs = self.services["sqs"]  # type: ignore[assignment]
        self.sns = self.services["sns"]  # type: ignore[assignment]
        self.dynamodb = self.services["dynamodb"]  # type: ignore[assignment]
        self.events = self.services["events"]  # type: ignore[assignment]
        self.sts = self.services["sts"]  # type: ignore[assignment]
        # Set when the process begins to stop: long polls answer at once (empty) instead of waiting.
        self.stopping = False

    def lock_data_dir(self) -> None:
        """Take the data directory's lock (raises ``storage.db.DataDirLocked`` if another process holds it).

        ``start`` takes it too; the CLI calls this first so that a second process on one ``--data-dir``
        refuses before it serves anything (two processes on one database would diverge)."""
        self.store.lock()

    async def start(self) -> None:
        await self.store.open()
        await self.outbox.start()  # before the scheduler: attempts a dead process left are due at once
        for svc in self.services.values():
            await svc.start()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.delivery.close()
        await self.store.close()

    async def reset(self) -> None:
        """Wipe every resource and message; caches rebuilt from the (now empty) store."""
        await self.store.wipe()
        for svc in self.services.values():
            svc.reset()
        self.waiters.notify_all()

    async def advance_clock(self, ms: int) -> int:
        if not isinstance(self.clock, FakeClock):
            raise RuntimeError("the clock is real; start Sluice with --clock fake to move it")
        now = self.clock.advance(ms)
        self.waiters.notify_all()  # receivability depends on time: let long polls look again
        await self.scheduler.run_until_idle()
        return now
