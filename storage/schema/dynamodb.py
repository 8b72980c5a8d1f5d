"""DynamoDB tables: table metadata, items, secondary-index entries, per-table counters, transaction tokens.

Keys are stored as BLOBs encoded by ``emulator/dynamodb/keys.py`` so that SQLite's memcmp order is
DynamoDB's order; a key range is then an index range scan. Items and index entries are clustered by
their primary key (``WITHOUT ROWID``): a Query reads consecutive pages of one b-tree, and its cost
depends on the page it returns, not on the size of the table.
"""

from __future__ import annotations

from sqlalchemy import DDL, Column, Index, Integer, LargeBinary, String, Table, Text, event

from .base import metadata

dynamodb_tables = Table(
    "dynamodb_tables", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),   # never reused: items hang on it
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("definition", Text, nullable=False),   # JSON: key schema, indexes, billing, streams, SSE, TTL...
    Column("tags", Text, nullable=False, default="{}"),
    Column("created_at", Integer, nullable=False),
    sqlite_autoincrement=True,
)
Index("ux_dynamodb_tables_name", dynamodb_tables.c.account, dynamodb_tables.c.region, dynamodb_tables.c.name,
      unique=True)

# Item count and bytes of a table (index_no 0) and of each of its secondary indexes, kept current by
# every write in the write's transaction (DescribeTable's ItemCount, TableSizeBytes, IndexSizeBytes).
dynamodb_stats = Table(
    "dynamodb_stats", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("index_no", Integer, primary_key=True),
    Column("item_count", Integer, nullable=False, default=0),
    Column("size_bytes", Integer, nullable=False, default=0),
    sqlite_with_rowid=False,
)

dynamodb_items = Table(
    "dynamodb_items", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("pk", LargeBinary, primary_key=True),     # encoded partition key
    Column("sk", LargeBinary, primary_key=True),     # encoded sort key; b'' for a table without one
    Column("item", Text, nullable=False),            # the item in wire JSON (binary values base64)
    Column("size", Integer, nullable=False),         # DynamoDB's item size, for capacity and stats
    sqlite_with_rowid=False,
)

# One row per item present in an LSI or GSI (sparse: items without the index's key attributes have
# none). Ordered by the index key, then the table key, which is what makes LastEvaluatedKey exact.
dynamodb_index_entries = Table(
    "dynamodb_index_entries", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("index_no", Integer, primary_key=True),   # the index's number within its table
    Column("ipk", LargeBinary, primary_key=True),
    Column("isk", LargeBinary, primary_key=True),
    Column("pk", LargeBinary, primary_key=True),
    Column("sk", LargeBinary, primary_key=True),
    sqlite_with_rowid=False,
)

# TransactWriteItems ClientRequestToken: the request's digest and when the token may be reused.
dynamodb_tx_tokens = Table(
    "dynamodb_tx_tokens", metadata,
    Column("account", String, primary_key=True),
    Column("region", String, primary_key=True),
    Column("token", String, primary_key=True),
    Column("digest", String, nullable=False),
    Column("response", Text, nullable=False),
    Column("expires_at", Integer, nullable=False),
)
Index("ix_dynamodb_tx_tokens_expiry", dynamodb_tx_tokens.c.expires_at)

# --- DynamoDB Streams and TTL (emulator/dynamodb/streams*.py, ttl.py; SQL in storage/dynamodb_streams.py) ---

# A table's stream, one row per StreamSpecification enabled (a new label each time). Kept after it is
# disabled, or its table deleted, until its records age out (24 hours).
dynamodb_streams = Table(
    "dynamodb_streams", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("table_id", Integer, nullable=False),
    Column("table_name", String, nullable=False),
    Column("arn", String, nullable=False),
    Column("label", String, nullable=False),
    Column("view_type", String, nullable=False),
    Column("key_schema", Text, nullable=False),      # JSON [[attribute, "HASH"|"RANGE"], ...]
    Column("secret", LargeBinary, nullable=False),   # HMAC key of its shard iterators
    Column("created_at", Integer, nullable=False),
    Column("disabled_at", Integer),                  # NULL while enabled
    Column("open_shard", Integer),                   # the shard taking records (NULL once disabled)
    sqlite_autoincrement=True,
)
Index("ux_dynamodb_streams_arn", dynamodb_streams.c.arn, unique=True)
Index("ix_dynamodb_streams_table", dynamodb_streams.c.table_id)
Index("ix_dynamodb_streams_list", dynamodb_streams.c.account, dynamodb_streams.c.region)

