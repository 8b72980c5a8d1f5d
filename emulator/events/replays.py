"""EventBridge replays: StartReplay, DescribeReplay, CancelReplay, ListReplays, and the replay itself as durable
scheduler work.

A replay is a row whose progress is data: ``due_at`` (its next step; NULL once it has ended) and a cursor (the
event time and archive row id of the last event it replayed). ``ReplaySource`` runs each due step in one
transaction: the step re-delivers the archived events of one minute of event time ("A replay processes events
to replay based on the time in the event, and replays them on one minute intervals", User Guide, "Replaying
archived events"), moves the cursor and ``EventLastReplayedTime`` on, and sets the next step ``STEP_MS`` later:
a replay is never lost nor repeated by a restart or a kill, and can be cancelled between two steps. States go
``STARTING -> RUNNING -> COMPLETED``; CancelReplay answers ``CANCELLING`` and the next step ends it
``CANCELLED``.

Each replayed event is the archived one with a top-level ``replay-name`` after ``region`` (AWS's recorded
replayed event: localstack tests/aws/services/events/test_archive_and_replay.snapshot.json), routed to the rules
of the destination bus (only those in ``FilterArns`` when given) and never archived again. The destination
must be the archive's own bus ("you can replay events only to the same event bus that emitted the events",
User Guide); at most ``MAX_ACTIVE`` replays run at once per account and region (same page).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storage import events_archives as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..scheduler import CachedDueSource
from .archiving import REPLAY_NAME
from .buses import own_bus
from .common import decode_token, page, resolve_bus, timestamp
from .errors import (
    IllegalStatusException,
    LimitExceededException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ValidationException,
)
from .put_events import route

if TYPE_CHECKING:
    from . import Events

STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED = (
    "STARTING", "RUNNING", "CANCELLING", "COMPLETED", "CANCELLED", "FAILED")
ACTIVE = (STARTING, RUNNING, CANCELLING)
MAX_ACTIVE = 10
STEP_MS = 1000          # one minute of event time replayed per second
MAX_STEP_EVENTS = 500   # a minute holding more goes on in the next step, at once
MAX_STEPS = 50          # replays advanced per scheduler pass
MINUTE_MS = 60_000


def replay_arn(account: str, region: str, name: str) -> str:
    return arns.build("events", region, account, f"replay/{name}")


def own_replay(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    row = repo.get_replay(uow, replay_arn(caller.account, caller.region, name))
    if row is None:
        raise ResourceNotFoundException(f"Replay {name} does not exist.")
    return row


def _archive_of(uow: UnitOfWork, caller: Caller, source_arn: str) -> dict:
    parts = arns.parse(source_arn, service="events")
    name = parts.resource.split("/", 1)[-1] if parts is not None else source_arn
    row = repo.get_archive(uow, source_arn)
    if row is None or (row["account"], row["region"]) != (caller.account, caller.region):
        raise ValidationException(f"Parameter EventSourceArn is not valid. Reason: Archive {name} does not exist.")
    return row


def start_replay(uow: UnitOfWork, caller: Caller, name: str, source_arn: str, start_ms: int, end_ms: int,
                 destination: dict, *, description: str | None) -> dict:
    arn = replay_arn(caller.account, caller.region, name)
    if repo.get_replay(uow, arn) is not None:
        raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
    if start_ms >= end_ms:
        raise ValidationException("Parameter EventEndTime is not valid. Reason: EventStartTime must be before "
                                  "EventEndTime.")
    archive = _archive_of(uow, caller, source_arn)
    bus = own_bus(uow, caller, destination["Arn"])
    if bus["arn"] != archive["bus_arn"]:
        raise ValidationException("Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
                                  "permitted.")
    if repo.active_replays(uow, caller.account, caller.region) >= MAX_ACTIVE:
        # The quota is documented; the message is not confirmed against AWS.
        raise LimitExceededException(f"The maximum of {MAX_ACTIVE} active concurrent replays has been reached.")
    repo.insert_replay(uow, arn=arn, account=caller.account, region=caller.region, name=name,
                       archive_arn=archive["arn"], description=description, destination=destination,
                       event_start=start_ms, event_end=end_ms, state=STARTING, started_at=uow.now,
                       cursor_time=start_ms, cursor_id=0, due_at=uow.now)
    return {"ReplayArn": arn, "State": STARTING, "ReplayStartTime": timestamp(uow.now)}


def describe(row: dict, *, full: bool = True) -> dict[str, Any]:
    """DescribeReplay's answer (``full``), or a ListReplays entry; members not set are left out."""
    out: dict[str, Any] = {"ReplayName": row["name"]}
    if full:
        out["ReplayArn"] = row["arn"]
        if row["description"] is not None:
            out["Description"] = row["description"]
    out["State"] = row["state"]
    if row["state_reason"] is not None:
        out["StateReason"] = row["state_reason"]
    out["EventSourceArn"] = row["archive_arn"]
    if full:
        out["Destination"] = row["destination"]
    out["EventStartTime"] = timestamp(row["event_start"])
    out["EventEndTime"] = timestamp(row["event_end"])
    if row["last_replayed"] is not None:
        out["EventLastReplayedTime"] = timestamp(row["last_replayed"])
    out["ReplayStartTime"] = timestamp(row["started_at"])
    if row["ended_at"] is not None:
        out["ReplayEndTime"] = timestamp(row["ended_at"])
    return out


