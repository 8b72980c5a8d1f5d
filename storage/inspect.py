"""Read-only SQL for the web console: every account and region at once, never changing a row.

The services answer one caller (an account and a region) at a time; the console looks across all of them.
Every statement is a SQL string run on ``uow.sql`` over the services' own tables; rows come back as dicts
with their JSON documents decoded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .db import UnitOfWork
from .dynamodb import decode_item


def _dicts(columns: Sequence[str], rows: Iterable[Sequence[Any]], json_columns: Sequence[str] = ()) -> list[dict]:
    out = []
    for values in rows:
        row = dict(zip(columns, values, strict=True))
        for key in json_columns:
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        out.append(row)
    return out


def _where(filters: Sequence[tuple[str, Any]]) -> tuple[str, list[Any]]:
    """``WHERE a = ? AND ...`` over the filters that have a value (no filter: every row)."""
    given = [(clause, value) for clause, value in filters if value is not None and value != ""]
    if not given:
        return "", []
    return " WHERE " + " AND ".join(clause for clause, _ in given), [value for _, value in given]


# --- overview ----------------------------------------------------------------------------------------

# One count per (account, region, service, what); each service's part only when the service is hosted.
_COUNT_PARTS = {
    "sqs": ("SELECT account, region, 'sqs', 'queues', COUNT(*) FROM sqs_queues GROUP BY account, region",
            "SELECT q.account, q.region, 'sqs', 'messages', COUNT(*) FROM sqs_messages m "
            "JOIN sqs_queues q ON q.id = m.queue_id WHERE m.expires_at > :now GROUP BY q.account, q.region"),
    "sns": ("SELECT account, region, 'sns', 'topics', COUNT(*) FROM sns_topics GROUP BY account, region",
            "SELECT account, region, 'sns', 'subscriptions', COUNT(*) FROM sns_subscriptions "
            "GROUP BY account, region"),
    "events": ("SELECT account, region, 'events', 'buses', COUNT(*) FROM events_buses GROUP BY account, region",
               "SELECT account, region, 'events', 'rules', COUNT(*) FROM events_rules GROUP BY account, region"),
    "dynamodb": ("SELECT account, region, 'dynamodb', 'tables', COUNT(*) FROM dynamodb_tables "
                 "GROUP BY account, region",),
}


def counts(uow: UnitOfWork, services: Sequence[str]) -> list[tuple[str, str, str, str, int]]:
    """(account, region, service, what, count) of every resource kind of the given services."""
    parts = [sql for service in services for sql in _COUNT_PARTS.get(service, ())]
    if not parts:
        return []
    return [tuple(row) for row in uow.sql.execute(" UNION ALL ".join(parts), {"now": uow.now})]


# --- SQS ---------------------------------------------------------------------------------------------

_QUEUE_COLUMNS = ("id", "account", "region", "name", "fifo", "attributes", "tags", "created_at", "modified_at",
                  "visible", "inflight", "delayed")
_QUEUES = ("SELECT q.id, q.account, q.region, q.name, q.fifo, q.attributes, q.tags, q.created_at, q.modified_at, "
           "COALESCE(SUM(m.visible_at <= :now), 0), "
           "COALESCE(SUM(m.visible_at > :now AND m.receive_count > 0), 0), "
           "COALESCE(SUM(m.visible_at > :now AND m.receive_count = 0), 0) "
           "FROM sqs_queues q LEFT JOIN sqs_messages m ON m.queue_id = q.id AND m.expires_at > :now")
_ORDER_QUEUES = " GROUP BY q.id ORDER BY q.account, q.region, q.name"
# Queues whose RedrivePolicy names a dead-letter queue (the policy is a JSON string inside the attributes).
_REDRIVE_TARGET = ("CASE WHEN json_valid(json_extract(attributes, '$.RedrivePolicy')) "
                   "THEN json_extract(json_extract(attributes, '$.RedrivePolicy'), '$.deadLetterTargetArn') END")
_DLQ_SOURCES = f"SELECT account, region, name FROM sqs_queues WHERE {_REDRIVE_TARGET} = ? ORDER BY name"

_MESSAGE_COLUMNS = ("id", "message_id", "body", "attributes", "system", "sender_id", "sent_at", "visible_at",
                    "expires_at", "receive_count", "first_receive_at", "group_id", "dedup_id", "seq",
                    "dlq_source_arn")
_MESSAGES = (f"SELECT {', '.join(_MESSAGE_COLUMNS)} FROM sqs_messages WHERE queue_id = ? AND expires_at > ? "
             "ORDER BY id LIMIT ?")

_TASK_COLUMNS = ("task_id", "source_arn", "destination_arn", "max_per_second", "status", "started_at", "to_move",
                 "moved", "next_run_at", "failure_reason")
_TASKS = f"SELECT {', '.join(_TASK_COLUMNS)} FROM sqs_move_tasks WHERE source_arn = ? ORDER BY started_at DESC, " \
         "rowid DESC LIMIT ?"


def queues(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
           name: str | None = None) -> list[dict]:
    """Queues with their visible / in-flight / delayed message counts, by account, region and name."""
    given = {"account": account, "region": region, "name": name}
    clauses = [f"q.{column} = :{column}" for column, value in given.items() if value]
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = uow.sql.execute(_QUEUES + where + _ORDER_QUEUES, {"now": uow.now, **given})
    return _dicts(_QUEUE_COLUMNS, rows, ("attributes", "tags"))


def dead_letter_sources(uow: UnitOfWork, dlq_arn: str) -> list[tuple[str, str, str]]:
    """(account, region, name) of the queues whose RedrivePolicy sends to ``dlq_arn``."""
    return [tuple(row) for row in uow.sql.execute(_DLQ_SOURCES, (dlq_arn,))]


def messages(uow: UnitOfWork, queue_id: int, limit: int) -> list[dict]:
    """The first ``limit`` unexpired messages of a queue in send order; nothing about them changes."""
    return _dicts(_MESSAGE_COLUMNS, uow.sql.execute(_MESSAGES, (queue_id, uow.now, limit)), ("attributes", "system"))


def move_tasks(uow: UnitOfWork, source_arn: str, limit: int = 10) -> list[dict]:
    """The latest message-move tasks out of a queue, newest first."""
    return _dicts(_TASK_COLUMNS, uow.sql.execute(_TASKS, (source_arn, limit)))


# --- SNS ---------------------------------------------------------------------------------------------

_TOPIC_COLUMNS = ("arn", "account", "region", "name", "fifo", "attributes", "tags", "created_at", "subscriptions",
                  "pending")
_TOPICS = ("SELECT t.arn, t.account, t.region, t.name, t.fifo, t.attributes, t.tags, t.created_at, COUNT(s.arn), "
           "COALESCE(SUM(s.pending), 0) FROM sns_topics t LEFT JOIN sns_subscriptions s ON s.topic_arn = t.arn")
_SUBSCRIPTION_COLUMNS = ("arn", "topic_arn", "account", "region", "owner", "protocol", "endpoint", "attributes",
                         "pending", "authenticated", "created_at")
_SUBSCRIPTIONS = (f"SELECT {', '.join(_SUBSCRIPTION_COLUMNS)} FROM sns_subscriptions WHERE topic_arn = ? "
                  "ORDER BY created_at, arn")


def topics(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
           arn: str | None = None) -> list[dict]:
    """Topics with their subscription counts (all, and pending confirmation)."""
    where, args = _where((("t.account = ?", account), ("t.region = ?", region), ("t.arn = ?", arn)))
    rows = uow.sql.execute(_TOPICS + where + " GROUP BY t.arn ORDER BY t.account, t.region, t.name", args)
    out = _dicts(_TOPIC_COLUMNS, rows, ("attributes", "tags"))
    for row in out:
        row["fifo"] = bool(row["fifo"])
    return out


def subscriptions(uow: UnitOfWork, topic_arn: str) -> list[dict]:
    """A topic's subscriptions, oldest first, with their attributes (filter policy, raw delivery ...)."""
    out = _dicts(_SUBSCRIPTION_COLUMNS, uow.sql.execute(_SUBSCRIPTIONS, (topic_arn,)), ("attributes",))
    for row in out:
        row["pending"], row["authenticated"] = bool(row["pending"]), bool(row["authenticated"])
    return out


