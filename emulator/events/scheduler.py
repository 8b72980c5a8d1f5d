"""Scheduled rules: a scheduler due-source over the rules' ``next_fire_at`` column (no polling, no task per rule).

``next_due()`` is the earliest ``next_fire_at`` (kept in memory, lowered by ``note`` as rules are written,
read again from SQLite after each pass). ``run_due(now)`` fires, in one transaction, every firing due at
``now`` in time order across rules, up to ``MAX_FIRINGS`` a pass (the scheduler runs the next pass at once if
more are due): each firing hands AWS's scheduled event (``source`` aws.events, ``detail-type`` Scheduled
Event, ``resources`` [rule ARN], ``detail`` {}, ``time`` the scheduled time) to the rule's targets through
the delivery layer (retries and dead letters included), and moves ``next_fire_at`` on, in the same
transaction: a firing is never lost nor repeated by a crash.

Missed firings. Under the fake clock every firing fires, in order (advancing an hour fires a ``rate(1
minute)`` rule 60 times): the test moved time on purpose. A rule found more than one period late otherwise
(a real clock that jumped: a suspended laptop; or at start, after the server was down) fires once, at the
time it is caught up, and continues from then: a missed firing is never replayed more than once.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from storage import events as repo
from storage.db import UnitOfWork

from ..scheduler import CachedDueSource
from . import targets
from .common import dumps, iso_time
from .rules import schedule_of

if TYPE_CHECKING:
    from . import Events

MAX_FIRINGS = 500
SCHEDULED_EVENT = "Scheduled Event"


def scheduled_event(rule: dict, fire_ms: int, event_id: str) -> dict:
    return {"version": "0", "id": event_id, "detail-type": SCHEDULED_EVENT, "source": "aws.events",
            "account": rule["account"], "time": iso_time(fire_ms), "region": rule["region"],
            "resources": [rule["arn"]], "detail": {}}


class ScheduleSource(CachedDueSource):
    """The rules' timers: due at the earliest ``next_fire_at``."""

    name = "events.schedule"

    def __init__(self, svc: Events):
        super().__init__(svc.emulator)
        self.svc = svc

    def earliest(self, uow: UnitOfWork) -> int | None:
        return repo.next_fire(uow)

    async def run_due(self, now: int) -> None:
        self._known = False
        await self.svc.store.transaction(self.fire_due, collapse=not self.svc.emulator.clock.fake)

    async def catch_up(self) -> None:
        """At start: a rule more than one period late (the server was down) fires once and goes on from now."""
        await self.svc.store.transaction(self.fire_due, collapse=True)
        self._known = False

    def fire_due(self, uow: UnitOfWork, *, collapse: bool) -> int:
        """Fire what is due now (``collapse``: a backlog of several periods fires once); returns how many."""
        now = uow.now
        heap = []
        moved: dict[str, tuple[int | None, int | None]] = {}
        for row in repo.due_rules(uow, now, MAX_FIRINGS):
            try:
                schedule = schedule_of(row)
            except ValueError:  # stored by a Sluice that parsed it differently: stop its timer, never loop on it
                schedule = None
            if schedule is None:
                moved[row["arn"]] = (None, None)
                continue
            heap.append((row["next_fire_at"], row["arn"], row, schedule))
        heapq.heapify(heap)
        specs: dict[str, list[targets.TargetSpec]] = {}
        fired = 0
        while heap and fired < MAX_FIRINGS:
            due, arn, row, schedule = heapq.heappop(heap)
            anchor = row["schedule_anchor"]
            following = schedule.next_after(due, anchor_ms=anchor if anchor is not None else due)
            fire_at = due
            if collapse and following is not None and following <= now:
                fire_at = now
                following = schedule.next_after(now, anchor_ms=anchor if anchor is not None else now)
            if arn not in specs:
                specs[arn] = [targets.spec_of(t, arn) for t in repo.targets(uow, arn)]
            self._fire(uow, row, fire_at, specs[arn])
            fired += 1
            moved[arn] = (following, anchor)
            if following is not None and following <= now:
                heapq.heappush(heap, (following, arn, row, schedule))
        for arn, (following, anchor) in moved.items():
            repo.set_next_fire(uow, arn, following, anchor)
        return fired

    def _fire(self, uow: UnitOfWork, rule: dict, fire_ms: int, specs: list[targets.TargetSpec]) -> None:
        if not specs:
            return
        event = scheduled_event(rule, fire_ms, self.svc.new_id())
        event_json = dumps(event)
        ingestion = iso_time(uow.now)
        for spec in specs:
            targets.deliver(self.svc.emulator, uow, spec, event, event_json, rule_arn=rule["arn"],
                            rule_name=rule["name"], account=rule["account"], region=rule["region"],
                            ingestion_time=ingestion)
