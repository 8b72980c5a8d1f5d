"""EventBridge archives and replays: the facade (each method one transaction) and the archives themselves.

- An archive belongs to one bus (``EventSourceArn``) and keeps every event arriving on it that its optional
  ``EventPattern`` matches, written in the transaction that routes the event (PutEvents, or a bus target
  forwarding to this bus: AWS archives "events sent by other buses" too). Replayed events carry ``replay-name``
  and are never archived again. The bus cache holds each bus's enabled archives with their compiled patterns
  (``cache.Bus.archives``; the write itself is ``archiving.archive``), so a bus without archives pays one
  empty-tuple test per event.
- ``RetentionDays`` (0 or absent: forever) is enforced by ``RetentionSource``, a scheduler due-source: events
  archived more than that many days ago are deleted.
- ARNs are ``arn:aws:events:<region>:<account>:archive/<name>`` (API Reference, CreateArchive / ArchiveArn).
  Messages are AWS's (localstack's AWS-validated recordings, tests/aws/services/events/
  test_archive_and_replay.snapshot.json): "Archive X already exists.", "Archive X does not exist.", "Event bus X
  does not exist.".
- AWS implements an archive with a managed rule ``Events-Archive-<name>`` that ListRules shows; Sluice does not
  create it (see ``Archives`` below).

Replays are ``replays.py``; this facade exposes both (``emulator.events.archives``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage import events_archives as repo
from storage.db import UnitOfWork

from .. import arns
from ..caller import Caller
from ..patterns import compile_event_pattern
from ..scheduler import CachedDueSource
from . import replays
from .archiving import DAY_MS
from .buses import own_bus
from .common import decode_token, page, timestamp
from .errors import ResourceAlreadyExistsException, ResourceNotFoundException, ValidationException

if TYPE_CHECKING:
    from . import Events

ENABLED = "ENABLED"


def archive_arn(account: str, region: str, name: str) -> str:
    return arns.build("events", region, account, f"archive/{name}")


def archive_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Archive {name} does not exist.")


# --- the operations ------------------------------------------------------------------------------------

def _own_archive(uow: UnitOfWork, caller: Caller, name: str) -> dict:
    row = repo.get_archive(uow, archive_arn(caller.account, caller.region, name))
    if row is None:
        raise archive_not_found(name)
    return row


def _retention(days: int | None) -> int | None:
    if days is not None and days < 0:
        raise ValidationException("Parameter RetentionDays is not valid. Reason: RetentionDays must be 0 or more.")
    return days


def _pattern(pattern: str | None) -> str | None:
    if pattern:
        compile_event_pattern(pattern)  # InvalidEventPatternException, as PutRule
    return pattern or None


def create_archive(uow: UnitOfWork, caller: Caller, name: str, source_arn: str, *, description: str | None,
                   event_pattern: str | None, retention_days: int | None, kms_key: str | None) -> tuple[str, dict]:
    """CreateArchive; returns (bus ARN, answer)."""
    bus = own_bus(uow, caller, source_arn)
    arn = archive_arn(caller.account, caller.region, name)
    if repo.get_archive(uow, arn) is not None:
        raise ResourceAlreadyExistsException(f"Archive {name} already exists.")
    repo.insert_archive(uow, arn=arn, account=caller.account, region=caller.region, name=name, bus_arn=bus["arn"],
                        description=description, event_pattern=_pattern(event_pattern),
                        retention_days=_retention(retention_days), kms_key=kms_key, state=ENABLED)
    return bus["arn"], {"ArchiveArn": arn, "State": ENABLED, "CreationTime": timestamp(uow.now)}


def describe(uow: UnitOfWork, row: dict, *, full: bool = True) -> dict[str, Any]:
    """DescribeArchive's answer (``full``), or a ListArchives entry."""
    count, size = repo.archive_stats(uow, row["arn"])
    out: dict[str, Any] = {}
    if full:
        out["ArchiveArn"] = row["arn"]
    out["ArchiveName"] = row["name"]
    out["EventSourceArn"] = row["bus_arn"]
    if full and row["description"] is not None:
        out["Description"] = row["description"]
    if full and row["event_pattern"] is not None:
        out["EventPattern"] = row["event_pattern"]
    out["State"] = row["state"]
    if full and row["kms_key"] is not None:
        out["KmsKeyIdentifier"] = row["kms_key"]
    if row["retention_days"] is not None:
        out["RetentionDays"] = row["retention_days"]
    out.update(SizeBytes=size, EventCount=count, CreationTime=timestamp(row["created_at"]))
    return out


