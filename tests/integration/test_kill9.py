"""kill -9 under load: a real server on a file data dir, boto3 threads sending and consuming, the process
killed at a seeded random point, restarted on the same data dir, then checked.

What "durable" means here (DEVELOPING.md: a 200 means the change is committed):

- every send/publish answered 200 is found after the restart: received before the kill, or still in
  the queue / DLQ, or delivered to the HTTP endpoint;
- nothing is received twice unless its visibility timeout expired in between: the clock is fake and
  frozen during the load, so a second receipt can only come after the restart, once the clock has
  moved past the timeout, and never for a message whose delete was acknowledged;
- FIFO: each group's messages are received in send order, before the kill and after it.

The seed is fixed (``SLUICE_KILL9_SEED`` changes it) so that a failure replays the same kill points.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import defaultdict

import httpx

from tests.conftest import make_client
from tests.integration.test_sns_durability import advance, log, sns_client
from tests.integration.test_sns_http import Receiver
from tests.server import ProcessServer

SEED = int(os.environ.get("SLUICE_KILL9_SEED", "9"))
SENDERS, CONSUMERS, PER_SENDER = 8, 8, 30          # 240 messages a scenario
VISIBILITY = 30


def client(server, service):
    return make_client(server.url, service, max_pool_connections=64, connect_timeout=5, read_timeout=15)


def rng_for(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


class Ledger:
    """What the clients were told: sends acknowledged, receipts of each SQS message (with the epoch: 0 before
    the kill, 1 after the restart and the clock moved past the visibility timeout), deletes tried and
    acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked: set[str] = set()
        self.receipts: dict[str, list[int]] = defaultdict(list)       # SQS message id -> epochs
        self.body: dict[str, str] = {}                                # SQS message id -> the sender's body
        self.order: dict[tuple[str, int], list[int]] = defaultdict(list)   # (group, epoch) -> sequence numbers
        self.delete_tried: set[str] = set()
        self.deleted: set[str] = set()
        self.enough = threading.Event()
        self.kill_at = 0

    def ack(self, body: str) -> None:
        with self.lock:
            self.acked.add(body)
            if len(self.acked) >= self.kill_at:
                self.enough.set()

    def receive(self, message: dict, epoch: int) -> str:
        body = _body(message["Body"])
        with self.lock:
            self.receipts[message["MessageId"]].append(epoch)
            self.body[message["MessageId"]] = body
            group, _, n = body.partition(":")
            self.order[(group, epoch)].append(int(n))
        return body

    def check(self, *, fifo: bool = False) -> None:
        """Nothing acknowledged lost, each send one SQS message (exactly once), visibility and FIFO order kept."""
        lost = self.acked - set(self.body.values())
        assert not lost, f"acknowledged but lost: {sorted(lost)[:10]}"
        for mid, epochs in self.receipts.items():
            what = f"{self.body[mid]} ({mid})"
            assert epochs.count(0) <= 1 and epochs.count(1) <= 1, f"{what} received twice without a timeout: {epochs}"
            if len(epochs) > 1:
                assert mid not in self.deleted, f"{what} came back after its delete was acknowledged"
        in_queue_for_sure = {m for m, e in self.receipts.items() if e == [0] and m not in self.delete_tried}
        assert not in_queue_for_sure, f"received, never deleted, not redelivered: {sorted(in_queue_for_sure)[:10]}"
        per_body = defaultdict(int)
        for body in self.body.values():
            per_body[body] += 1
        duplicated = {b: n for b, n in per_body.items() if n > 1}
        assert not duplicated, f"sent once, became several messages: {duplicated}"
        if fifo:
            for (group, epoch), sequence in self.order.items():
                assert sequence == sorted(set(sequence)), f"group {group} out of order (epoch {epoch}): {sequence}"


def sender_threads(ledger, send):
    def run(i):
        for n in range(PER_SENDER):
            body = f"g{i}:{n}"
            try:
                send(i, body)
            except Exception:  # the server died: this send is not acknowledged
                return
            ledger.ack(body)
    return [threading.Thread(target=run, args=(i,), daemon=True) for i in range(SENDERS)]


def consumer_threads(ledger, sqs, url, stop, n=CONSUMERS):
    def run():
        while not stop.is_set():
            try:
                got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            except Exception:
                return
            messages = got.get("Messages", [])
            for m in messages:
                ledger.receive(m, 0)
            for m in messages:
                with ledger.lock:
                    ledger.delete_tried.add(m["MessageId"])
                try:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                except Exception:
                    return
                with ledger.lock:
                    ledger.deleted.add(m["MessageId"])
    return [threading.Thread(target=run, daemon=True) for _ in range(n)]


def _body(body: str) -> str:
    """The sender's body, also out of an SNS envelope."""
    return json.loads(body)["Message"] if body.startswith("{") else body


