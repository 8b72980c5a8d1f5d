"""A table as the engine sees it: key schema, secondary indexes, settings; keys and index entries of items.

``Table`` and ``Index`` are immutable: a change builds a new object (``dataclasses.replace``) that
the cache swaps in with an undo. ``Table.definition()`` is what ``dynamodb_tables.definition``
stores, ``Table.from_row`` reads it back.

Key rules and messages are AWS's as recorded by nubo-db/dynamodb-conformance (tests/tier3, run
against DynamoDB in four regions) and architect/dynalite (db/index.js).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from emulator import arns

from .errors import ValidationException
from .keys import encode_key
from .types import Item, Value, item_size

MAX_HASH_KEY = 2048
MAX_RANGE_KEY = 1024
SCHEMA_MISMATCH = "The provided key element does not match the schema"
INVALID = "One or more parameter values were invalid: "
NOT_VALID = "One or more parameter values are not valid. "
_EMPTY = {"S": "string", "B": "binary", "N": "number"}


@dataclass(frozen=True, slots=True)
class Index:
    """A local or global secondary index. ``no`` numbers it within its table (never reused)."""

    no: int
    name: str
    kind: str                      # "LSI" or "GSI"
    hash_key: str
    range_key: str | None
    projection: str                # ALL, KEYS_ONLY, INCLUDE
    non_key: tuple[str, ...] = ()
    throughput: dict | None = None  # GSI under PROVISIONED: {"read", "write", "last_increase", ...}
    on_demand: dict | None = None
    created_at: int = 0

    @property
    def is_global(self) -> bool:
        return self.kind == "GSI"

    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    def to_json(self) -> dict:
        return {"no": self.no, "name": self.name, "kind": self.kind, "hash": self.hash_key, "range": self.range_key,
                "projection": self.projection, "non_key": list(self.non_key), "throughput": self.throughput,
                "on_demand": self.on_demand, "created_at": self.created_at}

    @classmethod
    def from_json(cls, d: dict) -> Index:
        return cls(d["no"], d["name"], d["kind"], d["hash"], d["range"], d["projection"], tuple(d["non_key"]),
                   d.get("throughput"), d.get("on_demand"), d.get("created_at", 0))


@dataclass(frozen=True, slots=True)
class Table:
    id: int
    account: str
    region: str
    name: str
    table_uuid: str
    created_at: int
    hash_key: str
    range_key: str | None
    attributes: tuple[tuple[str, str], ...]          # AttributeDefinitions in request order
    indexes: tuple[Index, ...] = ()
    next_index_no: int = 1
    billing_mode: str = "PROVISIONED"
    throughput: dict = field(default_factory=dict)   # {"read", "write", "last_increase", "last_decrease", "decreases"}
    billing_updated_at: int | None = None
    on_demand: dict | None = None
    stream: dict | None = None                       # {"enabled", "view_type", "label"}
    sse: dict | None = None                          # {"enabled", "type", "kms_key"}
    table_class: str = "STANDARD"
    class_updated_at: int | None = None
    deletion_protection: bool = False
    ttl: dict | None = None                          # {"status", "attribute"}
    warm: dict | None = None
    # Not stored: the service's in-transaction hooks (streams, TTL: emulator/dynamodb/streams.py), set by the cache.
    hooks: Any = field(default=None, compare=False, repr=False)

    # --- derived ---------------------------------------------------------------------------------

    @property
    def arn(self) -> str:
        return arns.build("dynamodb", self.region, self.account, f"table/{self.name}")

    @property
    def types(self) -> dict[str, str]:
        return dict(self.attributes)

    def key_names(self) -> tuple[str, ...]:
        return (self.hash_key,) if self.range_key is None else (self.hash_key, self.range_key)

    def index(self, name: str) -> Index | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    @property
    def lsis(self) -> tuple[Index, ...]:
        return tuple(i for i in self.indexes if i.kind == "LSI")

    @property
    def gsis(self) -> tuple[Index, ...]:
        return tuple(i for i in self.indexes if i.kind == "GSI")

    def with_changes(self, **changes: Any) -> Table:
        return replace(self, **changes)

    # --- persistence -----------------------------------------------------------------------------

    def definition(self) -> dict:
        return {
            "table_uuid": self.table_uuid, "hash": self.hash_key, "range": self.range_key,
            "attributes": [list(a) for a in self.attributes], "indexes": [i.to_json() for i in self.indexes],
            "next_index_no": self.next_index_no, "billing_mode": self.billing_mode, "throughput": self.throughput,
            "billing_updated_at": self.billing_updated_at, "on_demand": self.on_demand, "stream": self.stream,
            "sse": self.sse, "table_class": self.table_class, "class_updated_at": self.class_updated_at,
            "deletion_protection": self.deletion_protection, "ttl": self.ttl, "warm": self.warm,
        }

    @classmethod
    def from_row(cls, table_id: int, account: str, region: str, name: str, d: dict, created_at: int) -> Table:
        return cls(
            id=table_id, account=account, region=region, name=name, table_uuid=d["table_uuid"],
            created_at=created_at, hash_key=d["hash"], range_key=d["range"],
            attributes=tuple((a, t) for a, t in d["attributes"]),
            indexes=tuple(Index.from_json(i) for i in d["indexes"]), next_index_no=d["next_index_no"],
            billing_mode=d["billing_mode"], throughput=d["throughput"], billing_updated_at=d.get("billing_updated_at"),
            on_demand=d.get("on_demand"), stream=d.get("stream"), sse=d.get("sse"),
            table_class=d.get("table_class", "STANDARD"), class_updated_at=d.get("class_updated_at"),
            deletion_protection=d.get("deletion_protection", False), ttl=d.get("ttl"), warm=d.get("warm"))


# --- keys -------------------------------------------------------------------------------------------

def _check_key_value(name: str, value: Value, is_hash: bool) -> bytes:
    """The encoding of a key value of the right type; empty values and oversize keys refused."""
    t, v = next(iter(value.items()))
    if t in ("S", "B") and not v:
        raise ValidationException(
            f"{NOT_VALID}The AttributeValue for a key attribute cannot contain an empty {_EMPTY[t]} value. Key: {name}")
    encoded = encode_key(value)
    if t != "N":
        if is_hash and len(encoded) > MAX_HASH_KEY:
            raise ValidationException(f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes")
        if not is_hash and len(encoded) > MAX_RANGE_KEY:
            raise ValidationException(
                f"{INVALID}Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
    return encoded


def lookup_key(table: Table, key: Item) -> tuple[bytes, bytes]:
    """The encoded (pk, sk) of a ``Key`` parameter: exactly the table's key attributes, of their types."""
    names = table.key_names()
    types = table.types
    if len(key) != len(names):
        raise ValidationException(SCHEMA_MISMATCH)
    for name in names:
        value = key.get(name)
        if value is None or types[name] not in value:
            raise ValidationException(SCHEMA_MISMATCH)
    # Empty values are refused in key order, after the shape is known to match.
    pk = _check_key_value(table.hash_key, key[table.hash_key], True)
    sk = _check_key_value(table.range_key, key[table.range_key], False) if table.range_key else b""
    return pk, sk


