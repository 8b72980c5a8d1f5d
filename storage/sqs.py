"""All SQL of SQS. Plain functions over a UnitOfWork; hot paths are SQL strings (no compilation)."""

from __future__ import annotations

import json

from .db import UnitOfWork

# Columns a received or peeked message is built from, in this order.
MESSAGE_COLUMNS = ("id, message_id, body, attributes, md5_body, md5_attributes, system, md5_system, sender_id, "
                   "sent_at, receive_count, first_receive_at, group_id, dedup_id, seq, dlq_source_arn, visible_at")


# --- queues -----------------------------------------------------------------------------------

def load_queues(uow: UnitOfWork) -> list:
    return uow.conn.exec_driver_sql(
        "SELECT id, account, region, name, fifo, attributes, tags, created_at, modified_at, purged_at "
        "FROM sqs_queues").all()


def insert_queue(uow: UnitOfWork, account: str, region: str, name: str, fifo: bool, attributes: dict,
                 tags: dict) -> int:
    cursor = uow.conn.exec_driver_sql(
        "INSERT INTO sqs_queues (account, region, name, fifo, attributes, tags, created_at, modified_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (account, region, name, int(fifo), json.dumps(attributes), json.dumps(tags), uow.now, uow.now))
    return cursor.lastrowid


def update_queue_attributes(uow: UnitOfWork, queue_id: int, attributes: dict) -> None:
    uow.conn.exec_driver_sql("UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?",
                             (json.dumps(attributes), uow.now, queue_id))


def update_queue_tags(uow: UnitOfWork, queue_id: int, tags: dict) -> None:
    uow.conn.exec_driver_sql("UPDATE sqs_queues SET tags = ? WHERE id = ?", (json.dumps(tags), queue_id))


def delete_queue(uow: UnitOfWork, queue_id: int, account: str, region: str, name: str) -> None:
    uow.conn.exec_driver_sql("DELETE FROM sqs_queues WHERE id = ?", (queue_id,))
    uow.conn.exec_driver_sql(
        "INSERT OR REPLACE INTO sqs_deleted_queues (account, region, name, deleted_at) VALUES (?, ?, ?, ?)",
        (account, region, name, uow.now))


def deleted_at(uow: UnitOfWork, account: str, region: str, name: str) -> int | None:
    return uow.conn.exec_driver_sql(
        "SELECT deleted_at FROM sqs_deleted_queues WHERE account = ? AND region = ? AND name = ?",
        (account, region, name)).scalar()


def purge(uow: UnitOfWork, queue_id: int) -> None:
    uow.conn.exec_driver_sql("DELETE FROM sqs_messages WHERE queue_id = ?", (queue_id,))
    uow.conn.exec_driver_sql("DELETE FROM sqs_fifo_groups WHERE queue_id = ?", (queue_id,))
    uow.conn.exec_driver_sql("UPDATE sqs_queues SET purged_at = ? WHERE id = ?", (uow.now, queue_id))


def set_retention(uow: UnitOfWork, queue_id: int, retention_ms: int) -> None:
    """A new MessageRetentionPeriod applies to the messages already in the queue."""
    uow.conn.exec_driver_sql("UPDATE sqs_messages SET expires_at = sent_at + ? WHERE queue_id = ?",
                             (retention_ms, queue_id))


def set_delay(uow: UnitOfWork, queue_id: int, delay_ms: int) -> None:
    """A FIFO queue's new DelaySeconds applies to the messages not received yet."""
    uow.conn.exec_driver_sql("UPDATE sqs_messages SET visible_at = sent_at + ? WHERE queue_id = ? "
                             "AND receive_count = 0", (delay_ms, queue_id))


def counts(uow: UnitOfWork, queue_id: int) -> tuple[int, int, int]:
    """(visible, in flight, delayed) among the unexpired messages."""
    now = uow.now
    row = uow.conn.exec_driver_sql(
        "SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ? AND receive_count > 0), 0), "
        "COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) FROM sqs_messages "
        "WHERE queue_id = ? AND expires_at > ?", (now, now, now, queue_id, now)).one()
    return int(row[0]), int(row[1]), int(row[2])


# --- sending ----------------------------------------------------------------------------------

_INSERT = ("INSERT INTO sqs_messages (queue_id, message_id, body, attributes, md5_body, md5_attributes, system, "
           "md5_system, sender_id, sent_at, visible_at, expires_at, receive_count, group_id, dedup_id, seq, "
           "dlq_source_arn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)")


def insert_messages(uow: UnitOfWork, rows: list[tuple]) -> None:
    """Rows in ``_INSERT``'s parameter order."""
    if len(rows) == 1:
        uow.sql.execute(_INSERT, rows[0])
    else:
        uow.sql.executemany(_INSERT, rows)
    heads: dict[tuple, int] = {}
    for row in rows:
        if row[14] is not None:  # FIFO: sequence numbers only grow, so only a new group gets a head
            heads.setdefault((row[0], row[12]), row[14])
    for (queue_id, group_id), seq in heads.items():
        _note_group(uow, queue_id, group_id, seq)


# --- FIFO group heads -------------------------------------------------------------------------

def _note_group(uow: UnitOfWork, queue_id: int, group_id: str, seq: int) -> None:
    """A FIFO message was added with sequence number ``seq`` (the highest yet)."""
    uow.conn.exec_driver_sql(
        "INSERT INTO sqs_fifo_groups (queue_id, group_id, head_seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (queue_id, group_id, seq))


def _refresh_group(uow: UnitOfWork, queue_id: int, group_id: str) -> None:
    """A FIFO message of the group left: its head may be the next message now, or the group gone."""
    head = uow.conn.exec_driver_sql(
        "SELECT MIN(seq) FROM sqs_messages WHERE queue_id = ? AND group_id = ? AND seq IS NOT NULL",
        (queue_id, group_id)).scalar()
    if head is None:
        uow.conn.exec_driver_sql("DELETE FROM sqs_fifo_groups WHERE queue_id = ? AND group_id = ?",
                                 (queue_id, group_id))
    else:
        uow.conn.exec_driver_sql("UPDATE sqs_fifo_groups SET head_seq = ? WHERE queue_id = ? AND group_id = ?",
                                 (head, queue_id, group_id))


def _refresh_all_groups(uow: UnitOfWork) -> None:
    uow.conn.exec_driver_sql(
        "UPDATE sqs_fifo_groups SET head_seq = COALESCE((SELECT MIN(m.seq) FROM sqs_messages m WHERE "
        "m.queue_id = sqs_fifo_groups.queue_id AND m.group_id = sqs_fifo_groups.group_id AND m.seq IS NOT NULL), "
        "-1)")
    uow.conn.exec_driver_sql("DELETE FROM sqs_fifo_groups WHERE head_seq = -1")


def rebuild_fifo_groups(uow: UnitOfWork) -> None:
    """Derive the group heads from the messages (at start: also for a database written before them)."""
    uow.conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_sqs_messages_fifo_group ON sqs_messages (queue_id, group_id, seq) "
        "WHERE seq IS NOT NULL")
    uow.conn.exec_driver_sql("DELETE FROM sqs_fifo_groups")
    uow.conn.exec_driver_sql(
        "INSERT INTO sqs_fifo_groups (queue_id, group_id, head_seq) SELECT queue_id, group_id, MIN(seq) "
        "FROM sqs_messages WHERE seq IS NOT NULL GROUP BY queue_id, group_id")


def find_duplicate(uow: UnitOfWork, queue_id: int, scope: str, dedup_id: str) -> tuple[str, int] | None:
    row = uow.conn.exec_driver_sql(
        "SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ? AND expires_at > ?",
        (queue_id, scope, dedup_id, uow.now)).first()
    return (row[0], row[1]) if row else None


def remember_dedup(uow: UnitOfWork, queue_id: int, scope: str, dedup_id: str, message_id: str, seq: int,
                   expires_at: int) -> None:
    uow.conn.exec_driver_sql(
        "INSERT OR REPLACE INTO sqs_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", (queue_id, scope, dedup_id, message_id, seq, expires_at))


# --- receiving --------------------------------------------------------------------------------

def receive_visible(uow: UnitOfWork, queue_id: int, visible_at: int, limit: int) -> list:
    """Standard queue without redrive: take up to ``limit`` receivable messages in one statement."""
    now = uow.now
    return uow.conn.exec_driver_sql(
        "UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, received_at = ?, "
        "first_receive_at = COALESCE(first_receive_at, ?) WHERE id IN (SELECT id FROM sqs_messages "
        "WHERE queue_id = ? AND visible_at <= ? AND expires_at > ? ORDER BY visible_at LIMIT ?) "
        f"RETURNING {MESSAGE_COLUMNS}", (visible_at, now, now, queue_id, now, now, limit)).all()


def visible_candidates(uow: UnitOfWork, queue_id: int, limit: int, exclude: list[int] = ()) -> list:
    """(id, receive_count) of receivable messages, oldest visibility first, except the ``exclude`` rows."""
    now = uow.now
    sql = "SELECT id, receive_count FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND expires_at > ?"
    if exclude:
        sql += f" AND id NOT IN ({', '.join('?' * len(exclude))})"
    return uow.conn.exec_driver_sql(sql + " ORDER BY visible_at LIMIT ?",
                                    (queue_id, now, now, *exclude, limit)).all()


def fifo_inflight_groups(uow: UnitOfWork, queue_id: int) -> set[str]:
    """Groups with a message in flight (their messages cannot be received now)."""
    now = uow.now
    return {row[0] for row in uow.conn.exec_driver_sql(
        "SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id = ? AND visible_at > ? AND receive_count > 0 "
        "AND expires_at > ? AND seq IS NOT NULL", (queue_id, now, now))}


def fifo_groups(uow: UnitOfWork, queue_id: int):
    """(group_id) of the queue's groups, by the sequence number of their first message (a cursor)."""
    return uow.conn.exec_driver_sql(
        "SELECT group_id FROM sqs_fifo_groups WHERE queue_id = ? ORDER BY head_seq", (queue_id,))


def fifo_group_messages(uow: UnitOfWork, queue_id: int, group_id: str):
    """(id, seq, visible_at, receive_count) of a group's unexpired messages in order (a cursor)."""
    return uow.conn.exec_driver_sql(
        "SELECT id, seq, visible_at, receive_count FROM sqs_messages WHERE queue_id = ? AND group_id = ? "
        "AND seq IS NOT NULL AND expires_at > ? ORDER BY seq", (queue_id, group_id, uow.now))


def any_visible(uow: UnitOfWork, queue_id: int) -> bool:
    now = uow.now
    return uow.conn.exec_driver_sql(
        "SELECT 1 FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND expires_at > ? LIMIT 1",
        (queue_id, now, now)).first() is not None


def mark_received(uow: UnitOfWork, ids: list[int], visible_at: int) -> list:
    now = uow.now
    return uow.conn.exec_driver_sql(
        "UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, received_at = ?, "
        f"first_receive_at = COALESCE(first_receive_at, ?) WHERE id IN ({', '.join('?' * len(ids))}) "
        f"RETURNING {MESSAGE_COLUMNS}", (visible_at, now, now, *ids)).all()


def next_visible_at(uow: UnitOfWork, queue_id: int) -> int | None:
    return uow.conn.exec_driver_sql(
        "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?",
        (queue_id, uow.now)).scalar()


def move_message(uow: UnitOfWork, row_id: int, target_queue_id: int, *, expires_at: int | None, retention_ms: int,
                 seq: int | None, source_arn: str | None, visible_at: int, reset_count: bool = False) -> None:
    """Move one message to another queue, keeping its id, attributes and (unless reset) receive count.

    ``expires_at`` None counts the target's retention from the original send (standard queues).
    """
    uow.conn.exec_driver_sql(
        "INSERT INTO sqs_messages (queue_id, message_id, body, attributes, md5_body, md5_attributes, system, "
        "md5_system, sender_id, sent_at, visible_at, expires_at, receive_count, first_receive_at, received_at, "
        "group_id, dedup_id, seq, dlq_source_arn) SELECT ?, message_id, body, attributes, md5_body, "
        "md5_attributes, system, md5_system, sender_id, sent_at, ?, COALESCE(?, sent_at + ?), "
        "CASE WHEN ? THEN 0 ELSE receive_count END, CASE WHEN ? THEN NULL ELSE first_receive_at END, "
        "received_at, group_id, dedup_id, ?, ? FROM sqs_messages WHERE id = ?",
        (target_queue_id, visible_at, expires_at, retention_ms, reset_count, reset_count, seq, source_arn, row_id))
    gone = uow.conn.exec_driver_sql("DELETE FROM sqs_messages WHERE id = ? RETURNING queue_id, group_id, seq",
                                    (row_id,)).first()
    if gone is not None and gone[1] is not None:
        if seq is not None:
            _note_group(uow, target_queue_id, gone[1], seq)
        if gone[2] is not None:
            _refresh_group(uow, gone[0], gone[1])


def get_attempt(uow: UnitOfWork, queue_id: int, attempt_id: str) -> list | None:
    value = uow.conn.exec_driver_sql(
        "SELECT messages FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?",
        (queue_id, attempt_id, uow.now)).scalar()
    return json.loads(value) if value is not None else None


def put_attempt(uow: UnitOfWork, queue_id: int, attempt_id: str, messages: list, expires_at: int) -> None:
    uow.conn.exec_driver_sql(
        "INSERT OR REPLACE INTO sqs_receive_attempts (queue_id, attempt_id, messages, expires_at) "
        "VALUES (?, ?, ?, ?)", (queue_id, attempt_id, json.dumps(messages), expires_at))


def rows_by_id(uow: UnitOfWork, queue_id: int, ids: list[int]) -> list:
    return uow.conn.exec_driver_sql(
        f"SELECT {MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND id IN ({', '.join('?' * len(ids))})",
        (queue_id, *ids)).all()


# --- deleting and visibility ------------------------------------------------------------------

def message_state(uow: UnitOfWork, queue_id: int, row_id: int, message_id: str):
    """(visible_at, receive_count, received_at, expires_at) of a message, or None."""
    return uow.conn.exec_driver_sql(
        "SELECT visible_at, receive_count, received_at, expires_at FROM sqs_messages "
        "WHERE id = ? AND queue_id = ? AND message_id = ?", (row_id, queue_id, message_id)).first()


def delete_message(uow: UnitOfWork, queue_id: int, row_id: int, message_id: str) -> int:
    gone = uow.conn.exec_driver_sql(
        "DELETE FROM sqs_messages WHERE id = ? AND queue_id = ? AND message_id = ? RETURNING group_id, seq",
        (row_id, queue_id, message_id)).all()
    if gone and gone[0][1] is not None:
        _refresh_group(uow, queue_id, gone[0][0])
    return len(gone)


def set_visible_at(uow: UnitOfWork, row_id: int, visible_at: int) -> None:
    uow.conn.exec_driver_sql("UPDATE sqs_messages SET visible_at = ? WHERE id = ?", (visible_at, row_id))


# --- retention --------------------------------------------------------------------------------

def next_expiry(uow: UnitOfWork) -> int | None:
    """The earliest time anything SQS keeps expires (messages, dedup and attempt windows, tombstones)."""
    values = [uow.conn.exec_driver_sql(sql).scalar() for sql in (
        "SELECT MIN(expires_at) FROM sqs_messages", "SELECT MIN(expires_at) FROM sqs_dedup",
        "SELECT MIN(expires_at) FROM sqs_receive_attempts", "SELECT MIN(deleted_at) + 60000 FROM sqs_deleted_queues")]
    values = [v for v in values if v is not None]
    return min(values) if values else None


def delete_expired(uow: UnitOfWork) -> int:
    now = uow.now
    removed = uow.conn.exec_driver_sql("DELETE FROM sqs_messages WHERE expires_at <= ?", (now,)).rowcount
    if removed:
        _refresh_all_groups(uow)
    uow.conn.exec_driver_sql("DELETE FROM sqs_dedup WHERE expires_at <= ?", (now,))
    uow.conn.exec_driver_sql("DELETE FROM sqs_receive_attempts WHERE expires_at <= ?", (now,))
    uow.conn.exec_driver_sql("DELETE FROM sqs_deleted_queues WHERE deleted_at + 60000 <= ?", (now,))
    return removed


# --- peeking ----------------------------------------------------------------------------------

def all_messages(uow: UnitOfWork, queue_id: int) -> list:
    return uow.conn.exec_driver_sql(
        f"SELECT {MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND expires_at > ? ORDER BY id",
        (queue_id, uow.now)).all()


def max_seq(uow: UnitOfWork) -> int:
    a = uow.conn.exec_driver_sql("SELECT MAX(seq) FROM sqs_messages").scalar() or 0
    b = uow.conn.exec_driver_sql("SELECT MAX(seq) FROM sqs_dedup").scalar() or 0
    return max(a, b)
