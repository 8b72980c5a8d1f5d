"""All SQL of SQS: plain functions over a UnitOfWork.

Every statement is a SQL string run on ``uow.sql`` (the sqlite3 connection of the unit's
transaction): a module-level constant, or a small builder for an ``IN (?, ...)`` list. Rows come
back as the NamedTuples below, so callers read ``row.visible_at``, not ``row[10]``.

Two things no statement may forget (both explained at ``sqs_queue_counts`` in schema/sqs.py):

- Queue counters. Every function that inserts, deletes, moves a message or changes its ``visible_at``
  updates ``sqs_queue_counts`` in the same statement batch (``_enter``/``_leave``, compared with the
  queue's ``settled_at``); ``counts`` settles to now and answers without reading the queue. A receive
  settles first, so the rows it takes (visible now) are known not to be counted hidden.
  ``count_rows`` is the row-by-row reference the tests compare them with.
- A pending purge. Every read of a queue's messages carries ``_LIVE`` (``id`` above the purge bound).
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from .db import UnitOfWork


def scalar(uow: UnitOfWork, sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row, or None."""
    row = uow.sql.execute(sql, params).fetchone()
    return row[0] if row is not None else None


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# Messages a PurgeQueue removed but the background has not deleted yet are skipped by every read (see
# schema/sqs.py, ``purged_below``). One parameter: the queue id. A constant, so usable as an index bound.
_LIVE = "id > COALESCE((SELECT purged_below FROM sqs_queue_counts WHERE queue_id = ?), 0)"


class QueueRow(NamedTuple):
    id: int
    account: str
    region: str
    name: str
    fifo: int
    attributes: str          # JSON
    tags: str                # JSON
    created_at: int
    modified_at: int
    purged_at: int | None


class MessageRow(NamedTuple):
    """What a received or peeked message is built from (``MESSAGE_COLUMNS``, in this order)."""

    id: int
    message_id: str
    body: str
    attributes: str | None
    md5_body: str
    md5_attributes: str | None
    system: str | None
    md5_system: str | None
    sender_id: str
    sent_at: int
    receive_count: int
    first_receive_at: int | None
    group_id: str | None
    dedup_id: str | None
    seq: int | None
    dlq_source_arn: str | None
    visible_at: int


class MessageState(NamedTuple):
    visible_at: int
    receive_count: int
    received_at: int | None
    expires_at: int


MESSAGE_COLUMNS = ", ".join(MessageRow._fields)


def _messages(cursor: Iterable[tuple]) -> list[MessageRow]:
    return [MessageRow._make(row) for row in cursor]


# --- queues -----------------------------------------------------------------------------------

