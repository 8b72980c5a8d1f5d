"""What the web console reads: every account and region at once, without changing anything.

``Inspector(emulator)`` is a thin facade over ``storage/inspect.py``: each method is one ``store.read``, so
it sees only committed state, in one consistent snapshot. Actions are not here: the console performs them
through the services' public methods, as an AWS client of the resource's account and region would.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import TYPE_CHECKING, Any

from storage import inspect as repo
from storage.db import UnitOfWork

from .delivery.dispatch import KIND as DELIVERY_KIND
from .delivery.dispatch import log_kind
from .delivery.model import from_payload
from .delivery.retry import next_delay_ms
from .dynamodb.model import Table as DynamoTable
from .dynamodb.streams_log import EVENT_NAMES as STREAM_EVENTS
from .dynamodb.streams_read import seq_text
from .dynamodb.ttl import describe as ttl_describe
from .events import put_events
from .events import targets as event_targets
from .events.common import BusRef, dumps, iso_time
from .patterns import InvalidEventPatternException, compile_event_pattern, event_matches, flatten
from .sqs.model import DEFAULTS, FIFO_DEFAULTS, queue_arn, queue_key_from_arn

if TYPE_CHECKING:
    from .core import Emulator

MESSAGE_PAGE = 100
SCHEDULE_SHOWN = 8  # planned attempts shown for a pending delivery
STREAM_RECORDS = 50  # change records shown for a table's stream


def _state(message: dict, now: int) -> str:
    if message["visible_at"] <= now:
        return "visible"
    return "inflight" if message["receive_count"] else "delayed"


class Inspector:
    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.store = emulator.store

    def has(self, service: str) -> bool:
        """Whether this Sluice hosts and serves ``service`` (a console section degrades to a note when not)."""
        enabled = self.emulator.settings.enabled_services
        return service in self.emulator.services and (enabled is None or service in enabled)

    # --- overview ------------------------------------------------------------------------------------

    async def overview(self) -> list[dict]:
        """Per account and region: {"account", "region", "counts": {service: {what: n}}}."""
        rows = await self.store.read(repo.counts, tuple(self.emulator.services))
        places: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        for account, region, service, what, count in rows:
            places.setdefault((account, region), {}).setdefault(service, {})[what] = count
        return [{"account": a, "region": r, "counts": places[(a, r)]} for a, r in sorted(places)]

    # --- SQS -----------------------------------------------------------------------------------------

    async def queues(self, *, account: str | None = None, region: str | None = None) -> list[dict]:
        """Queues with message counts, effective settings and the dead-letter queue each one redrives to."""
        return [self._queue(q) for q in await self.store.read(repo.queues, account=account, region=region)]

    async def queue(self, account: str, region: str, name: str, *, limit: int = MESSAGE_PAGE) -> dict | None:
        """One queue with its dead-letter links both ways, its first messages and its move tasks."""
        return await self.store.read(self._queue_txn, account, region, name, limit)

    def _queue_txn(self, uow: UnitOfWork, account: str, region: str, name: str, limit: int) -> dict | None:
        found = repo.queues(uow, account=account, region=region, name=name)
        if not found:
            return None
        queue = self._queue(found[0])
        queue["dlq_sources"] = [{"account": a, "region": r, "name": n}
                                for a, r, n in repo.dead_letter_sources(uow, queue["arn"])]
        queue["messages"] = [self._message(m, uow.now) for m in repo.messages(uow, queue["id"], limit)]
        queue["tasks"] = repo.move_tasks(uow, queue["arn"])
        return queue

    @staticmethod
    def _queue(row: dict) -> dict:
        queue = dict(row)
        queue["fifo"] = bool(queue["fifo"])
        queue["arn"] = queue_arn(queue["region"], queue["account"], queue["name"])
        queue["settings"] = {**DEFAULTS, **(FIFO_DEFAULTS if queue["fifo"] else {}), **queue["attributes"]}
        queue["dlq"] = None
        redrive = queue["attributes"].get("RedrivePolicy")
        if redrive:
            policy = json.loads(redrive)
            key = queue_key_from_arn(policy.get("deadLetterTargetArn"))
            if key is not None:
                queue["dlq"] = {"account": key[0], "region": key[1], "name": key[2],
                                "max_receive_count": policy.get("maxReceiveCount")}
        return queue

    @staticmethod
    def _message(row: dict, now: int) -> dict:
        message = dict(row)
        message["state"] = _state(row, now)
        message["attributes"] = row["attributes"] or {}
        return message

    # --- SNS -----------------------------------------------------------------------------------------

    async def topics(self, *, account: str | None = None, region: str | None = None) -> list[dict]:
        return await self.store.read(repo.topics, account=account, region=region)

    async def topic(self, arn: str, *, captured: int = 50) -> dict | None:
        """A topic with its subscriptions and what SNS captured instead of sending for it."""
        return await self.store.read(self._topic_txn, arn, captured)

    @staticmethod
    def _topic_txn(uow: UnitOfWork, arn: str, captured: int) -> dict | None:
        found = repo.topics(uow, arn=arn)
        if not found:
            return None
        topic = found[0]
        topic["subscription_list"] = repo.subscriptions(uow, arn)
        topic["captured"] = repo.captured(uow, source_arn=arn, limit=captured)
        return topic

    # --- deliveries ----------------------------------------------------------------------------------

    async def deliveries(self, *, status: str | None = None, target: str | None = None, kind: str | None = None,
                         source_arn: str | None = None, before_id: int | None = None,
                         limit: int = 100) -> list[dict]:
        """Delivery attempts, newest first; ``status`` "failed" is every attempt that did not deliver."""
        return await self.store.read(repo.deliveries, status=status, target=target, kind=kind, source_arn=source_arn,
                                     before_id=before_id, limit=limit)

    async def pending(self, *, limit: int = 100) -> list[dict]:
        """Deliveries waiting in the outbox, soonest first, each with its planned retry schedule."""
        rows = await self.store.read(repo.outbox, limit=limit)
        return [self._pending(row) for row in rows]

    async def delivery(self, log_id: int) -> dict | None:
        """One delivery's whole history: every attempt to send its message to its target, and what is pending."""
        return await self.store.read(self._delivery_txn, log_id)

    def _delivery_txn(self, uow: UnitOfWork, log_id: int) -> dict | None:
        row = repo.delivery(uow, log_id)
        if row is None:
            return None
        if row["message_id"] is None:
            return {**row, "attempts": [row], "pending": []}
        pending = repo.outbox(uow, message_id=row["message_id"], target=row["target"])
        return {**row, "attempts": repo.history(uow, row["message_id"], row["target"]),
                "pending": [self._pending(p) for p in pending]}

    def _pending(self, row: dict) -> dict:
        out = {k: v for k, v in row.items() if k != "payload"}
        payload = row["payload"]
        out["kind"] = log_kind(payload) if row["kind"] == DELIVERY_KIND else row["kind"]
        out["body"] = (payload.get("message") or {}).get("body") if row["kind"] == DELIVERY_KIND else None
        out["schedule"], out["then"] = self._schedule(row) if row["kind"] == DELIVERY_KIND else ([], None)
        return out

    @staticmethod
    def _schedule(row: dict) -> tuple[list[dict], str | None]:
        """The attempts still planned if each one fails ({"attempt", "at"}), and what happens after the last."""
        message, _, retry, dead_letter, first = from_payload(row["payload"])
        at, attempt = row["due_at"], row["attempts"] + 1
        planned = [{"attempt": attempt, "at": at}]
        after = f"then the dead-letter queue {dead_letter.arn}" if dead_letter is not None else "then it is dropped"
        while True:
            delay = next_delay_ms(retry, "server", message_id=message.message_id, attempts=attempt,
                                  first_attempt_at=first or row["created_at"], now=at)
            if delay is None:
                return planned, after
            if len(planned) == SCHEDULE_SHOWN:
                return planned, "and more retries"
            at, attempt = at + delay, attempt + 1
            planned.append({"attempt": attempt, "at": at})

    # --- EventBridge ---------------------------------------------------------------------------------

    async def buses(self, *, account: str | None = None, region: str | None = None) -> list[dict]:
        return await self.store.read(repo.buses, account=account, region=region)

    async def bus(self, arn: str) -> dict | None:
        """A bus with its rules and their targets, its archives and the replays from them."""
        return await self.store.read(self._bus_txn, arn)

    @staticmethod
    def _bus_txn(uow: UnitOfWork, arn: str) -> dict | None:
        found = repo.buses(uow, arn=arn)
        if not found:
            return None
        return {**found[0], "rule_list": repo.rules(uow, arn), "archive_list": repo.archives(uow, arn),
                "replay_list": repo.replays(uow, arn)}

    async def test_event(self, bus: BusRef, *, source: str, detail_type: str, detail: str,
                         resources: list[str] | None = None) -> dict:
        """Match an event against every rule of ``bus`` (disabled ones too) without delivering it.

        Answers {"event", "rules": [{"name", "state", "matched", "targets": [{"id", "arn", "input"}]}]} or
        {"error"}. Each matching rule's targets show what they would receive after input transformation.
        Unlike PutEvents, an ``aws.`` source is accepted: this is a dry run, as TestEventPattern is.
        """
        problem = None if source else "Source is required."
        problem = problem or (None if detail_type else "DetailType is required.")
        try:
            parsed = json.loads(detail)
        except ValueError:
            parsed = None
        if problem is None and not isinstance(parsed, dict):
            problem = "Detail must be a JSON object."
        if problem is not None:
            return {"error": problem}
        entry = put_events.Entry(bus=bus, source=source, detail_type=detail_type, detail=parsed,
                                 resources=list(resources or []))
        return await self.store.read(self._test_event_txn, bus, entry)

    @staticmethod
    def _test_event_txn(uow: UnitOfWork, bus: BusRef, entry: put_events.Entry) -> dict:
        event = put_events.event_of(entry, str(uuid.uuid4()), bus.account, bus.region, uow.now)
        event_json, flat, ingestion = dumps(event), flatten(event), iso_time(uow.now)
        results: list[dict[str, Any]] = []
        for rule in repo.rules(uow, bus.arn):
            result: dict[str, Any] = {"name": rule["name"], "arn": rule["arn"], "state": rule["state"],
                                      "pattern": rule["event_pattern"], "matched": None, "targets": []}
            results.append(result)
            if rule["event_pattern"] is None:
                continue  # a schedule rule matches no event
            try:
                result["matched"] = event_matches(compile_event_pattern(rule["event_pattern"]), flat)
            except InvalidEventPatternException as error:
                result["error"] = error.message
                continue
            if not result["matched"]:
                continue
            for target in rule["targets"]:
                spec = event_targets.spec_of(target, rule["arn"])
                body = event_targets.render(spec, event, event_json, rule_arn=rule["arn"], rule_name=rule["name"],
                                            ingestion_time=ingestion)
                result["targets"].append({"id": spec.id, "arn": spec.arn, "kind": spec.protocol, "input": body})
        return {"event": event, "rules": results}

    # --- DynamoDB ------------------------------------------------------------------------------------

    async def tables(self, *, account: str | None = None, region: str | None = None) -> list[dict]:
        """Tables with status, counters, key schema, indexes, stream and TTL settings (see ``_table``)."""
        return await self.store.read(self._tables_txn, account, region)

    def _tables_txn(self, uow: UnitOfWork, account: str | None, region: str | None) -> list[dict]:
        return [self._table(uow, row) for row in repo.dynamodb_tables(uow, account=account, region=region)]

    async def table(self, account: str, region: str, name: str) -> dict | None:
        """One table with its indexes and tags (its stream: ``table_stream``)."""
        return await self.store.read(self._table_txn, account, region, name)

    def _table_txn(self, uow: UnitOfWork, account: str, region: str, name: str) -> dict | None:
        found = repo.dynamodb_tables(uow, account=account, region=region, name=name)
        if not found:
            return None
        table = self._table(uow, found[0])
        table["tags"] = found[0]["tags"]
        return table

    async def table_stream(self, account: str, region: str, name: str, *, limit: int = STREAM_RECORDS) -> dict | None:
        """A table's streams (newest first, each with its shards in lineage order) and its latest change
        records across them, newest first, in wire form: {"streams", "records"}; None: no such table."""
        return await self.store.read(self._table_stream_txn, account, region, name, limit)

    @staticmethod
    def _table_stream_txn(uow: UnitOfWork, account: str, region: str, name: str, limit: int) -> dict | None:
        found = repo.dynamodb_tables(uow, account=account, region=region, name=name)
        if not found:
            return None
        table_id = found[0]["id"]
        streams = repo.dynamodb_table_streams(uow, table_id)
        for stream in streams:
            stream["status"] = "ENABLED" if stream["disabled_at"] is None else "DISABLED"
            stream["shards"] = _lineage(repo.dynamodb_stream_shards(uow, stream["id"]), stream["open_shard"])
        return {"streams": streams, "records": [_stream_record(r) for r in
                                                 repo.dynamodb_stream_records(uow, table_id, limit)]}

    def _table(self, uow: UnitOfWork, row: dict) -> dict:
        table = DynamoTable.from_row(row["id"], row["account"], row["region"], row["name"], row["definition"],
                                     row["created_at"])
        types = table.types
        delay = self.emulator.settings.dynamodb_table_delay_ms

        def keys(hash_key: str, range_key: str | None) -> list[dict]:
            out = [{"name": hash_key, "type": types[hash_key], "role": "HASH"}]
            if range_key is not None:
                out.append({"name": range_key, "type": types[range_key], "role": "RANGE"})
            return out

        ttl = ttl_describe(table, uow.now, delay)
        stream = table.stream if table.stream and table.stream.get("enabled") else None
        return {
            "id": table.id, "account": table.account, "region": table.region, "name": table.name, "arn": table.arn,
            "status": self.emulator.dynamodb.lifecycle.status(table.id, uow.now), "created_at": table.created_at,
            "item_count": row["item_count"], "size_bytes": row["size_bytes"],
            "key_schema": keys(table.hash_key, table.range_key),
            "indexes": [{"no": i.no, "name": i.name, "kind": i.kind, "key_schema": keys(i.hash_key, i.range_key),
                         "projection": i.projection, "non_key": list(i.non_key)} for i in table.indexes],
            "stream": None if stream is None else {"view_type": stream.get("view_type"), "label": stream.get("label")},
            "ttl": {"status": ttl["TimeToLiveStatus"], "attribute": (table.ttl or {}).get("attribute")},
            "billing_mode": table.billing_mode, "table_class": table.table_class,
            "deletion_protection": table.deletion_protection,
        }