def load_and_kill(server, ledger, threads, stop, rng):
    """Run the threads, kill -9 the server once ``ledger.kill_at`` sends are acknowledged, wait for all."""
    ledger.kill_at = rng.randint(SENDERS * PER_SENDER // 4, SENDERS * PER_SENDER * 3 // 4)
    for t in threads:
        t.start()
    assert ledger.enough.wait(60), f"only {len(ledger.acked)} sends acknowledged"
    server.kill(9)
    stop.set()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    assert ledger.kill_at <= len(ledger.acked) < SENDERS * PER_SENDER, "the kill came after the load"


def drain(ledger, sqs, url, epoch=1, *, record=True) -> list[str]:
    """Receive and delete everything left (the clock is already past every visibility timeout)."""
    out = []
    empty = 0
    while empty < 2:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        empty = 0 if got else empty + 1
        for m in got:
            out.append(ledger.receive(m, epoch) if record else _body(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def restart(tmp_path, *args):
    return ProcessServer("--data-dir", str(tmp_path), "--clock", "fake", *args).start()


# --- SQS -----------------------------------------------------------------------------------------

def _sqs_scenario(tmp_path, *, fifo: bool):
    ledger, stop = Ledger(), threading.Event()
    server = restart(tmp_path)
    try:
        sqs = client(server, "sqs")
        attributes = {"VisibilityTimeout": str(VISIBILITY)}
        if fifo:
            attributes["FifoQueue"] = "true"
        url = sqs.create_queue(QueueName="load.fifo" if fifo else "load", Attributes=attributes)["QueueUrl"]

        def send(i, body):
            extra = {"MessageGroupId": f"g{i}", "MessageDeduplicationId": body.replace(":", "-")} if fifo else {}
            sqs.send_message(QueueUrl=url, MessageBody=body, **extra)

        load_and_kill(server, ledger, sender_threads(ledger, send) + consumer_threads(ledger, sqs, url, stop), stop,
                      rng_for("fifo" if fifo else "standard"))
    finally:
        server.kill(9)
    second = restart(tmp_path)
    try:
        advance(second, VISIBILITY + 1)
        sqs = client(second, "sqs")
        drain(ledger, sqs, sqs.get_queue_url(QueueName="load.fifo" if fifo else "load")["QueueUrl"])
    finally:
        second.stop()
    ledger.check(fifo=fifo)


def test_sqs_standard_concurrent_senders_and_consumers(tmp_path):
    _sqs_scenario(tmp_path, fifo=False)


def test_sqs_fifo_concurrent_senders_and_consumers(tmp_path):
    _sqs_scenario(tmp_path, fifo=True)


# --- SNS -> SQS ------------------------------------------------------------------------------------

def _sns_scenario(tmp_path, *delivery):
    ledger, stop = Ledger(), threading.Event()
    server = restart(tmp_path, *delivery)
    try:
        sns, sqs = sns_client(server.url), client(server, "sqs")
        topic = sns.create_topic(Name="fan")["TopicArn"]
        urls = []
        for name, raw in (("consumed", "false"), ("raw", "true")):
            url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(VISIBILITY)})["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": raw})
            urls.append(url)

        def send(i, body):
            sns.publish(TopicArn=topic, Message=body)

        load_and_kill(server, ledger, sender_threads(ledger, send) + consumer_threads(ledger, sqs, urls[0], stop, 4),
                      stop, rng_for("sns" + "".join(delivery)))
    finally:
        server.kill(9)
    second = restart(tmp_path, *delivery)
    try:
        advance(second, VISIBILITY + 1)
        _settle(second)
        sqs = client(second, "sqs")
        drain(ledger, sqs, sqs.get_queue_url(QueueName="consumed")["QueueUrl"])
        raw = drain(ledger, sqs, sqs.get_queue_url(QueueName="raw")["QueueUrl"], record=False)
    finally:
        second.stop()
    # Inline, the fan-out is in the publish's transaction; async, an outbox attempt to a queue is delivered and
    # settled in one transaction: exactly once either way, whenever the kill came.
    ledger.check()
    assert not ledger.acked - set(raw), "acknowledged publishes missing from the second subscription"
    assert max(raw.count(b) for b in set(raw)) == 1, "a publish delivered twice to the raw subscription"


def _settle(server, step_s=60, rounds=20):
    """Move the clock until no delivery is pending (leases of attempts cut by the kill run out, retries fall due)."""
    for _ in range(rounds):
        if not httpx.get(f"{server.url}/_sluice/deliveries/pending", timeout=30).json():
            return
        advance(server, step_s)
    raise AssertionError("deliveries still pending: " + httpx.get(f"{server.url}/_sluice/deliveries/pending").text)


def test_sns_fanout_inline(tmp_path):
    _sns_scenario(tmp_path)


