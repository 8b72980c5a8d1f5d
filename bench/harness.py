"""The benchmark's model: metrics (table rows), scenarios (what produces them), results and the run context."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from common import client, percentile
from servers import Server


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    better: str             # "higher" or "lower"
    agg: str = "max"        # over rounds: "max" (throughput), "min" (CPU cost), "p50"/"p99" of pooled samples


@dataclass(frozen=True)
class Scenario:
    name: str               # what --scenarios selects
    metrics: tuple[Metric, ...]
    run: Callable[[Context, Server, int], None]   # (ctx, server, round); records into ctx.results
    servers: tuple[str, ...] = ("sluice", "ministack", "moto")
    rounds: Callable[[Context], int] = lambda ctx: ctx.rounds


@dataclass(frozen=True)
class Profile:
    """Sizes and bounds of one run: --quick (a smoke run of ~2 minutes) or the full one (under ~15)."""
    rounds: int
    wrk_seconds: float
    seq_samples: int        # boto3 SendMessage latencies per server, all rounds together
    wake_samples: int       # long-poll wakes per server
    drain_messages: int     # queued before each drain round
    depth: int              # messages queued for the depth scenario
    depth_samples: int      # send + receive pairs per depth
    fill_seconds: float     # bound on filling a queue for the depth scenario
    fanout_samples: int
    http_samples: int
    phase_seconds: float    # bound on any sampling loop, per server and round


QUICK = Profile(rounds=1, wrk_seconds=2, seq_samples=100, wake_samples=20, drain_messages=5_000, depth=10_000,
                depth_samples=40, fill_seconds=10, fanout_samples=30, http_samples=30, phase_seconds=8)
FULL = Profile(rounds=5, wrk_seconds=3, seq_samples=600, wake_samples=150, drain_messages=20_000, depth=100_000,
               depth_samples=200, fill_seconds=90, fanout_samples=150, http_samples=150, phase_seconds=20)


class Results:
    def __init__(self) -> None:
        self.values: dict[str, dict[str, list[float]]] = {}
        self.missing: dict[str, dict[str, str]] = {}
        self.notes: list[str] = []
        self.marked: list[list[str]] = []   # [key, server] pairs whose figure a note qualifies (shown with †)

    def add(self, key: str, server: str, *values: float) -> None:
        self.values.setdefault(key, {}).setdefault(server, []).extend(values)

    def not_applicable(self, keys, server: str, reason: str) -> None:
        for key in keys:
            self.missing.setdefault(key, {}).setdefault(server, reason)

    def qualify(self, keys, server: str, note: str) -> None:
        """A figure measured, but not as specified (a note says how): marked † in the table."""
        self.marked.extend([key, server] for key in keys)
        self.notes.append(f"† {note}")

    def is_marked(self, key: str, server: str) -> bool:
        return [key, server] in self.marked

    def figure(self, metric: Metric, server: str) -> float | str | None:
        """The aggregated figure, ``"n/a: reason"``, or None when the scenario did not run."""
        values = self.values.get(metric.key, {}).get(server)
        if values:
            if metric.agg == "max":
                return max(values)
            if metric.agg == "min":
                return min(values)
            return percentile(values, float(metric.agg[1:]))
        reason = self.missing.get(metric.key, {}).get(server)
        return f"n/a: {reason}" if reason else None

    def to_json(self) -> dict:
        return {"values": self.values, "missing": self.missing, "notes": self.notes, "marked": self.marked}


@dataclass
class Context:
    profile: Profile
    servers: dict[str, Server]
    results: Results
    log: Callable[[str], None]
    extras: dict = field(default_factory=dict)     # per-run helpers (the HTTP receiver)
    _clients: dict = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        return self.profile.rounds

    def client(self, server: Server, service: str, name: str = "main"):
        """A cached boto3 client per server, service and role (a second role for a concurrent thread)."""
        key = (server.name, service, name)
        if key not in self._clients:
            self._clients[key] = client(service, server.url)
        return self._clients[key]

    @staticmethod
    def unique(prefix: str) -> str:
        return f"bench-{prefix}-{uuid.uuid4().hex[:8]}"
