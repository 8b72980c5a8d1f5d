"""Schema migrations (storage/migrations.py): a version-1 database file is upgraded in place by ``Store.open``,
keeping every row and id; ids are then never handed out twice."""

from __future__ import annotations

import json
import sqlite3

import pytest

from emulator.delivery.model import from_payload
from storage import migrations
from storage.db import SchemaVersionError, Store
from storage.schema import SCHEMA_VERSION, metadata
from storage.schema.sqs import sqs_queues

T0 = 1_700_000_000_000

# The version-1 DDL of the tables the upgrade to 2 touches, and of those they reference, exactly as
# version 1 created them (metadata.create_all at commit 90c3089). The other tables are created at open.
V1_SCHEMA = """
CREATE TABLE sqs_queues (
    id INTEGER NOT NULL, account VARCHAR NOT NULL, region VARCHAR NOT NULL, name VARCHAR NOT NULL,
    fifo INTEGER NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL,
    modified_at INTEGER NOT NULL, purged_at INTEGER,
    PRIMARY KEY (id), CONSTRAINT uq_sqs_queues_name UNIQUE (account, region, name)
);
CREATE TABLE sqs_messages (
    id INTEGER NOT NULL, queue_id INTEGER NOT NULL, message_id VARCHAR NOT NULL, body TEXT NOT NULL,
    attributes TEXT, md5_body VARCHAR NOT NULL, md5_attributes VARCHAR, system TEXT, md5_system VARCHAR,
    sender_id VARCHAR NOT NULL, sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    receive_count INTEGER NOT NULL, first_receive_at INTEGER, received_at INTEGER, group_id VARCHAR,
    dedup_id VARCHAR, seq INTEGER, dlq_source_arn VARCHAR,
    PRIMARY KEY (id), FOREIGN KEY(queue_id) REFERENCES sqs_queues (id) ON DELETE CASCADE
);
CREATE INDEX ix_sqs_messages_fifo ON sqs_messages (queue_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX ix_sqs_messages_expires ON sqs_messages (expires_at);
CREATE INDEX ix_sqs_messages_fifo_group ON sqs_messages (queue_id, group_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX ix_sqs_messages_visible ON sqs_messages (queue_id, visible_at);
CREATE TABLE sqs_move_tasks (
    task_id VARCHAR NOT NULL, source_arn VARCHAR NOT NULL, destination_arn VARCHAR, max_per_second INTEGER,
    status VARCHAR NOT NULL, started_at INTEGER NOT NULL, to_move INTEGER NOT NULL, moved INTEGER NOT NULL,
    last_row INTEGER NOT NULL, next_run_at INTEGER, failure_reason TEXT, PRIMARY KEY (task_id)
);
CREATE INDEX ix_sqs_move_tasks_source ON sqs_move_tasks (source_arn, started_at);
CREATE INDEX ix_sqs_move_tasks_due ON sqs_move_tasks (next_run_at);
CREATE TABLE outbox (
    id INTEGER NOT NULL, kind VARCHAR NOT NULL, target VARCHAR NOT NULL, payload TEXT NOT NULL,
    due_at INTEGER NOT NULL, attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, message_id VARCHAR,
    PRIMARY KEY (id)
);
CREATE INDEX ix_outbox_due ON outbox (due_at);
CREATE TABLE delivery_log (
    id INTEGER NOT NULL, at INTEGER NOT NULL, kind VARCHAR NOT NULL, target VARCHAR NOT NULL,
    message_id VARCHAR, attempt INTEGER NOT NULL, status VARCHAR NOT NULL, error TEXT, outbox_id INTEGER,
    PRIMARY KEY (id)
);
CREATE TABLE sns_captured (
    id INTEGER NOT NULL, at INTEGER NOT NULL, account VARCHAR NOT NULL, region VARCHAR NOT NULL,
    protocol VARCHAR NOT NULL, target VARCHAR NOT NULL, topic_arn VARCHAR, subscription_arn VARCHAR,
    message_id VARCHAR NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (id)
);
"""

