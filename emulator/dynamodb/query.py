"""Query and Scan: one page of a key range (Query) or of a whole table or index (Scan).

A page ends at ``Limit`` items evaluated or once 1 MB of items has been read (before any filter),
whichever comes first; it then carries the ``LastEvaluatedKey`` of the last item evaluated, even
when no item follows (DynamoDB does not look ahead: the next page is then empty and has none).
Rows come from a lazy cursor over the clustered key, so a page costs the rows it evaluates.

Select, ConsistentRead and index rules from the API Reference (Query, Scan); messages from
nubo-db/dynamodb-conformance (tier1 query/select, tier3 query) where recorded.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from storage import dynamodb as db
from storage.db import UnitOfWork

from .capacity import Capacity, read_units
from .errors import ValidationException
from .expressions import Projection, project
from .keys import decode_key, encode_key
from .model import SCHEMA_MISMATCH, Index, Table, projected
from .params import Expressions
from .types import Item, ValidationError, value_type

PAGE_BYTES = 1024 * 1024


@dataclass(slots=True)
class Read:
    """What a Query or Scan asks for, checked before the transaction (see ``select``)."""

    ex: Expressions
    select: str                  # ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT
    limit: int | None
    consistent: bool
    start: Item | None
    index_name: str | None
    capacity_mode: str | None


def select(select: str | None, ex: Expressions, index_name: str | None, verb: str, legacy: bool = False) -> str:
    """The effective Select, after AWS's checks of it against the projection and IndexName."""
    if select is None:
        if ex.projection is not None:
            return "SPECIFIC_ATTRIBUTES"
        return "ALL_PROJECTED_ATTRIBUTES" if index_name else "ALL_ATTRIBUTES"
    if ex.projection is not None and select != "SPECIFIC_ATTRIBUTES":
        what = "AttributesToGet" if legacy else "ProjectionExpression"
        raise ValidationException(f"Cannot specify the {what} when choosing to get {select}")
    if select == "SPECIFIC_ATTRIBUTES" and ex.projection is None:
        raise ValidationException("Must specify the ProjectionExpression or AttributesToGet when choosing to get "
                                  "SPECIFIC_ATTRIBUTES")
    if select == "ALL_PROJECTED_ATTRIBUTES" and not index_name:
        raise ValidationException(f"ALL_PROJECTED_ATTRIBUTES can be used only when {verb} using an IndexName")
    return select


