"""DynamoDB Streams scenarios: a write's record as a polling consumer sees it, and write throughput with a stream.

    python bench/dynamodb_streams_scenarios.py [--quick]

runs them against Sluice (the only server here with streams written in the write's transaction);
``SCENARIOS`` is what a caller adds to its list. Targets (issue 11):

- ``ddbs-e2e``: from PutItem answered to the record returned by a consumer polling GetRecords (its own
  thread and client, as a Lambda poller or a KCL worker reads), p50 / p99. The writer also reads the
  record itself with one GetRecords right after each PutItem returns: the record must be readable as
  soon as PutItem returns (a 200 means committed, record included), which the scenario checks and counts.
- ``ddbs-write``: UpdateItem (``ADD n :one``: every request a real change, so every one writes a record)
  requests/s with 8 connections through wrk, on a table without a stream and on one with a
  NEW_AND_OLD_IMAGES stream, the costliest view; the target is a ratio of at least 0.8. (A fixed PutItem
  body would change nothing after the first request, and a write that changes nothing writes no record.)
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
from common import NotApplicable  # noqa: E402
from dynamodb_scenarios import checked, ddb_request, delete_table  # noqa: E402
from harness import FULL, QUICK, Context, Metric, Results, Scenario  # noqa: E402
from servers import Server  # noqa: E402

E2E_P50 = Metric("ddbs.e2e.p50", "PutItem answered -> record from a polling GetRecords consumer, p50", "ms",
                 "lower", "p50")
E2E_P99 = Metric("ddbs.e2e.p99", "PutItem answered -> record from a polling GetRecords consumer, p99", "ms",
                 "lower", "p99")
W_PLAIN = Metric("ddbs.write.plain", "UpdateItem throughput, no stream, 8 connections", "req/s", "higher")
W_STREAM = Metric("ddbs.write.stream", "UpdateItem throughput, NEW_AND_OLD_IMAGES stream, 8 connections", "req/s",
                  "higher")
CPU_PLAIN = Metric("ddbs.cpu.plain", "Server CPU per UpdateItem, no stream", "ms", "lower", "min")
CPU_STREAM = Metric("ddbs.cpu.stream", "Server CPU per UpdateItem, NEW_AND_OLD_IMAGES stream", "ms", "lower", "min")
IMMEDIATE = "ddbs.immediate"  # (read at once, total) of the writer's own check, kept in ctx.extras


def create_table(ctx: Context, server: Server, prefix: str, view: str | None) -> tuple[str, str | None]:
    name = ctx.unique(prefix)
    ddb = ctx.client(server, "dynamodb")
    extra = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": view}} if view else {}
    out = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], **extra)["TableDescription"]
    return name, out.get("LatestStreamArn")


def _shard_iterator(streams, arn: str) -> str:
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][-1]["ShardId"]
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]


def end_to_end(ctx: Context, server: Server, round_: int) -> None:
    table, arn = create_table(ctx, server, "e2e", "NEW_IMAGE")
    assert arn is not None
    ddb = ctx.client(server, "dynamodb")
    own = ctx.client(server, "dynamodbstreams")
    consumer = ctx.client(server, "dynamodbstreams", "consumer")
    answered: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()
    ready = threading.Event()
    errors: list[BaseException] = []

    def poll() -> None:  # the consumer: GetRecords in a loop, as fast as it answers
        try:
            it = _shard_iterator(consumer, arn)
            ready.set()
            while not stop.is_set() and it:
                page = consumer.get_records(ShardIterator=it)
                now = time.perf_counter()
                for record in page["Records"]:
                    seen.setdefault(record["dynamodb"]["Keys"]["pk"]["S"], now)
                it = page.get("NextShardIterator")
        except BaseException as exc:  # reported by the writer
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    ready.wait(10)
    it = _shard_iterator(own, arn)
    at_once = total = 0
    samples = ctx.profile.seq_samples // max(1, ctx.rounds)
    deadline = time.monotonic() + ctx.profile.phase_seconds
    for i in range(samples + 10):
        if time.monotonic() > deadline or errors:
            break
        key = f"k{round_}-{i}"
        ddb.put_item(TableName=table, Item={"pk": {"S": key}, "v": {"N": str(i)}})
        answered[key] = time.perf_counter()
        page = own.get_records(ShardIterator=it)          # readable as soon as PutItem returned?
        it = page["NextShardIterator"]
        total += 1
        at_once += any(r["dynamodb"]["Keys"]["pk"]["S"] == key for r in page["Records"])
        wait_until = time.monotonic() + 5
        while key not in seen and time.monotonic() < wait_until and not errors:
            time.sleep(0.0002)
    stop.set()
    thread.join(10)
    if errors:
        raise NotApplicable(f"the consumer failed: {errors[0]}")
    latencies = [max(0.0, (seen[k] - answered[k]) * 1000) for k in list(answered)[10:] if k in seen]
    if len(latencies) < len(answered) - 10:
        raise NotApplicable(f"{len(answered) - 10 - len(latencies)} records never reached the consumer")
    ctx.results.add(E2E_P50.key, server.name, *latencies)
    ctx.results.add(E2E_P99.key, server.name, *latencies)
    done, count = ctx.extras.get(IMMEDIATE, (0, 0))
    ctx.extras[IMMEDIATE] = (done + at_once, count + total)
    delete_table(ctx, server, table)


def write_throughput(ctx: Context, server: Server, round_: int) -> None:
    """The same UpdateItem on a table without a stream and on one with, back to back, order alternating."""
    order = [(None, W_PLAIN, CPU_PLAIN), ("NEW_AND_OLD_IMAGES", W_STREAM, CPU_STREAM)]
    if round_ % 2:
        order.reverse()
    for view, metric, cpu_metric in order:
        table, _ = create_table(ctx, server, "write", view)
        payload = {"TableName": table, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                   "ExpressionAttributeValues": {":one": {"N": "1"}}}
        headers, body = ddb_request(server, "UpdateItem", payload)
        if round_ == 0:
            load.run(server.url, "static", connections=8, seconds=1, headers=headers, body=body)
        cpu = server.cpu_seconds()
        result = checked(load.run(server.url, "static", connections=8, seconds=ctx.profile.wrk_seconds,
                                  headers=headers, body=body), "UpdateItem")
        cpu = server.cpu_seconds() - cpu
        ctx.results.add(metric.key, server.name, result.rate)
        ctx.results.add(cpu_metric.key, server.name, cpu * 1000 / (result.requests - result.failed))
        delete_table(ctx, server, table)


SCENARIOS = [
    Scenario("ddbs-e2e", (E2E_P50, E2E_P99), end_to_end, servers=("sluice",)),
    Scenario("ddbs-write", (W_PLAIN, W_STREAM, CPU_PLAIN, CPU_STREAM), write_throughput, servers=("sluice",)),
]


def targets(ctx: Context) -> list[str]:
    out = []
    done, total = ctx.extras.get(IMMEDIATE, (0, 0))
    if total:
        verdict = "met" if done == total else "NOT met"
        out.append(f"- the record is readable by the GetRecords issued as PutItem returns: {done}/{total} ({verdict})")
    plain, stream = ctx.results.figure(W_PLAIN, "sluice"), ctx.results.figure(W_STREAM, "sluice")
    if isinstance(plain, float) and isinstance(stream, float):
        verdict = "met" if stream >= 0.8 * plain else "NOT met"
        out.append(f"- write throughput with a stream / without: {stream:,.0f} / {plain:,.0f} req/s = "
                   f"{stream / plain:.2f} (target >= 0.80: {verdict})")
    plain, stream = ctx.results.figure(CPU_PLAIN, "sluice"), ctx.results.figure(CPU_STREAM, "sluice")
    if isinstance(plain, float) and isinstance(stream, float):
        out.append(f"- server CPU per write without / with a stream: {plain:.3f} / {stream:.3f} ms, a throughput "
                   f"bound of {plain / stream:.2f} (less sensitive than req/s to other load on the machine)")
    return out


def main(argv: list[str] | None = None) -> int:
    import report
    import servers as servers_mod
    from run import log, run_scenarios

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    args = parser.parse_args(argv)
    profile = QUICK if args.quick else FULL
    selected = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    load.ensure_wrk(log)
    logdir = BENCH / "results" / f"logs-ddbs-{time.strftime('%Y%m%dT%H%M%S')}"
    logdir.mkdir(parents=True, exist_ok=True)
    results = Results()
    ctx = Context(profile=profile, servers={}, results=results, log=log)
    began = time.monotonic()
    try:
        ctx.servers["sluice"] = servers_mod.start("sluice", logdir)
        run_scenarios(ctx, selected, ["sluice"])
    finally:
        for server in ctx.servers.values():
            server.stop()
    command = "python bench/dynamodb_streams_scenarios.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    print("\n" + report.render(results, selected, ["sluice"], profile, command, time.monotonic() - began))
    print("\nDynamoDB Streams targets (issue 11):\n" + "\n".join(targets(ctx)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