_CAPTURED_COLUMNS = ("id", "at", "source", "account", "region", "protocol", "target", "source_arn", "route",
                     "message_id", "payload")


def captured(uow: UnitOfWork, *, source_arn: str | None = None, limit: int = 50) -> list[dict]:
    """Deliveries recorded instead of sent (SMS, email, Lambda ...), newest first."""
    where, args = _where((("source_arn = ?", source_arn),))
    rows = uow.sql.execute(f"SELECT {', '.join(_CAPTURED_COLUMNS)} FROM captured{where} ORDER BY id DESC LIMIT ?",
                           (*args, limit))
    return _dicts(_CAPTURED_COLUMNS, rows, ("payload",))


# --- the delivery log and the outbox -------------------------------------------------------------------

_LOG_COLUMNS = ("id", "at", "kind", "target", "message_id", "attempt", "status", "error", "outbox_id", "source_arn")
_LOG_SELECT = f"SELECT {', '.join(_LOG_COLUMNS)} FROM delivery_log"
_OUTBOX_COLUMNS = ("id", "kind", "target", "payload", "due_at", "attempts", "created_at", "message_id", "source_arn")
_OUTBOX_SELECT = f"SELECT {', '.join(_OUTBOX_COLUMNS)} FROM outbox"
# What "failed" means in a filter: any attempt that did not deliver.
FAILED = "failed"


