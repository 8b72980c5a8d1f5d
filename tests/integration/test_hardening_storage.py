"""The storage and process layer under stress: one process per data directory, a restart retries what a
dead process left mid-attempt at once, a fake-clock long poll ends in real time, the WAL is cut back."""

import json
import os
import subprocess
import sys
import time

import httpx

from tests.integration.test_sns_durability import HoldingReceiver, advance, log, sns_client
from tests.server import ROOT, ProcessServer, free_socket


def _port() -> int:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_second_process_on_one_data_dir_refuses_to_start(tmp_path):
    first = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        second = subprocess.run([sys.executable, "-m", "emulator", "--data-dir", str(tmp_path), "--port", str(_port())],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"another Sluice process (pid {first.proc.pid}) is using the data directory {tmp_path}" in second.stderr
        assert "Ready." not in second.stdout
        assert first.health()["status"] == "ok"  # the first one is untouched
    finally:
        first.kill(9)
    # A kill -9 leaves no stale lock: the lock goes with the dead process.
    again = ProcessServer("--data-dir", str(tmp_path)).start()
    again.stop()
    assert again.proc.returncode == 0


def test_a_delivery_in_flight_at_kill_9_is_retried_at_once_after_restart(tmp_path):
    args = ("--data-dir", str(tmp_path), "--clock", "fake")
    with HoldingReceiver() as receiver:
        first = ProcessServer(*args).start()
        try:
            sns = sns_client(first.url)
            topic = sns.create_topic(Name="t")["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
            advance(first)
            confirmation = json.loads(receiver.of_type("SubscriptionConfirmation")[0]["body"])
            sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
            message_id = sns.publish(TopicArn=topic, Message="in flight")["MessageId"]
            assert receiver.holding.wait(20), "the notification was never POSTed"
        finally:
            first.kill(9)                       # mid-POST: the attempt was claimed, never settled

        second = ProcessServer(*args).start()
        try:
            # The fake clock is not moved: the lease (60 s of it) is not waited out, the start made the row due.
            httpx.post(f"{second.url}/_sluice/scheduler/run", timeout=60).raise_for_status()
            notifications = receiver.of_type("Notification")
            assert len(notifications) == 2                # at least once: delivered again, not lost
            assert {json.loads(n["body"])["MessageId"] for n in notifications} == {message_id}
            assert log(second, receiver.url)[-1] == (2, "delivered")
            assert httpx.get(f"{second.url}/_sluice/deliveries/pending").json() == []
        finally:
            second.stop()


def test_a_scheduled_retry_keeps_its_time_across_a_restart(tmp_path):
    """Only leased rows are released at start: a retry deliberately scheduled later stays where it was."""
    args = ("--data-dir", str(tmp_path), "--clock", "fake")
    first = ProcessServer(*args).start()
    try:
        sns = sns_client(first.url)
        topic = sns.create_topic(Name="t")["TopicArn"]
        # Nothing listens there: every attempt fails and is retried by SNS's delivery policy.
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{_port()}/x",
                      Attributes={"DeliveryPolicy": json.dumps({"healthyRetryPolicy": {
                          "numRetries": 3, "numNoDelayRetries": 0, "minDelayTarget": 20, "maxDelayTarget": 20,
                          "numMinDelayRetries": 3}})})
        advance(first)
        before = httpx.get(f"{first.url}/_sluice/deliveries/pending").json()
    finally:
        first.kill(9)
    second = ProcessServer(*args).start()
    try:
        after = httpx.get(f"{second.url}/_sluice/deliveries/pending").json()
        assert before and [(p["id"], p["due_at"]) for p in after] == [(p["id"], p["due_at"]) for p in before]
        now = httpx.get(f"{second.url}/_sluice/clock").json()["now_ms"]
        assert all(p["due_at"] > now for p in after)
    finally:
        second.stop()


def test_a_fake_clock_long_poll_ends_after_its_wait_in_real_time(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    took = time.monotonic() - started
    assert 0.9 <= took < 5, took


def test_a_fake_clock_long_poll_with_a_delayed_message_still_ends_in_real_time(client):
    """The delayed message's time (in fake time) keeps waking the poll; it still ends after 1 s of real time."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)
    assert 1.9 <= time.monotonic() - started < 6


def test_the_wal_is_cut_back_after_a_big_purge(tmp_path):
    server = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        sqs = __import__("boto3").client("sqs", endpoint_url=server.url, region_name="us-east-1",
                                         aws_access_key_id="test", aws_secret_access_key="test")
        url = sqs.create_queue(QueueName="big")["QueueUrl"]
        body = "x" * 60_000
        for _ in range(40):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(j), "MessageBody": body} for j in range(4)])
        wal = tmp_path / "sluice.db-wal"
        assert wal.stat().st_size > 2_000_000  # without a checkpoint that truncates, it stays at least this big
        sqs.purge_queue(QueueUrl=url)
        deadline = time.monotonic() + 20
        while wal.exists() and wal.stat().st_size > 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)  # the purge's deletion may finish in the background
        assert not wal.exists() or wal.stat().st_size <= 1_000_000
    finally:
        server.stop()
    assert os.path.exists(tmp_path / "sluice.db")


def _set_max_pages(server, pages: int | None) -> int:
    """Limit the test server's database to ``pages`` pages beyond what it uses now (None: lift the limit)."""
    def work(uow):
        used = uow.sql.execute("PRAGMA page_count").fetchone()[0]
        return uow.sql.execute(f"PRAGMA max_page_count = {used + pages if pages is not None else 1_073_741_823}"
                               ).fetchone()[0]
    return server.call(server.emulator.store.transaction, work)


def test_a_full_disk_answers_503_saying_so_and_health_reports_it_until_a_write_succeeds(client, sluice, admin):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    assert admin.get("/_sluice/health").json()["status"] == "ok"
    _set_max_pages(sluice, 2)
    try:
        error = None
        for _ in range(50):
            try:
                sqs.send_message(QueueUrl=url, MessageBody="x" * 200_000)
            except sqs.exceptions.ClientError as exc:
                error = exc
                break
        assert error is not None, "the writes never failed"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        assert error.response["Error"]["Code"] == "ServiceUnavailable"
        assert error.response["Error"]["Message"].startswith("Sluice: the disk is full (")
        health = admin.get("/_sluice/health")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        assert health.json()["reason"].startswith("the disk is full (")
        sqs.get_queue_url(QueueName="q")  # reads still answer
        assert admin.get("/_sluice/health").status_code == 503  # a read is no proof the disk has room
    finally:
        _set_max_pages(sluice, None)
    sqs.send_message(QueueUrl=url, MessageBody="fits")
    health = admin.get("/_sluice/health")
    assert health.status_code == 200 and health.json()["status"] == "ok" and "reason" not in health.json()


def test_the_admin_peek_reads_a_queue_a_page_at_a_time(client, admin):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="paged")["QueueUrl"]
    for start in range(0, 25, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"}
                                                      for i in range(start, min(start + 10, 25))])
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)  # in flight: still peeked, with their state
    bodies, token, pages = [], None, 0
    while True:
        params = {"QueueUrl": url, "MaxResults": 10, **({"NextToken": token} if token else {})}
        page = admin.get("/_sluice/sqs/messages", params=params).json()
        pages += 1
        assert len(page["messages"]) <= 10
        bodies += [m["Body"] for m in page["messages"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert bodies == [f"m{i}" for i in range(25)] and pages == 3
    states = [m["State"] for m in admin.get("/_sluice/sqs/messages", params={"QueueUrl": url}).json()["messages"]]
    assert states == ["inflight"] * 3 + ["visible"] * 22  # one page of the default size holds them all
    bad = admin.get("/_sluice/sqs/messages", params={"QueueUrl": url, "NextToken": "nope"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameterValue"
    assert admin.get("/_sluice/sqs/messages", params={"QueueUrl": url, "MaxResults": 0}).status_code == 422
