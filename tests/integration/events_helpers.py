"""Helpers the EventBridge integration tests share: queues as targets, draining them, AWS errors, the
delivery log. Everything goes through real boto3 clients against the session server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
OTHER_ACCOUNT = "111111111111"
REGION = "us-east-1"
DEFAULT_BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
LAMBDA_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:on-event"


def bus_arn(name: str, *, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


def rule_arn(name: str, bus: str = "default", *, account: str = ACCOUNT, region: str = REGION) -> str:
    """EventBridge API Reference, PutRule: rules on a custom bus carry the bus name in their ARN."""
    path = name if bus == "default" else f"{bus}/{name}"
    return f"arn:aws:events:{region}:{account}:rule/{path}"


def queue_arn(name: str, *, account: str = ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:sqs:{region}:{account}:{name}"


def make_queue(sqs, name: str, **attributes) -> tuple[str, str]:
    """Create a queue; (url, arn)."""
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs, url: str) -> list[dict]:
    """Every message in the queue now (with all attributes), deleted as read; oldest first as received."""
    out: list[dict] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                  AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        out += got
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def events_in(sqs, url: str) -> list[dict]:
    """The queue's messages as parsed JSON bodies."""
    return [json.loads(m["Body"]) for m in drain(sqs, url)]


def error_of(call, *args, **kwargs) -> tuple[str, str, int]:
    """(code, message, HTTP status) of the AWS error ``call`` must raise."""
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    response = err.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def rule_to_queue(events, sqs, name: str, pattern: dict | None = None, *, bus: str | None = None,
                  queue: str | None = None, target: dict | None = None, **rule) -> tuple[str, str, str]:
    """A rule (EventPattern ``pattern`` unless ``rule`` says otherwise) with one SQS target: (rule ARN, url, arn)."""
    url, arn = make_queue(sqs, queue or f"{name}-q")
    kwargs = {"Name": name, **rule}
    if pattern is not None:
        kwargs["EventPattern"] = json.dumps(pattern)
    if bus is not None:
        kwargs["EventBusName"] = bus
    rule_arn_ = events.put_rule(**kwargs)["RuleArn"]
    spec = {"Id": "q", "Arn": arn, **(target or {})}
    put = {"Rule": name, "Targets": [spec]}
    if bus is not None:
        put["EventBusName"] = bus
    answer = events.put_targets(**put)
    assert answer["FailedEntryCount"] == 0, answer
    return rule_arn_, url, arn


def entry(source: str = "com.example.orders", detail_type: str = "Order Placed", detail: dict | None = None,
          **extra) -> dict:
    """One PutEvents entry."""
    return {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail if detail is not None else {}),
            **extra}


def put_event(events, **kwargs) -> str:
    """PutEvents with one entry that must be accepted; its EventId."""
    answer = events.put_events(Entries=[entry(**kwargs)])
    assert answer["FailedEntryCount"] == 0, answer
    [result] = answer["Entries"]
    return result["EventId"]


def iso(ms: int) -> str:
    """An event's ``time``: RFC 3339 in UTC, whole seconds (EventBridge User Guide, "Amazon EventBridge events")."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> int:
    """An event ``time`` as epoch ms."""
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()) * 1000


def clock_ms(admin) -> int:
    return admin.get("/_sluice/clock").json()["now_ms"]


def deliveries(admin, **params) -> list[dict]:
    """The delivery log (GET /_sluice/deliveries), filtered by ``kind`` / ``target``."""
    response = admin.get("/_sluice/deliveries", params=params)
    response.raise_for_status()
    return response.json()