def test_sns_fanout_async(tmp_path):
    _sns_scenario(tmp_path, "--delivery", "async")


# --- HTTP deliveries with retries pending --------------------------------------------------------

def test_http_deliveries_with_retries_pending(tmp_path):
    ledger, stop = Ledger(), threading.Event()
    failures = 40
    with Receiver() as receiver:
        server = restart(tmp_path)
        try:
            sns = sns_client(server.url)
            topic = sns.create_topic(Name="hooks")["TopicArn"]
            policy = {"healthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 5, "maxDelayTarget": 5}}
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                          Attributes={"DeliveryPolicy": json.dumps(policy)})
            advance(server)
            confirmation = json.loads(receiver.of_type("SubscriptionConfirmation")[0]["body"])
            sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
            receiver.plan = [500] * failures          # the first attempts fail: their retries are pending at the kill
            skipped = len(receiver.requests)

            def send(i, body):
                sns.publish(TopicArn=topic, Message=body)

            load_and_kill(server, ledger, sender_threads(ledger, send), stop, rng_for("http"))
        finally:
            server.kill(9)
        second = restart(tmp_path)
        try:
            pending = httpx.get(f"{second.url}/_sluice/deliveries/pending").json()
            assert {p["kind"] for p in pending} == {"sns.http"}   # retries were pending at the kill
            _settle(second, step_s=5, rounds=40)
            assert log(second, receiver.url)          # the restarted server delivered (or retried) something
            delivered = defaultdict(int)               # the delivery log's "delivered" rows, by message
            for row in httpx.get(f"{second.url}/_sluice/deliveries", params={"target": receiver.url,
                                                                             "limit": 10_000}).json():
                if row["status"] == "delivered":
                    delivered[row["message_id"]] += 1
        finally:
            second.stop()
        with receiver.lock:
            posts = receiver.requests[skipped:]
    # The ones the endpoint answered 200 (a POST cut by the kill may have arrived incomplete: not a delivery).
    answered = [json.loads(p["body"]) for p in posts
                if p["headers"].get("x-amz-sns-message-type") == "Notification" and p["status"] == 200
                and _complete_json(p["body"])]
    lost = ledger.acked - {n["Message"] for n in answered}
    assert not lost, f"acknowledged publishes never delivered: {sorted(lost)[:10]}"
    counts = defaultdict(int)
    for notification in answered:
        counts[notification["MessageId"]] += 1
    # At least once: only an attempt cut by the kill (answered 200, its outcome never recorded) is made again,
    # once; so every delivered message has exactly one "delivered" row, whatever copies the endpoint saw.
    assert max(counts.values()) <= 2
    assert {m: delivered[m] for m in counts if delivered[m] != 1} == {}


def _complete_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


# --- message move tasks --------------------------------------------------------------------------

def test_message_move_task(tmp_path):
    ledger, stop = Ledger(), threading.Event()
    total = SENDERS * PER_SENDER
    server = restart(tmp_path)
    try:
        sqs = client(server, "sqs")
        dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = sqs.create_queue(QueueName="src", Attributes={
            "VisibilityTimeout": str(VISIBILITY),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})})["QueueUrl"]
        src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        for start in range(0, total, 10):
            entries = [{"Id": str(n), "MessageBody": f"g{n % SENDERS}:{n // SENDERS}"} for n in range(start, start + 10)]
            assert not sqs.send_message_batch(QueueUrl=dlq, Entries=entries).get("Failed")
            for e in entries:
                ledger.acked.add(e["MessageBody"])
        sqs.start_message_move_task(SourceArn=dlq_arn, DestinationArn=src_arn, MaxNumberOfMessagesPerSecond=40)
        rng = rng_for("move")
        ticks = rng.randint(1, total // 40 - 1)       # killed mid-move: some moved, some not

        def ticker():
            for _ in range(ticks):
                advance(server, 1)
            ledger.enough.set()

        threads = [threading.Thread(target=ticker, daemon=True), *consumer_threads(ledger, sqs, src, stop, 4)]
        ledger.kill_at = 0
        for t in threads:
            t.start()
        assert ledger.enough.wait(60)
        server.kill(9)
        stop.set()
        for t in threads:
            t.join(30)
    finally:
        server.kill(9)
    second = restart(tmp_path)
    try:
        sqs = client(second, "sqs")
        assert sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "RUNNING"  # mid-move
        advance(second, VISIBILITY + 1)
        for _ in range(total // 10 + 5):
            tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
            if tasks[0]["Status"] != "RUNNING":
                break
            advance(second, 1)
        assert tasks[0]["Status"] == "COMPLETED", tasks[0]
        drain(ledger, sqs, src)
        left = drain(ledger, sqs, dlq, record=False)
    finally:
        second.stop()
    assert left == []                                # the task finished after the restart
    ledger.check()
