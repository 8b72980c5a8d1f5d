"""The queue counters (storage/sqs.py, schema ``sqs_queue_counts``) always equal the row-by-row COUNT they
replace: random sends, delays, receives, deletes, visibility changes, dead-lettering, move tasks, retention
(swept or not yet), purges and DelaySeconds changes, with the fake clock moving in between."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest

from emulator.caller import Caller
from emulator.errors import AwsError
from storage import migrations
from storage import sqs as db

CALLER = Caller(account="000000000000", region="us-east-1", endpoint="http://localhost:4566")


async def counted(emulator, queue_id: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    return await emulator.store.transaction(lambda uow: (db.counts(uow, queue_id), db.count_rows(uow, queue_id)))


async def make_queues(emulator) -> dict[str, tuple[str, int, bool]]:
    sqs = emulator.sqs
    out = {}
    for name, attributes in [
        ("dlq", {"MessageRetentionPeriod": "120"}),
        ("std", {"MessageRetentionPeriod": "90", "VisibilityTimeout": "5"}),
        ("redriven", {"VisibilityTimeout": "3"}),
        ("dlq.fifo", {"FifoQueue": "true"}),
        ("f.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true", "MessageRetentionPeriod": "100",
                    "VisibilityTimeout": "4"}),
    ]:
        url = (await sqs.create_queue(CALLER, queue_name=name, attributes=attributes))["QueueUrl"]
        out[name] = url
    arn = {name: f"arn:aws:sqs:us-east-1:000000000000:{name}" for name in out}
    await sqs.set_queue_attributes(CALLER, queue_url=out["redriven"], attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn["dlq"], "maxReceiveCount": 2})})
    await sqs.set_queue_attributes(CALLER, queue_url=out["f.fifo"], attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn["dlq.fifo"], "maxReceiveCount": 2})})
    ids = await emulator.store.read(lambda uow: {q.name: q.id for q in emulator.sqs.queues.all(uow)})
    return {name: (url, ids[name], name.endswith(".fifo")) for name, url in out.items()}


@pytest.mark.parametrize("seed", range(6))
async def test_counters_equal_the_row_counts_under_random_operations(emulator, seed):
    rng = random.Random(seed)
    sqs = emulator.sqs
    queues = await make_queues(emulator)
    names = list(queues)
    handles: list[tuple[str, str]] = []
    body = 0

    async def check() -> None:
        for name, (_url, queue_id, _fifo) in queues.items():
            fast, slow = await counted(emulator, queue_id)
            assert fast == slow, (seed, name, fast, slow)

    for _step in range(250):
        name = rng.choice(names)
        url, _queue_id, fifo = queues[name]
        op = rng.random()
        try:
            if op < 0.30:
                body += 1
                group = {"message_group_id": f"g{rng.randrange(4)}"} if fifo else {}
                delay = None if fifo else rng.choice([None, 0, 1, 3, 10])
                await sqs.send_message(CALLER, queue_url=url, message_body=f"m{body}", delay_seconds=delay, **group)
            elif op < 0.50:
                out = await sqs.receive_message(CALLER, queue_url=url, max_number_of_messages=rng.randint(1, 10),
                                                visibility_timeout=rng.choice([None, 0, 1, 2, 30]),
                                                wait_time_seconds=0)
                handles += [(url, m["ReceiptHandle"]) for m in out.get("Messages", [])]
            elif op < 0.60 and handles:
                h_url, handle = handles.pop(rng.randrange(len(handles)))
                await sqs.delete_message(CALLER, queue_url=h_url, receipt_handle=handle)
            elif op < 0.68 and handles:
                h_url, handle = rng.choice(handles)
                await sqs.change_message_visibility(CALLER, queue_url=h_url, receipt_handle=handle,
                                                    visibility_timeout=rng.choice([0, 1, 7, 60]))
            elif op < 0.80:
                ms = rng.choice([100, 500, 1000, 2500, 6000, 30_000])
                if rng.random() < 0.5:
                    emulator.clock.advance(ms)           # time alone: nothing swept, nothing settled
                else:
                    await emulator.advance_clock(ms)     # and everything due runs (retention, move tasks)
            elif op < 0.83:
                await sqs.purge_queue(CALLER, queue_url=url)
            elif op < 0.86:
                attributes = {"MessageRetentionPeriod": str(rng.choice([60, 75, 200]))}
                if fifo:
                    attributes["DelaySeconds"] = str(rng.choice([0, 2, 5]))
                await sqs.set_queue_attributes(CALLER, queue_url=url, attributes=attributes)
            elif op < 0.88 and name.startswith("dlq"):
                await sqs.start_message_move_task(CALLER, source_arn=f"arn:aws:sqs:us-east-1:000000000000:{name}")
            elif op < 0.92 and not fifo:
                entries = [{"Id": str(i), "MessageBody": f"b{body}-{i}", "DelaySeconds": rng.choice([0, 2])}
                           for i in range(rng.randint(1, 10))]
                await sqs.send_message_batch(CALLER, queue_url=url, entries=entries)
        except AwsError:
            pass  # a stale receipt handle, a purge within 60 s, a move task already running: not the point here
        if rng.random() < 0.5:
            await check()
    await check()
    emulator.clock.advance(200_000)  # everything expired, nothing swept yet
    await check()
    await emulator.advance_clock(0)
    await check()


async def test_counts_do_not_read_the_queue_rows(emulator):
    """GetQueueAttributes reads the counters and the rows that changed state, not the queue: the same work
    on a queue of 20 messages and one of 1,000."""
    sqs = emulator.sqs
    urls = {name: (await sqs.create_queue(CALLER, queue_name=name))["QueueUrl"] for name in ("small", "deep")}
    for name, batches in (("small", 2), ("deep", 100)):
        for _ in range(batches):
            await sqs.send_message_batch(CALLER, queue_url=urls[name], entries=[
                {"Id": str(j), "MessageBody": "x", "DelaySeconds": 5 if j % 2 else 0} for j in range(10)])
    ids = await make_queue_ids(emulator)
    emulator.clock.advance(1000)  # nothing changes state
    small = await emulator.store.transaction(_vm_steps, ids["small"], db.counts)
    deep = await emulator.store.transaction(_vm_steps, ids["deep"], db.counts)
    assert deep == small
    assert await emulator.store.transaction(_vm_steps, ids["deep"], db.count_rows) > 20 * deep  # the old way
    attributes = (await sqs.get_queue_attributes(CALLER, queue_url=urls["deep"], attribute_names=["All"]))["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesDelayed"]) == ("500", "500")
    emulator.clock.advance(5000)
    attributes = (await sqs.get_queue_attributes(CALLER, queue_url=urls["deep"], attribute_names=["All"]))["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesDelayed"]) == ("1000", "0")


async def make_queue_ids(emulator) -> dict[str, int]:
    return await emulator.store.read(lambda uow: {q.name: q.id for q in emulator.sqs.queues.all(uow)})


def _vm_steps(uow, queue_id: int, count) -> int:
    """SQLite virtual-machine steps of one ``count``: a measure of rows read, independent of the machine."""
    steps = 0

    def tick() -> int:
        nonlocal steps
        steps += 1
        return 0

    uow.sql.set_progress_handler(tick, 1)
    try:
        count(uow, queue_id)
    finally:
        uow.sql.set_progress_handler(None, 1)
    return steps


def test_the_migration_counts_every_queue_from_its_rows():
    sql = sqlite3.connect(":memory:", isolation_level=None)
    from storage import ddl
    for statement in ddl.STATEMENTS:
        if "sqs_queue_counts" not in statement:
            sql.execute(statement)
    sql.execute("INSERT INTO sqs_queues (id, account, region, name, fifo, attributes, tags, created_at, modified_at) "
                "VALUES (1, 'a', 'r', 'q', 0, '{}', '{}', 0, 0), (2, 'a', 'r', 'empty', 0, '{}', '{}', 0, 0)")
    for i, (visible_at, receive_count) in enumerate([(5, 0), (50, 0), (50, 1), (5, 2), (500, 0)]):
        sql.execute("INSERT INTO sqs_messages (queue_id, message_id, body, md5_body, sender_id, sent_at, visible_at, "
                    "expires_at, receive_count) VALUES (1, ?, 'b', 'm', 's', 0, ?, 1000, ?)",
                    (str(i), visible_at, receive_count))
    migrations.STEPS[3](sql)
    rows = sql.execute("SELECT queue_id, total, inflight, delayed, settled_at FROM sqs_queue_counts ORDER BY 1").fetchall()
    assert rows == [(1, 5, 2, 3, 0), (2, 0, 0, 0, 0)]

    class Uow:  # the storage functions need only ``sql`` and ``now``
        def __init__(self, now):
            self.sql, self.now = sql, now
    for now in (10, 60, 400, 600):
        assert db.counts(Uow(now), 1) == db.count_rows(Uow(now), 1)
