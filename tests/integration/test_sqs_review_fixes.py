"""Regressions from the SQS review: self-pointing DLQ, counted wake-ups, FIFO wakes and stale handles,
attempt ids on long polls, one delivery per receive, FIFO receive cost, crafted receipt handles,
retroactive FIFO delay, and long polls ending at a delay or visibility expiry on a real clock."""

import base64
import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.conftest import make_client
from tests.helpers import parked, receive_in_thread, response_of, settled, wait_until
from tests.server import ThreadServer


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    e = err.value.response
    return e["Error"]["Code"], e["Error"]["Message"], e["ResponseMetadata"]["HTTPStatusCode"]




def arn_of(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def fifo_queue(sqs, name, **attributes):
    return sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true",
                                                        **attributes})["QueueUrl"]


# --- 1. a redrive policy naming its own queue -------------------------------------------------

def test_redrive_policy_pointing_at_its_own_queue_is_accepted_and_never_loops(sqs, advance):
    """AWS accepts a queue as its own DLQ (issue #14); over-received messages are simply delivered."""
    url = sqs.create_queue(QueueName="self")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, url), "maxReceiveCount": 1})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": policy})
    assert json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
        "RedrivePolicy"]) == json.loads(policy)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    for count in (1, 2, 3):
        got = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                                  VisibilityTimeout=1)["Messages"]
        assert [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got] == [("x", str(count))]
        advance(1)
    # at creation too (the queue's own ARN is known before it exists)
    own = "arn:aws:sqs:us-east-1:000000000000:self2"
    sqs.create_queue(QueueName="self2", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": own, "maxReceiveCount": "1"})})


# --- 2. a send wakes one long poll, not all of them ------------------------------------------

def test_one_send_wakes_one_long_poll_not_all(client, sluice, monkeypatch):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="herd")["QueueUrl"]
    service = sluice.emulator.sqs
    looks = []
    original = service._receive_txn

    def counted(uow, *args):
        looks.append(1)
        return original(uow, *args)

    monkeypatch.setattr(service, "_receive_txn", counted)
    pollers = [receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20) for _ in range(8)]
    assert parked(sluice) == 8
    looks.clear()
    sqs.send_message(QueueUrl=url, MessageBody="one")
    wait_until(lambda: any(not thread.is_alive() for thread, _ in pollers), what="one poll to answer")
    settled(sluice)  # a poll woken by the same send would have looked by now (its look was asked first)
    assert parked(sluice) == 7  # the others still sleep
    assert len(looks) == 1  # and did not look (all 8 did before: a thundering herd)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(7)])
    bodies = [m["Body"] for thread, out in pollers for m in response_of(thread, out).get("Messages", [])]
    assert sorted(bodies) == ["0", "1", "2", "3", "4", "5", "6", "one"]  # nothing lost, nothing twice


