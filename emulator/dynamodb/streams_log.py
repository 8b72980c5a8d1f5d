"""The write side of DynamoDB Streams and TTL: what every item change adds, in its own transaction.

``record_change`` is called by ``items.write`` (the one write path: PutItem, UpdateItem, DeleteItem,
BatchWriteItem, TransactWriteItems, PartiQL, TTL deletions) right after the item row changed. It

- keeps the TTL index (``dynamodb_ttl``) of a TTL-enabled table: one row per item whose TTL attribute
  is a Number, by expiry, so that the sweeper's due time is one indexed MIN and it never scans a table;
- appends the stream record of a table with an enabled stream: exactly one per real modification
  (none for a write that changes nothing; a failed condition or a delete of a missing item never
  reach the write path), INSERT / MODIFY / REMOVE from the old and new item, the images the view type
  asks for, and SizeBytes as AWS counts it: the item size of Keys plus that of each image included
  (the Developer Guide's Lambda tutorial records: 26, 59 and 38 bytes).

A shard older than the rollover period is closed before the record is written and a child opened
(the scheduler also rolls idle shards over), so the shard a record lands in depends only on time.
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from storage import dynamodb_streams as sdb
from storage.db import UnitOfWork

from .model import Table, key_of
from .types import Item, equal, item_size

DAY_MS = 24 * 3600 * 1000
FIVE_YEARS_MS = (5 * 365 + 1) * DAY_MS
MAX_TTL_SECONDS = Decimal(10) ** 13   # beyond any date SQLite's integer milliseconds can hold usefully
INSERT, MODIFY, REMOVE = 0, 1, 2
EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")
NEW_VIEWS = ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
OLD_VIEWS = ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def record_change(uow: UnitOfWork, table: Table, pk: bytes, sk: bytes, old: Item | None, old_size: int,
                  new: Item | None, new_size: int, service: bool = False) -> None:
    """The stream record and TTL index entry of one item change (``service``: a TTL deletion)."""
    if old is None and new is None:
        return
    if old is not None and new is not None and (old == new or equal({"M": old}, {"M": new})):
        return  # a write that changes nothing: no record (Developer Guide, "Change data capture")
    attribute = ttl_attribute(table)
    if attribute is not None:
        index_ttl(uow, table, pk, sk, new, attribute)
    if table.stream is not None:
        _append(uow, table, old, old_size, new, new_size, service)


# --- TTL index ------------------------------------------------------------------------------------

def ttl_attribute(table: Table) -> str | None:
    ttl = table.ttl
    return ttl["attribute"] if ttl is not None and ttl.get("status") == "ENABLED" else None


def expiry_ms(item: Item | None, attribute: str, now: int) -> int | None:
    """When an item expires (epoch ms), or None: TTL ignores an attribute that is missing, not a Number,
    or more than five years in the past (Developer Guide, "Time to Live")."""
    if item is None:
        return None
    value = item.get(attribute)
    if value is None or "N" not in value:
        return None
    try:
        seconds = Decimal(value["N"])
    except InvalidOperation:
        return None
    if seconds > MAX_TTL_SECONDS:
        return None
    at = int(seconds * 1000)
    return None if at < now - FIVE_YEARS_MS else at


def index_ttl(uow: UnitOfWork, table: Table, pk: bytes, sk: bytes, new: Item | None, attribute: str) -> None:
    at = expiry_ms(new, attribute, uow.now)
    if at is None:
        sdb.ttl_delete(uow, table.id, pk, sk)
        return
    sdb.ttl_put(uow, table.id, pk, sk, at)
    hooks = table.hooks
    if hooks is not None:
        hooks.note_ttl(uow, at)


# --- stream records -------------------------------------------------------------------------------

class OpenShards:
    """Table id -> (stream id, shard row id, opened_at) of its enabled stream's open shard, so that a write
    costs no lookup: loaded lazily inside a transaction, dropped by every transaction that changes it
    (rollover, disable, enable), the load and the drop both undone if their unit is (DEVELOPING.md, Caches)."""

    def __init__(self) -> None:
        self._open: dict[int, tuple[int, int, int]] = {}

    def get(self, uow: UnitOfWork, table_id: int) -> tuple[int, int, int] | None:
        found = self._open.get(table_id)
        if found is None:
            found = sdb.open_shard(uow, table_id)
            if found is not None:
                self._open[table_id] = found
                uow.on_rollback(lambda: self._open.pop(table_id, None))
        return found

    def drop(self, uow: UnitOfWork, table_id: int) -> None:
        previous = self._open.pop(table_id, None)
        if previous is not None:
            uow.on_rollback(lambda: self._open.__setitem__(table_id, previous))

    def clear(self) -> None:
        self._open.clear()


def _append(uow: UnitOfWork, table: Table, old: Item | None, old_size: int, new: Item | None, new_size: int,
            service: bool) -> None:
    hooks = table.hooks
    found = hooks.open_shards.get(uow, table.id) if hooks is not None else sdb.open_shard(uow, table.id)
    if found is None:
        return
    stream_id, shard, opened_at = found
    rollover = hooks.rollover_ms if hooks is not None else 0
    if rollover and uow.now >= opened_at + rollover:
        shard = roll(uow, stream_id, shard)
        hooks.open_shards.drop(uow, table.id)
    view = table.stream["view_type"] if table.stream else "KEYS_ONLY"
    keys = key_of(table, new if new is not None else old)  # type: ignore[arg-type]
    body: dict[str, Any] = {"K": {"M": keys}}
    size = item_size(keys)
    if new is not None and view in NEW_VIEWS:
        body["N"] = {"M": new}
        size += new_size
    if old is not None and view in OLD_VIEWS:
        body["O"] = {"M": old}
        size += old_size
    event = INSERT if old is None else (REMOVE if new is None else MODIFY)
    sdb.add_record(uow, shard, uow.now, event, body, size, service)
    if hooks is not None:
        hooks.note_records(uow, uow.now)


def shard_name(now: int) -> str:
    """A shard id as AWS writes them: ``shardId-<20 digits>-<8 hex>``."""
    return f"shardId-{now:020d}-{secrets.token_hex(4)}"


def open_first_shard(uow: UnitOfWork, stream_id: int) -> int:
    shard = sdb.insert_shard(uow, stream_id, shard_name(uow.now), None, uow.now)
    sdb.set_open_shard(uow, stream_id, shard)
    return shard


def roll(uow: UnitOfWork, stream_id: int, shard: int) -> int:
    """Close the stream's open shard and open its child; the child's row id."""
    current = sdb.shard(uow, shard)
    assert current is not None
    sdb.close_shard(uow, current, uow.now)
    child = sdb.insert_shard(uow, stream_id, shard_name(uow.now), current.shard_id, uow.now)
    sdb.set_open_shard(uow, stream_id, child)
    return child


def close_stream(uow: UnitOfWork, stream_id: int) -> None:
    """Disable a stream: its open shard closes; it stays readable until its records age out."""
    stream = sdb.stream_by_id(uow, stream_id)
    if stream is None or stream.disabled_at is not None:
        return
    if stream.open_shard is not None:
        current = sdb.shard(uow, stream.open_shard)
        if current is not None:
            sdb.close_shard(uow, current, uow.now)
    sdb.disable_stream(uow, stream_id, uow.now)
