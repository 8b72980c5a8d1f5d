"""Schema migrations: ``STEPS[n - 1]`` upgrades a database at ``PRAGMA user_version`` n - 1 to n.

``Store._check_and_create`` runs the steps a database needs in its start-up transaction, before
``metadata.create_all`` (which creates missing tables and never alters existing ones), then stamps
``SCHEMA_VERSION``: a failing step rolls everything back and leaves the file as it was. Steps take
the sqlite3 connection and build their DDL from the ``Table`` definitions of ``storage/schema``.

Foreign keys: a step may rebuild a table (SQLite alters little in place). SQLite's procedure for that
("Making Other Kinds Of Table Schema Changes") runs with enforcement off, because dropping a table that
other tables reference would first delete their rows (ON DELETE CASCADE). ``PRAGMA foreign_keys`` is
a no-op inside a transaction, so the store turns enforcement off before its BEGIN and back on after
the COMMIT, and ``check_foreign_keys`` runs ``PRAGMA foreign_key_check`` before that COMMIT.

To extend: bump ``SCHEMA_VERSION`` and append a step. A step builds tables from the *current*
definitions, so rebuilding is idempotent (columns are copied by name); a later step that changes a
table again rebuilds it again rather than assuming the shape an earlier step left.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from .schema import SCHEMA_VERSION, metadata
from .schema.core import delivery_log, outbox
from .schema.delivery import captured
from .schema.sqs import sqs_messages, sqs_queue_counts

log = logging.getLogger("sluice.storage")
_DIALECT = sqlite.dialect()

Step = Callable[[sqlite3.Connection], None]


# --- helpers --------------------------------------------------------------------------------------

def table_exists(sql: sqlite3.Connection, name: str) -> bool:
    return sql.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def column_names(sql: sqlite3.Connection, name: str) -> list[str]:
    return [row[1] for row in sql.execute(f'PRAGMA table_info("{name}")')]


def max_value(sql: sqlite3.Connection, query: str, params: tuple = ()) -> int:
    """``query``'s single value, 0 when NULL (an empty table) or when its table does not exist yet."""
    try:
        row = sql.execute(query, params).fetchone()
        return (row[0] if row else None) or 0
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise


def raise_sequence(sql: sqlite3.Connection, name: str, at_least: int) -> None:
    """Make the next AUTOINCREMENT id of table ``name`` greater than ``at_least`` (never lower it)."""
    row = sql.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)).fetchone()
    if row is None:
        if at_least > 0:
            sql.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, at_least))
    elif row[0] < at_least:
        sql.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (at_least, name))


def rebuild_table(sql: sqlite3.Connection, table: Table, *, ids_above: int = 0) -> None:
    """Re-create ``table`` in its current definition keeping every row and rowid (SQLite's 12 steps).

    Columns are copied by name: a new column gets its server default (NULL if none, so a new NOT NULL
    column needs one), a dropped one is gone. The new table is built under a temporary name and renamed
    into place (never the old one renamed away: that would repoint other tables' references at the old
    name). With AUTOINCREMENT, the sequence ends above every copied id, the table's previous sequence
    and ``ids_above`` (ids of rows since deleted that something still names). A table this database
    does not have yet is left to ``create_all``.
    """
    name, temp = table.name, f"_new_{table.name}"
    if not table_exists(sql, name):
        return
    if sql.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)).fetchone():
        raise RuntimeError(f"rebuild_table does not carry triggers over ({name})")
    old = set(column_names(sql, name))
    kept = ", ".join(f'"{c.name}"' for c in table.columns if c.name in old)
    ddl = str(CreateTable(table).compile(dialect=_DIALECT)).strip()
    header = f"CREATE TABLE {name} ("
    if not ddl.startswith(header):
        raise RuntimeError(f"unexpected DDL for {name}: {ddl[:60]!r}")
    # Already AUTOINCREMENT (a rebuild run again): its sequence, which DROP TABLE deletes, may be above every id.
    previous = max_value(sql, "SELECT seq FROM sqlite_sequence WHERE name = ?", (name,))
    sql.execute(f"CREATE TABLE {temp} (" + ddl[len(header):])
    sql.execute(f"INSERT INTO {temp} ({kept}) SELECT {kept} FROM {name} ORDER BY rowid")
    sql.execute(f"DROP TABLE {name}")  # its indexes go with it
    # legacy_alter_table: the rename neither checks nor rewrites views and triggers that name the
    # table, which for a moment do not resolve (SQLite 3.26+ otherwise refuses the rename).
    legacy = sql.execute("PRAGMA legacy_alter_table").fetchone()[0]
    sql.execute("PRAGMA legacy_alter_table = ON")
    try:
        sql.execute(f"ALTER TABLE {temp} RENAME TO {name}")
    finally:
        sql.execute(f"PRAGMA legacy_alter_table = {int(legacy)}")
    for index in sorted(table.indexes, key=lambda i: i.name or ""):
        sql.execute(str(CreateIndex(index).compile(dialect=_DIALECT)))
    if table.dialect_options["sqlite"]["autoincrement"]:
        raise_sequence(sql, name, max(ids_above, previous))