def item_key(table: Table, item: Item) -> tuple[bytes, bytes]:
    """The encoded (pk, sk) of a whole item (PutItem): its key attributes present, of their types."""
    types = table.types
    for name in table.key_names():
        value = item.get(name)
        if value is None:
            raise ValidationException(f"{INVALID}Missing the key {name} in the item")
        if types[name] not in value:
            raise ValidationException(
                f"{INVALID}Type mismatch for key {name} expected: {types[name]} actual: {next(iter(value))}")
    pk = _check_key_value(table.hash_key, item[table.hash_key], True)
    sk = _check_key_value(table.range_key, item[table.range_key], False) if table.range_key else b""
    return pk, sk


def key_of(table: Table, item: Item) -> Item:
    """The key attributes of an item (LastEvaluatedKey, ItemCollectionKey, ALL_OLD of a lookup)."""
    return {name: item[name] for name in table.key_names()}


def check_index_keys(table: Table, item: Item, *, update: bool = False) -> None:
    """Refuse an item whose value for a secondary index key attribute has the wrong type or is empty.

    AWS names the alphabetically first index keyed on the attribute (conformance: "Index-key
    messages name gsi1, the alphabetically-first index lsi1sk keys on")."""
    if not table.indexes:
        return
    types = table.types
    for index in sorted(table.indexes, key=lambda i: i.name):
        for name in index.key_names():
            value = item.get(name)
            if value is None:
                continue
            t, v = next(iter(value.items()))
            if t != types[name]:
                raise ValidationException(f"{INVALID}Type mismatch for Index Key {name} Expected: {types[name]} "
                                          f"Actual: {t} IndexName: {index.name}")
            if t in ("S", "B") and not v:
                if update:
                    raise ValidationException(
                        f"{NOT_VALID}The update expression attempted to update a secondary index key to a value "
                        f"that is not supported. The AttributeValue for a key attribute cannot contain an empty "
                        f"{_EMPTY[t]} value.")
                raise ValidationException(
                    f"{NOT_VALID}A value specified for a secondary index key is not supported. The AttributeValue "
                    f"for a key attribute cannot contain an empty {_EMPTY[t]} value. IndexName: {index.name}, "
                    f"IndexKey: {name}")


# --- index entries ----------------------------------------------------------------------------------

def index_entry(table: Table, index: Index, item: Item | None, pk: bytes, sk: bytes
                ) -> tuple[int, bytes, bytes, bytes, bytes] | None:
    """``(index_no, ipk, isk, pk, sk)`` if ``item`` is in ``index`` (it has every index key), else None."""
    if item is None:
        return None
    hv = item.get(index.hash_key)
    if hv is None:
        return None
    if index.range_key is None:
        return index.no, encode_key(hv), b"", pk, sk
    rv = item.get(index.range_key)
    if rv is None:
        return None
    return index.no, encode_key(hv), encode_key(rv), pk, sk


def projected(table: Table, index: Index, item: Item) -> Item:
    """The attributes of ``item`` an index stores (its keys, the table's keys, and its projection)."""
    if index.projection == "ALL":
        return item
    names = set(table.key_names()) | set(index.key_names())
    if index.projection == "INCLUDE":
        names.update(index.non_key)
    return {k: v for k, v in item.items() if k in names}


def projected_size(table: Table, index: Index, item: Item, size: int) -> int:
    return size if index.projection == "ALL" else item_size(projected(table, index, item))
