"""EventBridge TestEventPattern through boto3 against the real server (EventBridge API Reference:
TestEventPattern; EventBridge User Guide: "Creating event patterns")."""

import json

import pytest
from botocore.exceptions import ClientError

EVENT = {
    "id": "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "123456789012",
    "time": "2015-11-11T21:29:54Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
    "detail": {"instance-id": "i-abcd1111", "state": "pending", "count": 5, "ip": "10.0.0.7"},
}


@pytest.mark.parametrize("pattern,expected", [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"detail": {"state": [{"prefix": "pend"}]}}, True),
    ({"detail": {"count": [{"numeric": [">", 1, "<=", 5]}]}}, True),
    ({"detail": {"count": [{"numeric": [">", 5]}]}}, False),
    ({"detail": {"state": [{"anything-but": ["pending", "running"]}]}}, False),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"$or": [{"source": ["nope"]}, {"detail": {"state": [{"suffix": "ing"}]}}]}, True),
    ({"resources": [{"wildcard": "arn:aws:ec2:*:instance/*"}]}, True),
])
def test_test_event_pattern_matches(client, pattern, expected):
    events = client("events")
    result = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(EVENT))
    assert result["Result"] is expected


def test_invalid_pattern_is_invalid_event_pattern_exception(client):
    events = client("events")
    with pytest.raises(ClientError) as err:
        events.test_event_pattern(EventPattern=json.dumps({"source": "aws.ec2"}), Event=json.dumps(EVENT))
    assert err.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_event_missing_envelope_field_is_rejected(client):
    events = client("events")
    event = {k: v for k, v in EVENT.items() if k != "account"}
    with pytest.raises(ClientError) as err:
        events.test_event_pattern(EventPattern=json.dumps({"source": ["aws.ec2"]}), Event=json.dumps(event))
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Code"] in ("InvalidEventPatternException", "ValidationException")
