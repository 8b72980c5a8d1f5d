"""The AWS CLI v1 (PyPI ``awscli``) against the real server: ``aws events put-rule``, ``put-targets``,
``put-events`` as the AWS CLI Command Reference shows them, and an AWS error as the CLI reports it.

Sources: AWS CLI Command Reference, events put-rule / put-targets / put-events (the --entries JSON and the
shorthand Id=...,Arn=... target syntax); EventBridge User Guide, "Sending events with PutEvents".
"""

import json

import pytest

from tests.integration.events_helpers import events_in, make_queue, rule_arn
from tests.integration.test_sqs_cli import _aws


@pytest.fixture
def aws(sluice):
    def run(*args):
        out = _aws(sluice.url, "events", *args)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else None
    return run


def test_cli_rule_target_and_put_events(aws, client):
    sqs = client("sqs")
    url, queue = make_queue(sqs, "cli-orders")
    created = aws("put-rule", "--name", "cli-orders", "--event-pattern",
                  json.dumps({"source": ["com.example.cli"], "detail": {"total": [{"numeric": [">", 100]}]}}),
                  "--description", "big orders")
    assert created == {"RuleArn": rule_arn("cli-orders")}
    assert aws("put-targets", "--rule", "cli-orders", "--targets", f"Id=1,Arn={queue}") == {
        "FailedEntryCount": 0, "FailedEntries": []}
    described = aws("describe-rule", "--name", "cli-orders")
    assert described["Description"] == "big orders" and described["State"] == "ENABLED"

    entries = [{"Source": "com.example.cli", "DetailType": "Order Placed", "Detail": json.dumps({"total": 250}),
                "Resources": ["arn:aws:s3:::orders"]},
               {"Source": "com.example.cli", "DetailType": "Order Placed", "Detail": json.dumps({"total": 5})}]
    answer = aws("put-events", "--entries", json.dumps(entries))
    assert answer["FailedEntryCount"] == 0 and len(answer["Entries"]) == 2
    [event] = events_in(sqs, url)
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["detail"] == {"total": 250} and event["resources"] == ["arn:aws:s3:::orders"]


def test_cli_put_events_reports_entry_errors_in_its_output(aws):
    """A per-entry failure is not a CLI error: exit 0, the entry's ErrorCode in the output."""
    answer = aws("put-events", "--entries", json.dumps([{"Source": "s", "DetailType": "t", "Detail": "[1]"}]))
    assert answer == {"FailedEntryCount": 1,
                      "Entries": [{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}]}


def test_cli_scheduled_rule_and_its_error(aws, sluice):
    created = aws("put-rule", "--name", "nightly", "--schedule-expression", "cron(0 2 * * ? *)")
    assert created == {"RuleArn": rule_arn("nightly")}
    assert aws("list-rules", "--name-prefix", "night")["Rules"][0]["ScheduleExpression"] == "cron(0 2 * * ? *)"
    out = _aws(sluice.url, "events", "put-rule", "--name", "bad", "--schedule-expression", "rate(1 minutes)")
    assert out.returncode != 0
    assert "An error occurred (ValidationException) when calling the PutRule operation: " \
           "Parameter ScheduleExpression is not valid." in out.stderr
