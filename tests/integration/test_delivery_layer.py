"""The delivery layer through a real server: the in-transaction ports (sqs.deliver, sns.publish_in),
dispatch's inline and outbox paths, EventBridge's retry policy and DLQ attributes, rollback, and two
Emulators in one process. Queues and topics are made with boto3; deliveries are dispatched inside
transactions on the server's loop (``sluice.call``), as another service would."""

from __future__ import annotations

import json
import time

import pytest

from emulator.delivery import DeadLetter, Message, RetryPolicy, Target
from emulator.delivery.retry import MAX_ATTEMPTS, events_delay_ms
from emulator.errors import AwsError
from tests.conftest import make_client
from tests.server import ThreadServer

ACCOUNT, REGION = "000000000000", "us-east-1"


def queue(sqs, name: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def transaction(server: ThreadServer, work):
    async def run():
        return await server.emulator.store.transaction(work)
    return server.call(run)


def message(body: str = "hello", **fields) -> Message:
    fields.setdefault("message_id", "m-1")
    return Message("events", "arn:aws:events:us-east-1:000000000000:rule/r", body=body, account=ACCOUNT,
                   region=REGION, **fields)


def drain(sqs, url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                               AttributeNames=["All"]).get("Messages", [])


def test_sqs_deliver_port_enqueues_in_the_callers_transaction(sluice, client):
    sqs = client("sqs")
    url, arn = queue(sqs, "port.fifo", FifoQueue="true")
    transaction(sluice, lambda uow: sluice.emulator.sqs.deliver(uow, arn, "one", group_id="g", dedup_id="d1"))
    [got] = drain(sqs, url)
    assert got["Body"] == "one" and got["Attributes"]["MessageGroupId"] == "g"


def test_sns_publish_in_port_fans_out_in_the_callers_transaction(sluice, client):
    sns, sqs = client("sns"), client("sqs")
    url, arn = queue(sqs, "from-port")
    topic = sns.create_topic(Name="port")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    out = transaction(sluice, lambda uow: sluice.emulator.sns.publish_in(uow, topic, "via port"))
    [got] = drain(sqs, url)
    assert got["Body"] == "via port" and out["MessageId"]
    with pytest.raises(AwsError) as missing:
        transaction(sluice, lambda uow: sluice.emulator.sns.publish_in(uow, topic + "-gone", "x"))
    assert missing.value.code == "NotFound"


def test_a_rolled_back_transaction_delivers_and_logs_nothing(sluice, client, admin):
    sqs = client("sqs")
    url, arn = queue(sqs, "rolled-back")

    def work(uow):
        sluice.emulator.delivery.dispatch(uow, message(), Target("sqs", arn, "sqs"))
        raise RuntimeError("the request fails after its fan-out")

    with pytest.raises(RuntimeError):
        transaction(sluice, work)
    assert drain(sqs, url) == []
    assert admin.get("/_sluice/deliveries", params={"kind": "events.sqs"}).json() == []


def test_a_missing_queue_is_not_retried_and_dead_letters_with_eventbridges_attributes(sluice, client, admin):
    sqs = client("sqs")
    dlq_url, dlq_arn = queue(sqs, "dlq")
    gone = "arn:aws:sqs:us-east-1:000000000000:gone"
    rule = "arn:aws:events:us-east-1:000000000000:rule/r"
    dead = DeadLetter(dlq_arn, attributes={"RULE_ARN": {"DataType": "String", "StringValue": rule},
                                           "TARGET_ARN": {"DataType": "String", "StringValue": gone}},
                      error_attributes=True, keep_attributes=False)
    transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
        uow, message("{}"), Target("sqs", gone, "sqs"), retry=RetryPolicy("events"), dead_letter=dead))
    [got] = drain(sqs, dlq_url)
    attrs = {k: v["StringValue"] for k, v in got["MessageAttributes"].items()}
    assert got["Body"] == "{}"
    assert attrs["RULE_ARN"] == rule and attrs["TARGET_ARN"] == gone
    assert attrs["ERROR_CODE"] == "NO_RESOURCE" and attrs["RETRY_ATTEMPTS"] == "0"
    assert attrs["ERROR_MESSAGE"].startswith("QueueDoesNotExist: ")
    assert "EXHAUSTED_RETRY_CONDITION" not in attrs  # never retryable: no retry condition was exhausted
    [entry] = admin.get("/_sluice/deliveries", params={"kind": "events.sqs"}).json()
    assert entry["status"] == "dead-lettered" and entry["attempt"] == 1 and entry["source_arn"] == rule
    assert admin.get("/_sluice/deliveries/pending").json() == []


class Flaky:
    """A local target that refuses with a retryable error a planned number of times."""

    local = True

    def __init__(self, failures: int):
        self.failures = failures
        self.delivered: list[str] = []

    def deliver_in(self, uow, msg, target):
        if self.failures:
            self.failures -= 1
            raise AwsError("Rate exceeded", code="ThrottlingException")
        self.delivered.append(msg.body)