_LOAD_QUEUES = f"SELECT {', '.join(QueueRow._fields)} FROM sqs_queues"
_INSERT_QUEUE = ("INSERT INTO sqs_queues (account, region, name, fifo, attributes, tags, created_at, modified_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
_UPDATE_ATTRIBUTES = "UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?"
_UPDATE_TAGS = "UPDATE sqs_queues SET tags = ? WHERE id = ?"
_DELETE_QUEUE = "DELETE FROM sqs_queues WHERE id = ?"
_TOMBSTONE = "INSERT OR REPLACE INTO sqs_deleted_queues (account, region, name, deleted_at) VALUES (?, ?, ?, ?)"
_DELETED_AT = "SELECT deleted_at FROM sqs_deleted_queues WHERE account = ? AND region = ? AND name = ?"
_PURGE_GROUPS = "DELETE FROM sqs_fifo_groups WHERE queue_id = ?"
# Every message id handed out so far (AUTOINCREMENT's high-water mark) is at most this.
_PURGE_BELOW = ("UPDATE sqs_queue_counts SET total = 0, inflight = 0, delayed = 0, settled_at = ?, purged_seq = ?, "
                "purged_below = COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sqs_messages'), 0) "
                "WHERE queue_id = ?")
_PURGED_ROWS = (f"SELECT id FROM sqs_messages INDEXED BY ix_sqs_messages_visible WHERE queue_id = ? AND NOT {_LIVE} "
                "LIMIT ?")
_PURGES_PENDING = "SELECT queue_id FROM sqs_queue_counts WHERE purged_below > 0"
_PURGE_DONE = "UPDATE sqs_queue_counts SET purged_below = 0 WHERE queue_id = ?"
_PURGED_AT = "UPDATE sqs_queues SET purged_at = ? WHERE id = ?"
_SET_RETENTION = "UPDATE sqs_messages SET expires_at = sent_at + ? WHERE queue_id = ?"
_SET_DELAY = "UPDATE sqs_messages SET visible_at = sent_at + ? WHERE queue_id = ? AND receive_count = 0"
_GROUPS_FOLLOW_HEADS = (
    "UPDATE sqs_fifo_groups SET ready_at = COALESCE((SELECT m.visible_at FROM sqs_messages m "
    "WHERE m.queue_id = sqs_fifo_groups.queue_id AND m.group_id = sqs_fifo_groups.group_id "
    "AND m.seq = sqs_fifo_groups.head_seq), ready_at) WHERE queue_id = ?")
_COUNTS = ("SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ? AND receive_count > 0), 0), "
           "COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) FROM sqs_messages "
           f"WHERE queue_id = ? AND expires_at > ? AND {_LIVE}")


def load_queues(uow: UnitOfWork) -> list[QueueRow]:
    return [QueueRow._make(row) for row in uow.sql.execute(_LOAD_QUEUES)]


def insert_queue(uow: UnitOfWork, account: str, region: str, name: str, fifo: bool, attributes: dict,
                 tags: dict) -> int:
    cursor = uow.sql.execute(_INSERT_QUEUE, (account, region, name, int(fifo), json.dumps(attributes),
                                              json.dumps(tags), uow.now, uow.now))
    assert cursor.lastrowid is not None
    uow.sql.execute(_RESET_COUNTS, (cursor.lastrowid, uow.now))
    return cursor.lastrowid


def update_queue_attributes(uow: UnitOfWork, queue_id: int, attributes: dict) -> None:
    uow.sql.execute(_UPDATE_ATTRIBUTES, (json.dumps(attributes), uow.now, queue_id))


def update_queue_tags(uow: UnitOfWork, queue_id: int, tags: dict) -> None:
    uow.sql.execute(_UPDATE_TAGS, (json.dumps(tags), queue_id))


def delete_queue(uow: UnitOfWork, queue_id: int, account: str, region: str, name: str) -> None:
    sql = uow.sql
    sql.execute(_DELETE_QUEUE, (queue_id,))
    sql.execute(_TOMBSTONE, (account, region, name, uow.now))


def deleted_at(uow: UnitOfWork, account: str, region: str, name: str) -> int | None:
    return scalar(uow, _DELETED_AT, (account, region, name))


def purge(uow: UnitOfWork, queue_id: int, seq: int) -> None:
    """Every message in the queue is gone at once, whatever the depth; ``delete_purged`` deletes the rows
    later. PurgeQueue also ends the FIFO deduplication window (``seq``: a sequence number above all before).
    The FIFO group heads are deleted now: as many rows as groups, not messages."""
    sql = uow.sql
    if sql.execute(_GET_COUNTS, (queue_id,)).fetchone() is None:
        recount(uow, queue_id)
    sql.execute(_PURGE_BELOW, (uow.now, seq, queue_id))
    sql.execute(_PURGE_GROUPS, (queue_id,))
    sql.execute(_PURGED_AT, (uow.now, queue_id))


def purges_pending(uow: UnitOfWork) -> list[int]:
    """The queues whose purged messages are not all deleted yet."""
    return [row[0] for row in uow.sql.execute(_PURGES_PENDING)]


def delete_purged(uow: UnitOfWork, queue_id: int, limit: int) -> bool:
    """Delete up to ``limit`` purged messages of the queue; True when none is left (the purge is over)."""
    sql = uow.sql
    ids = [row[0] for row in sql.execute(_PURGED_ROWS, (queue_id, queue_id, limit))]
    if ids:
        sql.execute(f"DELETE FROM sqs_messages WHERE id IN ({_marks(len(ids))})", ids)
    if len(ids) < limit:
        sql.execute(_PURGE_DONE, (queue_id,))
        return True
    return False


def set_retention(uow: UnitOfWork, queue_id: int, retention_ms: int) -> None:
    """A new MessageRetentionPeriod applies to the messages already in the queue."""
    uow.sql.execute(_SET_RETENTION, (retention_ms, queue_id))


def set_delay(uow: UnitOfWork, queue_id: int, delay_ms: int) -> None:
    """A FIFO queue's new DelaySeconds applies to the messages not received yet (and so to group heads)."""
    uow.sql.execute(_SET_DELAY, (delay_ms, queue_id))
    uow.sql.execute(_GROUPS_FOLLOW_HEADS, (queue_id,))
    recount(uow, queue_id)  # every unreceived message moved: count again (a rare, explicit change)


def count_rows(uow: UnitOfWork, queue_id: int) -> tuple[int, int, int]:
    """(visible, in flight, delayed) among the unexpired messages, counted row by row (O(depth): the
    reference the counters are checked against)."""
    now = uow.now
    visible, inflight, delayed = uow.sql.execute(_COUNTS, (now, now, now, queue_id, now, queue_id)).fetchone()
    return int(visible), int(inflight), int(delayed)


# --- queue counters (see schema/sqs.py, sqs_queue_counts) -------------------------------------------

_RESET_COUNTS = ("INSERT OR REPLACE INTO sqs_queue_counts (queue_id, total, inflight, delayed, settled_at) "
                 "VALUES (?, 0, 0, 0, ?)")
# As of settled_at 0 every row is hidden: needs no clock (also the migration's formula).
_RECOUNT = ("INSERT OR REPLACE INTO sqs_queue_counts (queue_id, total, inflight, delayed, settled_at, purged_below, "
            "purged_seq) SELECT ?1, COUNT(*), COALESCE(SUM(receive_count > 0), 0), COALESCE(SUM(receive_count = 0), 0), "
            "0, COALESCE((SELECT purged_below FROM sqs_queue_counts WHERE queue_id = ?1), 0), "
            "COALESCE((SELECT purged_seq FROM sqs_queue_counts WHERE queue_id = ?1), 0) "
            f"FROM sqs_messages WHERE queue_id = ?1 AND {_LIVE.replace('?', '?1')}")
_GET_COUNTS = "SELECT total, inflight, delayed, settled_at FROM sqs_queue_counts WHERE queue_id = ?"
# A row enters (sign 1) or leaves (sign -1) the counters with its visible_at and receive_count.
_SHIFT = ("UPDATE sqs_queue_counts SET total = total + ?1, "
          "inflight = inflight + (?2 > settled_at AND ?3 > 0) * ?4, "
          "delayed = delayed + (?2 > settled_at AND ?3 = 0) * ?4 WHERE queue_id = ?5")
_BECAME_VISIBLE = ("SELECT COALESCE(SUM(receive_count > 0), 0), COALESCE(SUM(receive_count = 0), 0) "
                   "FROM sqs_messages INDEXED BY ix_sqs_messages_visible "
                   f"WHERE queue_id = ? AND visible_at > ? AND visible_at <= ? AND {_LIVE}")
_SETTLE = "UPDATE sqs_queue_counts SET inflight = inflight - ?, delayed = delayed - ?, settled_at = ? WHERE queue_id = ?"
_EXPIRED_COUNTS = ("SELECT COALESCE(SUM(visible_at <= ?), 0), COALESCE(SUM(visible_at > ? AND receive_count > 0), 0), "
                   "COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) "
                   "FROM sqs_messages INDEXED BY ix_sqs_messages_expires WHERE expires_at <= ? AND queue_id = ? "
                   f"AND {_LIVE}")


def recount(uow: UnitOfWork, queue_id: int) -> None:
    uow.sql.execute(_RECOUNT, (queue_id,))


def _enter(uow: UnitOfWork, queue_id: int, visible_at: int, receive_count: int, *, total: int = 1) -> None:
    uow.sql.execute(_SHIFT, (total, visible_at, receive_count, 1, queue_id))


def _leave(uow: UnitOfWork, queue_id: int, visible_at: int, receive_count: int, *, total: int = 1) -> None:
    uow.sql.execute(_SHIFT, (-total, visible_at, receive_count, -1, queue_id))


def settle(uow: UnitOfWork, queue_id: int) -> tuple[int, int, int, int]:
    """Bring the queue's hidden counts to now (see schema/sqs.py); (total, inflight, delayed, settled_at)."""
    sql = uow.sql
    row = sql.execute(_GET_COUNTS, (queue_id,)).fetchone()
    if row is None:  # not counted yet (should not happen: created with the queue, or by the migration)
        recount(uow, queue_id)
        row = sql.execute(_GET_COUNTS, (queue_id,)).fetchone()
    total, inflight, delayed, settled_at = row
    now = uow.now
    if now <= settled_at:
        return total, inflight, delayed, settled_at
    shown_inflight, shown_delayed = sql.execute(_BECAME_VISIBLE, (queue_id, settled_at, now, queue_id)).fetchone()
    sql.execute(_SETTLE, (shown_inflight, shown_delayed, now, queue_id))
    return total, inflight - shown_inflight, delayed - shown_delayed, now


def counts(uow: UnitOfWork, queue_id: int) -> tuple[int, int, int]:
    """(visible, in flight, delayed) among the unexpired messages, from the counters: O(1) amortized."""
    now = uow.now
    total, inflight, delayed, settled_at = settle(uow, queue_id)
    if settled_at > now:  # the clock went back: what the counters know is the best answer
        return max(0, total - inflight - delayed), inflight, delayed
    gone_visible, gone_inflight, gone_delayed = uow.sql.execute(_EXPIRED_COUNTS,
                                                                (now, now, now, now, queue_id, queue_id)).fetchone()
    inflight -= gone_inflight
    delayed -= gone_delayed
    return total - inflight - delayed - gone_inflight - gone_delayed - gone_visible, inflight, delayed


# --- sending ----------------------------------------------------------------------------------

_INSERT = ("INSERT INTO sqs_messages (queue_id, message_id, body, attributes, md5_body, md5_attributes, system, "
           "md5_system, sender_id, sent_at, visible_at, expires_at, receive_count, group_id, dedup_id, seq, "
           "dlq_source_arn, ready) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)")
# positions in an _INSERT row
_QUEUE, _VISIBLE_AT, _GROUP, _SEQ = 0, 10, 12, 14


def insert_messages(uow: UnitOfWork, rows: list[tuple]) -> None:
    """Rows in ``_INSERT``'s parameter order (the last, ``ready``: 1 for a standard message receivable now)."""
    if len(rows) == 1:
        uow.sql.execute(_INSERT, rows[0])
        _enter(uow, rows[0][_QUEUE], rows[0][_VISIBLE_AT], 0)
    else:
        uow.sql.executemany(_INSERT, rows)
        # The counters move linearly: one UPDATE per (queue, visible_at), not per row (a batch shares its delay).
        entering = Counter((row[_QUEUE], row[_VISIBLE_AT]) for row in rows)
        uow.sql.executemany(_SHIFT, [(n, visible_at, 0, n, queue) for (queue, visible_at), n in entering.items()])
    for row in rows:
        if row[_SEQ] is not None:  # FIFO: sequence numbers only grow, so only a new group gets a head
            _note_group(uow, row[_QUEUE], row[_GROUP], row[_SEQ], row[_VISIBLE_AT])


# --- FIFO group heads (see schema/sqs.py, sqs_fifo_groups) ------------------------------------------

_NOTE_GROUP = ("INSERT INTO sqs_fifo_groups (queue_id, group_id, head_seq, ready_at, ready_seq) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
_GROUP_HEAD = ("SELECT seq, visible_at, COALESCE(visible_seq, seq) FROM sqs_messages "
               f"WHERE queue_id = ? AND group_id = ? AND seq IS NOT NULL AND {_LIVE} ORDER BY seq LIMIT 1")
_PUT_GROUP = ("INSERT INTO sqs_fifo_groups (queue_id, group_id, head_seq, ready_at, ready_seq) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (queue_id, group_id) DO UPDATE SET head_seq = excluded.head_seq, "
              "ready_at = excluded.ready_at, ready_seq = excluded.ready_seq")
_DELETE_GROUP = "DELETE FROM sqs_fifo_groups WHERE queue_id = ? AND group_id = ?"
_REBUILD_GROUPS = (
    "DELETE FROM sqs_fifo_groups",
    # SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum: the head.
    "INSERT INTO sqs_fifo_groups (queue_id, group_id, head_seq, ready_at, ready_seq) "
    "SELECT queue_id, group_id, MIN(seq), visible_at, COALESCE(visible_seq, seq) "
    "FROM sqs_messages m WHERE seq IS NOT NULL AND id > COALESCE((SELECT purged_below FROM sqs_queue_counts c "
    "WHERE c.queue_id = m.queue_id), 0) GROUP BY queue_id, group_id")


def _note_group(uow: UnitOfWork, queue_id: int, group_id: str, seq: int, visible_at: int) -> None:
    """A FIFO message was added with sequence number ``seq`` (the highest yet): the head of a new group."""
    uow.sql.execute(_NOTE_GROUP, (queue_id, group_id, seq, visible_at, seq))


def refresh_group(uow: UnitOfWork, queue_id: int, group_id: str) -> None:
    """Copy the group's head again: after its head left, or the head's visibility changed."""
    head = uow.sql.execute(_GROUP_HEAD, (queue_id, group_id, queue_id)).fetchone()
    if head is None:
        uow.sql.execute(_DELETE_GROUP, (queue_id, group_id))
    else:
        uow.sql.execute(_PUT_GROUP, (queue_id, group_id, *head))


def rebuild_fifo_groups(uow: UnitOfWork) -> None:
    """Derive the group heads from the messages (at start)."""
    for statement in _REBUILD_GROUPS:
        uow.sql.execute(statement)


_FIND_DUPLICATE = ("SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND scope IN ('', ?) AND dedup_id = ? "
                   "AND expires_at > ? AND (seq IS NULL OR seq > COALESCE((SELECT purged_seq FROM sqs_queue_counts "
                   "WHERE queue_id = ?), 0)) LIMIT 1")
_REMEMBER_DEDUP = ("INSERT OR REPLACE INTO sqs_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)")


def find_duplicate(uow: UnitOfWork, queue_id: int, group_id: str, dedup_id: str) -> tuple[str, int] | None:
    """The message a FIFO send of ``dedup_id`` in ``group_id`` duplicates: one remembered for the whole
    queue, or for that group. Each id keeps the scope the queue had when it was sent."""
    row = uow.sql.execute(_FIND_DUPLICATE, (queue_id, group_id, dedup_id, uow.now, queue_id)).fetchone()
    return (row[0], row[1]) if row else None


def remember_dedup(uow: UnitOfWork, queue_id: int, scope: str, dedup_id: str, message_id: str, seq: int,
                   expires_at: int) -> None:
    uow.sql.execute(_REMEMBER_DEDUP, (queue_id, scope, dedup_id, message_id, seq, expires_at))


# --- receiving --------------------------------------------------------------------------------

_RECEIVED = ("UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1, received_at = ?, "
             "first_receive_at = COALESCE(first_receive_at, ?), ready = NULL, "
             "visible_seq = CASE WHEN seq IS NULL THEN NULL ELSE ? END WHERE id IN ")
# INDEXED BY: the partial indexes are what keeps these statements' cost to the rows they return;
# without statistics the planner may prefer the wider ix_sqs_messages_visible.
_PROMOTE = ("UPDATE sqs_messages INDEXED BY ix_sqs_messages_waiting SET ready = 1 WHERE queue_id = ? "
            f"AND ready IS NULL AND seq IS NULL AND visible_at <= ? AND {_LIVE}")
_READY = ("FROM sqs_messages INDEXED BY ix_sqs_messages_ready WHERE queue_id = ? AND ready = 1 AND seq IS NULL "
          f"AND expires_at > ? AND {_LIVE}")
_RECEIVE_VISIBLE = (_RECEIVED + f"(SELECT id {_READY} ORDER BY id LIMIT ?) RETURNING {MESSAGE_COLUMNS}")
_CANDIDATES = f"SELECT id, receive_count {_READY} ORDER BY id LIMIT ?"
_ANY_READY = f"SELECT 1 {_READY} LIMIT 1"
_FIFO_READY_GROUPS = ("SELECT group_id FROM sqs_fifo_groups INDEXED BY ix_sqs_fifo_groups_ready "
                      "WHERE queue_id = ? AND ready_at <= ? ORDER BY ready_at, ready_seq")
_FIFO_GROUP_MESSAGES = ("SELECT id, seq, visible_at, receive_count FROM sqs_messages WHERE queue_id = ? "
                        f"AND group_id = ? AND seq IS NOT NULL AND expires_at > ? AND {_LIVE} ORDER BY seq")
_NEXT_VISIBLE = "SELECT MIN(visible_at) FROM sqs_messages WHERE queue_id = ? AND visible_at > ?"
_FIFO_NEXT_READY = "SELECT MIN(ready_at) FROM sqs_fifo_groups WHERE queue_id = ? AND ready_at > ?"


def mark_ready(uow: UnitOfWork, queue_id: int) -> None:
    """Standard queue: mark the messages that became receivable since they were last looked at."""
    uow.sql.execute(_PROMOTE, (queue_id, uow.now, queue_id))


def receive_visible(uow: UnitOfWork, queue_id: int, visible_at: int, limit: int) -> list[MessageRow]:
    """Standard queue without redrive: take the ``limit`` oldest receivable messages (after ``mark_ready``),
    in send order."""
    now = uow.now
    settle(uow, queue_id)  # the rows taken are visible now: settled, none of them is counted hidden
    rows = _messages(uow.sql.execute(_RECEIVE_VISIBLE, (visible_at, now, now, None, queue_id, now, queue_id, limit)))
    rows.sort(key=lambda r: r.id)
    _received(uow, queue_id, rows)
    return rows


def _received(uow: UnitOfWork, queue_id: int, rows: list[MessageRow]) -> None:
    if rows:
        uow.sql.executemany(_SHIFT, [(0, row.visible_at, row.receive_count, 1, queue_id) for row in rows])


def visible_candidates(uow: UnitOfWork, queue_id: int, limit: int) -> list[tuple[int, int]]:
    """Standard queue (after ``mark_ready``): (id, receive_count) of the oldest receivable messages."""
    return uow.sql.execute(_CANDIDATES, (queue_id, uow.now, queue_id, limit)).fetchall()


def any_ready(uow: UnitOfWork, queue_id: int) -> bool:
    """Standard queue (after ``mark_ready``): is any message receivable?"""
    return uow.sql.execute(_ANY_READY, (queue_id, uow.now, queue_id)).fetchone() is not None


def fifo_ready_groups(uow: UnitOfWork, queue_id: int) -> sqlite3.Cursor:
    """(group_id,) of the groups whose head is receivable, in the order FIFO serves them (a cursor)."""
    return uow.sql.execute(_FIFO_READY_GROUPS, (queue_id, uow.now))


def fifo_group_messages(uow: UnitOfWork, queue_id: int, group_id: str) -> sqlite3.Cursor:
    """(id, seq, visible_at, receive_count) of a group's unexpired messages in order (a cursor)."""
    return uow.sql.execute(_FIFO_GROUP_MESSAGES, (queue_id, group_id, uow.now, queue_id))


def mark_received(uow: UnitOfWork, queue_id: int, ids: list[int], visible_at: int,
                  visible_seq: int | None = None) -> list[MessageRow]:
    """Receive the rows ``ids`` of the queue, all visible now (in flight until ``visible_at``); returned in
    ``ids``' order.

    ``visible_seq``: for FIFO messages, the order of this receive (their group is refreshed by the caller).
    """
    now = uow.now
    settle(uow, queue_id)  # the rows taken are visible now: settled, none of them is counted hidden
    sql = f"{_RECEIVED}({_marks(len(ids))}) RETURNING {MESSAGE_COLUMNS}"
    rows = {row.id: row for row in _messages(uow.sql.execute(sql, (visible_at, now, now, visible_seq, *ids)))}
    _received(uow, queue_id, list(rows.values()))
    return [rows[i] for i in ids if i in rows]


def next_visible_at(uow: UnitOfWork, queue_id: int, fifo: bool = False) -> int | None:
    """When something in the queue next becomes receivable (for FIFO: a group's head)."""
    return scalar(uow, _FIFO_NEXT_READY if fifo else _NEXT_VISIBLE, (queue_id, uow.now))


_MOVE_COPY = (
    "INSERT INTO sqs_messages (queue_id, message_id, body, attributes, md5_body, md5_attributes, system, "
    "md5_system, sender_id, sent_at, visible_at, expires_at, receive_count, first_receive_at, received_at, "
    "group_id, dedup_id, seq, dlq_source_arn) SELECT ?, message_id, body, attributes, md5_body, "
    "md5_attributes, system, md5_system, sender_id, sent_at, ?, COALESCE(?, sent_at + ?), "
    "CASE WHEN ? THEN 0 ELSE receive_count END, CASE WHEN ? THEN NULL ELSE first_receive_at END, "
    "received_at, group_id, dedup_id, ?, ? FROM sqs_messages WHERE id = ?")
_MOVE_DELETE = "DELETE FROM sqs_messages WHERE id = ? RETURNING queue_id, group_id, seq, visible_at, receive_count"


def move_message(uow: UnitOfWork, row_id: int, target_queue_id: int, *, expires_at: int | None, retention_ms: int,
                 seq: int | None, source_arn: str | None, visible_at: int, reset_count: bool = False) -> None:
    """Move one message to another queue, keeping its id, attributes and (unless reset) receive count.

    ``expires_at`` None counts the target's retention from the original send (standard queues).
    """
    sql = uow.sql
    sql.execute(_MOVE_COPY, (target_queue_id, visible_at, expires_at, retention_ms, reset_count, reset_count, seq,
                             source_arn, row_id))
    rows = sql.execute(_MOVE_DELETE, (row_id,)).fetchall()  # all: a RETURNING statement runs to its end
    gone = rows[0] if rows else None
    if gone is not None:
        _leave(uow, gone[0], gone[3], gone[4])
        _enter(uow, target_queue_id, visible_at, 0 if reset_count else gone[4])
    if gone is not None and gone[1] is not None:
        if seq is not None:
            _note_group(uow, target_queue_id, gone[1], seq, visible_at)
        if gone[2] is not None:
            refresh_group(uow, gone[0], gone[1])


_GET_ATTEMPT = "SELECT messages FROM sqs_receive_attempts WHERE queue_id = ? AND attempt_id = ? AND expires_at > ?"
_PUT_ATTEMPT = ("INSERT OR REPLACE INTO sqs_receive_attempts (queue_id, attempt_id, messages, expires_at) "
                "VALUES (?, ?, ?, ?)")


def get_attempt(uow: UnitOfWork, queue_id: int, attempt_id: str) -> list | None:
    value = scalar(uow, _GET_ATTEMPT, (queue_id, attempt_id, uow.now))
    return json.loads(value) if value is not None else None


def put_attempt(uow: UnitOfWork, queue_id: int, attempt_id: str, messages: list, expires_at: int) -> None:
    uow.sql.execute(_PUT_ATTEMPT, (queue_id, attempt_id, json.dumps(messages), expires_at))


def rows_by_id(uow: UnitOfWork, queue_id: int, ids: list[int]) -> list[MessageRow]:
    sql = f"SELECT {MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND id IN ({_marks(len(ids))}) AND {_LIVE}"
    return _messages(uow.sql.execute(sql, (queue_id, *ids, queue_id)))


# --- deleting and visibility ------------------------------------------------------------------

_MESSAGE_STATE = ("SELECT visible_at, receive_count, received_at, expires_at FROM sqs_messages "
                  f"WHERE id = ? AND queue_id = ? AND message_id = ? AND {_LIVE}")
_DELETE_MESSAGE = (f"DELETE FROM sqs_messages WHERE id = ? AND queue_id = ? AND message_id = ? AND {_LIVE} "
                   "RETURNING group_id, seq, visible_at, receive_count")
_VISIBILITY = "SELECT queue_id, visible_at, receive_count FROM sqs_messages WHERE id = ?"
_SET_VISIBLE_AT = ("UPDATE sqs_messages SET visible_at = ?, ready = NULL, "
                   "visible_seq = CASE WHEN seq IS NULL THEN NULL ELSE ? END WHERE id = ? "
                   "RETURNING queue_id, group_id, seq")


def message_state(uow: UnitOfWork, queue_id: int, row_id: int, message_id: str) -> MessageState | None:
    row = uow.sql.execute(_MESSAGE_STATE, (row_id, queue_id, message_id, queue_id)).fetchone()
    return MessageState._make(row) if row is not None else None


def delete_message(uow: UnitOfWork, queue_id: int, row_id: int, message_id: str) -> int:
    gone = uow.sql.execute(_DELETE_MESSAGE, (row_id, queue_id, message_id, queue_id)).fetchall()
    if gone:
        _leave(uow, queue_id, gone[0][2], gone[0][3])
        if gone[0][1] is not None:
            refresh_group(uow, queue_id, gone[0][0])
    return len(gone)


def set_visible_at(uow: UnitOfWork, row_id: int, visible_at: int, visible_seq: int) -> None:
    """A new visibility timeout for one message (``visible_seq``: the order of this change, for FIFO)."""
    old = uow.sql.execute(_VISIBILITY, (row_id,)).fetchone()
    rows = uow.sql.execute(_SET_VISIBLE_AT, (visible_at, visible_seq, row_id)).fetchall()
    if rows:
        queue_id, old_visible_at, receive_count = old
        _leave(uow, queue_id, old_visible_at, receive_count, total=0)
        _enter(uow, queue_id, visible_at, receive_count, total=0)
        if rows[0][2] is not None:
            refresh_group(uow, rows[0][0], rows[0][1])


# --- retention --------------------------------------------------------------------------------

_EXPIRIES = ("SELECT MIN(expires_at) FROM sqs_messages", "SELECT MIN(expires_at) FROM sqs_dedup",
             "SELECT MIN(expires_at) FROM sqs_receive_attempts",
             "SELECT MIN(deleted_at) + 60000 FROM sqs_deleted_queues")
_DELETE_EXPIRED_MESSAGES = ("DELETE FROM sqs_messages WHERE expires_at <= ? "
                            "RETURNING queue_id, group_id, seq, visible_at, receive_count, id")
_DELETE_EXPIRED = ("DELETE FROM sqs_dedup WHERE expires_at <= ?",
                   "DELETE FROM sqs_receive_attempts WHERE expires_at <= ?",
                   "DELETE FROM sqs_deleted_queues WHERE deleted_at + 60000 <= ?")


def next_expiry(uow: UnitOfWork) -> int | None:
    """The earliest time anything SQS keeps expires (messages, dedup and attempt windows, tombstones)."""
    values: list[int] = [v for v in (scalar(uow, sql) for sql in _EXPIRIES) if v is not None]
    return min(values) if values else None


def delete_expired(uow: UnitOfWork) -> int:
    now = uow.now
    sql = uow.sql
    gone = sql.execute(_DELETE_EXPIRED_MESSAGES, (now,)).fetchall()
    purged = dict(sql.execute("SELECT queue_id, purged_below FROM sqs_queue_counts WHERE purged_below > 0").fetchall())
    sql.executemany(_SHIFT, [(-1, visible_at, count, -1, q) for q, _g, _s, visible_at, count, row_id in gone
                             if row_id > purged.get(q, 0)])  # a purged row left the counters with its purge
    for queue_id, group_id in {(q, g) for q, g, seq, _v, _c, _i in gone if seq is not None}:
        refresh_group(uow, queue_id, group_id)
    if len(gone) > 10_000:
        uow.checkpoint = True
    for statement in _DELETE_EXPIRED:
        sql.execute(statement, (now,))
    return len(gone)


# --- peeking ----------------------------------------------------------------------------------

_ALL_MESSAGES = (f"SELECT {MESSAGE_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND expires_at > ? AND id > ? "
                 f"AND {_LIVE} ORDER BY id LIMIT ?")
_MAX_SEQ = ("SELECT MAX(seq) FROM sqs_messages", "SELECT MAX(visible_seq) FROM sqs_messages",
            "SELECT MAX(seq) FROM sqs_dedup")


def all_messages(uow: UnitOfWork, queue_id: int, after_id: int = 0, limit: int | None = None) -> list[MessageRow]:
    """The unexpired messages in send order: all of them, or a page of ``limit`` after row ``after_id``."""
    return _messages(uow.sql.execute(_ALL_MESSAGES, (queue_id, uow.now, after_id, queue_id,
                                                     -1 if limit is None else limit)))


def max_seq(uow: UnitOfWork) -> int:
    return max(scalar(uow, sql) or 0 for sql in _MAX_SEQ)
