"""BatchGetItem and BatchWriteItem: many keys or writes, one transaction, every request checked first.

BatchWriteItem validates every request of every table before writing any (a bad request fails the
whole call with a ValidationException, nothing written), then writes them all in the request's
transaction; Sluice never throttles, so ``UnprocessedItems`` is always empty. BatchGetItem stops
adding items at DynamoDB's 16 MB response limit and returns the rest as ``UnprocessedKeys``.

Limits and messages: API Reference (BatchGetItem, BatchWriteItem); "Provided list of item keys
contains duplicates" and the key messages from nubo-db/dynamodb-conformance (tier3 batch tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage import dynamodb as db
from storage.db import UnitOfWork

from .capacity import Capacity, read_units
from .errors import ValidationException
from .expressions import project
from .items import check_item_size, collection_metrics, write
from .model import SCHEMA_MISMATCH, Table, check_index_keys, item_key, lookup_key
from .params import Expressions
from .types import Item, item_size

MAX_GET_KEYS = 100
MAX_WRITES = 25
MAX_RESPONSE = 16 * 1024 * 1024
DUPLICATES = "Provided list of item keys contains duplicates"


@dataclass(slots=True)
class GetRequest:
    """One table's KeysAndAttributes, checked: ``raw`` is the wire entry (echoed in UnprocessedKeys)."""

    table_name: str
    keys: list[Item]
    ex: Expressions
    consistent: bool
    raw: dict


@dataclass(slots=True)
class WriteRequest:
    table_name: str
    item: Item | None        # PutRequest
    key: Item | None         # DeleteRequest


Resolve = Callable[[UnitOfWork, str], Table]


def batch_get(uow: UnitOfWork, resolve: Resolve, requests: list[GetRequest], capacity_mode: str | None) -> dict:
    tables = {r.table_name: resolve(uow, r.table_name) for r in requests}
    responses: dict[str, list[Item]] = {}
    unprocessed: dict[str, dict] = {}
    caps: dict[str, Capacity] = {}
    total = 0
    for r in requests:
        table = tables[r.table_name]
        encoded = [lookup_key(table, key) for key in r.keys]
        if len(set(encoded)) != len(encoded):
            raise ValidationException(DUPLICATES)
        cap = caps.setdefault(table.name, Capacity(table.name))
        found_items = responses.setdefault(r.table_name, [])
        for n, (pk, sk) in enumerate(encoded):
            if total > MAX_RESPONSE:
                unprocessed[r.table_name] = {**r.raw, "Keys": r.keys[n:]}
                break
            found = db.get_item(uow, table.id, pk, sk)
            cap.add_read(read_units(found[1] if found else 0, r.consistent))
            if found is None:
                continue
            item, size = found
            total += size
            found_items.append(project(r.ex.projection, item) if r.ex.projection is not None else item)
    out: dict = {"Responses": responses, "UnprocessedKeys": unprocessed}
    consumed = [c for c in (cap.to_wire(capacity_mode) for cap in caps.values()) if c is not None]
    if consumed:
        out["ConsumedCapacity"] = consumed
    return out


def batch_write(uow: UnitOfWork, resolve: Resolve, requests: list[WriteRequest], capacity_mode: str | None,
                metrics_mode: str | None) -> dict:
    tables = {r.table_name: resolve(uow, r.table_name) for r in requests}
    # Every request checked before anything is written.
    planned: list[tuple[Table, bytes, bytes, Item | None, int]] = []
    seen: set[tuple[int, bytes, bytes]] = set()
    for r in requests:
        table = tables[r.table_name]
        if r.item is not None:
            pk, sk = _put_key(table, r.item)
            check_index_keys(table, r.item)
            size = item_size(r.item)
            check_item_size(size)
        else:
            assert r.key is not None
            pk, sk = lookup_key(table, r.key)
            size = 0
        if (table.id, pk, sk) in seen:
            raise ValidationException(DUPLICATES)
        seen.add((table.id, pk, sk))
        planned.append((table, pk, sk, r.item, size))
    caps: dict[str, Capacity] = {}
    metrics: dict[str, list[dict]] = {}
    for table, pk, sk, item, size in planned:
        found = db.get_item(uow, table.id, pk, sk)
        old, old_size = found if found is not None else (None, 0)
        cap = caps.setdefault(table.name, Capacity(table.name))
        write(uow, table, pk, sk, old, old_size, item, size, cap)
        m = collection_metrics(table, item or old, metrics_mode)
        if m is not None:
            metrics.setdefault(table.name, []).append(m)
    out: dict = {"UnprocessedItems": {}}
    consumed = [c for c in (cap.to_wire(capacity_mode) for cap in caps.values()) if c is not None]
    if consumed:
        out["ConsumedCapacity"] = consumed
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out


def _put_key(table: Table, item: Item) -> tuple[bytes, bytes]:
    """A PutRequest's key: a wrong-typed or non-scalar key is a schema mismatch in a batch (conformance
    tier3 batchWriteItem: "wrong-typed table key: full schema-mismatch message")."""
    types = table.types
    for name in table.key_names():
        value = item.get(name)
        if value is not None and types[name] not in value:
            raise ValidationException(SCHEMA_MISMATCH)
    return item_key(table, item)
