"""SNS -> 3 SQS queues, publish-to-received latency, with each receiver in its own process.

A diagnostic beside run.py's `fanout` scenario, whose three receivers are threads of one Python
process and so take turns at one GIL to parse their responses. Here a publisher and three receiver
processes (one queue enveloped, one raw, one with a matching filter policy) talk to a Sluice started
on a file database; each message carries its send time. Prints p50/p99 of the publish call and of
publish-to-received over every (message, queue). Sluice only; bounded in count and time.

    python bench/fanout_processes.py [--messages 200]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from tests.server import ProcessServer  # noqa: E402


def _client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def _receiver(url: str, queue_url: str, count: int, out) -> None:
    sqs, latencies, deadline = _client(url, "sqs"), [], time.monotonic() + 120
    while len(latencies) < count and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10, MaxNumberOfMessages=10)
        now = time.time()
        for message in got.get("Messages", []):
            body = message["Body"]
            sent = float(json.loads(body)["Message"]) if body.startswith("{") else float(body)
            latencies.append((now - sent) * 1000)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    out.put(latencies)


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    server = ProcessServer("--data-dir", tempfile.mkdtemp(), "--log-level", "warning").start()
    try:
        sns, sqs = _client(server.url, "sns"), _client(server.url, "sqs")
        topic = sns.create_topic(Name="fanout")["TopicArn"]
        queues = []
        for i, attributes in enumerate([{}, {"RawMessageDelivery": "true"},
                                        {"FilterPolicy": json.dumps({"k": ["v"]})}]):
            queues.append(sqs.create_queue(QueueName=f"fanout-{i}")["QueueUrl"])
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:000000000000:fanout-{i}",
                          Attributes=attributes)
        results = mp.Queue()
        receivers = [mp.Process(target=_receiver, args=(server.url, q, args.messages, results)) for q in queues]
        for process in receivers:
            process.start()
        time.sleep(2)  # let every receiver reach its long poll
        publish = []
        for _ in range(args.messages):
            started = time.time()
            sns.publish(TopicArn=topic, Message=repr(time.time()),
                        MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
            publish.append((time.time() - started) * 1000)
            time.sleep(0.02)
        received = [value for _ in receivers for value in results.get(timeout=130)]
        for process in receivers:
            process.join(10)
        print(f"publish call        p50 {_pct(publish, 0.5):6.2f} ms  p99 {_pct(publish, 0.99):6.2f} ms")
        print(f"publish -> received p50 {_pct(received, 0.5):6.2f} ms  p99 {_pct(received, 0.99):6.2f} ms "
              f"({len(received)} deliveries)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
