"""EventBridge scenarios: PutEvents to an SQS target end to end (boto3), PutEvents throughput with one matching rule
and with 1,000 rules on the bus (wrk), and the server's CPU per event.

Every server gets its own custom bus per run, whose rules all target one queue: the matching rule's deliveries
are counted there afterwards, so a fast answer that routes nothing does not pass for throughput.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import time

import load
from common import NotApplicable, client, signed_headers
from harness import Context, Metric, Results, Scenario
from servers import Server
from sqs_scenarios import checked, delete_queue

E2E50 = Metric("events.e2e.p50", "PutEvents -> received from its SQS target p50", "ms", "lower", "p50")
E2E99 = Metric("events.e2e.p99", "PutEvents -> received from its SQS target p99", "ms", "lower", "p99")
PUT1 = Metric("events.put1", "PutEvents throughput, 1 matching rule, 8 connections", "req/s", "higher")
CPU_PUT1 = Metric("events.cpu1", "Server CPU per event, 1 rule", "ms", "lower", "min")
PUT1A = Metric("events.put1a", "PutEvents throughput, 1 matching rule, the bus archived", "req/s", "higher")
CPU_PUT1A = Metric("events.cpu1a", "Server CPU per event, 1 rule, the bus archived", "ms", "lower", "min")
PUT1000 = Metric("events.put1000", "PutEvents throughput, 1,000 rules on the bus (1 matching)", "req/s", "higher")
CPU_PUT1000 = Metric("events.cpu1000", "Server CPU per event, 1,000 rules", "ms", "lower", "min")

JSON_1_1 = "application/x-amz-json-1.1"
SOURCE = "bench.orders"
DETAIL = json.dumps({"order": {"id": 42, "items": ["a", "b"], "total": 99.5}, "customer": "c-1"})


def _bus_and_queue(ctx: Context, server: Server, rules: int) -> tuple[str, str, str]:
    """A custom bus with ``rules`` rules on ``detail-type`` type-0 ... type-N, each targeting one queue; the events
    sent are of the middle type. Returns (bus name, queue URL, the matching detail-type)."""
    events, sqs = ctx.client(server, "events"), ctx.client(server, "sqs")
    bus = ctx.unique("bus")
    try:
        events.create_event_bus(Name=bus)
    except Exception as exc:
        raise NotApplicable(f"CreateEventBus failed: {exc}") from exc
    queue_url = sqs.create_queue(QueueName=ctx.unique("sink"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    started = time.monotonic()
    for i in range(rules):
        name = f"rule-{i}"
        events.put_rule(Name=name, EventBusName=bus,
                        EventPattern=json.dumps({"source": [SOURCE], "detail-type": [f"type-{i}"]}))
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "sink", "Arn": queue_arn}])
    if rules > 10:
        ctx.log(f"    {server.name}: {rules:,} rules created in {time.monotonic() - started:.0f} s")
    return bus, queue_url, f"type-{rules // 2}"


def _cleanup(ctx: Context, server: Server, bus: str, queue_url: str, rules: int) -> None:
    events = ctx.client(server, "events")
    try:
        for i in range(rules):
            events.remove_targets(Rule=f"rule-{i}", EventBusName=bus, Ids=["sink"])
            events.delete_rule(Name=f"rule-{i}", EventBusName=bus)
        events.delete_event_bus(Name=bus)
    except Exception:  # cleanup only
        pass
    delete_queue(ctx, server, queue_url)


def _queued(ctx: Context, server: Server, queue_url: str) -> int:
    return int(ctx.client(server, "sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])


def _receiver(url: str, queue_url: str, count: int, seconds: float, out) -> None:
    """In its own process: long-poll the target queue; for each event, the ms from its ``sent`` to now."""
    sqs, latencies, deadline = client("sqs", url), [], time.monotonic() + seconds
    while len(latencies) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2, MaxNumberOfMessages=10).get("Messages", [])
        now = time.time()
        for message in got:
            latencies.append((now - json.loads(message["Body"])["detail"]["sent"]) * 1000)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    out.put(latencies)


def e2e_latency(ctx: Context, server: Server, round_: int) -> None:
    """From starting PutEvents to a long-polling receive returning the event. The receiver runs in its own process
    (as bench/fanout_processes.py's): a receiver thread in the sending process would parse its response while
    the send's answer waits for the GIL, and that client time would weigh more than the server's."""
    events = ctx.client(server, "events")
    bus, queue_url, detail_type = _bus_and_queue(ctx, server, 1)
    count = ctx.profile.fanout_samples // ctx.rounds
    results: mp.Queue = mp.Queue()
    receiver = mp.Process(target=_receiver, args=(server.url, queue_url, count, ctx.profile.phase_seconds + 5,
                                                  results))
    receiver.start()
    try:
        time.sleep(1.0)  # the receiver reaches its long poll
        deadline = time.monotonic() + ctx.profile.phase_seconds
        sent = 0
        while sent < count and time.monotonic() < deadline:
            detail = json.dumps({"sent": time.time(), "order": {"id": 42, "items": ["a", "b"]}})
            out = events.put_events(Entries=[{"Source": SOURCE, "DetailType": detail_type, "Detail": detail,
                                              "EventBusName": bus}])
            if out.get("FailedEntryCount"):
                raise NotApplicable(f"PutEvents failed: {out['Entries'][0]}")
            sent += 1
            time.sleep(0.05)  # the receiver is parked again before the next event
        samples = results.get(timeout=ctx.profile.phase_seconds + 30)
    finally:
        receiver.join(10)
        if receiver.is_alive():
            receiver.kill()
    if len(samples) < sent:
        raise NotApplicable(f"{sent - len(samples)} of {sent} events did not reach the SQS target")
    ctx.results.add(E2E50.key, server.name, *samples)
    ctx.results.add(E2E99.key, server.name, *samples)
    _cleanup(ctx, server, bus, queue_url, 1)


def _archive(ctx: Context, server: Server, bus: str) -> str:
    """An archive of every event put on ``bus`` (no pattern, kept forever); returns its name."""
    events, name = ctx.client(server, "events"), ctx.unique("archive")
    bus_arn = events.describe_event_bus(Name=bus)["Arn"]
    try:
        events.create_archive(ArchiveName=name, EventSourceArn=bus_arn)
    except Exception as exc:
        raise NotApplicable(f"CreateArchive failed: {exc}") from exc
    return name


def _throughput(rules: int, metric: Metric, cpu_metric: Metric, *, archived: bool = False):
    def run(ctx: Context, server: Server, round_: int) -> None:
        bus, queue_url, detail_type = _bus_and_queue(ctx, server, rules)
        archive = _archive(ctx, server, bus) if archived else None
        body = json.dumps({"Entries": [{"Source": SOURCE, "DetailType": detail_type, "Detail": DETAIL,
                                        "EventBusName": bus}]})
        headers = signed_headers(server.url + "/", "events", body, JSON_1_1, "AWSEvents.PutEvents")
        if round_ == 0:
            load.run(server.url, "static", connections=8, seconds=1, headers=headers, body=body)  # warm up
        before = _queued(ctx, server, queue_url)
        cpu = server.cpu_seconds()
        result = checked(load.run(server.url, "static", connections=8, seconds=ctx.profile.wrk_seconds,
                                  headers=headers, body=body), "PutEvents")
        cpu = server.cpu_seconds() - cpu
        accepted = result.requests - result.failed
        ctx.results.add(metric.key, server.name, result.rate)
        ctx.results.add(cpu_metric.key, server.name, cpu * 1000 / accepted)
        deadline, delivered = time.monotonic() + 10, 0
        while time.monotonic() < deadline:  # a 200 that routes nothing is not a PutEvents
            delivered = _queued(ctx, server, queue_url) - before
            if delivered >= accepted:
                break
            time.sleep(0.5)
        if delivered < accepted:
            ctx.results.notes.append(f"{server.name}: {metric.label} round {round_ + 1}: {delivered:,} of "
                                     f"{accepted:,} events reached the target queue within 10 s")
        if archive is not None:
            try:
                ctx.client(server, "events").delete_archive(ArchiveName=archive)
            except Exception:  # cleanup only
                pass
        _cleanup(ctx, server, bus, queue_url, rules)
    return run


def targets(results: Results) -> list[str]:
    """The EventBridge issue's targets, judged on this run's figures (empty when no events scenario ran)."""
    def figure(metric: Metric, server: str = "sluice") -> float | None:
        value = results.figure(metric, server)
        return value if isinstance(value, float) else None

    def line(label: str, value: float | None, ok, shown: str) -> str:
        return f"- {label}: " + ("not measured" if value is None else f"{'met' if ok(value) else 'NOT met'} "
                                                                      f"({shown.format(value)})")

    e2e, put1, put1000, ministack = figure(E2E99), figure(PUT1), figure(PUT1000), figure(PUT1, "ministack")
    peers = [p for p in (figure(E2E99, "ministack"), figure(E2E99, "moto")) if p is not None]
    if e2e is None and put1 is None and put1000 is None:
        return []
    return [
        line("EventBridge e2e p99 < 10 ms", e2e, lambda v: v < 10, "{:.2f} ms"),
        line("EventBridge e2e p99 below every peer", e2e if peers else None, lambda v: v < min(peers),
             "{:.2f} ms against " + ", ".join(f"{p:.2f} ms" for p in peers)),
        line("PutEvents throughput >= 1.5x ministack", put1 / ministack if put1 and ministack else None,
             lambda v: v >= 1.5, "{:.2f}x"),
        line("PutEvents with 1,000 rules >= 50% of one rule", put1000 / put1 if put1 and put1000 else None,
             lambda v: v >= 0.5, "{:.0%}"),
    ]


SCENARIOS = [
    Scenario("events-e2e", (E2E50, E2E99), e2e_latency),
    Scenario("events-put", (PUT1, CPU_PUT1), _throughput(1, PUT1, CPU_PUT1)),
    Scenario("events-put-archived", (PUT1A, CPU_PUT1A), _throughput(1, PUT1A, CPU_PUT1A, archived=True)),
    Scenario("events-1000", (PUT1000, CPU_PUT1000), _throughput(1000, PUT1000, CPU_PUT1000),
             rounds=lambda ctx: min(ctx.rounds, 3)),  # each round creates 1,000 rules per server
]
