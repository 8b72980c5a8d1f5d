"""What the DynamoDB write hooks cost a write: point-in-time recovery logging and the replication queue.

Run: ``python bench/dynamodb_write_hooks.py``. An in-process Emulator (in-memory SQLite, fake clock)
makes PutItem calls one after the other (one transaction each, no group commit) on a table keyed
(pk, sk) with one GSI, replacing 1,000 existing items with ~200-byte ones, in each mode:

- ``no triggers``: the triggers dropped (what the engine cost before this feature);
- ``plain``: the triggers present, the table without hooks (their WHEN probe only);
- ``pitr``: point-in-time recovery enabled (one old image logged per write);
- ``stream only``: a NEW_AND_OLD_IMAGES stream (what a replica turns on: the Streams feature's cost);
- ``replicated``: a replica in another region (stream + one change queued per write; applied later);
- ``pitr + replicated``.

It prints CPU microseconds per PutItem and per change through the write path alone (``items.write`` in
one transaction: the triggers' own cost, steadier on a busy machine), best of nine windows interleaved across the modes, and the
replicator's cost per change applied to the replica.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.caller import Caller  # noqa: E402
from emulator.core import Emulator  # noqa: E402
from emulator.dynamodb.items import write  # noqa: E402
from emulator.dynamodb.model import item_key  # noqa: E402
from emulator.dynamodb.types import item_size  # noqa: E402
from emulator.settings import Settings  # noqa: E402
from storage import dynamodb as db  # noqa: E402

N = 1_000
KEYS = 1_000
CALLER = Caller("000000000000", "us-east-1", "http://bench")


def item(i: int) -> dict:
    return {"pk": {"S": f"p{i % KEYS}"}, "sk": {"S": "s"}, "g": {"S": f"g{i % 10}"}, "data": {"S": "x" * 180}}


async def setup(mode: str) -> Emulator:
    emulator = Emulator(Settings(in_memory=True, clock="fake", log_level="warning"))
    await emulator.start()
    ddb = emulator.dynamodb
    await ddb.create_table(CALLER, TableName="bench", BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}],
                           GlobalSecondaryIndexes=[{"IndexName": "by-g",
                                                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                    "Projection": {"ProjectionType": "ALL"}}])
    if mode == "no triggers":
        def drop(uow):
            for name in ("insert", "update", "delete"):
                uow.sql.execute(f"DROP TRIGGER dynamodb_items_hooks_{name}")
        await emulator.store.transaction(drop)
    for i in range(KEYS):
        await ddb.put_item(CALLER, table_name="bench", item=item(i))
    if "pitr" in mode:
        await ddb.update_continuous_backups(CALLER, "bench", True, None)
    if mode == "stream only":
        await ddb.update_table(CALLER, "bench", StreamSpecification={"StreamEnabled": True,
                                                                     "StreamViewType": "NEW_AND_OLD_IMAGES"})
    if "replicated" in mode:
        await ddb.update_table(CALLER, "bench", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}])
    return emulator


async def window(emulator: Emulator) -> float:
    started = time.process_time()  # CPU time (both threads): steadier than wall time on a shared machine
    for i in range(N):
        await emulator.dynamodb.put_item(CALLER, table_name="bench", item=item(i))
    return (time.process_time() - started) / N * 1e6


def write_path(uow, emulator: Emulator) -> float:
    """µs per item change through the one write path (items.write), inside one transaction: the
    triggers' own cost, without the request around it (decoding, the event loop, the commit)."""
    table = emulator.dynamodb.tables.get(uow, CALLER.account, CALLER.region, "bench")
    started = time.thread_time()
    for i in range(N):
        new = item(i)
        pk, sk = item_key(table, new)
        found = db.get_item(uow, table.id, pk, sk)
        old, old_size = found if found is not None else (None, 0)
        write(uow, table, pk, sk, old, old_size, new, item_size(new), None)
    return (time.thread_time() - started) / N * 1e6


async def apply_cost(emulator: Emulator) -> float:
    queued = await emulator.store.read(
        lambda uow: uow.sql.execute("SELECT COUNT(*) FROM dynamodb_replication_queue").fetchone()[0])
    started = time.process_time()
    await emulator.advance_clock(1000)
    return (time.process_time() - started) / queued * 1e6


MODES = ("no triggers", "plain", "pitr", "stream only", "replicated", "pitr + replicated")


async def main() -> None:
    emulators = {mode: await setup(mode) for mode in MODES}
    best = dict.fromkeys(MODES, float("inf"))
    inner = dict.fromkeys(MODES, float("inf"))
    try:
        for _ in range(9):  # windows interleaved across modes: a busy machine slows them alike
            for mode, emulator in emulators.items():
                best[mode] = min(best[mode], await window(emulator))
                inner[mode] = min(inner[mode], await emulator.store.transaction(write_path, emulator))
                if "replicated" in mode:
                    await emulator.advance_clock(1000)  # keep the queue from growing across windows
        applied = {}
        for mode in ("replicated", "pitr + replicated"):
            await window(emulators[mode])
            applied[mode] = await apply_cost(emulators[mode])
    finally:
        for emulator in emulators.values():
            await emulator.stop()
    base, inner_base = best["no triggers"], inner["no triggers"]
    print("| mode | µs per PutItem | vs no triggers | µs per write-path change | vs no triggers | "
          "replicator µs per applied change |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in MODES:
        us, w = best[mode], inner[mode]
        cost = f"{applied[mode]:.0f}" if mode in applied else "–"
        print(f"| {mode} | {us:.0f} | {us - base:+.0f} | {w:.1f} | {w - inner_base:+.1f} | {cost} |")


if __name__ == "__main__":
    asyncio.run(main())