def update_archive(uow: UnitOfWork, caller: Caller, name: str, *, description: str | None,
                   event_pattern: str | None, retention_days: int | None,
                   kms_key: str | None) -> tuple[str, dict]:
    """UpdateArchive: what is given replaces what was there (an empty EventPattern removes it)."""
    row = _own_archive(uow, caller, name)
    values: dict[str, Any] = {}
    if description is not None:
        values["description"] = description
    if event_pattern is not None:
        values["event_pattern"] = _pattern(event_pattern)
    if retention_days is not None:
        values["retention_days"] = _retention(retention_days)
    if kms_key is not None:
        values["kms_key"] = kms_key or None
    if values:
        repo.update_archive(uow, row["arn"], **values)
    return row["bus_arn"], {"ArchiveArn": row["arn"], "State": row["state"],
                            "CreationTime": timestamp(row["created_at"])}


def delete_archive(uow: UnitOfWork, caller: Caller, name: str) -> str:
    """DeleteArchive, with the events it holds; returns the bus ARN."""
    row = _own_archive(uow, caller, name)
    repo.delete_archive(uow, row["arn"])
    return row["bus_arn"]


def list_archives(uow: UnitOfWork, caller: Caller, prefix: str | None, source_arn: str | None, state: str | None,
                  next_token: str | None, limit: int | None) -> dict:
    bus_arn = own_bus(uow, caller, source_arn)["arn"] if source_arn else None
    rows = repo.list_archives(uow, caller.account, caller.region, prefix or "", decode_token(next_token),
                              (limit or 100) + 1, bus_arn=bus_arn, state=state)
    rows, token = page(rows, limit, lambda r: r["name"])
    out: dict[str, Any] = {"Archives": [describe(uow, r, full=False) for r in rows]}
    if token:
        out["NextToken"] = token
    return out


# --- retention -----------------------------------------------------------------------------------------

class RetentionSource(CachedDueSource):
    """Scheduler due-source: an archive's events older than its RetentionDays are deleted when they expire.

    Due at the earliest expiry (oldest event + retention, over archives that forget); ``note`` lowers it when
    an archive starts to forget or an empty one receives an event."""

    name = "events.archive-retention"

    def __init__(self, svc: Events):
        super().__init__(svc.emulator)
        self.svc = svc

    def earliest(self, uow: UnitOfWork) -> int | None:
        dues = [oldest + days * DAY_MS for _, days, oldest in repo.retained(uow) if oldest is not None]
        return min(dues) if dues else None

    async def run_due(self, now: int) -> None:
        await self.svc.store.transaction(self.expire)
        self._known = False

    def expire(self, uow: UnitOfWork) -> int:
        deleted = 0
        for arn, days, oldest in repo.retained(uow):
            if oldest is not None and oldest + days * DAY_MS <= uow.now:
                deleted += repo.expire(uow, arn, uow.now - days * DAY_MS)
        return deleted


# --- the facade ----------------------------------------------------------------------------------------