# Shards: one open per enabled stream; it closes (EndingSequenceNumber) when it rolls over to a child or
# its stream is disabled. ``trimmed_seq``: its records up to this sequence number are gone.
dynamodb_stream_shards = Table(
    "dynamodb_stream_shards", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stream_id", Integer, nullable=False),
    Column("shard_id", String, nullable=False),      # shardId-<20 digits>-<8 hex>
    Column("parent_id", String),
    Column("opened_at", Integer, nullable=False),
    Column("closed_at", Integer),
    Column("start_seq", Integer, nullable=False),
    Column("end_seq", Integer),
    Column("trimmed_seq", Integer, nullable=False, default=0),
    sqlite_autoincrement=True,
)
Index("ix_dynamodb_stream_shards_stream", dynamodb_stream_shards.c.stream_id)

# Change records, written in the transaction of the item change. ``seq`` is the sequence number (never
# reused, so it only grows across streams, shards and restarts); ``body`` holds Keys/NewImage/OldImage.
dynamodb_stream_records = Table(
    "dynamodb_stream_records", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("shard", Integer, nullable=False),         # dynamodb_stream_shards.id
    Column("created_at", Integer, nullable=False),
    Column("event", Integer, nullable=False),         # 0 INSERT, 1 MODIFY, 2 REMOVE
    Column("body", Text, nullable=False),
    Column("size", Integer, nullable=False),          # SizeBytes
    Column("service", Integer, nullable=False, default=0),  # 1: a TTL deletion (userIdentity Service)
    sqlite_autoincrement=True,
)
Index("ix_dynamodb_stream_records_shard", dynamodb_stream_records.c.shard)

