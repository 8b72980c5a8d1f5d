"""DynamoDB Streams and TTL: the ``Streams`` facade (``emulator.dynamodb.streams``) and its due-sources.

Streams are part of the tables, not a service of their own: the records are written by the table
engine's one write path, in the item's transaction (``streams_log.record_change``), and the stream's
life follows its table's StreamSpecification. So this is an attribute of the DynamoDB service, not an
entry of ``emulator/services.py``: it shares the table cache, which hands every table this object
as ``Table.hooks`` (the write path's due-time notes and the rollover period), and the
``dynamodbstreams`` handlers (``api/dynamodbstreams.py``) call it.

- Control plane: ``table_changed`` (CreateTable, UpdateTable) opens a stream with its first shard
  when a StreamSpecification is enabled (a new label each time, bumped by a millisecond if a stream
  of the table already had it) and closes the old one when disabled; ``table_deleted`` disables it.
  Either way the old stream stays readable (StreamStatus DISABLED) until its records age out.
- Two scheduler due-sources, their next due times cached and lowered by notes made in the writing
  transaction (a rolled-back note only makes a pass come early): ``Housekeeping`` rolls shards over
  (``dynamodb_shard_rollover_ms``), deletes records 24 hours old (a few minutes late is fine: reads
  treat them as trimmed at 24 hours exactly), and forgets closed shards and disabled streams whose
  records aged out; ``TtlSweeper`` deletes expired items ``dynamodb_ttl_delay_ms`` after their time.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.caller import Caller
from storage import dynamodb as db
from storage import dynamodb_streams as sdb
from storage.db import UnitOfWork

from . import streams_read, ttl
from .cache import TableCache
from .model import Table
from .streams_log import DAY_MS, OpenShards, close_stream, open_first_shard, roll

if TYPE_CHECKING:
    from emulator.core import Emulator

TRIM_SLACK_MS = 5 * 60 * 1000   # physical deletion may lag the 24 hours by this much (reads do not)


class _DueSource:
    """A due-time cached in memory, computed in a read transaction, lowered by in-transaction notes."""

    name = "dynamodb"

    def __init__(self, streams: Streams):
        self.streams = streams
        self._known = False
        self._next: int | None = None

    def forget(self) -> None:
        self._known = False

    def refresh(self) -> None:
        """Recompute before the next pass, and run one now (after a control-plane change)."""
        self._known = False
        self.streams.emulator.scheduler.wake()

    def note(self, uow: UnitOfWork, due: int) -> None:
        if not self._known:
            return
        if self._next is None or due < self._next:
            self._next = due
            uow.after_commit(self.streams.emulator.scheduler.wake)

    def _load(self, uow: UnitOfWork) -> None:
        # Set on the writer thread, in order with the units around it: a unit after this one notes.
        self._next = self.compute(uow)
        self._known = True

    def compute(self, uow: UnitOfWork) -> int | None:
        raise NotImplementedError

    async def next_due(self) -> int | None:
        if not self._known:
            await self.streams.store.read(self._load)
        return self._next


class Housekeeping(_DueSource):
    name = "dynamodb.streams"

    def compute(self, uow: UnitOfWork) -> int | None:
        record, opened, closed, disabled = sdb.housekeeping_times(uow)
        rollover = self.streams.rollover_ms
        dues = [t for t in (record + DAY_MS + TRIM_SLACK_MS if record is not None else None,
                            opened + rollover if opened is not None and rollover else None,
                            closed + DAY_MS if closed is not None else None,
                            disabled + DAY_MS if disabled is not None else None) if t is not None]
        return min(dues) if dues else None

    async def run_due(self, now: int) -> None:
        self._known = False
        await self.streams.store.transaction(self._run)

    def _run(self, uow: UnitOfWork) -> None:
        rollover = self.streams.rollover_ms
        if rollover:
            for table_id, stream_id, shard in sdb.shards_to_roll(uow, uow.now - rollover):
                roll(uow, stream_id, shard)
                self.streams.open_shards.drop(uow, table_id)
        sdb.trim(uow, uow.now - DAY_MS)
        sdb.drop_aged(uow, uow.now - DAY_MS)


class TtlSweeper(_DueSource):
    name = "dynamodb.ttl"

    def compute(self, uow: UnitOfWork) -> int | None:
        at = sdb.ttl_next(uow)
        return None if at is None else at + self.streams.ttl_delay_ms

    async def run_due(self, now: int) -> None:
        self._known = False
        while await self.streams.store.transaction(self._sweep) >= ttl.SWEEP_BATCH:
            continue  # a full batch: there may be more due

    def _sweep(self, uow: UnitOfWork) -> int:
        return ttl.sweep(uow, self.streams.tables.all(uow), self.streams.ttl_delay_ms)


def _label(ms: int) -> str:
    """A stream label: the creation time, ISO 8601 to the millisecond (as tables.py writes it)."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}"