QUEUES = [(1, "000000000000", "us-east-1", "orders", 0, "{}", "{}", T0, T0, None),
          (2, "000000000000", "us-east-1", "orders-dlq", 0, "{}", "{}", T0, T0, None)]
# Ids 1-9 were handed out; 3, 6 and 8-9 deleted since. The running move task's bound is 9.
MESSAGES = [(i, q, f"mid-{i}", f"body {i}", None, "md5", None, None, None, "AIDA", T0 + i, T0 + i, T0 + 10**9,
             r, None, None, None, None, None, "arn:aws:sqs:us-east-1:000000000000:orders" if q == 2 else None)
            for i, q, r in [(1, 1, 0), (2, 1, 1), (4, 2, 3), (5, 1, 0), (7, 2, 1)]]
TASK = ("task-1", "arn:aws:sqs:us-east-1:000000000000:orders-dlq", None, 1, "RUNNING", T0, 2, 0, 9, T0 + 1000, None)
TOPIC = "arn:aws:sns:us-east-1:000000000000:t"
# Version 1's SNS outbox payloads: an HTTP POST retried per a DeliveryPolicy, and a deferred SQS delivery.
HTTP_V1 = {"url": "http://a", "body": "notification", "headers": {"x-amz-sns-message-type": "Notification"},
           "policy": {"numRetries": 5}, "dlq": "arn:aws:sqs:us-east-1:000000000000:dlq",
           "dlq_attributes": None, "group_id": None, "dedup_id": None, "topic_arn": TOPIC,
           "subscription_arn": TOPIC + ":s1", "message_id": "m2"}
SQS_V1 = {"queue_arn": "arn:aws:sqs:us-east-1:000000000000:orders", "body": "raw",
          "attributes": {"a": {"DataType": "String", "StringValue": "1"}}, "group_id": None, "dedup_id": None,
          "topic_arn": TOPIC, "subscription_arn": TOPIC + ":s2", "dlq": None, "message_id": "m4"}
OUTBOX = [(2, "sns.http", "http://a", json.dumps(HTTP_V1), T0, 1, T0, "m2"),
          (4, "sns.sqs", "arn:aws:sqs:us-east-1:000000000000:orders", json.dumps(SQS_V1), T0, 0, T0, "m4")]
CAPTURED = [(3, T0, "000000000000", "us-east-1", "sms", "+15550100", None, None, "m9", '{"Message": "hi"}')]
# Outbox rows 5-6 were delivered and deleted; the log still names them.
LOG = [(1, T0, "sns.http", "http://a", "m1", 1, "delivered", None, 1),
       (2, T0, "sns.http", "http://a", "m2", 1, "retrying", "503", 2),
       (3, T0, "sns.http", "http://c", "m6", 1, "delivered", None, 6)]
TABLES = {"sqs_queues": QUEUES, "sqs_messages": MESSAGES, "sqs_move_tasks": [TASK], "outbox": OUTBOX,
          "delivery_log": LOG, "sns_captured": CAPTURED}
MOVED = ("outbox", "sns_captured")   # rewritten into the delivery layer's form: checked on their own
REBUILT = ("sqs_messages", "outbox", "delivery_log")


def write_v1(path, *, version: int = 1, rows: dict | None = None) -> None:
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    for table, values in (TABLES if rows is None else rows).items():
        db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(values[0]))})", values)
    db.execute(f"PRAGMA user_version = {version}")
    db.commit()
    db.close()


def v1_columns(table: str) -> list[str]:
    db = sqlite3.connect(":memory:")
    db.executescript(V1_SCHEMA)
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def read(path, query: str, params: tuple = ()) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(query, params).fetchall()
    finally:
        db.close()


def table_sql(path, name: str) -> str:
    return read(path, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))[0][0]


def shape(path) -> dict:
    """Everything about every Sluice table that matters to queries: columns, indexes, foreign keys, AUTOINCREMENT."""
    db = sqlite3.connect(path)
    try:
        out = {}
        for name in sorted(metadata.tables):
            indexes = {}
            for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list({name})"):
                key = index if origin == "c" else (origin, tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})")))
                where = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()
                indexes[key] = (unique, partial, tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})")),
                                where[0] if where and origin == "c" else None)
            out[name] = {
                "columns": db.execute(f"PRAGMA table_info({name})").fetchall(),
                "indexes": indexes,
                "foreign_keys": db.execute(f"PRAGMA foreign_key_list({name})").fetchall(),
                "autoincrement": "AUTOINCREMENT" in (db.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()[0]),
            }
        return out
    finally:
        db.close()