def wire(value: Any) -> Any:
    """An item (or any part of one) as DynamoDB's wire JSON shows it: binary values base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def from_wire_key(key: dict) -> dict:
    """A key in wire JSON (``wire``'s output) back to the service's form: B values as bytes."""
    return {name: {"B": base64.b64decode(v["B"])} if "B" in v else v for name, v in key.items()}


def _lineage(shards: list[dict], open_shard: int | None) -> list[dict]:
    """Shards parents first, each child right after its parent, with ``depth`` and ``children`` (shard ids)."""
    by_parent: dict[str | None, list[dict]] = {}
    known = {s["shard_id"] for s in shards}
    for shard in shards:
        shard["open"] = shard["id"] == open_shard
        shard["children"] = [c["shard_id"] for c in shards if c["parent_id"] == shard["shard_id"]]
        shard["start"] = seq_text(shard["start_seq"])
        shard["end"] = seq_text(shard["end_seq"]) if shard["end_seq"] is not None else None
        by_parent.setdefault(shard["parent_id"] if shard["parent_id"] in known else None, []).append(shard)
    out: list[dict] = []

    def walk(parent: str | None, depth: int) -> None:
        for shard in by_parent.get(parent, []):
            shard["depth"] = depth
            out.append(shard)
            walk(shard["shard_id"], depth + 1)
    walk(None, 0)
    return out


def _stream_record(row: dict) -> dict:
    body = row["body"]
    old = wire(body["O"]["M"]) if "O" in body else None
    new = wire(body["N"]["M"]) if "N" in body else None
    changed = sorted(k for k in set(old or {}) | set(new or {}) if (old or {}).get(k) != (new or {}).get(k)) \
        if old is not None and new is not None else []
    return {"seq": seq_text(row["seq"]), "created_at": row["created_at"], "event": STREAM_EVENTS[row["event"]],
            "keys": wire(body["K"]["M"]), "old": old, "new": new, "changed": changed, "size": row["size"],
            "ttl_deletion": bool(row["service"]), "shard_id": row["shard_id"], "stream_arn": row["stream_arn"]}