def _label_ms(label: str) -> int:
    stamp = datetime.strptime(label[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return int(stamp.timestamp()) * 1000 + int(label[20:23] or 0)


class Streams:
    def __init__(self, emulator: Emulator, tables: TableCache):
        self.emulator = emulator
        self.store = emulator.store
        self.tables = tables
        tables.hooks = self
        self.rollover_ms = emulator.settings.dynamodb_shard_rollover_ms
        self.ttl_delay_ms = emulator.settings.dynamodb_ttl_delay_ms
        self.open_shards = OpenShards()
        self.housekeeping = Housekeeping(self)
        self.sweeper = TtlSweeper(self)

    async def start(self) -> None:
        self.emulator.scheduler.add_source(self.housekeeping)
        self.emulator.scheduler.add_source(self.sweeper)

    def reset(self) -> None:
        self.open_shards.clear()
        self.housekeeping.forget()
        self.sweeper.forget()

    # --- in-transaction notes (Table.hooks) -------------------------------------------------------

    def note_records(self, uow: UnitOfWork, created_at: int) -> None:
        self.housekeeping.note(uow, created_at + DAY_MS + TRIM_SLACK_MS)

    def note_ttl(self, uow: UnitOfWork, expires_at: int) -> None:
        self.sweeper.note(uow, expires_at + self.ttl_delay_ms)

    # --- control plane (in the table operation's transaction) ------------------------------------

    def table_changed(self, uow: UnitOfWork, before: Table | None, after: Table) -> Table:
        """Open or close the stream a CreateTable / UpdateTable changed; the table (its label may be bumped)."""
        old, new = before.stream if before is not None else None, after.stream
        if old == new:
            return after
        self.open_shards.drop(uow, after.id)
        if old is not None:
            current = sdb.enabled_stream(uow, after.id)
            if current is not None:
                close_stream(uow, current.id)
        if new is not None:
            label = new["label"]
            while sdb.arn_taken(uow, f"{after.arn}/stream/{label}"):
                label = _label(_label_ms(label) + 1)
            if label != new["label"]:
                after = after.with_changes(stream={**new, "label": label})
                db.update_definition(uow, after.id, after.definition())
                self.tables.put(uow, after)
            keys = [[after.hash_key, "HASH"]] + ([[after.range_key, "RANGE"]] if after.range_key else [])
            stream_id = sdb.insert_stream(uow, after.account, after.region, after.id, after.name,
                                          f"{after.arn}/stream/{label}", label, new["view_type"], keys,
                                          secrets.token_bytes(32), uow.now)
            open_first_shard(uow, stream_id)
        uow.after_commit(self.housekeeping.refresh)
        return after

    def table_deleted(self, uow: UnitOfWork, table: Table) -> None:
        """DeleteTable: its stream is disabled (readable for 24 hours more), its TTL entries dropped."""
        current = sdb.enabled_stream(uow, table.id)
        self.open_shards.drop(uow, table.id)
        if current is not None:
            close_stream(uow, current.id)
            uow.after_commit(self.housekeeping.refresh)
        sdb.ttl_drop_table(uow, table.id)

    def describe_ttl(self, uow: UnitOfWork, table: Table) -> dict:
        return ttl.describe(table, uow.now, self.emulator.settings.dynamodb_table_delay_ms)

    def update_ttl(self, uow: UnitOfWork, table: Table, specification: dict) -> dict:
        out = ttl.update(uow, self.tables, table, specification)
        uow.after_commit(self.sweeper.refresh)
        return out

    # --- the dynamodbstreams operations -----------------------------------------------------------

    async def _read(self, fn: Callable[..., dict], *args: Any) -> dict:
        return await self.store.read(fn, *args)

    async def list_streams(self, caller: Caller, table_name: str | None = None, limit: int | None = None,
                           exclusive_start_stream_arn: str | None = None) -> dict:
        return await self._read(streams_read.list_streams, caller.account, caller.region, table_name, limit,
                                exclusive_start_stream_arn)

    async def describe_stream(self, caller: Caller, stream_arn: str, limit: int | None = None,
                              exclusive_start_shard_id: str | None = None, shard_filter: dict | None = None) -> dict:
        return await self._read(streams_read.describe_stream, stream_arn, limit, exclusive_start_shard_id,
                                shard_filter)

    async def get_shard_iterator(self, caller: Caller, stream_arn: str, shard_id: str, shard_iterator_type: str,
                                 sequence_number: str | None = None, timestamp: datetime | None = None) -> dict:
        return await self._read(streams_read.shard_iterator, stream_arn, shard_id, shard_iterator_type,
                                sequence_number, timestamp)

    async def get_records(self, caller: Caller, shard_iterator: str, limit: int | None = None) -> dict:
        return await self._read(streams_read.get_records, shard_iterator, limit)