def check_foreign_keys(sql: sqlite3.Connection) -> None:
    """Refuse to commit a migration that left a row pointing at nothing (enforcement was off)."""
    broken = sql.execute("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise RuntimeError(f"schema migration broke foreign keys (table, rowid, parent, fk): {broken}")


# --- steps ----------------------------------------------------------------------------------------

def _to_1(sql: sqlite3.Connection) -> None:
    """Version 1 stamped every database it created: there is nothing older to upgrade."""


def _to_2(sql: sqlite3.Connection) -> None:
    """Ids that carry order are never reused (AUTOINCREMENT); ``delivery_log.source_arn``; SNS's captured
    deliveries and pending outbox rows move to the shared delivery layer's table and form.

    A plain INTEGER PRIMARY KEY hands the highest id out again once that row is deleted. The ids a
    version-1 database handed out to rows deleted since are known only where still referenced: a move
    task's bound (``last_row``) and the delivery log's ``outbox_id``.
    """
    rebuild_table(sql, sqs_messages, ids_above=max_value(sql, "SELECT MAX(last_row) FROM sqs_move_tasks"))
    rebuild_table(sql, outbox, ids_above=max_value(sql, "SELECT MAX(outbox_id) FROM delivery_log"))
    rebuild_table(sql, delivery_log)  # adds source_arn
    _captured_from_sns(sql)
    _outbox_rows_to_deliveries(sql)


def _captured_from_sns(sql: sqlite3.Connection) -> None:
    """SNS's captured deliveries move to the ``captured`` table every service shares (ids kept)."""
    if not table_exists(sql, "sns_captured"):
        return
    if not table_exists(sql, "captured"):
        sql.execute(str(CreateTable(captured).compile(dialect=_DIALECT)))
        for index in captured.indexes:
            sql.execute(str(CreateIndex(index).compile(dialect=_DIALECT)))
    sql.execute("INSERT INTO captured (id, at, source, account, region, protocol, target, source_arn, route, "
                "message_id, payload) SELECT id, at, 'sns', account, region, protocol, target, topic_arn, "
                "subscription_arn, message_id, payload FROM sns_captured ORDER BY id")
    raise_sequence(sql, "captured", max_value(sql, "SELECT MAX(id) FROM captured"))
    sql.execute("DROP TABLE sns_captured")


def _sns_delivery(kind: str, old: dict) -> dict:
    """A version-1 SNS outbox payload ("sns.http" / "sns.sqs") as the delivery layer's payload."""
    http = kind == "sns.http"
    attributes = old.get("dlq_attributes") if http else old.get("attributes")
    dlq = old.get("dlq")
    return {
        "message": {"source": "sns", "source_arn": old.get("topic_arn"), "message_id": old.get("message_id") or "",
                    "body": old.get("body") or "", "account": _arn_part(old.get("topic_arn"), 4),
                    "region": _arn_part(old.get("topic_arn"), 3), "route": old.get("subscription_arn"),
                    "attributes": attributes or None, "group_id": old.get("group_id"),
                    "dedup_id": old.get("dedup_id"), "headers": old.get("headers") if http else None,
                    "capture": None},
        "target": {"kind": "http", "address": old.get("url"), "protocol": "http"} if http
        else {"kind": "sqs", "address": old.get("queue_arn"), "protocol": "sqs"},
        "retry": {"kind": "sns", "sns": old.get("policy"), "maximum_retry_attempts": 185,
                  "maximum_event_age_s": 86_400} if http
        else {"kind": "none", "sns": None, "maximum_retry_attempts": 185, "maximum_event_age_s": 86_400},
        "dead_letter": {"arn": dlq, "attributes": {}, "error_attributes": False, "keep_attributes": True}
        if dlq else None,
        "first_attempt_at": 0,
    }


def _arn_part(arn: str | None, index: int) -> str:
    parts = (arn or "").split(":")
    return parts[index] if len(parts) > index else ""


def _outbox_rows_to_deliveries(sql: sqlite3.Connection) -> None:
    """Pending SNS deliveries of version 1 keep their schedule and attempts, in the delivery layer's form."""
    rows = sql.execute("SELECT id, kind, payload FROM outbox WHERE kind IN ('sns.http', 'sns.sqs')").fetchall()
    for row_id, kind, payload in rows:
        old = json.loads(payload)
        sql.execute("UPDATE outbox SET kind = 'delivery', payload = ?, source_arn = ? WHERE id = ?",
                    (json.dumps(_sns_delivery(kind, old)), old.get("topic_arn"), row_id))


def _to_3(sql: sqlite3.Connection) -> None:
    """Receive order as AWS serves it: ``sqs_messages.ready`` and ``visible_seq`` with their indexes,
    and ``sqs_fifo_groups`` keyed by when each group's head became receivable.

    A message table that has the columns already (a version-1 database: step 2 rebuilt it in the
    current definition) is left alone. Old rows get NULL in both, which is always correct: a NULL
    ``ready`` is marked by the next receive that finds the message visible, a NULL ``visible_seq``
    reads as the message's ``seq``. ``sqs_fifo_groups`` is derived data, rebuilt from the messages at
    every start: it is dropped here and created in its new shape by ``create_all``.
    """
    if table_exists(sql, "sqs_messages") and "ready" not in column_names(sql, "sqs_messages"):
        rebuild_table(sql, sqs_messages)
    sql.execute("DROP TABLE IF EXISTS sqs_fifo_groups")  # its index goes with it


def _to_4(sql: sqlite3.Connection) -> None:
    """``sqs_queue_counts``: every queue's message counters, counted from its rows as of ``settled_at`` 0
    (every row hidden, by receive count), which needs no clock: the first reader settles them to now."""
    if not table_exists(sql, "sqs_queue_counts"):
        sql.execute(str(CreateTable(sqs_queue_counts).compile(dialect=_DIALECT)))
    if table_exists(sql, "sqs_queues"):
        sql.execute("INSERT OR REPLACE INTO sqs_queue_counts (queue_id, total, inflight, delayed, settled_at) "
                    "SELECT q.id, COUNT(m.id), COALESCE(SUM(m.receive_count > 0), 0), "
                    "COALESCE(SUM(m.receive_count = 0), 0), 0 FROM sqs_queues q "
                    "LEFT JOIN sqs_messages m ON m.queue_id = q.id GROUP BY q.id")


STEPS: list[Step] = [_to_1, _to_2, _to_3, _to_4]
if len(STEPS) != SCHEMA_VERSION:
    raise RuntimeError(f"{len(STEPS)} migration steps for schema version {SCHEMA_VERSION}: one step per version")


def has_sluice_tables(sql: sqlite3.Connection) -> bool:
    names = {row[0] for row in sql.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return not names.isdisjoint(metadata.tables)


def upgrade(sql: sqlite3.Connection, version: int, path: str = "") -> list[int]:
    """Run the steps from ``version`` up to ``SCHEMA_VERSION`` (inside the caller's transaction).

    Returns the numbers of the steps run. Version 0 with none of Sluice's tables is a new database:
    ``create_all`` makes it current. Version 0 with Sluice's tables was not written by any Sluice
    (version 1 stamped its number in the transaction that created them), e.g. tables made by hand
    with ``metadata.create_all``: it is upgraded as version 1, which is safe whatever it holds since
    steps copy columns by name and a shape they cannot copy fails the whole transaction.
    """
    if version == 0:
        if not has_sluice_tables(sql):
            return []
        log.warning("database %s has Sluice tables but no schema version: upgrading it as version 1", path)
        version = 1
    ran = []
    for number in range(version + 1, SCHEMA_VERSION + 1):
        log.info("upgrading database %s to schema %d", path, number)
        STEPS[number - 1](sql)
        ran.append(number)
    return ran