class Archives:
    """``emulator.events.archives``: archives and replays, each method one store transaction.

    The managed rule AWS shows for an archive (``Events-Archive-<name>``, ManagedBy events.amazonaws.com) is not
    emulated: it is how AWS implements archiving, not an API of its own; emulating it would put a rule on every
    archived bus that users' ListRules assertions and DeleteRule calls trip over, and routing would pay for
    it. Sluice archives in the routing transaction instead."""

    def __init__(self, events: Events):
        self.events = events
        self.store = events.store
        self.retention = RetentionSource(events)
        self.replays = replays.ReplaySource(events)

    async def start(self) -> None:
        """After the store is open: both due-sources resume from what SQLite holds (durable work)."""
        self.events.emulator.scheduler.add_source(self.retention)
        self.events.emulator.scheduler.add_source(self.replays)

    def reset(self) -> None:
        self.retention.forget()
        self.replays.forget()

    def _note_retention(self, uow: UnitOfWork, bus_arn: str) -> None:
        """An archive of ``bus_arn`` changed: drop the bus's cache entry, read the next expiry again."""
        self.events.buses.changed(uow, bus_arn)
        self.retention.forget()
        uow.after_commit(self.events.emulator.scheduler.wake)

    async def create_archive(self, caller: Caller, name: str, event_source_arn: str, *,
                             description: str | None = None, event_pattern: str | None = None,
                             retention_days: int | None = None, kms_key_identifier: str | None = None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            bus_arn, out = create_archive(uow, caller, name, event_source_arn, description=description,
                                          event_pattern=event_pattern, retention_days=retention_days,
                                          kms_key=kms_key_identifier)
            self._note_retention(uow, bus_arn)
            return out
        return await self.store.transaction(work)

    async def describe_archive(self, caller: Caller, name: str) -> dict:
        return await self.store.transaction(lambda uow: describe(uow, _own_archive(uow, caller, name)))

    async def update_archive(self, caller: Caller, name: str, *, description: str | None = None,
                             event_pattern: str | None = None, retention_days: int | None = None,
                             kms_key_identifier: str | None = None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            bus_arn, out = update_archive(uow, caller, name, description=description, event_pattern=event_pattern,
                                          retention_days=retention_days, kms_key=kms_key_identifier)
            self._note_retention(uow, bus_arn)
            return out
        return await self.store.transaction(work)

    async def delete_archive(self, caller: Caller, name: str) -> None:
        def work(uow: UnitOfWork) -> None:
            self._note_retention(uow, delete_archive(uow, caller, name))
        await self.store.transaction(work)

    async def list_archives(self, caller: Caller, name_prefix: str | None = None,
                            event_source_arn: str | None = None, state: str | None = None,
                            next_token: str | None = None, limit: int | None = None) -> dict:
        return await self.store.transaction(list_archives, caller, name_prefix, event_source_arn, state, next_token,
                                            limit)

    # --- replays ---

    async def start_replay(self, caller: Caller, name: str, event_source_arn: str, event_start_ms: int,
                           event_end_ms: int, destination: dict, *, description: str | None = None) -> dict:
        def work(uow: UnitOfWork) -> dict:
            out = replays.start_replay(uow, caller, name, event_source_arn, event_start_ms, event_end_ms,
                                       destination, description=description)
            self.replays.note(uow, uow.now)
            return out
        return await self.store.transaction(work)

    async def describe_replay(self, caller: Caller, name: str) -> dict:
        return await self.store.transaction(lambda uow: replays.describe(replays.own_replay(uow, caller, name)))

    async def cancel_replay(self, caller: Caller, name: str) -> dict:
        def work(uow: UnitOfWork) -> dict:
            out = replays.cancel_replay(uow, caller, name)
            self.replays.note(uow, uow.now)
            return out
        return await self.store.transaction(work)

    async def list_replays(self, caller: Caller, name_prefix: str | None = None, state: str | None = None,
                           event_source_arn: str | None = None, next_token: str | None = None,
                           limit: int | None = None) -> dict:
        return await self.store.transaction(replays.list_replays, caller, name_prefix, state, event_source_arn,
                                            next_token, limit)
