"""EventBridge target retries and dead-letter queues under the fake clock.

Sources: EventBridge User Guide, "Event retry policy and using dead-letter queues" / "Using dead-letter queues to
process undelivered events": "for errors that result from missing permissions to a target, or if a target resource
that no longer exists, no retry attempts will happen ... EventBridge sends these events directly to the target DLQ";
other failures are retried per the target's RetryPolicy (MaximumRetryAttempts, MaximumEventAgeInSeconds) "with an
exponential back off and jitter"; "Each message in your DLQ will include the following custom attributes: RULE_ARN,
TARGET_ARN, ERROR_CODE (a sample of the codes: CONNECTION_FAILURE ... UNKNOWN), ERROR_MESSAGE,
EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS". API Reference: RetryPolicy, DeadLetterConfig.

The failure AWS retries that Sluice can produce on demand: an event larger than the target queue's
MaximumMessageSize (SQS refuses the SendMessage with a client error that is neither "missing" nor "permission").
Sluice's jittered back-off is deterministic: ``emulator.delivery.retry.events_delay_ms(event_id, attempts)`` is the
wait after ``attempts`` failed attempts, so the tests know every attempt's time to the millisecond.
"""

import json

from emulator.delivery.retry import events_delay_ms
from tests.integration.events_helpers import (
    deliveries,
    drain,
    make_queue,
    put_event,
    queue_arn,
    rule_arn,
)

PATTERN = {"source": ["com.example.orders"]}
BIG = {"blob": "x" * 2000}          # the event is over 2 KB: more than a 1 KB queue takes
# User Guide, "Using dead-letter queues": the sample of ERROR_CODE values a DLQ message can carry.
DLQ_ERROR_CODES = {
    "CONNECTION_FAILURE", "CROSS_ACCOUNT_INGESTION_FAILED", "CROSS_REGION_INGESTION_FAILED", "ERROR_FROM_TARGET",
    "EVENTS_IN_BATCH_REQUEST_REJECTED", "FAILED_TO_ASSUME_ROLE", "INTERNAL_ERROR", "INVALID_JSON",
    "INVALID_PARAMETER", "NO_PERMISSIONS", "NO_RESOURCE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_LIMIT_EXCEEDED",
    "RESOURCE_MODIFICATION_COLLISION", "SDK_CLIENT_ERROR", "THIRD_ACCOUNT_HOP_DETECTED", "THIRD_REGION_HOP_DETECTED",
    "THROTTLING", "TIMEOUT", "TRANSIENT_ASSUME_ROLE", "UNKNOWN",
}


def _log(admin, target):
    return [(r["attempt"], r["status"]) for r in deliveries(admin, kind="events.sqs", target=target)]


def _attribute(message, name):
    value = message["MessageAttributes"][name]
    return value["DataType"], value.get("StringValue")