async def open_store(path) -> Store:
    store = Store(str(path), lambda: T0)
    await store.open()
    return store


async def test_version_1_is_upgraded_keeping_every_row_and_id(tmp_path):
    path = tmp_path / "sluice.db"
    write_v1(path)
    store = await open_store(path)
    await store.close()

    assert read(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(4,)]
    for table, rows in TABLES.items():
        if table in MOVED:
            continue
        old = v1_columns(table)
        assert read(path, f"SELECT {', '.join(old)} FROM {table} ORDER BY rowid") == rows, table
        added = [c[1] for c in read(path, f"PRAGMA table_info({table})") if c[1] not in old]
        for column in added:  # new columns are NULL in old rows
            assert read(path, f"SELECT DISTINCT {column} FROM {table}") == [(None,)], (table, column)
    assert [c[1] for c in read(path, "PRAGMA table_info(delivery_log)")][-1] == "source_arn"
    for table in REBUILT:
        assert "AUTOINCREMENT" in table_sql(path, table), table
    assert read(path, "PRAGMA foreign_key_check") == []
    assert not read(path, "SELECT name FROM sqlite_master WHERE name LIKE '\\_new\\_%' ESCAPE '\\'")


async def test_an_upgraded_database_has_the_shape_of_a_new_one(tmp_path):
    write_v1(tmp_path / "old.db")
    for name in ("old.db", "new.db"):
        await (await open_store(tmp_path / name)).close()
    assert shape(tmp_path / "old.db") == shape(tmp_path / "new.db")


async def test_after_the_upgrade_no_id_is_handed_out_twice(tmp_path):
    path = tmp_path / "sluice.db"
    write_v1(path)
    store = await open_store(path)
    try:
        def add_message(uow) -> int:
            return uow.sql.execute(
                "INSERT INTO sqs_messages (queue_id, message_id, body, md5_body, sender_id, sent_at, visible_at, "
                "expires_at, receive_count) VALUES (2, 'late', 'late', 'md5', 'AIDA', ?, ?, ?, 0)",
                (uow.now, uow.now, uow.now + 1000)).lastrowid

        def add_outbox(uow) -> int:
            return uow.sql.execute("INSERT INTO outbox (kind, target, payload, due_at, attempts, created_at) "
                                   "VALUES ('k', 't', '{}', 0, 0, 0)").lastrowid

        def add_log(uow) -> int:
            return uow.sql.execute("INSERT INTO delivery_log (at, kind, target, attempt, status) "
                                   "VALUES (0, 'k', 't', 1, 'delivered')").lastrowid

        # Above the ids of rows deleted before the upgrade that something still names: the move
        # task's bound (9, so that a message dead-lettered now is not moved) and the log's outbox ids.
        assert await store.transaction(add_message) == 10
        assert await store.transaction(add_outbox) == 7
        assert await store.transaction(add_log) == 4
        # The reuse bug: the newest row deleted, its id is still not handed out again.
        for table in REBUILT:
            await store.transaction(lambda uow, t=table: uow.sql.execute(
                f"DELETE FROM {t} WHERE id = (SELECT MAX(id) FROM {t})"))
        assert await store.transaction(add_message) == 11
        assert await store.transaction(add_outbox) == 8
        assert await store.transaction(add_log) == 5
        # Enforcement is back on after the upgrade ran with it off.
        assert await store.read(lambda uow: uow.sql.execute("PRAGMA foreign_keys").fetchone()[0]) == 1
    finally:
        await store.close()