def cancel_replay(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    row = own_replay(uow, caller, name)
    if row["state"] not in (STARTING, RUNNING):
        # IllegalStatusException's documented meaning; AWS's exact message is not recorded.
        raise IllegalStatusException(f"Replay {name} is not in a valid state for cancellation: a replay can be "
                                     f"cancelled only when its state is STARTING or RUNNING.")
    repo.update_replay(uow, row["arn"], state=CANCELLING, due_at=uow.now)
    return {"ReplayArn": row["arn"], "State": CANCELLING}


def list_replays(uow: UnitOfWork, caller: Caller, prefix: str | None, state: str | None, source_arn: str | None,
                 next_token: str | None, limit: int | None) -> dict:
    rows = repo.list_replays(uow, caller.account, caller.region, prefix or "", decode_token(next_token),
                             (limit or 100) + 1, archive_arn=source_arn, state=state)
    rows, token = page(rows, limit, lambda r: r["name"])
    out: dict[str, Any] = {"Replays": [describe(r, full=False) for r in rows]}
    if token:
        out["NextToken"] = token
    return out


def replayed(event: dict, name: str) -> dict:
    """The archived event as a replay delivers it: ``replay-name`` right after ``region``, as AWS places it."""
    out: dict[str, Any] = {}
    for key, value in event.items():
        out[key] = value
        if key == "region":
            out[REPLAY_NAME] = name
    out.setdefault(REPLAY_NAME, name)
    return out


def step(svc: Events, uow: UnitOfWork, row: dict) -> None:
    """One step of a replay: end it if cancelled, else replay the next minute of events (or finish)."""
    now = uow.now
    if row["state"] == CANCELLING:
        repo.update_replay(uow, row["arn"], state=CANCELLED, ended_at=now, due_at=None)
        return
    bus = svc.buses.get(uow, resolve_bus(row["account"], row["region"], row["destination"]["Arn"]).arn)
    if not bus.exists:
        repo.update_replay(uow, row["arn"], state=FAILED, state_reason=f"Event bus {bus.name} does not exist.",
                           ended_at=now, due_at=None)
        return
    batch = repo.archived_in_window(uow, row["archive_arn"], row["event_start"], row["event_end"],
                                    row["cursor_time"], row["cursor_id"], MAX_STEP_EVENTS + 1)
    if not batch:
        repo.update_replay(uow, row["arn"], state=COMPLETED, ended_at=now, due_at=None)
        return
    minute = batch[0][1] // MINUTE_MS
    taken = [b for b in batch[:MAX_STEP_EVENTS] if b[1] // MINUTE_MS == minute]
    filters = row["destination"].get("FilterArns")
    only = frozenset(filters) if filters else None
    for _, _, text in taken:
        event = replayed(json.loads(text), row["name"])
        route(svc, uow, bus, event, forwarded=False, only=only)
    last_id, last_time, _ = taken[-1]
    values: dict[str, Any] = dict(state=RUNNING, cursor_time=last_time, cursor_id=last_id, last_replayed=last_time)
    if len(taken) == len(batch):                        # nothing left in the window
        values.update(state=COMPLETED, ended_at=now, due_at=None)
    elif batch[len(taken)][1] // MINUTE_MS == minute:   # the minute holds more than a step: go on at once
        values.update(due_at=now)
    else:
        values.update(due_at=now + STEP_MS)
    repo.update_replay(uow, row["arn"], **values)


class ReplaySource(CachedDueSource):
    """Scheduler due-source over the replays' ``due_at`` (no polling, no task per replay)."""

    name = "events.replay"

    def __init__(self, svc: Events):
        super().__init__(svc.emulator)
        self.svc = svc

    def earliest(self, uow: UnitOfWork) -> int | None:
        return repo.next_replay_due(uow)

    async def run_due(self, now: int) -> None:
        self._known = False
        await self.svc.store.transaction(self.run_steps)

    def run_steps(self, uow: UnitOfWork) -> int:
        rows = repo.due_replays(uow, uow.now, MAX_STEPS)
        for row in rows:
            step(self.svc, uow, row)
        return len(rows)


__all__ = ["ReplaySource", "replay_arn"]
