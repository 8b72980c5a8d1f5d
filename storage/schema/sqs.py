"""SQS tables. Times are epoch milliseconds.

A message is receivable iff ``visible_at <= now < expires_at``: delay, visibility timeout and
retention are all just these two columns, so no timer is needed. ``dlq_source_arn`` remembers the
queue a dead-lettered message came from (DeadLetterQueueSourceArn, and the origin a move task sends
it back to).

Receive order, at a cost independent of queue depth and of the number of FIFO groups:

- Standard queues hand out the oldest visible message by send order (``id``) first. A message
  receivable when sent is stored ``ready = 1``; one that becomes receivable later (a delay or a
  visibility timeout running out) is marked ready by the first receive that finds it visible,
  through ``ix_sqs_messages_waiting``, which holds only the messages not marked yet. A receive then
  reads ``ix_sqs_messages_ready`` in ``id`` order: every row it reads is one it hands out.
- FIFO queues: see ``sqs_fifo_groups``.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)

from .base import metadata

sqs_queues = Table(
    "sqs_queues", metadata,
    Column("id", Integer, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("fifo", Integer, nullable=False),
    Column("attributes", Text, nullable=False),       # JSON: the settable attributes explicitly set
    Column("tags", Text, nullable=False),             # JSON object
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
    Column("purged_at", Integer),                     # last PurgeQueue (the 60-second rule)
    UniqueConstraint("account", "region", "name", name="uq_sqs_queues_name"),
)

# Names deleted in the last 60 s (QueueDeletedRecently); swept with expired messages.
sqs_deleted_queues = Table(
    "sqs_deleted_queues", metadata,
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("deleted_at", Integer, nullable=False),
    PrimaryKeyConstraint("account", "region", "name"),
)

sqs_messages = Table(
    "sqs_messages", metadata,
    Column("id", Integer, primary_key=True),          # send order
    Column("queue_id", Integer, ForeignKey("sqs_queues.id", ondelete="CASCADE"), nullable=False),
    Column("message_id", String, nullable=False),
    Column("body", Text, nullable=False),
    Column("attributes", Text),                       # JSON: message attributes, wire shape, binary as base64
    Column("md5_body", String, nullable=False),
    Column("md5_attributes", String),
    Column("system", Text),                           # JSON: message system attributes (AWSTraceHeader)
    Column("md5_system", String),
    Column("sender_id", String, nullable=False),
    Column("sent_at", Integer, nullable=False),
    Column("visible_at", Integer, nullable=False),
    Column("expires_at", Integer, nullable=False),
    Column("receive_count", Integer, nullable=False),
    Column("first_receive_at", Integer),
    Column("received_at", Integer),                   # latest receive: the 12-hour visibility cap counts from it
    Column("group_id", String),
    Column("dedup_id", String),
    Column("seq", Integer),                           # FIFO SequenceNumber (and order)
    Column("dlq_source_arn", String),
    # Standard queues: 1 once the message is known receivable (see above); NULL while delayed or in
    # flight, and for a message whose delay or visibility timeout ran out until a receive marks it.
    Column("ready", Integer),
    # FIFO: the order in which this message's current ``visible_at`` was set (a sequence number
    # handed out by the receive or ChangeMessageVisibility that set it; NULL: ``seq``, at the send).
    Column("visible_seq", Integer),
    # Ids are send order, inside receipt handles and a move task's bound: never reuse a deleted one.
    sqlite_autoincrement=True,
)
Index("ix_sqs_messages_visible", sqs_messages.c.queue_id, sqs_messages.c.visible_at)
Index("ix_sqs_messages_expires", sqs_messages.c.expires_at)
Index("ix_sqs_messages_fifo", sqs_messages.c.queue_id, sqs_messages.c.seq,
      sqlite_where=sqs_messages.c.seq.isnot(None))
Index("ix_sqs_messages_fifo_group", sqs_messages.c.queue_id, sqs_messages.c.group_id, sqs_messages.c.seq,
      sqlite_where=sqs_messages.c.seq.isnot(None))
Index("ix_sqs_messages_ready", sqs_messages.c.queue_id, sqs_messages.c.id,
      sqlite_where=and_(sqs_messages.c.ready == 1, sqs_messages.c.seq.is_(None)))
Index("ix_sqs_messages_waiting", sqs_messages.c.queue_id, sqs_messages.c.visible_at,
      sqlite_where=and_(sqs_messages.c.ready.is_(None), sqs_messages.c.seq.is_(None)))

# FIFO message groups present in a queue, each as a copy of its head (oldest message): its sequence
# number, the time it is or became receivable (its ``visible_at``: sent, or visible again) and the
# order in which that time was set (``COALESCE(visible_seq, seq)``). A group is receivable while its
# head is (``ready_at <= now``), and groups are served in (ready_at, ready_seq) order: a group whose
# head came back from a visibility timeout goes behind the groups that were waiting. A receive reads
# only groups it takes messages from, so its cost depends neither on the number of groups nor on
# their depth. Derived data: kept by the storage functions that insert, move, delete and change the
# visibility of FIFO messages, and rebuilt from the messages at start.
sqs_fifo_groups = Table(
    "sqs_fifo_groups", metadata,
    Column("queue_id", Integer, ForeignKey("sqs_queues.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", String, nullable=False),
    Column("head_seq", Integer, nullable=False),
    Column("ready_at", Integer, nullable=False),
    Column("ready_seq", Integer, nullable=False),
    PrimaryKeyConstraint("queue_id", "group_id"),
)
Index("ix_sqs_fifo_groups_ready", sqs_fifo_groups.c.queue_id, sqs_fifo_groups.c.ready_at,
      sqs_fifo_groups.c.ready_seq)

# ApproximateNumberOfMessages* at a cost independent of queue depth: counters kept in the transactions
# that change messages (storage/sqs.py), lazily corrected for what time alone changes.
#
# ``total`` counts the queue's rows; ``inflight`` and ``delayed`` the rows hidden as of ``settled_at``
# (``visible_at > settled_at``, received before or never). Time makes hidden rows visible without any
# write, so a reader first *settles* the queue to now: the rows whose ``visible_at`` lies in
# (settled_at, now] are counted through ``ix_sqs_messages_visible`` and leave the hidden counts. Every
# message becomes visible once per ``visible_at`` it is given, so that range holds only the messages that
# changed state since the last reader: amortized O(1) per message, never a scan of the queue. A write
# that moves a message's ``visible_at`` takes it out of the counters with its old values and puts it back
# with its new ones, each compared with ``settled_at``. Expired rows not swept yet are subtracted at read
# (``ix_sqs_messages_expires``: only rows past their retention, which the sweeper deletes on time).
# ``settled_at`` 0 (a migrated database) is valid: the first reader settles the whole queue once.
#
# ``purged_below``: PurgeQueue at a cost independent of depth. The purge only sets it to the highest
# message id ever handed out (and zeroes the counters): every statement that reads the queue's messages
# skips ``id <= purged_below`` (a constant bound, so an index range where the index has ``id``), and the
# ``sqs.purge`` scheduler source deletes those rows in small batches, then sets it back to 0. FIFO:
# ``purged_seq``, a sequence number above every one handed out before the purge, ends the deduplication
# window the same way (an id remembered before it is no duplicate; the rows expire on their own).
sqs_queue_counts = Table(
    "sqs_queue_counts", metadata,
    Column("queue_id", Integer, ForeignKey("sqs_queues.id", ondelete="CASCADE"), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("inflight", Integer, nullable=False),
    Column("delayed", Integer, nullable=False),
    Column("settled_at", Integer, nullable=False),
    Column("purged_below", Integer, nullable=False, server_default="0"),
    Column("purged_seq", Integer, nullable=False, server_default="0"),
)

# FIFO deduplication window: (queue, scope = '' or the group id, deduplication id) -> the original.
sqs_dedup = Table(
    "sqs_dedup", metadata,
    Column("queue_id", Integer, ForeignKey("sqs_queues.id", ondelete="CASCADE"), nullable=False),
    Column("scope", String, nullable=False),
    Column("dedup_id", String, nullable=False),
    Column("message_id", String, nullable=False),
    Column("seq", Integer),
    Column("expires_at", Integer, nullable=False),
    PrimaryKeyConstraint("queue_id", "scope", "dedup_id"),
)
Index("ix_sqs_dedup_expires", sqs_dedup.c.expires_at)

# FIFO ReceiveRequestAttemptId: a retry within 5 minutes gets the same batch and receipt handles.
sqs_receive_attempts = Table(
    "sqs_receive_attempts", metadata,
    Column("queue_id", Integer, ForeignKey("sqs_queues.id", ondelete="CASCADE"), nullable=False),
    Column("attempt_id", String, nullable=False),
    Column("messages", Text, nullable=False),         # JSON: [[row id, message id, receipt handle], ...]
    Column("expires_at", Integer, nullable=False),
    PrimaryKeyConstraint("queue_id", "attempt_id"),
)
Index("ix_sqs_receive_attempts_expires", sqs_receive_attempts.c.expires_at)
