"""SNS scenarios: fan-out to three SQS queues (one filtered, one raw), Publish throughput, HTTP delivery.

A server without SNS (or without HTTP delivery) gets ``n/a: <reason>`` for the scenario; the run goes on.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import load
from common import FORM, NotApplicable, signed_headers
from harness import Context, Metric, Scenario
from servers import Server
from sqs_scenarios import checked, delete_queue

FANOUT50 = Metric("fanout.p50", "SNS Publish -> received in 3 SQS queues (1 filtered, 1 raw) p50", "ms", "lower", "p50")
FANOUT99 = Metric("fanout.p99", "SNS Publish -> received in 3 SQS queues p99", "ms", "lower", "p99")
PUBLISH = Metric("publish", "SNS Publish throughput (fan-out to 3 queues), 8 connections", "req/s", "higher")
CPU_PUBLISH = Metric("cpu.publish", "Server CPU per Publish (fan-out to 3 queues)", "ms", "lower", "min")
HTTP50 = Metric("http.p50", "SNS Publish -> HTTP subscriber POST p50", "ms", "lower", "p50")
HTTP99 = Metric("http.p99", "SNS Publish -> HTTP subscriber POST p99", "ms", "lower", "p99")

ATTRIBUTES = {"kind": {"DataType": "String", "StringValue": "order"}}


def _queue_policy(queue_arn: str, topic_arn: str) -> str:
    """What AWS requires for SNS to deliver to a queue (emulators that do not check simply store it)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]})


def fanout_topic(ctx: Context, server: Server) -> tuple[str, list[str]]:
    """A topic with three SQS subscriptions: plain, filtered on ``kind`` (the published messages match), raw."""
    sns, sqs = ctx.client(server, "sns"), ctx.client(server, "sqs")
    try:
        topic_arn = sns.create_topic(Name=ctx.unique("topic"))["TopicArn"]
    except Exception as exc:
        raise NotApplicable(f"CreateTopic failed: {exc}") from exc
    queue_urls = []
    for role, attributes in (("plain", {}), ("filtered", {"FilterPolicy": json.dumps({"kind": ["order"]})}),
                             ("raw", {"RawMessageDelivery": "true"})):
        queue_url = sqs.create_queue(QueueName=ctx.unique(role))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": _queue_policy(queue_arn, topic_arn)})
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes,
                      ReturnSubscriptionArn=True)
        queue_urls.append(queue_url)
    return topic_arn, queue_urls


def _cleanup(ctx: Context, server: Server, topic_arn: str, queue_urls: list[str]) -> None:
    for queue_url in queue_urls:
        delete_queue(ctx, server, queue_url)
    try:
        ctx.client(server, "sns").delete_topic(TopicArn=topic_arn)
    except Exception:
        pass