async def test_a_second_open_changes_nothing(tmp_path):
    path = tmp_path / "sluice.db"
    write_v1(path)
    await (await open_store(path)).close()
    before = (read(path, "PRAGMA schema_version"), read(path, "SELECT * FROM sqlite_master ORDER BY name"),
              read(path, "SELECT * FROM sqlite_sequence ORDER BY name"), read(path, "SELECT * FROM sqs_messages"))
    await (await open_store(path)).close()
    after = (read(path, "PRAGMA schema_version"), read(path, "SELECT * FROM sqlite_master ORDER BY name"),
             read(path, "SELECT * FROM sqlite_sequence ORDER BY name"), read(path, "SELECT * FROM sqs_messages"))
    assert after == before  # the schema cookie counts every DDL statement: none ran


async def test_a_newer_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "sluice.db"
    write_v1(path, version=SCHEMA_VERSION + 1)
    store = Store(str(path), lambda: T0)
    with pytest.raises(SchemaVersionError, match=rf"newer Sluice \(schema {SCHEMA_VERSION + 1}, this one knows "
                                                 rf"{SCHEMA_VERSION}\)"):
        await store.open()
    await store.close()
    assert read(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)]
    assert "AUTOINCREMENT" not in table_sql(path, "sqs_messages")
    assert not read(path, "SELECT name FROM sqlite_master WHERE name = 'sns_topics'")


