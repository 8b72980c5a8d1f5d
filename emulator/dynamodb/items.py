"""Single items: PutItem, GetItem, UpdateItem, DeleteItem, and the one write path every write takes.

``write`` stores one item's change with everything that must change with it, in the caller's
transaction: the item row, its secondary-index entries (added, moved or removed), the table's and
indexes' counters, and the units it consumed. Batch and transactional writes use it too.

Semantics from the API Reference (PutItem, UpdateItem, DeleteItem, GetItem); messages from
nubo-db/dynamodb-conformance (tier3 error-messages, run against DynamoDB).
"""

from __future__ import annotations

from storage import dynamodb as db
from storage.db import UnitOfWork

from .capacity import Capacity, read_units, write_units
from .errors import ConditionalCheckFailedException, ValidationException
from .expressions import apply_update, project
from .model import (
    INVALID,
    Table,
    check_index_keys,
    index_entry,
    item_key,
    key_of,
    lookup_key,
    projected,
    projected_size,
)
from .params import ITEM_TOO_BIG, MAX_ITEM_SIZE, UPDATE_TOO_BIG, Expressions
from .streams_log import record_change
from .types import Item, ValidationError, equal, item_size

UPDATE_RETURN_VALUES = ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW")


# --- the write path ---------------------------------------------------------------------------------

def write(uow: UnitOfWork, table: Table, pk: bytes, sk: bytes, old: Item | None, old_size: int,
          new: Item | None, new_size: int, cap: Capacity | None, *, service: bool = False) -> None:
    """Replace ``old`` (None: absent) by ``new`` (None: delete) at key (pk, sk), with index entries,
    counters, capacity, and its stream record and TTL entry (``service``: a TTL deletion)."""
    if new is None:
        if old is not None:
            db.delete_item(uow, table.id, pk, sk)
    else:
        db.put_item(uow, table.id, pk, sk, new, new_size)
    deltas: dict[int, list[int]] = {0: [(new is not None) - (old is not None), new_size - old_size]}
    if cap is not None:
        cap.add_write(write_units(max(old_size, new_size)))
    if table.indexes:
        added, removed = [], []
        for index in table.indexes:
            before = index_entry(table, index, old, pk, sk)
            after = index_entry(table, index, new, pk, sk)
            if before is None and after is None:
                continue
            osize = projected_size(table, index, old, old_size) if before is not None and old is not None else 0
            nsize = projected_size(table, index, new, new_size) if after is not None and new is not None else 0
            units = 0.0
            if before == after:  # same index key: the entry stays; charged only if what it projects changed
                assert old is not None and new is not None
                if not equal({"M": projected(table, index, old)}, {"M": projected(table, index, new)}):
                    units = write_units(max(osize, nsize))
                deltas[index.no] = [0, nsize - osize]
            else:
                count = 0
                if before is not None:
                    removed.append(before)
                    units += write_units(osize)
                    count -= 1
                if after is not None:
                    added.append(after)
                    units += write_units(nsize)
                    count += 1
                deltas[index.no] = [count, nsize - osize]
            if cap is not None:
                cap.add_index(index, units)
        db.delete_index_entries(uow, table.id, removed)
        db.add_index_entries(uow, table.id, added)
    db.add_stats(uow, table.id, deltas)
    if table.stream is not None or table.ttl is not None:
        record_change(uow, table, pk, sk, old, old_size, new, new_size, service)


def check_item_size(size: int, *, update: bool = False) -> None:
    if size > MAX_ITEM_SIZE:  # the gate is "size > 409600" (conformance tier3 limits/itemSize)
        raise ValidationException(UPDATE_TOO_BIG if update else ITEM_TOO_BIG)


def collection_metrics(table: Table, item: Item | None, mode: str | None) -> dict | None:
    """ItemCollectionMetrics: only for tables with local secondary indexes (API Reference, PutItem)."""
    if mode != "SIZE" or not table.lsis or item is None:
        return None
    return {"ItemCollectionKey": {table.hash_key: item[table.hash_key]}, "SizeEstimateRangeGB": [0.0, 1.0]}


def _old(uow: UnitOfWork, table: Table, pk: bytes, sk: bytes, needed: bool) -> tuple[Item | None, int]:
    """The item a write replaces and its size. Without a condition, return values or indexes only its
    size matters (capacity, counters), so the item is not read and decoded: ``{}`` stands for it."""
    if needed or table.indexes or table.stream is not None:  # a stream record carries the old image
        found = db.get_item(uow, table.id, pk, sk)
        return found if found is not None else (None, 0)
    size = db.get_size(uow, table.id, pk, sk)
    return (None, 0) if size is None else ({}, size)