def fanout_latency(ctx: Context, server: Server, round_: int) -> None:
    """Three long-polling receivers wait; the figure is from starting Publish to the last of them returning."""
    sns = ctx.client(server, "sns")
    topic_arn, queue_urls = fanout_topic(ctx, server)
    waiters = [ctx.client(server, "sqs", f"fanout{i}") for i in range(3)]

    def wait(i: int):
        messages = waiters[i].receive_message(QueueUrl=queue_urls[i], WaitTimeSeconds=5).get("Messages", [])
        if messages:
            waiters[i].delete_message(QueueUrl=queue_urls[i], ReceiptHandle=messages[0]["ReceiptHandle"])
        return time.perf_counter(), bool(messages)

    samples, deadline = [], time.monotonic() + ctx.profile.phase_seconds
    with ThreadPoolExecutor(3) as pool:
        for n in range(ctx.profile.fanout_samples // ctx.rounds):
            if time.monotonic() > deadline:
                break
            futures = [pool.submit(wait, i) for i in range(3)]
            time.sleep(0.05)  # the receives are parked on the server
            start = time.perf_counter()
            sns.publish(TopicArn=topic_arn, Message=f"fanout {n}", MessageAttributes=ATTRIBUTES)
            outcomes = [f.result(timeout=30) for f in futures]
            if not all(got for _, got in outcomes):
                missing = [("plain", "filtered", "raw")[i] for i, (_, got) in enumerate(outcomes) if not got]
                raise NotApplicable(f"no delivery to the {'/'.join(missing)} queue within 5 s")
            samples.append((max(t for t, _ in outcomes) - start) * 1000)
    ctx.results.add(FANOUT50.key, server.name, *samples)
    ctx.results.add(FANOUT99.key, server.name, *samples)
    _cleanup(ctx, server, topic_arn, queue_urls)


def publish_throughput(ctx: Context, server: Server, round_: int) -> None:
    topic_arn, queue_urls = fanout_topic(ctx, server)
    body = urlencode({"Action": "Publish", "Version": "2010-03-31", "TopicArn": topic_arn, "Message": "bench publish",
                      "MessageAttributes.entry.1.Name": "kind",
                      "MessageAttributes.entry.1.Value.DataType": "String",
                      "MessageAttributes.entry.1.Value.StringValue": "order"})
    headers = signed_headers(server.url + "/", "sns", body, FORM)
    cpu = server.cpu_seconds()
    result = checked(load.run(server.url, "static", connections=8, seconds=ctx.profile.wrk_seconds, headers=headers,
                              body=body), "Publish")
    cpu = server.cpu_seconds() - cpu
    published = result.requests - result.failed
    ctx.results.add(PUBLISH.key, server.name, result.rate)
    ctx.results.add(CPU_PUBLISH.key, server.name, cpu * 1000 / published)
    # A fast answer that delivers nothing would not be a publish: check the raw queue got them all.
    deadline, delivered = time.monotonic() + 10, 0
    while time.monotonic() < deadline:
        delivered = int(ctx.client(server, "sqs").get_queue_attributes(
            QueueUrl=queue_urls[2], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
        if delivered >= published:
            break
        time.sleep(0.5)
    if delivered < published:
        ctx.results.notes.append(f"{server.name}: Publish throughput round {round_ + 1}: {delivered:,} of "
                                 f"{published:,} published messages reached the raw queue within 10 s")
    _cleanup(ctx, server, topic_arn, queue_urls)


class Receiver:
    """An HTTP subscriber on loopback: confirms subscriptions and timestamps each notification's arrival."""

    def __init__(self) -> None:
        self.confirmations: dict[str, dict] = {}   # TopicArn -> SubscriptionConfirmation
        self.arrivals: dict[str, float] = {}       # Message -> perf_counter at arrival
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                try:
                    message = json.loads(body)
                except ValueError:
                    return
                with receiver.changed:
                    if message.get("Type") == "SubscriptionConfirmation":
                        receiver.confirmations[message.get("TopicArn", "")] = message
                    elif message.get("Type") == "Notification":
                        receiver.arrivals[message.get("Message", "")] = arrived
                    receiver.changed.notify_all()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, check, timeout: float):
        with self.changed:
            self.changed.wait_for(check, timeout)
            return check()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _pending(sns, subscription_arn: str) -> bool:
    try:
        attributes = sns.get_subscription_attributes(SubscriptionArn=subscription_arn)["Attributes"]
    except Exception:
        return False  # cannot tell: let the first Publish decide
    return attributes.get("PendingConfirmation") == "true"


def http_latency(ctx: Context, server: Server, round_: int) -> None:
    receiver = ctx.extras.get("receiver")
    if receiver is None:
        receiver = ctx.extras["receiver"] = Receiver()
    sns = ctx.client(server, "sns")
    try:
        topic_arn = sns.create_topic(Name=ctx.unique("http"))["TopicArn"]
    except Exception as exc:
        raise NotApplicable(f"CreateTopic failed: {exc}") from exc
    try:
        arn = sns.subscribe(TopicArn=topic_arn, Protocol="http", Endpoint=f"{receiver.url}/{server.name}",
                            ReturnSubscriptionArn=True)["SubscriptionArn"]
        confirmation = receiver.wait_for(lambda: receiver.confirmations.get(topic_arn), timeout=5)
        if confirmation:
            sns.confirm_subscription(TopicArn=topic_arn, Token=confirmation["Token"])
        elif _pending(sns, arn):
            raise NotApplicable("no SubscriptionConfirmation POST within 5 s")
        samples, deadline = [], time.monotonic() + ctx.profile.phase_seconds
        for n in range(ctx.profile.http_samples // ctx.rounds):
            if time.monotonic() > deadline:
                break
            message = f"http {server.name} {round_} {n}"
            start = time.perf_counter()
            sns.publish(TopicArn=topic_arn, Message=message)
            if not receiver.wait_for(lambda m=message: m in receiver.arrivals, timeout=5):
                raise NotApplicable("no HTTP notification within 5 s of Publish")
            samples.append((receiver.arrivals[message] - start) * 1000)
        ctx.results.add(HTTP50.key, server.name, *samples)
        ctx.results.add(HTTP99.key, server.name, *samples)
    finally:
        try:
            sns.delete_topic(TopicArn=topic_arn)
        except Exception:
            pass


SCENARIOS = [
    Scenario("fanout", (FANOUT50, FANOUT99), fanout_latency),
    Scenario("publish", (PUBLISH, CPU_PUBLISH), publish_throughput),
    Scenario("http", (HTTP50, HTTP99), http_latency),
]
