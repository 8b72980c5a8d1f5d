"""DynamoDB scenarios: PutItem, GetItem and Query throughput through wrk, and Query latency against table size.

    python bench/dynamodb_scenarios.py [--quick] [--only sluice,ministack,moto]

runs these scenarios alone (Sluice only by default); ``SCENARIOS`` is what ``bench/run.py`` adds to
its list. The table-size scenario is the engine's claim: a Query is a range scan of the clustered
key, so its latency on a table of 100,000 items stays within 1.5x of the same Query on 100 items.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
from common import JSON_1_0, NotApplicable, signed_headers  # noqa: E402
from harness import FULL, QUICK, Context, Metric, Results, Scenario  # noqa: E402
from servers import Server  # noqa: E402

PUT8 = Metric("ddb.put8", "DynamoDB PutItem throughput, 8 connections", "req/s", "higher")
GET8 = Metric("ddb.get8", "DynamoDB GetItem throughput, 8 connections", "req/s", "higher")
QUERY8 = Metric("ddb.query8", "DynamoDB Query (10 items) throughput, 8 connections", "req/s", "higher")
UPDATE8 = Metric("ddb.update8", "DynamoDB UpdateItem (condition, SET + ADD) throughput, 8 connections", "req/s",
                 "higher")
GSI8 = Metric("ddb.gsi8", "DynamoDB Query on a GSI (10 items) throughput, 8 connections", "req/s", "higher")
CPU_PUT = Metric("ddb.cpu.put", "Server CPU per PutItem (8 connections)", "ms", "lower", "min")
Q_SMALL = Metric("ddb.q.small", "DynamoDB Query (10 items) p50, table of 100 items", "ms", "lower", "p50")
Q_BIG = Metric("ddb.q.big", "DynamoDB Query (10 items) p50, table of {depth:,} items", "ms", "lower", "p50")
ITEM = {"pk": {"S": "user-1"}, "sk": {"S": "profile"}, "name": {"S": "Ada Lovelace"}, "age": {"N": "36"},
        "email": {"S": "ada@example.com"}, "tags": {"SS": ["math", "engines"]}, "active": {"BOOL": True},
        "bio": {"S": "x" * 120}}


def ddb_request(server: Server, target: str, payload: dict) -> tuple[dict, str]:
    body = json.dumps(payload)
    return signed_headers(server.url + "/", "dynamodb", body, JSON_1_0, f"DynamoDB_20120810.{target}"), body


def create_table(ctx: Context, server: Server, prefix: str, *, gsi: bool = False) -> str:
    name = ctx.unique(prefix)
    ddb = ctx.client(server, "dynamodb")
    extra: dict = {}
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]
    if gsi:  # every item has the same email: a query of the index returns them all
        definitions.append({"AttributeName": "email", "AttributeType": "S"})
        extra["GlobalSecondaryIndexes"] = [{"IndexName": "by-email", "Projection": {"ProjectionType": "ALL"},
                                            "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}]}]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=definitions,
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     **extra)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return name


def delete_table(ctx: Context, server: Server, name: str) -> None:
    try:
        ctx.client(server, "dynamodb").delete_table(TableName=name)
    except Exception:  # cleanup only: a failure here must not hide the figures
        pass


def checked(result: load.WrkResult, what: str) -> load.WrkResult:
    if result.requests == 0 or result.failed > result.requests * 0.01:
        raise NotApplicable(f"{what}: {result.failed} of {result.requests} requests failed")
    return result


def fill(ctx: Context, server: Server, table: str, partitions: int, per_partition: int) -> int:
    """``partitions`` x ``per_partition`` items through BatchWriteItem (4 client threads, bounded in time)."""
    keys = [(p, k) for p in range(partitions) for k in range(per_partition)]
    chunks = [keys[i:i + 25] for i in range(0, len(keys), 25)]
    deadline = time.monotonic() + ctx.profile.fill_seconds * 2

    def write(chunk: list[tuple[int, int]], role: str) -> int:
        if time.monotonic() > deadline:
            return 0
        requests = [{"PutRequest": {"Item": {**ITEM, "pk": {"S": f"p{p}"}, "sk": {"S": f"{k:06d}"}}}} for p, k in chunk]
        ctx.client(server, "dynamodb", role).batch_write_item(RequestItems={table: requests})
        return len(chunk)

    with ThreadPoolExecutor(4) as pool:
        written = sum(pool.map(lambda ic: write(ic[1], f"fill{ic[0] % 4}"), enumerate(chunks)))
    return written


def _throughput(target: str, metric: Metric, payload, with_cpu: bool = False, gsi: bool = False):
    def run(ctx: Context, server: Server, round_: int) -> None:
        table = create_table(ctx, server, target.lower(), gsi=gsi)
        if target != "PutItem":
            fill(ctx, server, table, 1, 10)
        headers, body = ddb_request(server, target, payload(table))
        if round_ == 0:  # warm up: connections, imports, caches
            load.run(server.url, "static", connections=8, seconds=1, headers=headers, body=body)
        cpu = server.cpu_seconds()
        result = checked(load.run(server.url, "static", connections=8, seconds=ctx.profile.wrk_seconds,
                                  headers=headers, body=body), target)
        cpu = server.cpu_seconds() - cpu
        ctx.results.add(metric.key, server.name, result.rate)
        if with_cpu:
            ctx.results.add(CPU_PUT.key, server.name, cpu * 1000 / (result.requests - result.failed))
        delete_table(ctx, server, table)
    return run


def _query_samples(ctx: Context, server: Server, tables: list[str]) -> list[list[float]]:
    """Query latencies on each table, the tables taking turns request by request, so that a burst of
    other load on the machine lands on both alike (the figure compared is their ratio)."""
    ddb = ctx.client(server, "dynamodb")
    samples: list[list[float]] = [[] for _ in tables]
    deadline = time.monotonic() + ctx.profile.phase_seconds * 2
    for i in range(2 * ctx.profile.depth_samples + 20):
        if time.monotonic() > deadline:
            break
        for k, table in enumerate(tables):
            start = time.perf_counter()
            got = ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": {"S": f"p{i % 10}"}})
            elapsed = (time.perf_counter() - start) * 1000
            if got["Count"] != 10:
                raise NotApplicable(f"a Query returned {got['Count']} items, not 10")
            if i >= 20:  # the first ones warm the connection and the server's caches
                samples[k].append(elapsed)
    return samples


def table_size(ctx: Context, server: Server, round_: int) -> None:
    """The same Query (one partition of 10 items) on a table of 100 items and on one of ``depth`` items."""
    small = create_table(ctx, server, "small")
    fill(ctx, server, small, 10, 10)
    big = create_table(ctx, server, "big")
    started = time.monotonic()
    written = fill(ctx, server, big, ctx.profile.depth // 10, 10)
    ctx.log(f"    {server.name}: {written:,} items written in {time.monotonic() - started:.0f} s")
    if written < ctx.profile.depth * 0.95:
        ctx.results.qualify([Q_BIG.key], server.name, f"{server.name}: the big table held {written:,} items, not "
                                                        f"{ctx.profile.depth:,} (filling it is time-bounded)")
    small_samples, big_samples = _query_samples(ctx, server, [small, big])
    ctx.results.add(Q_SMALL.key, server.name, *small_samples)
    ctx.results.add(Q_BIG.key, server.name, *big_samples)
    delete_table(ctx, server, small)
    delete_table(ctx, server, big)


SCENARIOS = [
    Scenario("ddb-put", (PUT8, CPU_PUT), _throughput("PutItem", PUT8, lambda t: {"TableName": t, "Item": ITEM},
                                                     with_cpu=True)),
    Scenario("ddb-get", (GET8,), _throughput("GetItem", GET8, lambda t: {
        "TableName": t, "Key": {"pk": {"S": "p0"}, "sk": {"S": "000003"}}})),
    Scenario("ddb-query", (QUERY8,), _throughput("Query", QUERY8, lambda t: {
        "TableName": t, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p0"}}})),
    Scenario("ddb-update", (UPDATE8,), _throughput("UpdateItem", UPDATE8, lambda t: {
        "TableName": t, "Key": {"pk": {"S": "p0"}, "sk": {"S": "000003"}}, "ConditionExpression": "attribute_exists(pk)",
        "UpdateExpression": "SET #n = :n ADD #a :one", "ExpressionAttributeNames": {"#n": "name", "#a": "age"},
        "ExpressionAttributeValues": {":n": {"S": "Ada"}, ":one": {"N": "1"}}})),
    Scenario("ddb-gsi", (GSI8,), _throughput("Query", GSI8, lambda t: {
        "TableName": t, "IndexName": "by-email", "KeyConditionExpression": "email = :e",
        "ExpressionAttributeValues": {":e": {"S": ITEM["email"]["S"]}}}, gsi=True)),
    Scenario("ddb-size", (Q_SMALL, Q_BIG), table_size, rounds=lambda ctx: 1),
]


def main(argv: list[str] | None = None) -> int:
    import report
    import servers as servers_mod
    from run import log, run_scenarios

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default="sluice")
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    order = [s.strip() for s in args.only.split(",") if s.strip()]
    selected = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    load.ensure_wrk(log)
    if {"ministack", "moto"} & set(order):
        servers_mod.ensure_peers(log)
    logdir = BENCH / "results" / f"logs-ddb-{time.strftime('%Y%m%dT%H%M%S')}"
    logdir.mkdir(parents=True, exist_ok=True)
    results = Results()
    ctx = Context(profile=profile, servers={}, results=results, log=log)
    began = time.monotonic()
    try:
        for name in order:
            ctx.servers[name] = servers_mod.start(name, logdir)
        run_scenarios(ctx, selected, order)
    finally:
        for server in ctx.servers.values():
            server.stop()
    command = "python bench/dynamodb_scenarios.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    print("\n" + report.render(results, selected, order, profile, command, time.monotonic() - began))
    small, big = results.figure(Q_SMALL, "sluice"), results.figure(Q_BIG, "sluice")
    if isinstance(small, float) and isinstance(big, float):
        verdict = "met" if big <= 1.5 * small else "NOT met"
        print(f"\nDynamoDB target: Query p50 on {profile.depth:,} items within 1.5x of 100 items: "
              f"{big / small:.2f}x ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