def deliveries(uow: UnitOfWork, *, status: str | None = None, target: str | None = None, kind: str | None = None,
               source_arn: str | None = None, message_id: str | None = None, before_id: int | None = None,
               limit: int = 100) -> list[dict]:
    """Delivery attempts, newest first. ``status`` "failed": every one not delivered; ``target``: a substring."""
    status_clause = ("status != ?", "delivered") if status == FAILED else ("status = ?", status)
    where, args = _where((status_clause, ("instr(target, ?) > 0", target), ("kind = ?", kind),
                          ("source_arn = ?", source_arn), ("message_id = ?", message_id), ("id < ?", before_id)))
    rows = uow.sql.execute(f"{_LOG_SELECT}{where} ORDER BY id DESC LIMIT ?", (*args, limit))
    return _dicts(_LOG_COLUMNS, rows)


def delivery(uow: UnitOfWork, log_id: int) -> dict | None:
    rows = _dicts(_LOG_COLUMNS, uow.sql.execute(f"{_LOG_SELECT} WHERE id = ?", (log_id,)))
    return rows[0] if rows else None


def history(uow: UnitOfWork, message_id: str, target: str) -> list[dict]:
    """Every attempt to deliver one message to one target, oldest first."""
    return _dicts(_LOG_COLUMNS, uow.sql.execute(f"{_LOG_SELECT} WHERE message_id = ? AND target = ? ORDER BY id",
                                                (message_id, target)))


def outbox(uow: UnitOfWork, *, message_id: str | None = None, target: str | None = None,
           limit: int = 100) -> list[dict]:
    """Deliveries waiting for their next attempt, soonest first."""
    where, args = _where((("message_id = ?", message_id), ("target = ?", target)))
    rows = uow.sql.execute(f"{_OUTBOX_SELECT}{where} ORDER BY due_at, id LIMIT ?", (*args, limit))
    return _dicts(_OUTBOX_COLUMNS, rows, ("payload",))


# --- EventBridge -------------------------------------------------------------------------------------

_BUS_COLUMNS = ("arn", "account", "region", "name", "description", "created_at", "rules")
_BUSES = ("SELECT b.arn, b.account, b.region, b.name, b.description, b.created_at, COUNT(r.arn) FROM events_buses b "
          "LEFT JOIN events_rules r ON r.bus_arn = b.arn")
_RULE_COLUMNS = ("arn", "account", "region", "bus_arn", "bus_name", "name", "event_pattern", "schedule", "state",
                 "description", "next_fire_at")
_RULES = f"SELECT {', '.join(_RULE_COLUMNS)} FROM events_rules WHERE bus_arn = ? ORDER BY name"
_TARGETS = "SELECT rule_arn, target FROM events_targets WHERE bus_arn = ? ORDER BY rule_arn, position"


def buses(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
          arn: str | None = None) -> list[dict]:
    """Event buses with their rule counts."""
    where, args = _where((("b.account = ?", account), ("b.region = ?", region), ("b.arn = ?", arn)))
    rows = uow.sql.execute(_BUSES + where + " GROUP BY b.arn ORDER BY b.account, b.region, b.name", args)
    return _dicts(_BUS_COLUMNS, rows)


def rules(uow: UnitOfWork, bus_arn: str) -> list[dict]:
    """A bus's rules by name, each with its targets (the Target structures, in PutTargets order)."""
    out = _dicts(_RULE_COLUMNS, uow.sql.execute(_RULES, (bus_arn,)))
    by_rule: dict[str, list[dict]] = {}
    for rule_arn, target in uow.sql.execute(_TARGETS, (bus_arn,)):
        by_rule.setdefault(rule_arn, []).append(json.loads(target))
    for row in out:
        row["targets"] = by_rule.get(row["arn"], [])
    return out


_ARCHIVE_COLUMNS = ("arn", "name", "description", "event_pattern", "retention_days", "state", "created_at",
                    "event_count", "size_bytes")
_ARCHIVES = ("SELECT a.arn, a.name, a.description, a.event_pattern, a.retention_days, a.state, a.created_at, "
             "(SELECT COUNT(*) FROM events_archived e WHERE e.archive_arn = a.arn), "
             "(SELECT COALESCE(SUM(e.size), 0) FROM events_archived e WHERE e.archive_arn = a.arn) "
             "FROM events_archives a WHERE a.bus_arn = ? ORDER BY a.name")
