"""The costs that must not grow with a queue's depth: fill one queue with N messages, then time
GetQueueAttributes, the admin peek's first page, PurgeQueue and a SendMessage right after it.

A diagnostic beside run.py (whose `depth` scenario times send and receive at depth). Sluice only, on a file
database; ``--tree`` runs another checkout's Sluice (e.g. a worktree of an earlier commit) to compare.

    python bench/deep_queue.py [--messages 100000] [--tree PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import ProcessServer  # noqa: E402


def best_ms(call, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose Sluice to run")
    args = parser.parse_args()
    server = ProcessServer("--data-dir", tempfile.mkdtemp(), "--log-level", "warning", cwd=args.tree).start()
    url = server.url
    try:
        sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test",
                           config=Config(retries={"max_attempts": 1}, max_pool_connections=16))
        queue = sqs.create_queue(QueueName="deep")["QueueUrl"]

        def fill(batches: int) -> None:
            for _ in range(batches):
                sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": str(i), "MessageBody": "m" * 100}
                                                                for i in range(10)])
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fill, [args.messages // 80] * 8))  # 8 threads of batches of 10
        attributes = best_ms(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"]))
        depth = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
        peek = best_ms(lambda: httpx.get(f"{url}/_sluice/sqs/messages", params={"QueueUrl": queue}, timeout=300), 1)
        purge = best_ms(lambda: sqs.purge_queue(QueueUrl=queue), 1)
        after = best_ms(lambda: sqs.send_message(QueueUrl=queue, MessageBody="after"), 1)
        print(f"{args.tree}: {depth['Attributes']['ApproximateNumberOfMessages']} messages; "
              f"GetQueueAttributes {attributes:.1f} ms; admin peek {peek:.0f} ms; PurgeQueue {purge:.0f} ms; "
              f"SendMessage right after {after:.1f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