async def test_unversioned_tables_are_upgraded_as_version_1_and_an_empty_file_is_created_current(tmp_path):
    write_v1(tmp_path / "unversioned.db", version=0)
    await (await open_store(tmp_path / "unversioned.db")).close()
    assert read(tmp_path / "unversioned.db", "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert "AUTOINCREMENT" in table_sql(tmp_path / "unversioned.db", "sqs_messages")
    assert read(tmp_path / "unversioned.db", "SELECT id FROM sqs_messages ORDER BY id") == [(1,), (2,), (4,), (5,), (7,)]

    sqlite3.connect(tmp_path / "empty.db").close()
    await (await open_store(tmp_path / "empty.db")).close()
    assert read(tmp_path / "empty.db", "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert shape(tmp_path / "empty.db") == shape(tmp_path / "unversioned.db")


async def test_a_failing_upgrade_leaves_the_file_as_it_was(tmp_path):
    # A message of a queue that does not exist (written with enforcement off): the check before COMMIT refuses.
    path = tmp_path / "sluice.db"
    write_v1(path, rows={**TABLES, "sqs_queues": QUEUES[:1]})
    before = read(path, "SELECT * FROM sqlite_master ORDER BY name")
    store = Store(str(path), lambda: T0)
    with pytest.raises(RuntimeError, match="broke foreign keys"):
        await store.open()
    await store.close()
    assert read(path, "PRAGMA user_version") == [(1,)]
    assert read(path, "SELECT * FROM sqlite_master ORDER BY name") == before
    assert read(path, "SELECT id FROM sqs_messages ORDER BY id") == [(1,), (2,), (4,), (5,), (7,)]


async def test_a_step_may_rebuild_a_referenced_table(tmp_path, monkeypatch):
    """For later steps: rebuilding a parent (sqs_queues, referenced with ON DELETE CASCADE) drops it, which
    with enforcement on would delete every message; the store runs steps with it off, so none is lost."""
    step_2 = migrations.STEPS[1]
    monkeypatch.setattr(migrations, "STEPS", [migrations.STEPS[0], lambda sql: (
        step_2(sql), migrations.rebuild_table(sql, sqs_queues)), *migrations.STEPS[2:]])
    path = tmp_path / "sluice.db"
    write_v1(path)
    store = await open_store(path)
    try:
        assert await store.read(lambda uow: uow.sql.execute("SELECT COUNT(*) FROM sqs_messages").fetchone()) == (
            len(MESSAGES),)
        # The reference still points at the (new) sqs_queues, and the cascade still works.
        await store.transaction(lambda uow: uow.sql.execute("DELETE FROM sqs_queues WHERE id = 2"))
        assert await store.read(lambda uow: uow.sql.execute("SELECT DISTINCT queue_id FROM sqs_messages").fetchall()) \
            == [(1,)]
    finally:
        await store.close()
    assert read(path, "SELECT * FROM sqs_queues") == QUEUES[:1]


async def test_sns_outbox_rows_and_captured_deliveries_move_to_the_delivery_layer(tmp_path):
    path = tmp_path / "sluice.db"
    write_v1(path)
    await (await open_store(path)).close()
    rows = read(path, "SELECT id, kind, due_at, attempts, message_id, source_arn, payload FROM outbox ORDER BY id")
    assert [r[:6] for r in rows] == [(2, "delivery", T0, 1, "m2", TOPIC), (4, "delivery", T0, 0, "m4", TOPIC)]
    (http_msg, http_target, http_retry, http_dlq, _), (sqs_msg, sqs_target, sqs_retry, sqs_dlq, _) = (
        from_payload(json.loads(r[6])) for r in rows)
    assert (http_target.kind, http_target.address, http_msg.body, http_msg.route) == ("http", "http://a",
                                                                                      "notification", TOPIC + ":s1")
    assert http_msg.headers == HTTP_V1["headers"] and (http_msg.account, http_msg.region) == ("000000000000",
                                                                                              "us-east-1")
    assert http_retry.kind == "sns" and http_retry.sns == {"numRetries": 5} and http_dlq.arn == HTTP_V1["dlq"]
    assert (sqs_target.kind, sqs_target.address, sqs_msg.body) == ("sqs", SQS_V1["queue_arn"], "raw")
    assert sqs_msg.attributes == SQS_V1["attributes"] and sqs_retry.kind == "none" and sqs_dlq is None
    assert read(path, "SELECT id, source, protocol, target, source_arn, route, message_id, payload FROM captured") == [
        (3, "sns", "sms", "+15550100", None, None, "m9", '{"Message": "hi"}')]
    assert not read(path, "SELECT name FROM sqlite_master WHERE name = 'sns_captured'")


# --- version 2 -> 3: receive order (sqs_messages.ready / visible_seq, sqs_fifo_groups keyed by readiness) ---

# The version-2 DDL of the tables step 3 touches (and the queues they reference), as version 2 created them.
V2_SCHEMA = """
CREATE TABLE sqs_queues (
    id INTEGER NOT NULL, account VARCHAR NOT NULL, region VARCHAR NOT NULL, name VARCHAR NOT NULL,
    fifo INTEGER NOT NULL, attributes TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL,
    modified_at INTEGER NOT NULL, purged_at INTEGER,
    PRIMARY KEY (id), CONSTRAINT uq_sqs_queues_name UNIQUE (account, region, name)
);
CREATE TABLE sqs_messages (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, queue_id INTEGER NOT NULL, message_id VARCHAR NOT NULL,
    body TEXT NOT NULL, attributes TEXT, md5_body VARCHAR NOT NULL, md5_attributes VARCHAR, system TEXT,
    md5_system VARCHAR, sender_id VARCHAR NOT NULL, sent_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL, receive_count INTEGER NOT NULL, first_receive_at INTEGER, received_at INTEGER,
    group_id VARCHAR, dedup_id VARCHAR, seq INTEGER, dlq_source_arn VARCHAR,
    FOREIGN KEY(queue_id) REFERENCES sqs_queues (id) ON DELETE CASCADE
);
CREATE INDEX ix_sqs_messages_expires ON sqs_messages (expires_at);
CREATE INDEX ix_sqs_messages_fifo ON sqs_messages (queue_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX ix_sqs_messages_fifo_group ON sqs_messages (queue_id, group_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX ix_sqs_messages_visible ON sqs_messages (queue_id, visible_at);
CREATE TABLE sqs_fifo_groups (
    queue_id INTEGER NOT NULL, group_id VARCHAR NOT NULL, head_seq INTEGER NOT NULL,
    PRIMARY KEY (queue_id, group_id), FOREIGN KEY(queue_id) REFERENCES sqs_queues (id) ON DELETE CASCADE
);
CREATE INDEX ix_sqs_fifo_groups_head ON sqs_fifo_groups (queue_id, head_seq);
"""
V2_QUEUES = [(1, "000000000000", "us-east-1", "std", 0, "{}", "{}", T0, T0, None),
             (2, "000000000000", "us-east-1", "f.fifo", 1, "{}", "{}", T0, T0, None)]


def _v2_message(row_id, queue_id, visible_at, receive_count, group=None, seq=None):
    return (row_id, queue_id, f"mid-{row_id}", f"body {row_id}", None, "md5", None, None, None, "AIDA", T0 + row_id,
            visible_at, T0 + 10**9, receive_count, None, None, group, None, seq, None)


# Standard: 1 in flight, 2 and 4 visible (3 deleted since; the sequence is at 9). FIFO: group a's head (5)
# in flight, then 6; group b's head (8) visible.
V2_MESSAGES = [_v2_message(1, 1, T0 + 10**6, 1), _v2_message(2, 1, T0, 0), _v2_message(4, 1, T0, 0),
               _v2_message(5, 2, T0 + 10**6, 1, "a", 100), _v2_message(6, 2, T0, 0, "a", 101),
               _v2_message(8, 2, T0, 0, "b", 103)]


def write_v2(path) -> None:
    db = sqlite3.connect(path)
    db.executescript(V2_SCHEMA)
    db.executemany(f"INSERT INTO sqs_queues VALUES ({', '.join('?' * 10)})", V2_QUEUES)
    db.executemany(f"INSERT INTO sqs_messages VALUES ({', '.join('?' * 20)})", V2_MESSAGES)
    db.execute("UPDATE sqlite_sequence SET seq = 9 WHERE name = 'sqs_messages'")
    db.executemany("INSERT INTO sqs_fifo_groups VALUES (?, ?, ?)", [(2, "a", 100), (2, "b", 103)])
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()


async def test_version_2_gets_the_receive_order_columns_keeping_every_message(tmp_path):
    from storage import sqs as repo

    path = tmp_path / "v2.db"
    write_v2(path)
    store = await open_store(path)
    try:
        columns = [c[1] for c in read(path, "PRAGMA table_info(sqs_messages)")]
        assert columns[-2:] == ["ready", "visible_seq"]
        assert read(path, f"SELECT {', '.join(columns[:-2])} FROM sqs_messages ORDER BY id") == V2_MESSAGES
        assert read(path, "SELECT DISTINCT ready, visible_seq FROM sqs_messages") == [(None, None)]
        assert [c[1] for c in read(path, "PRAGMA table_info(sqs_fifo_groups)")] == [
            "queue_id", "group_id", "head_seq", "ready_at", "ready_seq"]
        # Derived data: rebuilt at start (Sqs._load), from the heads' visibility.
        await store.transaction(repo.rebuild_fifo_groups)
        assert await store.read(lambda uow: uow.sql.execute(
            "SELECT group_id, head_seq, ready_at, ready_seq FROM sqs_fifo_groups ORDER BY group_id").fetchall()) \
            == [("a", 100, T0 + 10**6, 100), ("b", 103, T0, 103)]

        def receive_standard(uow):
            repo.mark_ready(uow, 1)  # old rows are not marked yet: the first receive marks what is visible
            return [row.id for row in repo.receive_visible(uow, 1, uow.now + 30_000, 10)]
        assert await store.transaction(receive_standard) == [2, 4]  # oldest first; 1 is in flight
        new_id = await store.transaction(lambda uow: uow.sql.execute(
            "INSERT INTO sqs_messages (queue_id, message_id, body, md5_body, sender_id, sent_at, visible_at, "
            "expires_at, receive_count) VALUES (1, 'n', 'n', 'md5', 'AIDA', 0, 0, 1, 0)").lastrowid)
        assert new_id == 10  # the sequence survived the rebuild
    finally:
        await store.close()
    assert read(path, "PRAGMA user_version") == [(4,)]
    assert read(path, "PRAGMA foreign_key_check") == []


async def test_an_upgraded_version_2_database_has_the_shape_of_a_new_one(tmp_path):
    write_v2(tmp_path / "old.db")
    for name in ("old.db", "new.db"):
        await (await open_store(tmp_path / name)).close()
    assert shape(tmp_path / "old.db") == shape(tmp_path / "new.db")