def _index(table: Table, read: Read) -> Index | None:
    if read.index_name is None:
        return None
    index = table.index(read.index_name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {read.index_name}")
    if index.is_global and read.consistent:
        raise ValidationException("Consistent reads are not supported on global secondary indexes")
    if read.select == "ALL_ATTRIBUTES" and index.is_global and index.projection != "ALL":
        raise ValidationException(f"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
                                  f"supported for global secondary index {index.name} because its projection type "
                                  "is not ALL")
    return index


def _start_key(table: Table, index: Index | None, start: Item | None) -> tuple[Item, dict[str, bytes]] | None:
    """The ExclusiveStartKey's encoded attributes: the table's key, plus the index's key on an index."""
    if start is None:
        return None
    names = list(table.key_names())
    if index is not None:
        names += [k for k in index.key_names() if k not in names]
    types = table.types
    if set(start) != set(names):
        raise ValidationException(f"The provided starting key is invalid: {SCHEMA_MISMATCH}")
    encoded = {}
    for name in names:
        value = start[name]
        if value_type(value) != types[name]:
            raise ValidationException(f"The provided starting key is invalid: {SCHEMA_MISMATCH}")
        encoded[name] = encode_key(value)
    return start, encoded


def _shape(table: Table, index: Index | None, read: Read, item: Item) -> Item:
    """An evaluated item as the page returns it (index projection, then ProjectionExpression)."""
    if index is not None and read.select != "ALL_ATTRIBUTES":
        item = projected(table, index, item)
    if read.ex.projection is not None:
        item = project(read.ex.projection, item)
    return item


class _Page:
    """Accumulates one page: evaluated rows, matches, bytes read."""

    __slots__ = ("table", "index", "read", "items", "count", "scanned", "size", "last")

    def __init__(self, table: Table, index: Index | None, read: Read):
        self.table, self.index, self.read = table, index, read
        self.items: list[Item] = []
        self.count = self.scanned = self.size = 0
        self.last: Item | None = None

    def add(self, text: str, size: int) -> bool:
        """Evaluate one row; False once the page is full (Limit reached or 1 MB read)."""
        read = self.read
        item = db.decode_item(text)
        self.scanned += 1
        self.size += size
        self.last = item
        flt = read.ex.filter
        if flt is None or flt.evaluate(item):
            self.count += 1
            if read.select != "COUNT":
                self.items.append(_shape(self.table, self.index, read, item))
        return not ((read.limit is not None and self.scanned >= read.limit) or self.size >= PAGE_BYTES)

    def result(self, full: bool) -> dict:
        table, index, read = self.table, self.index, self.read
        out: dict = {}
        if read.select != "COUNT":
            out["Items"] = self.items
        out["Count"] = self.count
        out["ScannedCount"] = self.scanned
        if full and self.last is not None:
            names = list(table.key_names())
            if index is not None:
                names += [k for k in index.key_names() if k not in names]
            out["LastEvaluatedKey"] = {n: self.last[n] for n in names}
        cap = Capacity(table.name)
        units = read_units(self.size, read.consistent)
        if index is None:
            cap.add_read(units)
        else:
            cap.add_index(index, units, read=True)
        consumed = cap.to_wire(read.capacity_mode)
        if consumed is not None:
            out["ConsumedCapacity"] = consumed
        return out


def query(uow: UnitOfWork, table: Table, read: Read, forward: bool) -> dict:
    index = _index(table, read)
    assert read.ex.key is not None
    hash_key, range_key = (index.hash_key, index.range_key) if index else (table.hash_key, table.range_key)
    try:
        value, sort = read.ex.key.for_schema(hash_key, range_key, types=table.types)
        lo, lo_inc, hi, hi_inc = sort.byte_range() if sort else (None, False, None, False)
    except ValidationError as e:
        raise ValidationException(e.message) from None
    partition = encode_key(value)
    start = _start_key(table, index, read.start)
    after: tuple[bytes, ...] | None = None
    if start is not None:
        values, encoded = start
        if encoded[hash_key] != partition:
            raise ValidationException("The provided starting key is outside query boundaries based on provided "
                                      "conditions")
        sk = encoded[table.range_key] if table.range_key else b""
        if index is None:
            after = (sk,)
        else:
            isk = encoded[index.range_key] if index.range_key else b""
            after = (isk, encoded[table.hash_key], sk)
    page = _Page(table, index, read)
    full = False
    rows = db.query_range(uow, table.id, index.no if index else None, partition, lo, lo_inc, hi, hi_inc, after,
                          forward)
    try:
        for _sort, _pk, _sk, text, size in rows:
            if not page.add(text, size):
                full = True
                break
    finally:
        rows.close()  # a page that ends early leaves the statement unfinished: finish it now
    return page.result(full)


def scan(uow: UnitOfWork, table: Table, read: Read, segment: int | None, total_segments: int | None) -> dict:
    index = _index(table, read)
    start = _start_key(table, index, read.start)
    after: tuple[bytes, ...] | None = None
    if start is not None:
        _, encoded = start
        sk = encoded[table.range_key] if table.range_key else b""
        if index is None:
            after = (encoded[table.hash_key], sk)
        else:
            isk = encoded[index.range_key] if index.range_key else b""
            after = (encoded[index.hash_key], isk, encoded[table.hash_key], sk)
    page = _Page(table, index, read)
    full = False
    rows = db.scan(uow, table.id, index.no if index else None, after)
    try:
        for ipk, _isk, _pk, _sk, text, size in rows:
            # A segment is the set of partitions whose key hashes to it, as DynamoDB splits a table.
            if total_segments and zlib.crc32(ipk) % total_segments != segment:
                continue
            if not page.add(text, size):
                full = True
                break
    finally:
        rows.close()
    return page.result(full)


def check_segments(segment: int | None, total: int | None) -> None:
    """Scan's Segment/TotalSegments pairing (messages as architect/dynalite records them)."""
    if segment is not None and total is None:
        raise ValidationException("The TotalSegments parameter is required but was not present in the request when "
                                  "parameter Segment is present")
    if total is not None and segment is None:
        raise ValidationException("The Segment parameter is required but was not present in the request when "
                                  "parameter TotalSegments is present")
    if segment is not None and total is not None and segment >= total:
        raise ValidationException(f"The Segment parameter is zero-based and must be less than parameter "
                                  f"TotalSegments: Segment: {segment} is not less than TotalSegments: {total}")


__all__ = ["PAGE_BYTES", "Projection", "Read", "check_segments", "decode_key", "query", "scan", "select"]