_REPLAY_COLUMNS = ("arn", "name", "archive_arn", "state", "state_reason", "event_start", "event_end", "started_at",
                   "ended_at", "last_replayed", "destination")
_REPLAYS = (f"SELECT {', '.join('r.' + c for c in _REPLAY_COLUMNS)} FROM events_replays r "
            "JOIN events_archives a ON a.arn = r.archive_arn WHERE a.bus_arn = ? ORDER BY r.started_at DESC, r.name "
            "LIMIT ?")


def archives(uow: UnitOfWork, bus_arn: str) -> list[dict]:
    """A bus's archives by name, with how many events (and bytes) each holds."""
    return _dicts(_ARCHIVE_COLUMNS, uow.sql.execute(_ARCHIVES, (bus_arn,)))


def replays(uow: UnitOfWork, bus_arn: str, limit: int = 50) -> list[dict]:
    """Replays from a bus's archives, newest first."""
    return _dicts(_REPLAY_COLUMNS, uow.sql.execute(_REPLAYS, (bus_arn, limit)), ("destination",))


# --- DynamoDB ----------------------------------------------------------------------------------------

_TABLE_COLUMNS = ("id", "account", "region", "name", "definition", "tags", "created_at", "item_count", "size_bytes")
_TABLES = ("SELECT t.id, t.account, t.region, t.name, t.definition, t.tags, t.created_at, "
           "COALESCE(s.item_count, 0), COALESCE(s.size_bytes, 0) FROM dynamodb_tables t "
           "LEFT JOIN dynamodb_stats s ON s.table_id = t.id AND s.index_no = 0")
_TABLE_STREAM_COLUMNS = ("id", "arn", "label", "view_type", "created_at", "disabled_at", "open_shard")
_TABLE_STREAMS = (f"SELECT {', '.join(_TABLE_STREAM_COLUMNS)} FROM dynamodb_streams WHERE table_id = ? "
                  "ORDER BY id DESC")
_SHARD_COLUMNS = ("id", "stream_id", "shard_id", "parent_id", "opened_at", "closed_at", "start_seq", "end_seq",
                  "trimmed_seq", "records")
_STREAM_SHARDS = ("SELECT sh.id, sh.stream_id, sh.shard_id, sh.parent_id, sh.opened_at, sh.closed_at, sh.start_seq, "
                  "sh.end_seq, sh.trimmed_seq, (SELECT COUNT(*) FROM dynamodb_stream_records r WHERE r.shard = sh.id) "
                  "FROM dynamodb_stream_shards sh WHERE sh.stream_id = ? ORDER BY sh.id")
_STREAM_RECORD_COLUMNS = ("seq", "created_at", "event", "body", "size", "service", "shard_id", "stream_arn")
_STREAM_RECORDS = ("SELECT r.seq, r.created_at, r.event, r.body, r.size, r.service, sh.shard_id, s.arn "
                   "FROM dynamodb_stream_records r JOIN dynamodb_stream_shards sh ON sh.id = r.shard "
                   "JOIN dynamodb_streams s ON s.id = sh.stream_id WHERE s.table_id = ? ORDER BY r.seq DESC LIMIT ?")


def dynamodb_tables(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
                    name: str | None = None) -> list[dict]:
    """Tables with their item count and size (the counters DescribeTable reports), by account, region, name."""
    where, args = _where((("t.account = ?", account), ("t.region = ?", region), ("t.name = ?", name)))
    rows = uow.sql.execute(f"{_TABLES}{where} ORDER BY t.account, t.region, t.name", args)
    return _dicts(_TABLE_COLUMNS, rows, ("definition", "tags"))


def dynamodb_table_streams(uow: UnitOfWork, table_id: int) -> list[dict]:
    """A table's streams (one per StreamSpecification enabled), newest first, disabled ones included."""
    return _dicts(_TABLE_STREAM_COLUMNS, uow.sql.execute(_TABLE_STREAMS, (table_id,)))


def dynamodb_stream_shards(uow: UnitOfWork, stream_id: int) -> list[dict]:
    """A stream's shards in creation order, closed ones included, each with its count of records kept."""
    return _dicts(_SHARD_COLUMNS, uow.sql.execute(_STREAM_SHARDS, (stream_id,)))


def dynamodb_stream_records(uow: UnitOfWork, table_id: int, limit: int) -> list[dict]:
    """The latest change records of a table's streams, newest first; ``body`` decoded (Keys, NewImage, OldImage
    under K, N, O; binary values as bytes)."""
    out = _dicts(_STREAM_RECORD_COLUMNS, uow.sql.execute(_STREAM_RECORDS, (table_id, limit)))
    for row in out:
        row["body"] = decode_item(row["body"])
    return out