def test_a_batch_wakes_one_poll_per_message(client, sluice):
    """Two messages, two polls taking one each: both are woken, neither message is stranded."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="passon", Attributes={"DelaySeconds": "0"})["QueueUrl"]
    a = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1)
    b = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "1", "MessageBody": "x"}, {"Id": "2", "MessageBody": "y"}])
    # both answer with no time passed (a poll that missed its wake would sleep out its 20 s)
    assert sorted(m["Body"] for poll in (a, b) for m in response_of(*poll)["Messages"]) == ["x", "y"]


# --- 3. FIFO: a delete (or a visibility reset) unblocks the group and wakes a long poll ------------

@pytest.mark.parametrize("how", ["delete", "delete_batch", "visibility_0"])
def test_fifo_long_poll_wakes_when_its_group_unblocks(client, sluice, how):
    sqs = client("sqs")
    url = fifo_queue(sqs, f"unblock-{how.replace('_', '')}.fifo")
    sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="a2", MessageGroupId="g")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]  # group g blocked
    thread, out = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20)
    if how == "delete":
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
        expected = ["a2"]
    elif how == "delete_batch":
        assert sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "1", "ReceiptHandle": handle}])["Successful"]
        expected = ["a2"]
    else:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
        expected = ["a1"]
    assert [m["Body"] for m in response_of(thread, out)["Messages"]] == expected  # no time passed


# --- 4. FIFO: an attempt id on a long poll does not replay its own empty answer ---------------------

def test_fifo_long_poll_with_attempt_id_gets_a_message_sent_during_the_wait(client, sluice):
    sqs = client("sqs")
    url = fifo_queue(sqs, "attempt.fifo")
    thread, out = receive_in_thread(sluice, client("sqs"), QueueUrl=url, WaitTimeSeconds=20,
                                    ReceiveRequestAttemptId="attempt-1")
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello", MessageGroupId="g")
    first = response_of(thread, out)["Messages"]
    assert [m["Body"] for m in first] == ["hello"]
    retry = sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="attempt-1")["Messages"]
    assert [(m["MessageId"], m["ReceiptHandle"]) for m in retry] == [(sent["MessageId"], first[0]["ReceiptHandle"])]


def test_fifo_empty_answer_is_not_replayed_to_the_same_attempt_id(sqs):
    url = fifo_queue(sqs, "attempt2.fifo")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="a")
    sqs.send_message(QueueUrl=url, MessageBody="later", MessageGroupId="g")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="a")["Messages"]] == \
        ["later"]


# --- 5. one receive is one delivery per message ------------------------------------------------

def test_receive_with_visibility_0_and_a_redrive_policy_delivers_each_message_once(sqs):
    dlq = sqs.create_queue(QueueName="once-dlq")["QueueUrl"]
    src = sqs.create_queue(QueueName="once", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": "3"})})["QueueUrl"]
    sqs.send_message(QueueUrl=src, MessageBody="only-one")
    sqs.send_message(QueueUrl=src, MessageBody="two")
    got = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0,
                              AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert sorted((m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got) == \
        [("only-one", "1"), ("two", "1")]
    depth = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["ApproximateNumberOfMessages"])
    assert depth["Attributes"]["ApproximateNumberOfMessages"] == "2"
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq)


# --- 6. FIFO: an expired receipt handle cannot change the visibility of someone else's receive -----

def test_fifo_change_visibility_with_an_expired_handle_is_refused(sqs, advance):
    url = fifo_queue(sqs, "stale.fifo")
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
    h1 = sqs.receive_message(QueueUrl=url, VisibilityTimeout=10)["Messages"][0]["ReceiptHandle"]
    advance(11)
    h2 = sqs.receive_message(QueueUrl=url, VisibilityTimeout=300)["Messages"][0]["ReceiptHandle"]
    code, message, status = error_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle=h1,
                                     VisibilityTimeout=0)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert message == f"Value {h1} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired."
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # still held by the second consumer
    failed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "1", "ReceiptHandle": h1, "VisibilityTimeout": 0}])["Failed"]
    assert failed[0]["Code"] == "InvalidParameterValue"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=h2, VisibilityTimeout=0)  # the current one works
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["m"]


# --- 7. FIFO receive cost does not grow with a blocked group's depth ------------------------------

def _receive_steps(sluice, monkeypatch, sqs, url) -> int:
    """SQLite virtual-machine steps (in units of 100) one ReceiveMessage takes."""
    service = sluice.emulator.sqs
    original = service._receive_txn
    steps = [0]

    def counted(uow, *args):
        raw = uow.sql

        def tick():
            steps[0] += 1
            return 0

        raw.set_progress_handler(tick, 100)
        try:
            return original(uow, *args)
        finally:
            raw.set_progress_handler(None, 100)

    monkeypatch.setattr(service, "_receive_txn", counted)
    try:
        got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    finally:
        monkeypatch.setattr(service, "_receive_txn", original)
    assert [m["Body"] for m in got] == ["other"]
    return steps[0]


def test_fifo_receive_cost_does_not_grow_with_a_blocked_groups_depth(sqs, sluice, monkeypatch):
    costs = []
    for depth in (0, 2000):
        url = fifo_queue(sqs, f"depth{depth}.fifo")
        for i in range(depth // 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "MessageBody": f"big-{i}-{j}", "MessageGroupId": "big"} for j in range(10)])
        if depth:
            assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=3600)["Messages"][0]["Body"] == "big-0-0"
        sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="small")
        costs.append(_receive_steps(sluice, monkeypatch, sqs, url))
    assert costs[1] <= costs[0] * 1.5 + 20, costs  # the old scan walked every row of the blocked group


def test_fifo_order_across_groups_delays_and_dead_letters(sqs, advance):
    """Groups in the order their head became receivable, each group's visible run at once; a group's run
    stops at a delayed message; over-received heads move."""
    dlq = fifo_queue(sqs, "order-dlq.fifo")
    url = fifo_queue(sqs, "order.fifo", RedrivePolicy=json.dumps({"deadLetterTargetArn": arn_of(sqs, dlq),
                                                                  "maxReceiveCount": "1"}))
    for body, group in (("a1", "a"), ("b1", "b"), ("a2", "a"), ("c1", "c"), ("b2", "b")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=5)["Messages"]
    assert [m["Body"] for m in got] == ["a1", "a2", "b1"]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["c1"]
    advance(5)  # a1, b1, a2 were received once: the next receive moves them and delivers what follows
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)["Messages"]
    assert [m["Body"] for m in got] == ["b2"]
    dead = [m["Body"] for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(dead) == ["a1", "a2", "b1"] and dead.index("a1") < dead.index("a2")  # group order kept
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "30", "RedrivePolicy": ""})
    sqs.send_message(QueueUrl=url, MessageBody="d1", MessageGroupId="d")
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # c1, b2 in flight; d1 delayed
    advance(30)  # b2 visible again since +10 s, c1 since +30 s, d1 since +35 s (its delay)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == \
        ["b2", "c1", "d1"]


# --- 8. crafted receipt handles ----------------------------------------------------------------

def test_receipt_handle_with_an_out_of_range_number_is_invalid_not_a_500(sqs):
    url = sqs.create_queue(QueueName="crafted")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    queue_id = base64.urlsafe_b64decode(handle).decode().split(":")[0]
    for raw in (f"{queue_id}:99999999999999999999999:1:abc:00", f"{queue_id}:{2**63}:1:abc:00",
                f"{queue_id}:1:-1:abc:00", f"{queue_id}:1: 1:abc:00"):
        crafted = base64.urlsafe_b64encode(raw.encode()).decode()
        for call, extra in ((sqs.delete_message, {}), (sqs.change_message_visibility, {"VisibilityTimeout": 5})):
            code, message, status = error_of(call, QueueUrl=url, ReceiptHandle=crafted, **extra)
            assert (code, status) == ("ReceiptHandleIsInvalid", 400), raw
            assert message == f'The input receipt handle "{crafted}" is not a valid receipt handle.'
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)  # a real one still works


# --- FIFO DelaySeconds is retroactive (SQS DG, delay queues); standard is not ------------------------

def test_fifo_queue_delay_change_applies_to_queued_messages(sqs, advance):
    fifo = fifo_queue(sqs, "retro.fifo", DelaySeconds="60")
    standard = sqs.create_queue(QueueName="retro", Attributes={"DelaySeconds": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g")
    sqs.send_message(QueueUrl=standard, MessageBody="s")
    for url in (fifo, standard):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=fifo)["Messages"]] == ["f"]
    assert "Messages" not in sqs.receive_message(QueueUrl=standard)
    advance(60)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=standard)["Messages"]] == ["s"]


# --- 9. real clock: a long poll ends when a delay or a visibility timeout runs out ----------------

@pytest.fixture(scope="module")
def real_server():
    srv = ThreadServer(clock="real").start()
    yield srv
    srv.stop()


def test_real_clock_long_poll_ends_when_a_delay_runs_out(real_server):
    sqs = make_client(real_server.url, "sqs")
    url = sqs.create_queue(QueueName="real-delay")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - started
    assert [m["Body"] for m in got["Messages"]] == ["later"]
    assert 0.7 <= elapsed < 4, elapsed  # not before the delay, and not at the end of the 10 s wait


def test_real_clock_long_poll_ends_when_a_visibility_timeout_runs_out(real_server):
    sqs = make_client(real_server.url, "sqs")
    url = sqs.create_queue(QueueName="real-visibility")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - started
    assert [m["Body"] for m in got["Messages"]] == ["again"]
    assert 0.5 <= elapsed < 4, elapsed


def test_real_clock_long_poll_ends_when_a_delayed_send_during_the_wait_runs_out(real_server):
    """A delayed send lands while two polls sleep; the longer-waiting one leaves before the delay ends.

    The other must have learnt the new next-visible time too, or it sleeps to the end of its wait.
    """
    sqs = make_client(real_server.url, "sqs")
    url = sqs.create_queue(QueueName="real-delay-during")["QueueUrl"]
    short = receive_in_thread(real_server, make_client(real_server.url, "sqs"), QueueUrl=url, WaitTimeSeconds=1)
    long = receive_in_thread(real_server, make_client(real_server.url, "sqs"), QueueUrl=url, WaitTimeSeconds=10)
    sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=2)
    for thread, _ in (short, long):
        thread.join(15)
    assert "Messages" not in short[1]["response"]
    assert [m["Body"] for m in long[1]["response"]["Messages"]] == ["x"]
    assert long[1]["elapsed"] < 5, long[1]["elapsed"]
