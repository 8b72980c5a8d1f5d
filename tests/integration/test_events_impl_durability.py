"""EventBridge over time, against the real server: the retry schedule and the dead-letter message driven by the
fake clock, scheduled rules under the fake clock, and retry state and schedules surviving ``kill -9``."""

import json

import httpx

from emulator.delivery.retry import events_delay_ms
from tests.conftest import make_client
from tests.server import ProcessServer

RULE = "arn:aws:events:us-east-1:000000000000:rule"


def make_queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive_all(sqs, url):
    out = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                     AttributeNames=["All"]).get("Messages", []):
        out += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def failing_target(events, sqs, *, retries, dlq=True):
    """A rule whose queue refuses the event (too large for it): a failure EventBridge retries."""
    small_url, small = make_queue(sqs, "small", MaximumMessageSize="1024")
    target = {"Id": "small", "Arn": small, "RetryPolicy": {"MaximumRetryAttempts": retries}}
    dlq_url = None
    if dlq:
        dlq_url, dlq_arn = make_queue(sqs, "dlq")
        target["DeadLetterConfig"] = {"Arn": dlq_arn}
    events.put_rule(Name="big", EventPattern=json.dumps({"source": ["my.app"]}))
    events.put_targets(Rule="big", Targets=[target])
    return small_url, small, dlq_url


BIG = {"Source": "my.app", "DetailType": "big", "Detail": json.dumps({"blob": "x" * 2000})}


def test_retry_schedule_and_dead_letter_message(client, advance, admin):
    events, sqs = client("events"), client("sqs")
    _, small, dlq_url = failing_target(events, sqs, retries=2)
    t0 = advance(0)
    event_id = events.put_events(Entries=[BIG])["Entries"][0]["EventId"]
    d1, d2 = events_delay_ms(event_id, 1), events_delay_ms(event_id, 2)
    pending = admin.get("/_sluice/deliveries/pending").json()
    assert [(p["kind"], p["due_at"], p["attempts"]) for p in pending] == [("events.sqs", t0 + d1, 1)]
    advance(ms=d1 - 1)
    assert len(admin.get("/_sluice/deliveries", params={"kind": "events.sqs"}).json()) == 1
    advance(ms=1)
    advance(ms=d2)
    log = admin.get("/_sluice/deliveries", params={"kind": "events.sqs"}).json()
    assert [(r["attempt"], r["status"], r["at"] - t0) for r in log] == [
        (1, "retrying", 0), (2, "retrying", d1), (3, "dead-lettered", d1 + d2)]
    assert {r["target"] for r in log} == {small} and {r["message_id"] for r in log} == {event_id}
    (dead,) = receive_all(sqs, dlq_url)
    event = json.loads(dead["Body"])
    assert event["id"] == event_id and event["detail"] == {"blob": "x" * 2000}
    attributes = {name: a["StringValue"] for name, a in dead["MessageAttributes"].items()}
    assert "Message must be shorter than 1024 bytes." in attributes.pop("ERROR_MESSAGE")
    assert attributes == {"RULE_ARN": f"{RULE}/big", "TARGET_ARN": small, "ERROR_CODE": "INVALID_PARAMETER",
                          "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2"}
    assert dead["MessageAttributes"]["RETRY_ATTEMPTS"]["DataType"] == "Number"
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_no_retries_and_no_dead_letter_queue_drops_after_one_attempt(client, admin):
    events, sqs = client("events"), client("sqs")
    failing_target(events, sqs, retries=0, dlq=False)
    events.put_events(Entries=[BIG])
    log = admin.get("/_sluice/deliveries", params={"kind": "events.sqs"}).json()
    assert [(r["attempt"], r["status"]) for r in log] == [(1, "dropped")]


def test_scheduled_rule_fires_sixty_times_an_hour_in_order(client, advance):
    events, sqs = client("events"), client("sqs")
    url, arn = make_queue(sqs, "ticks")
    rule = events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": arn},
                                              {"Id": "fn", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:f",
                                               "Input": '{"tick": true}'}])
    created = advance(0)
    advance(3600)
    got = [json.loads(m["Body"]) for m in receive_all(sqs, url)]
    assert len(got) == 60
    from emulator.events.common import iso_time
    assert [e["time"] for e in got] == [iso_time(created + k * 60_000) for k in range(1, 61)]
    assert {(e["source"], e["detail-type"], tuple(e["resources"])) for e in got} == {
        ("aws.events", "Scheduled Event", (rule,))}


def _advance(server, seconds):
    httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=60).raise_for_status()


def test_retry_state_survives_kill_9(tmp_path):
    args = ("--data-dir", str(tmp_path), "--clock", "fake", "--log-level", "warning")
    server = ProcessServer(*args).start()
    try:
        events, sqs = make_client(server.url, "events"), make_client(server.url, "sqs")
        small_url, _, _ = failing_target(events, sqs, retries=10)
        event_id = events.put_events(Entries=[BIG])["Entries"][0]["EventId"]
        _advance(server, events_delay_ms(event_id, 1) / 1000)  # the second attempt fails too
        pending = httpx.get(f"{server.url}/_sluice/deliveries/pending").json()
        assert [p["attempts"] for p in pending] == [2]
    finally:
        server.kill(9)
    server = ProcessServer(*args).start()
    try:
        sqs = make_client(server.url, "sqs")
        small_url = sqs.get_queue_url(QueueName="small")["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=small_url, Attributes={"MaximumMessageSize": "262144"})
        for _ in range(3):  # each advance runs what is due; the next attempt now succeeds
            _advance(server, 60)
        delivered = receive_all(sqs, small_url)
        assert [json.loads(m["Body"])["id"] for m in delivered] == [event_id]
        log = httpx.get(f"{server.url}/_sluice/deliveries", params={"kind": "events.sqs"}).json()
        # The restarted clock may find the third attempt due at once (before the queue was fixed): it is retried.
        assert [r["attempt"] for r in log] == list(range(1, len(log) + 1)) and 3 <= len(log) <= 4
        assert [r["status"] for r in log] == ["retrying"] * (len(log) - 1) + ["delivered"]
        assert httpx.get(f"{server.url}/_sluice/deliveries/pending").json() == []
    finally:
        server.stop()


def test_schedule_survives_kill_9_without_losing_or_repeating_a_firing(tmp_path):
    args = ("--data-dir", str(tmp_path), "--clock", "fake", "--log-level", "warning")
    server = ProcessServer(*args).start()
    try:
        events, sqs = make_client(server.url, "events"), make_client(server.url, "sqs")
        _, arn = make_queue(sqs, "ticks")
        events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": arn}])
        _advance(server, 150)
    finally:
        server.kill(9)
    server = ProcessServer(*args).start()
    try:
        sqs = make_client(server.url, "sqs")
        url = sqs.get_queue_url(QueueName="ticks")["QueueUrl"]
        for _ in range(5):
            _advance(server, 60)
        times = sorted(json.loads(m["Body"])["time"] for m in receive_all(sqs, url))
        from datetime import datetime
        seconds = [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").timestamp() for t in times]
        assert len(seconds) >= 3
        assert [b - a for a, b in zip(seconds, seconds[1:], strict=False)] == [60.0] * (len(seconds) - 1)
    finally:
        server.stop()
