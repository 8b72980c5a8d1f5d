"""SQL of DynamoDB (sync functions over a UnitOfWork); item JSON is encoded and decoded here.

Every statement is a SQL string run on ``uow.sql``. Keys arrive already encoded (``bytes`` whose
memcmp order is DynamoDB's order), so every key range is a range of the clustered primary key.
Range reads return lazy cursors: the caller stops stepping when its page is full (Limit, 1 MB),
so a read never costs more rows than the page it answers.

Items are stored as wire JSON. Binary values (``B``, ``BS``) are base64 in the text; such items
carry a leading ``b`` so that the common item, with no binary, decodes with one ``json.loads``.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from .db import UnitOfWork

# --- item encoding --------------------------------------------------------------------------------

_BINARY = "b"


def _base64(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot store {type(value).__name__}")


# Built once: json.dumps with arguments builds an encoder per call, a third of a small item's cost.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_base64)
_DECODER = json.JSONDecoder()


def encode_item(item: dict) -> str:
    """The stored text of an item (bytes as base64, marked so decoding knows to walk it).

    In the JSON text a ``B`` type key is the only key followed by a string and ``BS`` the only one
    followed by a list (attribute names are followed by objects; quotes inside strings are escaped),
    so the substring test finds binary values exactly."""
    text = _ENCODER.encode(item)
    if '"B":"' in text or '"BS":[' in text:
        return _BINARY + text
    return text


def decode_item(text: str) -> dict:
    """The item ``encode_item`` stored."""
    if text[0] != _BINARY:
        return _DECODER.decode(text)
    item = _DECODER.decode(text[1:])
    for value in item.values():
        _unbase64(value)
    return item


def _unbase64(value: dict) -> None:
    for t, v in value.items():
        if t == "B":
            value[t] = base64.b64decode(v)
        elif t == "BS":
            value[t] = [base64.b64decode(x) for x in v]
        elif t == "M":
            for x in v.values():
                _unbase64(x)
        elif t == "L":
            for x in v:
                _unbase64(x)


# --- tables ---------------------------------------------------------------------------------------

_LOAD_TABLES = "SELECT id, account, region, name, definition, created_at FROM dynamodb_tables ORDER BY id"
_INSERT_TABLE = ("INSERT INTO dynamodb_tables (account, region, name, definition, tags, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)")
_UPDATE_DEFINITION = "UPDATE dynamodb_tables SET definition = ? WHERE id = ?"
_GET_TAGS = "SELECT tags FROM dynamodb_tables WHERE id = ?"
_SET_TAGS = "UPDATE dynamodb_tables SET tags = ? WHERE id = ?"
_LIST_NAMES = ("SELECT name FROM dynamodb_tables WHERE account = ? AND region = ? AND name > ? "
               "ORDER BY name LIMIT ?")
_DELETE_TABLE = (
    "DELETE FROM dynamodb_index_entries WHERE table_id = ?",
    "DELETE FROM dynamodb_items WHERE table_id = ?",
    "DELETE FROM dynamodb_stats WHERE table_id = ?",
    "DELETE FROM dynamodb_tables WHERE id = ?",
)


def load_tables(uow: UnitOfWork) -> list[tuple[int, str, str, str, dict, int]]:
    return [(i, a, r, n, json.loads(d), c) for i, a, r, n, d, c in uow.sql.execute(_LOAD_TABLES)]


def insert_table(uow: UnitOfWork, account: str, region: str, name: str, definition: dict, tags: dict,
                 created_at: int) -> int:
    cur = uow.sql.execute(_INSERT_TABLE, (account, region, name, json.dumps(definition), json.dumps(tags),
                                          created_at))
    table_id = cur.lastrowid
    assert table_id is not None
    return table_id


def update_definition(uow: UnitOfWork, table_id: int, definition: dict) -> None:
    uow.sql.execute(_UPDATE_DEFINITION, (json.dumps(definition), table_id))


def get_tags(uow: UnitOfWork, table_id: int) -> dict[str, str]:
    row = uow.sql.execute(_GET_TAGS, (table_id,)).fetchone()
    return json.loads(row[0]) if row else {}


def set_tags(uow: UnitOfWork, table_id: int, tags: dict[str, str]) -> None:
    uow.sql.execute(_SET_TAGS, (json.dumps(tags), table_id))


def list_table_names(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[str]:
    return [row[0] for row in uow.sql.execute(_LIST_NAMES, (account, region, after, limit))]


def delete_table(uow: UnitOfWork, table_id: int) -> None:
    for statement in _DELETE_TABLE:
        uow.sql.execute(statement, (table_id,))


# --- counters -------------------------------------------------------------------------------------

_STATS = "SELECT index_no, item_count, size_bytes FROM dynamodb_stats WHERE table_id = ?"
_INIT_STATS = "INSERT OR IGNORE INTO dynamodb_stats (table_id, index_no, item_count, size_bytes) VALUES (?, ?, 0, 0)"
_ADD_STATS = ("UPDATE dynamodb_stats SET item_count = item_count + ?, size_bytes = size_bytes + ? "
              "WHERE table_id = ? AND index_no = ?")
_SET_STATS = "UPDATE dynamodb_stats SET item_count = ?, size_bytes = ? WHERE table_id = ? AND index_no = ?"
_DROP_STATS = "DELETE FROM dynamodb_stats WHERE table_id = ? AND index_no = ?"


def stats(uow: UnitOfWork, table_id: int) -> dict[int, tuple[int, int]]:
    """{index_no: (item_count, size_bytes)}; index_no 0 is the table itself."""
    return {no: (count, size) for no, count, size in uow.sql.execute(_STATS, (table_id,))}


def init_stats(uow: UnitOfWork, table_id: int, index_nos: Iterable[int]) -> None:
    uow.sql.executemany(_INIT_STATS, [(table_id, no) for no in index_nos])


def add_stats(uow: UnitOfWork, table_id: int, deltas: dict[int, list[int]]) -> None:
    """Add ``{index_no: [count, bytes]}`` to the counters (zero deltas are skipped)."""
    rows = [(c, s, table_id, no) for no, (c, s) in deltas.items() if c or s]
    if len(rows) == 1:
        uow.sql.execute(_ADD_STATS, rows[0])
    elif rows:
        uow.sql.executemany(_ADD_STATS, rows)


def set_stats(uow: UnitOfWork, table_id: int, index_no: int, count: int, size: int) -> None:
    uow.sql.execute(_SET_STATS, (count, size, table_id, index_no))


def drop_index(uow: UnitOfWork, table_id: int, index_no: int) -> None:
    uow.sql.execute("DELETE FROM dynamodb_index_entries WHERE table_id = ? AND index_no = ?", (table_id, index_no))
    uow.sql.execute(_DROP_STATS, (table_id, index_no))


# --- items ----------------------------------------------------------------------------------------

_GET_ITEM = "SELECT item, size FROM dynamodb_items WHERE table_id = ? AND pk = ? AND sk = ?"
_GET_SIZE = "SELECT size FROM dynamodb_items WHERE table_id = ? AND pk = ? AND sk = ?"
_PUT_ITEM = "INSERT OR REPLACE INTO dynamodb_items (table_id, pk, sk, item, size) VALUES (?, ?, ?, ?, ?)"
_DELETE_ITEM = "DELETE FROM dynamodb_items WHERE table_id = ? AND pk = ? AND sk = ?"
_ADD_ENTRY = "INSERT OR REPLACE INTO dynamodb_index_entries (table_id, index_no, ipk, isk, pk, sk) VALUES (?, ?, ?, ?, ?, ?)"
_DELETE_ENTRY = ("DELETE FROM dynamodb_index_entries "
                 "WHERE table_id = ? AND index_no = ? AND ipk = ? AND isk = ? AND pk = ? AND sk = ?")


def get_item(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes) -> tuple[dict, int] | None:
    """(item, size) or None."""
    row = uow.sql.execute(_GET_ITEM, (table_id, pk, sk)).fetchone()
    return None if row is None else (decode_item(row[0]), row[1])


def get_size(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes) -> int | None:
    """The size of the item at a key (None: no item), without reading the item itself."""
    row = uow.sql.execute(_GET_SIZE, (table_id, pk, sk)).fetchone()
    return None if row is None else row[0]


def put_item(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes, item: dict, size: int) -> None:
    uow.sql.execute(_PUT_ITEM, (table_id, pk, sk, encode_item(item), size))


def delete_item(uow: UnitOfWork, table_id: int, pk: bytes, sk: bytes) -> None:
    uow.sql.execute(_DELETE_ITEM, (table_id, pk, sk))


def add_index_entries(uow: UnitOfWork, table_id: int, entries: list[tuple[int, bytes, bytes, bytes, bytes]]) -> None:
    """Add ``(index_no, ipk, isk, pk, sk)`` entries."""
    if len(entries) == 1:
        uow.sql.execute(_ADD_ENTRY, (table_id, *entries[0]))
    elif entries:
        uow.sql.executemany(_ADD_ENTRY, [(table_id, *e) for e in entries])


def delete_index_entries(uow: UnitOfWork, table_id: int,
                         entries: list[tuple[int, bytes, bytes, bytes, bytes]]) -> None:
    if len(entries) == 1:
        uow.sql.execute(_DELETE_ENTRY, (table_id, *entries[0]))
    elif entries:
        uow.sql.executemany(_DELETE_ENTRY, [(table_id, *e) for e in entries])


# --- range reads (lazy cursors: the caller stops when its page is full) ----------------------------

@lru_cache(maxsize=256)
def _range_sql(index: bool, lo: str | None, hi: str | None, after: bool, forward: bool) -> str:
    """A Query's statement: equality on the partition key, an optional sort key range, an optional
    exclusive start (a row value, so that equal index keys continue by table key), one direction."""
    if index:
        select = ("SELECT e.isk, e.pk, e.sk, i.item, i.size FROM dynamodb_index_entries e "
                  "JOIN dynamodb_items i ON i.table_id = e.table_id AND i.pk = e.pk AND i.sk = e.sk "
                  "WHERE e.table_id = ? AND e.index_no = ? AND e.ipk = ?")
        sort, order = "e.isk", ("e.isk", "e.pk", "e.sk")
        start = "(e.isk, e.pk, e.sk) {} (?, ?, ?)"
    else:
        select = "SELECT sk, pk, sk, item, size FROM dynamodb_items WHERE table_id = ? AND pk = ?"
        sort, order = "sk", ("sk", "", "")
        start = "sk {} ?"
    where = [select]
    if lo:
        where.append(f"{sort} {lo} ?")
    if hi:
        where.append(f"{sort} {hi} ?")
    if after:
        where.append(start.format(">" if forward else "<"))
    direction = "" if forward else " DESC"
    return " AND ".join(where) + " ORDER BY " + ", ".join(o + direction for o in order if o)


def query_range(uow: UnitOfWork, table_id: int, index_no: int | None, partition: bytes,
                lo: bytes | None, lo_inclusive: bool, hi: bytes | None, hi_inclusive: bool,
                after: tuple[bytes, ...] | None, forward: bool) -> sqlite3.Cursor:
    """A cursor over rows ``(sort, pk, sk, item_text, size)`` of one partition of the table (``index_no`` None) or
    of an index, in key order. ``after`` is the exclusive start: ``(sk,)`` on the table,
    ``(isk, pk, sk)`` on an index."""
    index = index_no is not None
    sql = _range_sql(index, None if lo is None else (">=" if lo_inclusive else ">"),
                     None if hi is None else ("<=" if hi_inclusive else "<"), after is not None, forward)
    params: list[Any] = [table_id, index_no, partition] if index else [table_id, partition]
    if lo is not None:
        params.append(lo)
    if hi is not None:
        params.append(hi)
    if after is not None:
        params.extend(after)
    return uow.sql.execute(sql, params)


_SCAN_TABLE = "SELECT pk, sk, pk, sk, item, size FROM dynamodb_items WHERE table_id = ? ORDER BY pk, sk"
_SCAN_TABLE_AFTER = ("SELECT pk, sk, pk, sk, item, size FROM dynamodb_items WHERE table_id = ? AND (pk, sk) > (?, ?) "
                     "ORDER BY pk, sk")
_SCAN_INDEX = ("SELECT e.ipk, e.isk, e.pk, e.sk, i.item, i.size FROM dynamodb_index_entries e "
               "JOIN dynamodb_items i ON i.table_id = e.table_id AND i.pk = e.pk AND i.sk = e.sk "
               "WHERE e.table_id = ? AND e.index_no = ?")
_SCAN_INDEX_ALL = _SCAN_INDEX + " ORDER BY e.ipk, e.isk, e.pk, e.sk"
_SCAN_INDEX_AFTER = _SCAN_INDEX + " AND (e.ipk, e.isk, e.pk, e.sk) > (?, ?, ?, ?) ORDER BY e.ipk, e.isk, e.pk, e.sk"


def scan(uow: UnitOfWork, table_id: int, index_no: int | None, after: tuple[bytes, ...] | None) -> sqlite3.Cursor:
    """A cursor over rows ``(ipk, isk, pk, sk, item_text, size)`` of a whole table or index, in key order, after
    ``after`` (``(pk, sk)`` on the table, ``(ipk, isk, pk, sk)`` on an index)."""
    if index_no is None:
        if after is None:
            return uow.sql.execute(_SCAN_TABLE, (table_id,))
        return uow.sql.execute(_SCAN_TABLE_AFTER, (table_id, *after))
    if after is None:
        return uow.sql.execute(_SCAN_INDEX_ALL, (table_id, index_no))
    return uow.sql.execute(_SCAN_INDEX_AFTER, (table_id, index_no, *after))


def all_items(uow: UnitOfWork, table_id: int) -> Iterator[tuple[bytes, bytes, str]]:
    """Every item of a table (a GSI backfill)."""
    return uow.sql.execute("SELECT pk, sk, item FROM dynamodb_items WHERE table_id = ?", (table_id,))


# --- transaction tokens ---------------------------------------------------------------------------

_GET_TOKEN = ("SELECT digest, response FROM dynamodb_tx_tokens "
              "WHERE account = ? AND region = ? AND token = ? AND expires_at > ?")
_PUT_TOKEN = ("INSERT OR REPLACE INTO dynamodb_tx_tokens (account, region, token, digest, response, expires_at) "
              "VALUES (?, ?, ?, ?, ?, ?)")
_EXPIRE_TOKENS = "DELETE FROM dynamodb_tx_tokens WHERE expires_at <= ?"


def get_token(uow: UnitOfWork, account: str, region: str, token: str, now: int) -> tuple[str, dict] | None:
    row = uow.sql.execute(_GET_TOKEN, (account, region, token, now)).fetchone()
    return None if row is None else (row[0], json.loads(row[1]))


def put_token(uow: UnitOfWork, account: str, region: str, token: str, digest: str, response: dict,
              expires_at: int, now: int) -> None:
    uow.sql.execute(_EXPIRE_TOKENS, (now,))
    uow.sql.execute(_PUT_TOKEN, (account, region, token, digest, json.dumps(response), expires_at))
