"""Stopping answers open long polls at once (empty), then stops: within docker stop's 10 s grace.

A ``ReceiveMessage`` with ``WaitTimeSeconds=20`` is open when the server is told to stop: by SIGTERM
to ``python -m emulator``, and by ``stop()`` of the in-process server. The poll must get its empty
200 answer right away (not a reset connection), and the process must be gone well before 10 s.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time

import boto3
import httpx
from botocore.config import Config

from sluice import ThreadedSluiceServer
from tests.helpers import wait_until
from tests.server import ProcessServer

LONG_POLL_S = 20
WELL_UNDER_DOCKER_GRACE_S = 3.0


def raw_long_poll(port: int, queue_url: str) -> socket.socket:
    """Send ReceiveMessage (JSON protocol) on a raw socket: the bytes are with the server on return."""
    body = json.dumps({"QueueUrl": queue_url, "WaitTimeSeconds": LONG_POLL_S}).encode()
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Amz-Target: AmazonSQS.ReceiveMessage\r\n"
            f"Content-Type: application/x-amz-json-1.0\r\nContent-Length: {len(body)}\r\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=00\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=LONG_POLL_S + 10)
    sock.sendall(head + body)
    return sock


def read_response(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        data = b"".join(chunks)
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                return data


def test_sigterm_answers_an_open_long_poll_and_exits_well_within_docker_stops_grace():
    server = ProcessServer("--in-memory").start()
    try:
        sqs = boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test")
        url = sqs.create_queue(QueueName="draining")["QueueUrl"]
        sock = raw_long_poll(server.port, url)
        # The server has read the poll once a later request on its one event loop is answered.
        assert httpx.get(f"{server.url}/_sluice/health").status_code == 200
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        response = read_response(sock)
        answered = time.monotonic() - started
        server.proc.wait(15)
        exited = time.monotonic() - started
    finally:
        server.kill()
    assert response.startswith(b"HTTP/1.1 200 "), response[:200]
    assert response.endswith(b"\r\n\r\n{}"), response[-200:]  # an empty receive, not a reset connection
    assert answered < WELL_UNDER_DOCKER_GRACE_S, f"the long poll was answered {answered:.1f} s after SIGTERM"
    assert exited < WELL_UNDER_DOCKER_GRACE_S, f"the process took {exited:.1f} s to exit"
    assert server.proc.returncode == 0


def test_stopping_the_in_process_server_answers_its_long_polls():
    server = ThreadedSluiceServer().start()
    sqs = boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test", config=Config(read_timeout=LONG_POLL_S + 10,
                                                                   retries={"max_attempts": 1}))
    url = sqs.create_queue(QueueName="draining")["QueueUrl"]
    result: dict = {}

    def poll() -> None:
        try:
            result["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=LONG_POLL_S)
        except Exception as exc:  # noqa: BLE001 (reported below)
            result["error"] = exc

    thread = threading.Thread(target=poll)
    thread.start()

    async def parked() -> int:
        return server.emulator.waiters.count()
    wait_until(lambda: server._call(parked()) == 1, what="the long poll to park")
    started = time.monotonic()
    server.stop()
    thread.join(LONG_POLL_S + 10)
    took = time.monotonic() - started
    assert "error" not in result, result.get("error")
    assert "Messages" not in result["response"]
    assert took < WELL_UNDER_DOCKER_GRACE_S, f"stop() took {took:.1f} s"
