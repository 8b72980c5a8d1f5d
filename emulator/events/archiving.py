"""Archiving on the routing path: what the bus cache holds of a bus's archives, and the one write per event.

Kept apart from ``archives.py`` (the operations and the facade) so that ``put_events`` and ``cache`` import only
this: a bus without archives costs routing one empty-tuple test per event.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from storage import events_archives as repo
from storage.db import UnitOfWork

from ..patterns import CompiledPattern, Flat, compile_event_pattern
from .common import dumps

if TYPE_CHECKING:
    from . import Events
    from .cache import Bus

DAY_MS = 86_400_000
REPLAY_NAME = "replay-name"


@dataclass(frozen=True, slots=True)
class ArchiveSpec:
    """An enabled archive of a bus (``pattern`` None: it keeps every event; ``retention_ms`` 0: forever)."""

    arn: str
    pattern: CompiledPattern | None
    retention_ms: int


def load_specs(uow: UnitOfWork, bus_arn: str) -> tuple[ArchiveSpec, ...]:
    return tuple(ArchiveSpec(arn, compile_event_pattern(pattern) if pattern else None, (days or 0) * DAY_MS)
                 for arn, pattern, days in repo.routing_archives(uow, bus_arn))


@lru_cache(maxsize=256)
def event_time_ms(text: str) -> int:
    """An event's ``time`` (whole seconds, UTC, with a Z) as epoch ms; memoized: a busy second parses once."""
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) * 1000
    except (TypeError, ValueError):
        return 0


def archive(svc: Events, uow: UnitOfWork, bus: Bus, event: dict, flat: Flat) -> str | None:
    """Keep ``event`` (arriving on ``bus``, flattened once as ``flat``) in every archive of the bus it matches;
    returns the event's JSON when it was written (routing reuses it), else None."""
    text = None
    size = when = 0
    for spec in bus.archives:
        if spec.pattern is None or spec.pattern.matches(flat):
            if text is None:
                text = dumps(event)
                size = len(text.encode("utf-8"))
                when = event_time_ms(str(event.get("time")))
            repo.archive_event(uow, spec.arn, when, size, text)
            if spec.retention_ms:
                svc.archives.retention.note(uow, uow.now + spec.retention_ms)
    return text