def _failed(old: Item | None, on_failure: str | None) -> ConditionalCheckFailedException:
    return ConditionalCheckFailedException(old if on_failure == "ALL_OLD" else None)


def _out(cap: Capacity, capacity_mode: str | None, **fields: object) -> dict:
    out = {k: v for k, v in fields.items() if v is not None}
    consumed = cap.to_wire(capacity_mode)
    if consumed is not None:
        out["ConsumedCapacity"] = consumed
    return out


# --- operations (each runs inside the request's transaction) -------------------------------------

def put(uow: UnitOfWork, table: Table, item: Item, ex: Expressions, return_values: str, on_failure: str | None,
        capacity_mode: str | None, metrics_mode: str | None) -> dict:
    pk, sk = item_key(table, item)
    check_index_keys(table, item)
    size = item_size(item)
    check_item_size(size)
    old, old_size = _old(uow, table, pk, sk, ex.condition is not None or return_values == "ALL_OLD")
    if ex.condition is not None and not ex.condition.evaluate(old):
        raise _failed(old, on_failure)
    cap = Capacity(table.name)
    write(uow, table, pk, sk, old, old_size, item, size, cap)
    return _out(cap, capacity_mode, Attributes=old if return_values == "ALL_OLD" and old else None,
                ItemCollectionMetrics=collection_metrics(table, item, metrics_mode))


def get(uow: UnitOfWork, table: Table, key: Item, ex: Expressions, consistent: bool,
        capacity_mode: str | None) -> dict:
    pk, sk = lookup_key(table, key)
    found = db.get_item(uow, table.id, pk, sk)
    cap = Capacity(table.name)
    cap.add_read(read_units(found[1] if found else 0, consistent))
    if found is None:
        return _out(cap, capacity_mode)
    item = found[0]
    if ex.projection is not None:
        item = project(ex.projection, item)
    return _out(cap, capacity_mode, Item=item)


def delete(uow: UnitOfWork, table: Table, key: Item, ex: Expressions, return_values: str, on_failure: str | None,
           capacity_mode: str | None, metrics_mode: str | None) -> dict:
    pk, sk = lookup_key(table, key)
    old, old_size = _old(uow, table, pk, sk, ex.condition is not None or return_values == "ALL_OLD"
                         or metrics_mode == "SIZE")
    if ex.condition is not None and not ex.condition.evaluate(old):
        raise _failed(old, on_failure)
    cap = Capacity(table.name)
    write(uow, table, pk, sk, old, old_size, None, 0, cap)
    return _out(cap, capacity_mode, Attributes=old if return_values == "ALL_OLD" and old else None,
                ItemCollectionMetrics=collection_metrics(table, old or key, metrics_mode))


def check_update_keys(table: Table, ex: Expressions) -> None:
    if ex.update is None:
        return
    keys = table.key_names()
    for path in ex.update.paths:
        if path[0] in keys:
            raise ValidationException(f"{INVALID}Cannot update attribute {path[0]}. This attribute is part of the key")


def updated(table: Table, key: Item, old: Item | None, ex: Expressions) -> tuple[Item, list]:
    """The item after the update (a new item starts as its key) and the paths the update wrote."""
    if ex.update is None:
        return (dict(old) if old is not None else dict(key)), []
    try:
        result = apply_update(ex.update, old if old is not None else key)
    except ValidationError as e:
        raise ValidationException(e.message) from None
    return result.item, result.paths


def update(uow: UnitOfWork, table: Table, key: Item, ex: Expressions, return_values: str, on_failure: str | None,
           capacity_mode: str | None, metrics_mode: str | None) -> dict:
    pk, sk = lookup_key(table, key)
    check_update_keys(table, ex)
    found = db.get_item(uow, table.id, pk, sk)
    old, old_size = found if found is not None else (None, 0)
    if ex.condition is not None and not ex.condition.evaluate(old):
        raise _failed(old, on_failure)
    new, paths = updated(table, key, old, ex)
    check_index_keys(table, new, update=True)
    size = item_size(new)
    check_item_size(size, update=True)
    cap = Capacity(table.name)
    write(uow, table, pk, sk, old, old_size, new, size, cap)
    attributes: Item | None = None
    if return_values == "ALL_OLD":
        attributes = old
    elif return_values == "ALL_NEW":
        attributes = new
    elif return_values == "UPDATED_OLD" and old is not None:
        attributes = project(paths, old) if paths else None
    elif return_values == "UPDATED_NEW":
        attributes = project(paths, new) if paths else None
    return _out(cap, capacity_mode, Attributes=attributes or None,
                ItemCollectionMetrics=collection_metrics(table, new, metrics_mode))


__all__ = ["UPDATE_RETURN_VALUES", "check_item_size", "check_update_keys", "collection_metrics", "delete", "get",
           "key_of", "put", "update", "updated", "write"]