def test_eventbridge_retries_follow_the_exact_schedule_then_dead_letter(sluice, client, admin, advance):
    sqs = client("sqs")
    dlq_url, dlq_arn = queue(sqs, "retry-dlq")
    flaky = Flaky(failures=10)
    sluice.emulator.delivery.register_target("flaky", flaky)
    transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
        uow, message("payload", message_id="ev-1"), Target("flaky", "arn:aws:lambda:us-east-1:0:function:f", "flaky"),
        retry=RetryPolicy("events", maximum_retry_attempts=2),
        dead_letter=DeadLetter(dlq_arn, error_attributes=True, keep_attributes=False)))
    # Attempt 1 failed inline; attempts 2 and 3 come from the outbox at the computed times.
    for attempt in (1, 2):
        [pending] = admin.get("/_sluice/deliveries/pending").json()
        now = admin.get("/_sluice/clock").json()["now_ms"]
        assert pending["kind"] == "events.flaky" and pending["due_at"] - now == events_delay_ms("ev-1", attempt)
        advance(ms=events_delay_ms("ev-1", attempt) - 1)
        assert len(admin.get("/_sluice/deliveries", params={"kind": "events.flaky"}).json()) == attempt
        advance(ms=1)
    log = admin.get("/_sluice/deliveries", params={"kind": "events.flaky"}).json()
    assert [(e["attempt"], e["status"]) for e in log] == [(1, "retrying"), (2, "retrying"), (3, "dead-lettered")]
    [got] = drain(sqs, dlq_url)
    attrs = {k: v["StringValue"] for k, v in got["MessageAttributes"].items()}
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == MAX_ATTEMPTS and attrs["RETRY_ATTEMPTS"] == "2"
    assert attrs["ERROR_CODE"] == "THROTTLING" and flaky.delivered == []


def test_a_retry_that_succeeds_is_logged_delivered(sluice, admin, advance):
    flaky = Flaky(failures=1)
    sluice.emulator.delivery.register_target("flaky", flaky)
    transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
        uow, message("again", message_id="ev-2"), Target("flaky", "f", "flaky"), retry=RetryPolicy("events")))
    advance(ms=events_delay_ms("ev-2", 1))
    assert flaky.delivered == ["again"]
    log = admin.get("/_sluice/deliveries", params={"kind": "events.flaky"}).json()
    assert [(e["attempt"], e["status"]) for e in log] == [(1, "retrying"), (2, "delivered")]


def test_the_first_http_attempt_needs_no_scheduler_pass(sluice, client, admin):
    """The fake clock never moves here: the POST is attempted right after the commit, from its leased row."""
    from tests.integration.test_sns_http import Receiver

    with Receiver() as receiver:
        transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
            uow, message("posted", headers={"Content-Type": "text/plain"}), Target("http", receiver.url, "http")))
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [r["body"] for r in receiver.requests] == ["posted"]
        deadline = time.monotonic() + 10
        while admin.get("/_sluice/deliveries/pending").json() and time.monotonic() < deadline:
            time.sleep(0.01)
        [entry] = admin.get("/_sluice/deliveries", params={"kind": "events.http"}).json()
        assert entry["status"] == "delivered" and entry["attempt"] == 1


def test_two_emulators_in_one_process_share_nothing():
    one, two = ThreadServer(clock="fake").start(), ThreadServer(clock="fake").start()
    try:
        sqs1, sqs2 = make_client(one.url, "sqs"), make_client(two.url, "sqs")
        sns1, sns2 = make_client(one.url, "sns"), make_client(two.url, "sns")
        url1, arn = queue(sqs1, "same-name")
        url2, _ = queue(sqs2, "same-name")
        topic = sns1.create_topic(Name="t")["TopicArn"]
        sns1.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        sns1.publish(TopicArn=topic, Message="only in one")
        assert [m["Body"] for m in drain(sqs1, url1)] == ["only in one"]
        assert drain(sqs2, url2) == []
        assert sns2.list_topics()["Topics"] == []
        assert one.emulator.delivery is not two.emulator.delivery
        assert one.emulator.sns.topics.signature_version_hint(topic) == "1"
        assert two.emulator.sns.topics.signature_version_hint(topic) is None
    finally:
        one.stop()
        two.stop()


def test_captured_targets_are_recorded_with_their_payload(sluice, admin):
    payload = {"input": json.dumps({"a": 1})}
    transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
        uow, message(capture=payload), Target("captured", "arn:aws:lambda:us-east-1:000000000000:function:f",
                                              "lambda")))
    [entry] = admin.get("/_sluice/deliveries", params={"kind": "events.lambda"}).json()
    assert entry["status"] == "delivered"
    rows = sluice.call(lambda: sluice.emulator.delivery.captured(source="events"))
    assert [(r["protocol"], r["payload"]) for r in rows] == [("lambda", payload)]


def test_captured_deliveries_are_listed_over_the_admin_api(sluice, admin):
    payload = {"Input": "{\"a\": 1}"}
    function = "arn:aws:lambda:us-east-1:000000000000:function:f"
    transaction(sluice, lambda uow: sluice.emulator.delivery.dispatch(
        uow, message(capture=payload, route="target-1"), Target("captured", function, "lambda")))
    [row] = admin.get("/_sluice/captured", params={"source": "events", "protocol": "lambda"}).json()
    assert (row["target"], row["payload"], row["route"]) == (function, payload, "target-1")
    assert row["source_arn"] == "arn:aws:events:us-east-1:000000000000:rule/r"
    assert admin.get("/_sluice/captured", params={"source": "sns"}).json() == []
    assert admin.get("/_sluice/captured", params={"after_id": -1}).status_code == 422