# Items of TTL-enabled tables whose TTL attribute is a Number, by expiry: the sweeper's due time is
# the smallest ``expires_at`` (epoch ms), and it never scans a table. Kept in the item's transaction.
dynamodb_ttl = Table(
    "dynamodb_ttl", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("pk", LargeBinary, primary_key=True),
    Column("sk", LargeBinary, primary_key=True),
    Column("expires_at", Integer, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_dynamodb_ttl_due", dynamodb_ttl.c.expires_at)


# --- backups, point-in-time recovery, global tables, per-table settings ----------------------------
# (emulator/dynamodb/backups.py, pitr.py, global_tables.py, lifecycle.py, policies.py, insights.py, kinesis.py)

# Settings of a table kept and reported: contributor insights (key: '' or an index name), Kinesis
# destinations (key: the stream ARN), resource policies (key: '' or 'stream/<label>'), a pending
# status (CREATING/UPDATING until a time), restore origin, replica auto scaling. Value: JSON.
dynamodb_table_settings = Table(
    "dynamodb_table_settings", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("kind", String, primary_key=True),
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_dynamodb_table_settings_kind", dynamodb_table_settings.c.kind)

# A table deleted while SLUICE_DYNAMODB_TABLE_DELAY_MS asks for a DELETING phase: its description,
# answered by DescribeTable until ``until`` (the table's rows are already gone).
dynamodb_deleting_tables = Table(
    "dynamodb_deleting_tables", metadata,
    Column("account", String, primary_key=True),
    Column("region", String, primary_key=True),
    Column("name", String, primary_key=True),
    Column("description", Text, nullable=False),
    Column("until", Integer, nullable=False),
)

# What the triggers below do for a table: log old images (point-in-time recovery: enabled since
# ``pitr_since``, window ``pitr_days``) and queue changes for its replicas. No row: nothing.
dynamodb_write_hooks = Table(
    "dynamodb_write_hooks", metadata,
    Column("table_id", Integer, primary_key=True),
    Column("pitr", Integer, nullable=False, default=0),
    Column("pitr_since", Integer),
    Column("pitr_days", Integer),
    Column("replicate", Integer, nullable=False, default=0),
)

# Point-in-time recovery: the image of an item before each change (NULL: it did not exist), in the
# change's transaction. The table at time T is its current state with, for every key changed after
# T, the image before the first such change.
dynamodb_pitr_log = Table(
    "dynamodb_pitr_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("table_id", Integer, nullable=False),
    Column("pk", LargeBinary, nullable=False),
    Column("sk", LargeBinary, nullable=False),
    Column("item", Text),
    Column("size", Integer, nullable=False),
    Column("at", Integer, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_dynamodb_pitr_log_table", dynamodb_pitr_log.c.table_id, dynamodb_pitr_log.c.at)

# On-demand (USER) and SYSTEM backups: the table's definition and counters at the time, and a copy of
# its items, index entries and counters made in the CreateBackup transaction.
dynamodb_backups = Table(
    "dynamodb_backups", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("arn", String, nullable=False),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("kind", String, nullable=False),              # USER or SYSTEM
    Column("table_name", String, nullable=False),
    Column("source", Text, nullable=False),               # JSON: definition, arn, table id, created_at, counts
    Column("size_bytes", Integer, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("expires_at", Integer),
    sqlite_autoincrement=True,
)
Index("ux_dynamodb_backups_arn", dynamodb_backups.c.arn, unique=True)
Index("ix_dynamodb_backups_list", dynamodb_backups.c.account, dynamodb_backups.c.region,
      dynamodb_backups.c.created_at)

dynamodb_backup_items = Table(
    "dynamodb_backup_items", metadata,
    Column("backup_id", Integer, primary_key=True),
    Column("pk", LargeBinary, primary_key=True),
    Column("sk", LargeBinary, primary_key=True),
    Column("item", Text, nullable=False),
    Column("size", Integer, nullable=False),
    sqlite_with_rowid=False,
)

dynamodb_backup_index_entries = Table(
    "dynamodb_backup_index_entries", metadata,
    Column("backup_id", Integer, primary_key=True),
    Column("index_no", Integer, primary_key=True),
    Column("ipk", LargeBinary, primary_key=True),
    Column("isk", LargeBinary, primary_key=True),
    Column("pk", LargeBinary, primary_key=True),
    Column("sk", LargeBinary, primary_key=True),
    sqlite_with_rowid=False,
)

dynamodb_backup_stats = Table(
    "dynamodb_backup_stats", metadata,
    Column("backup_id", Integer, primary_key=True),
    Column("index_no", Integer, primary_key=True),
    Column("item_count", Integer, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Global tables: a replication group (one table name in one account), version 2019.11.21 (UpdateTable
# ReplicaUpdates) or 2017.11.29 (CreateGlobalTable), and its member tables, one per region.
dynamodb_global_tables = Table(
    "dynamodb_global_tables", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String, nullable=False),
    Column("name", String, nullable=False),
    Column("version", String, nullable=False),
    Column("created_at", Integer, nullable=False),
    sqlite_autoincrement=True,
)
Index("ux_dynamodb_global_tables_name", dynamodb_global_tables.c.account, dynamodb_global_tables.c.name,
      unique=True)

dynamodb_replicas = Table(
    "dynamodb_replicas", metadata,
    Column("global_table_id", Integer, primary_key=True),
    Column("region", String, primary_key=True),
    Column("table_id", Integer, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("ready_at", Integer, nullable=False),          # CREATING before, ACTIVE from then
    Column("settings", Text, nullable=False, default="{}"),  # per-replica overrides (reported)
)
Index("ux_dynamodb_replicas_table", dynamodb_replicas.c.table_id, unique=True)

# Changes of replicated tables waiting to be applied to the other replicas (the image after the
# change; NULL: deleted), written by the trigger below in the change's transaction, in commit order.
dynamodb_replication_queue = Table(
    "dynamodb_replication_queue", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("table_id", Integer, nullable=False),
    Column("pk", LargeBinary, nullable=False),
    Column("sk", LargeBinary, nullable=False),
    Column("item", Text),
    Column("size", Integer, nullable=False),
    Column("at", Integer, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_dynamodb_replication_queue_key", dynamodb_replication_queue.c.table_id, dynamodb_replication_queue.c.pk,
      dynamodb_replication_queue.c.sk, dynamodb_replication_queue.c.seq)

# One row while the replicator applies queued changes: its own writes are not queued again.
dynamodb_replication_applying = Table(
    "dynamodb_replication_applying", metadata,
    Column("id", Integer, primary_key=True),
)

# Every change of an item of a table with a dynamodb_write_hooks row, whichever code path makes it
# (the write path, batches, transactions, PartiQL, TTL deletions), is logged for point-in-time recovery
# and queued for replication by these triggers, inside the change's statement. The time is the
# injected clock's, through the SQL function sluice_dynamodb_now(kind) that storage/dynamodb_hooks.py
# registers on every connection (kind 1: PITR, 2: replication; it also wakes the due-source).
# Tables without a hooks row pay one primary-key probe of a tiny table per write.
_HOOKED = "EXISTS (SELECT 1 FROM dynamodb_write_hooks WHERE table_id = {row}.table_id)"
_LOG_OLD = ("INSERT INTO dynamodb_pitr_log (table_id, pk, sk, item, size, at) "
            "SELECT {row}.table_id, {row}.pk, {row}.sk, {item}, {size}, sluice_dynamodb_now(1) "
            "FROM dynamodb_write_hooks h WHERE h.table_id = {row}.table_id AND h.pitr = 1;")
_QUEUE = ("INSERT INTO dynamodb_replication_queue (table_id, pk, sk, item, size, at) "
          "SELECT {row}.table_id, {row}.pk, {row}.sk, {item}, {size}, sluice_dynamodb_now(2) "
          "FROM dynamodb_write_hooks h WHERE h.table_id = {row}.table_id AND h.replicate = 1 "
          "AND NOT EXISTS (SELECT 1 FROM dynamodb_replication_applying);")
_CURRENT = "(SELECT {col} FROM dynamodb_items i WHERE i.table_id = NEW.table_id AND i.pk = NEW.pk AND i.sk = NEW.sk)"
_TRIGGERS = (
    # INSERT OR REPLACE (every put) fires INSERT triggers only: the old row is read before it goes.
    ("dynamodb_items_hooks_insert", "BEFORE INSERT", "NEW",
     _LOG_OLD.format(row="NEW", item=_CURRENT.format(col="item"),
                     size=f"coalesce({_CURRENT.format(col='size')}, 0)")
     + _QUEUE.format(row="NEW", item="NEW.item", size="NEW.size")),
    ("dynamodb_items_hooks_update", "BEFORE UPDATE", "NEW",
     _LOG_OLD.format(row="OLD", item="OLD.item", size="OLD.size")
     + _QUEUE.format(row="NEW", item="NEW.item", size="NEW.size")),
    ("dynamodb_items_hooks_delete", "BEFORE DELETE", "OLD",
     _LOG_OLD.format(row="OLD", item="OLD.item", size="OLD.size")
     + _QUEUE.format(row="OLD", item="NULL", size="0")),
)
for _name, _when, _row, _body in _TRIGGERS:
    # IF NOT EXISTS: create_all runs at every start and must change nothing on a second open.
    event.listen(metadata, "after_create", DDL(
        f"CREATE TRIGGER IF NOT EXISTS {_name} {_when} ON dynamodb_items WHEN {_HOOKED.format(row=_row)} "
        f"BEGIN {_body} END"))
