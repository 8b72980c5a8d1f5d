"""The Emulator: the composition root that owns settings, clock, store, scheduler and waiters.

Services attach themselves here (``emulator.sqs``, ``emulator.sns`` ...). There is no module-level
state: two Emulators can live in one process, e.g. in a test.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from storage.db import Store

from .clock import Clock, FakeClock
from .outbox import OutboxRunner
from .scheduler import Scheduler
from .settings import Settings
from .waiters import Waiters

log = logging.getLogger("sluice")

# Service packages register a factory here: (emulator) -> service object, attached as an attribute.
SERVICE_FACTORIES: dict[str, Callable[[Emulator], object]] = {}


def service(name: str):
    def register(factory):
        SERVICE_FACTORIES[name] = factory
        return factory
    return register


class Emulator:
    def __init__(self, settings: Settings | None = None, *, clock: Clock | None = None):
        self.settings = settings or Settings()
        self.clock = clock or (FakeClock() if self.settings.clock == "fake" else Clock())
        self.store = Store(self.settings.database_path, self.clock.now_ms)
        self.scheduler = Scheduler(self.clock)
        self.waiters = Waiters(self.clock)
        self.outbox = OutboxRunner(self.store, self.scheduler)
        self.scheduler.add_source(self.outbox)
        self.started_at = time.time()
        self.services: dict[str, object] = {}
        # Import here so that service packages can import this module.
        from . import services  # noqa: F401
        for name, factory in SERVICE_FACTORIES.items():
            self.services[name] = factory(self)
            setattr(self, name, self.services[name])

    async def start(self) -> None:
        await self.store.open()
        for svc in self.services.values():
            start = getattr(svc, "start", None)
            if start is not None:
                await start()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.store.close()

    async def reset(self) -> None:
        """Wipe every resource and message; caches rebuilt from the (now empty) store."""
        await self.store.wipe()
        for svc in self.services.values():
            reset = getattr(svc, "reset", None)
            if reset is not None:
                reset()
        self.waiters.notify_all()

    async def advance_clock(self, ms: int) -> int:
        if not isinstance(self.clock, FakeClock):
            raise RuntimeError("the clock is real; start Sluice with --clock fake to move it")
        now = self.clock.advance(ms)
        self.waiters.notify_all()  # receivability depends on time: let long polls look again
        await self.scheduler.run_until_idle()
        return now
