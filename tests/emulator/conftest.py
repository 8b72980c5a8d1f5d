"""Fixtures of emulator-level tests: a FakeClock, a Store (in memory or on a file), a Scheduler and
an OutboxRunner wired as the Emulator wires them, and a scripted delivery kind."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from emulator.clock import FakeClock
from emulator.core import Emulator
from emulator.delivery.outbox import OutboxKind, OutboxRunner, Outcome
from emulator.scheduler import Scheduler
from emulator.settings import Settings
from storage.db import Store

T0 = 1_700_000_000_000
LEASE_MS = 30_000


@pytest.fixture
def clock() -> FakeClock:
    # real_cap as in the server: a fake-clock wait is also bounded in real time.
    return FakeClock(T0)


@pytest.fixture
async def store(clock):
    s = Store(":memory:", clock.now_ms)
    await s.open()
    yield s
    await s.close()


@pytest.fixture
def scheduler(clock):
    return Scheduler(clock)


@pytest.fixture
async def outbox(store, scheduler):
    runner = OutboxRunner(store, scheduler, lease_ms=LEASE_MS)
    scheduler.add_source(runner)
    yield runner
    await scheduler.stop()


@dataclass
class Script:
    """A delivery kind whose outcomes are scripted per attempt; it records when each attempt ran."""

    clock: FakeClock
    outcomes: list[Outcome] = field(default_factory=list)  # consumed in order; then success
    delays: list[int | None] = field(default_factory=list)  # next_delay by attempt number (1-based)
    attempts: list[tuple[int, dict]] = field(default_factory=list)
    delay_calls: list[tuple[int, int]] = field(default_factory=list)
    dead: list[tuple[dict, str]] = field(default_factory=list)
    dead_status: str = "dead-lettered"

    async def deliver(self, payload: dict) -> Outcome:
        self.attempts.append((self.clock.now_ms(), payload))
        return self.outcomes.pop(0) if self.outcomes else Outcome(True)

    def next_delay(self, payload: dict, attempt: int, created_at: int) -> int | None:
        self.delay_calls.append((attempt, created_at))
        return self.delays[attempt - 1] if attempt <= len(self.delays) else None

    def dead_letter(self, uow, payload: dict, error: str, **_) -> str:
        self.dead.append((payload, error))
        return self.dead_status

    def kind(self, name: str = "test.kind") -> OutboxKind:
        return OutboxKind(name, self.deliver, self.next_delay, self.dead_letter)

    @property
    def times(self) -> list[int]:
        return [t for t, _ in self.attempts]


@pytest.fixture
def script(clock, outbox) -> Script:
    s = Script(clock)
    outbox.register(s.kind())
    return s


@pytest.fixture
async def emulator():
    """A whole Emulator (every service) on a fake clock and an in-memory store."""
    emu = Emulator(Settings(in_memory=True, clock="fake"))
    await emu.start()
    yield emu
    await emu.stop()
