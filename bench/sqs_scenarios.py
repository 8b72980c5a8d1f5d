"""SQS scenarios: throughput through wrk, latencies through boto3, cost against queue depth."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import load
from common import JSON_1_0, MESSAGE_BODY, NotApplicable, signed_headers
from harness import Context, Metric, Scenario
from servers import Server

SEND1 = Metric("send1", "SendMessage throughput, 1 connection", "req/s", "higher")
SEND8 = Metric("send8", "SendMessage throughput, 8 connections", "req/s", "higher")
BATCH = Metric("batch", "SendMessageBatch (10 per request), 8 connections", "msg/s", "higher")
DRAIN = Metric("drain", "Receive + DeleteMessageBatch drain, 8 connections", "msg/s", "higher")
SEQ50 = Metric("seq.p50", "SendMessage latency p50, boto3 sequential", "ms", "lower", "p50")
SEQ99 = Metric("seq.p99", "SendMessage latency p99, boto3 sequential", "ms", "lower", "p99")
WAKE50 = Metric("wake.p50", "Long-poll wake p50 (send answered -> waiting receive returns)", "ms", "lower", "p50")
WAKE99 = Metric("wake.p99", "Long-poll wake p99", "ms", "lower", "p99")
DEPTH_SEND0 = Metric("depth.send0", "SendMessage p50, empty queue", "ms", "lower", "p50")
DEPTH_SENDN = Metric("depth.sendN", "SendMessage p50, {depth:,} queued", "ms", "lower", "p50")
DEPTH_RECV0 = Metric("depth.recv0", "ReceiveMessage p50, empty queue", "ms", "lower", "p50")
DEPTH_RECVN = Metric("depth.recvN", "ReceiveMessage p50, {depth:,} queued", "ms", "lower", "p50")
CPU_SEND = Metric("cpu.send", "Server CPU per SendMessage (8 connections)", "ms", "lower", "min")
CPU_BATCH = Metric("cpu.batch", "Server CPU per message, SendMessageBatch", "ms", "lower", "min")
CPU_DRAIN = Metric("cpu.drain", "Server CPU per message, receive + delete", "ms", "lower", "min")


def create_queue(ctx: Context, server: Server, prefix: str) -> str:
    return ctx.client(server, "sqs").create_queue(QueueName=ctx.unique(prefix))["QueueUrl"]


def delete_queue(ctx: Context, server: Server, queue_url: str) -> None:
    try:
        ctx.client(server, "sqs").delete_queue(QueueUrl=queue_url)
    except Exception:  # cleanup only: a failure here must not hide the figures
        pass


def sqs_request(server: Server, target: str, payload: dict) -> tuple[dict, str]:
    body = json.dumps(payload)
    return signed_headers(server.url + "/", "sqs", body, JSON_1_0, f"AmazonSQS.{target}"), body


def checked(result: load.WrkResult, what: str) -> load.WrkResult:
    """Refuse a run where most requests failed: its rate would measure error handling."""
    if result.requests == 0 or result.failed > result.requests * 0.01:
        raise NotApplicable(f"{what}: {result.failed} of {result.requests} requests failed")
    return result


def fill(ctx: Context, server: Server, queue_url: str, messages: int, seconds: float) -> int:
    """Queue ``messages`` with SendMessageBatch through wrk (bounded by ``seconds``); returns how many were sent."""
    entries = [{"Id": f"e{i}", "MessageBody": MESSAGE_BODY} for i in range(10)]
    headers, body = sqs_request(server, "SendMessageBatch", {"QueueUrl": queue_url, "Entries": entries})
    result = load.run(server.url, "fill", connections=8, seconds=seconds, headers=headers, body=body,
                      env={"BENCH_TARGET": str(messages)})
    return result.items


def _send_throughput(connections: int, metric: Metric, with_cpu: bool):
    def run(ctx: Context, server: Server, round_: int) -> None:
        queue_url = create_queue(ctx, server, "send") if server.name != "floor" else server.url + "/000000000000/floor"
        headers, body = sqs_request(server, "SendMessage", {"QueueUrl": queue_url, "MessageBody": MESSAGE_BODY})
        if round_ == 0:  # warm up: first connections, imports, caches
            load.run(server.url, "static", connections=connections, seconds=1, headers=headers, body=body)
        cpu = server.cpu_seconds()
        result = checked(load.run(server.url, "static", connections=connections, seconds=ctx.profile.wrk_seconds,
                                  headers=headers, body=body), "SendMessage")
        cpu = server.cpu_seconds() - cpu
        ctx.results.add(metric.key, server.name, result.rate)
        if with_cpu:
            ctx.results.add(CPU_SEND.key, server.name, cpu * 1000 / (result.requests - result.failed))
        if server.name != "floor":
            delete_queue(ctx, server, queue_url)
    return run


def batch_throughput(ctx: Context, server: Server, round_: int) -> None:
    queue_url = create_queue(ctx, server, "batch")
    entries = [{"Id": f"e{i}", "MessageBody": MESSAGE_BODY} for i in range(10)]
    headers, body = sqs_request(server, "SendMessageBatch", {"QueueUrl": queue_url, "Entries": entries})
    cpu = server.cpu_seconds()
    result = checked(load.run(server.url, "static", connections=8, seconds=ctx.profile.wrk_seconds,
                              headers=headers, body=body), "SendMessageBatch")
    cpu = server.cpu_seconds() - cpu
    messages = (result.requests - result.failed) * 10
    ctx.results.add(BATCH.key, server.name, messages / result.seconds)
    ctx.results.add(CPU_BATCH.key, server.name, cpu * 1000 / messages)
    delete_queue(ctx, server, queue_url)


def drain(ctx: Context, server: Server, round_: int) -> None:
    queue_url = create_queue(ctx, server, "drain")
    queued = fill(ctx, server, queue_url, ctx.profile.drain_messages, seconds=ctx.profile.phase_seconds)
    if queued < 100:
        raise NotApplicable(f"could not queue messages to drain ({queued})")
    headers, _ = sqs_request(server, "ReceiveMessage", {})
    cpu = server.cpu_seconds()
    result = load.run(server.url, "drain", connections=8, seconds=ctx.profile.phase_seconds, headers=headers,
                      env={"BENCH_QUEUE_URL": queue_url})
    cpu = server.cpu_seconds() - cpu
    if result.items < min(10, queued) or result.last <= result.first:
        raise NotApplicable(f"drain deleted {result.items} of {queued} messages ({result.failed} failed requests)")
    ctx.results.add(DRAIN.key, server.name, result.items / (result.last - result.first))
    ctx.results.add(CPU_DRAIN.key, server.name, cpu * 1000 / result.items)
    delete_queue(ctx, server, queue_url)


def sequential_send(ctx: Context, server: Server, round_: int) -> None:
    sqs = ctx.client(server, "sqs")
    queue_url = create_queue(ctx, server, "seq") if server.name != "floor" else server.url + "/000000000000/floor"
    if round_ == 0:
        for _ in range(20):
            sqs.send_message(QueueUrl=queue_url, MessageBody=MESSAGE_BODY)
    samples, deadline = [], time.monotonic() + ctx.profile.phase_seconds
    for _ in range(ctx.profile.seq_samples // ctx.rounds):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        sqs.send_message(QueueUrl=queue_url, MessageBody=MESSAGE_BODY)
        samples.append((time.perf_counter() - start) * 1000)
    ctx.results.add(SEQ50.key, server.name, *samples)
    ctx.results.add(SEQ99.key, server.name, *samples)
    if server.name != "floor":
        delete_queue(ctx, server, queue_url)


def long_poll_wake(ctx: Context, server: Server, round_: int) -> None:
    """A receive waits (WaitTimeSeconds=10) in a second thread; the wake latency is from SendMessage being
    answered (the message is stored) to the waiting receive returning it."""
    sqs, waiter = ctx.client(server, "sqs"), ctx.client(server, "sqs", "waiter")
    queue_url = create_queue(ctx, server, "wake")

    def wait():
        messages = waiter.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10, MaxNumberOfMessages=1).get("Messages", [])
        return time.perf_counter(), messages

    samples, deadline = [], time.monotonic() + ctx.profile.phase_seconds
    with ThreadPoolExecutor(1) as pool:
        for _ in range(ctx.profile.wake_samples // ctx.rounds):
            if time.monotonic() > deadline:
                break
            future = pool.submit(wait)
            time.sleep(0.05)  # the receive is parked on the server
            sqs.send_message(QueueUrl=queue_url, MessageBody=MESSAGE_BODY)
            answered = time.perf_counter()
            returned, messages = future.result(timeout=30)
            if not messages:
                raise NotApplicable("a waiting receive returned no message within 10 s of a send")
            # A receive may return before the send's answer is parsed: that wake took no time.
            samples.append(max(0.0, returned - answered) * 1000)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    ctx.results.add(WAKE50.key, server.name, *samples)
    ctx.results.add(WAKE99.key, server.name, *samples)
    delete_queue(ctx, server, queue_url)


def _send_receive_p50(ctx: Context, server: Server, queue_url: str) -> tuple[list[float], list[float]]:
    """Send one, receive one, delete it: the depth stays constant; send and receive are timed."""
    sqs = ctx.client(server, "sqs")
    sends, receives, deadline = [], [], time.monotonic() + ctx.profile.phase_seconds
    for _ in range(ctx.profile.depth_samples):
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        sqs.send_message(QueueUrl=queue_url, MessageBody=MESSAGE_BODY)
        sent = time.perf_counter()
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0,
                                       VisibilityTimeout=300).get("Messages", [])
        received = time.perf_counter()
        if not messages:
            continue
        sends.append((sent - start) * 1000)
        receives.append((received - sent) * 1000)
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
    if not receives:
        raise NotApplicable("no message received back")
    return sends, receives


def depth(ctx: Context, server: Server, round_: int) -> None:
    queue_url = create_queue(ctx, server, "depth")
    sends, receives = _send_receive_p50(ctx, server, queue_url)
    ctx.results.add(DEPTH_SEND0.key, server.name, *sends)
    ctx.results.add(DEPTH_RECV0.key, server.name, *receives)
    started = time.monotonic()
    fill(ctx, server, queue_url, ctx.profile.depth, seconds=ctx.profile.fill_seconds)
    queued = int(ctx.client(server, "sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
    ctx.log(f"    {server.name}: {queued:,} messages queued in {time.monotonic() - started:.0f} s")
    if queued < ctx.profile.depth * 0.95:
        ctx.results.qualify([DEPTH_SENDN.key, DEPTH_RECVN.key], server.name,
                            f"{server.name}: the deep queue held {queued:,} messages, not {ctx.profile.depth:,} "
                            f"(filling it is bounded to {ctx.profile.fill_seconds:.0f} s)")
    sends, receives = _send_receive_p50(ctx, server, queue_url)
    ctx.results.add(DEPTH_SENDN.key, server.name, *sends)
    ctx.results.add(DEPTH_RECVN.key, server.name, *receives)
    delete_queue(ctx, server, queue_url)


WITH_FLOOR = ("sluice", "ministack", "moto", "floor")

SCENARIOS = [
    Scenario("send1", (SEND1,), _send_throughput(1, SEND1, with_cpu=False), WITH_FLOOR),
    Scenario("send8", (SEND8, CPU_SEND), _send_throughput(8, SEND8, with_cpu=True), WITH_FLOOR),
    Scenario("batch", (BATCH, CPU_BATCH), batch_throughput),
    Scenario("drain", (DRAIN, CPU_DRAIN), drain, rounds=lambda ctx: min(ctx.rounds, 3)),  # each fills a queue
    Scenario("seq", (SEQ50, SEQ99), sequential_send, WITH_FLOOR),
    Scenario("wake", (WAKE50, WAKE99), long_poll_wake),
    Scenario("depth", (DEPTH_SEND0, DEPTH_SENDN, DEPTH_RECV0, DEPTH_RECVN), depth, rounds=lambda ctx: 1),
]