def test_a_missing_queue_is_not_retried_and_goes_straight_to_the_dlq(client, admin, advance):
    """UG: a target resource that no longer exists is not retried; the event goes to the DLQ at once, with RULE_ARN,
    TARGET_ARN, ERROR_CODE, ERROR_MESSAGE and RETRY_ATTEMPTS 0; the DLQ message body is the event."""
    events, sqs = client("events"), client("sqs")
    dlq_url, dlq = make_queue(sqs, "dlq")
    gone = queue_arn("gone")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "gone-target", "Arn": gone, "DeadLetterConfig": {"Arn": dlq},
                                           "RetryPolicy": {"MaximumRetryAttempts": 5}}])
    event_id = put_event(events, detail={"n": 1})
    [dead] = drain(sqs, dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id and json.loads(dead["Body"])["detail"] == {"n": 1}
    assert _attribute(dead, "RULE_ARN") == ("String", rule_arn("r"))
    assert _attribute(dead, "TARGET_ARN") == ("String", gone)
    data_type, code = _attribute(dead, "ERROR_CODE")
    assert data_type == "String" and code in DLQ_ERROR_CODES, code
    data_type, message = _attribute(dead, "ERROR_MESSAGE")
    assert data_type == "String" and message
    assert _attribute(dead, "RETRY_ATTEMPTS")[1] == "0"
    [row] = deliveries(admin, kind="events.sqs", target=gone)
    assert (row["message_id"], row["attempt"], row["status"]) == (event_id, 1, "dead-lettered")
    advance(3600)
    assert _log(admin, gone) == [(1, "dead-lettered")]          # never tried again
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_a_missing_queue_without_a_dlq_is_dropped(client, admin, advance):
    events = client("events")
    gone = queue_arn("gone")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": gone}])
    event_id = put_event(events, detail={"n": 1})
    advance(3600)
    [row] = deliveries(admin, kind="events.sqs", target=gone)
    assert (row["message_id"], row["attempt"], row["status"]) == (event_id, 1, "dropped")
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_a_retryable_failure_follows_the_retry_policy_then_the_dlq(client, admin, advance):
    """RetryPolicy MaximumRetryAttempts=2: the first attempt and two retries, each at the back-off's time exactly,
    then the DLQ with EXHAUSTED_RETRY_CONDITION MaximumRetryAttempts and RETRY_ATTEMPTS 2; the delivery log lists
    every attempt under the event id."""
    events, sqs = client("events"), client("sqs")
    _, small = make_queue(sqs, "small", MaximumMessageSize=1024)
    dlq_url, dlq = make_queue(sqs, "dlq")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "small", "Arn": small, "DeadLetterConfig": {"Arn": dlq},
                                           "RetryPolicy": {"MaximumRetryAttempts": 2}}])
    event_id = put_event(events, detail=BIG)
    assert _log(admin, small) == [(1, "retrying")]
    for attempts in (1, 2):
        wait = events_delay_ms(event_id, attempts)
        advance(ms=wait - 1)
        assert len(_log(admin, small)) == attempts, f"attempt {attempts + 1} came early"
        advance(ms=1)
        assert len(_log(admin, small)) == attempts + 1, f"attempt {attempts + 1} not on time"
    assert _log(admin, small) == [(1, "retrying"), (2, "retrying"), (3, "dead-lettered")]
    assert {r["message_id"] for r in deliveries(admin, kind="events.sqs", target=small)} == {event_id}
    [dead] = drain(sqs, dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    assert _attribute(dead, "RULE_ARN") == ("String", rule_arn("r"))
    assert _attribute(dead, "TARGET_ARN") == ("String", small)
    assert _attribute(dead, "EXHAUSTED_RETRY_CONDITION") == ("String", "MaximumRetryAttempts")
    assert _attribute(dead, "RETRY_ATTEMPTS")[1] == "2"
    assert _attribute(dead, "ERROR_CODE")[1] in DLQ_ERROR_CODES
    assert _attribute(dead, "ERROR_MESSAGE")[1]
    advance(3600)
    assert len(_log(admin, small)) == 3
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_the_event_age_limit_ends_the_retries(client, admin, advance):
    """RetryPolicy MaximumEventAgeInSeconds=60 (its minimum) with the default 185 attempts: the retries stop once the
    next one would come after the event is 60 s old; EXHAUSTED_RETRY_CONDITION is MaximumEventAgeInSeconds."""
    events, sqs = client("events"), client("sqs")
    _, small = make_queue(sqs, "small", MaximumMessageSize=1024)
    dlq_url, dlq = make_queue(sqs, "dlq")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "small", "Arn": small, "DeadLetterConfig": {"Arn": dlq},
                                           "RetryPolicy": {"MaximumEventAgeInSeconds": 60}}])
    event_id = put_event(events, detail=BIG)
    elapsed, attempts = 0, 1
    while elapsed + events_delay_ms(event_id, attempts) <= 60_000:
        wait = events_delay_ms(event_id, attempts)
        advance(ms=wait)
        elapsed += wait
        attempts += 1
        assert len(_log(admin, small)) == attempts
    assert 3 <= attempts < 185
    assert _log(admin, small)[-1] == (attempts, "dead-lettered")
    [dead] = drain(sqs, dlq_url)
    assert _attribute(dead, "EXHAUSTED_RETRY_CONDITION") == ("String", "MaximumEventAgeInSeconds")
    assert _attribute(dead, "RETRY_ATTEMPTS")[1] == str(attempts - 1)
    advance(3600)
    assert len(_log(admin, small)) == attempts


def test_a_retry_delivers_once_the_target_can_take_the_event(client, admin, advance):
    """A retried event is delivered when the target recovers: the queue is made large enough between attempts."""
    events, sqs = client("events"), client("sqs")
    url, small = make_queue(sqs, "small", MaximumMessageSize=1024)
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "small", "Arn": small}])
    event_id = put_event(events, detail=BIG)
    assert drain(sqs, url) == []
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "262144"})
    advance(ms=events_delay_ms(event_id, 1))
    assert _log(admin, small) == [(1, "retrying"), (2, "delivered")]
    [message] = drain(sqs, url)
    assert json.loads(message["Body"])["id"] == event_id
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_retry_attempts_zero_sends_the_first_failure_to_the_dlq(client, admin):
    """RetryPolicy MaximumRetryAttempts=0 (its minimum): no retry at all."""
    events, sqs = client("events"), client("sqs")
    _, small = make_queue(sqs, "small", MaximumMessageSize=1024)
    dlq_url, dlq = make_queue(sqs, "dlq")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "small", "Arn": small, "DeadLetterConfig": {"Arn": dlq},
                                           "RetryPolicy": {"MaximumRetryAttempts": 0}}])
    put_event(events, detail=BIG)
    assert _log(admin, small) == [(1, "dead-lettered")]
    [dead] = drain(sqs, dlq_url)
    assert _attribute(dead, "EXHAUSTED_RETRY_CONDITION") == ("String", "MaximumRetryAttempts")
    assert _attribute(dead, "RETRY_ATTEMPTS")[1] == "0"
