"""The AWS CLI v1 (PyPI ``awscli``) as a user runs it, in a subprocess against the real server."""

import hashlib
import json
import os
import subprocess
import sys

import pytest


def _aws(url, *args):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}
    # The CLI installed beside this interpreter (the test extra), not whichever one is first on PATH.
    cmd = [sys.executable, "-m", "awscli"]
    out = subprocess.run([*cmd, "--endpoint-url", url, "--output", "json", *args], env=env, capture_output=True,
                         text=True, timeout=60)
    return out


@pytest.fixture
def aws(sluice):
    def run(*args):
        out = _aws(sluice.url, *args)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else None
    return run


def test_cli_queue_round_trip(aws, sluice):
    url = aws("sqs", "create-queue", "--queue-name", "cli-jobs")["QueueUrl"]
    assert url.endswith("/000000000000/cli-jobs")
    sent = aws("sqs", "send-message", "--queue-url", url, "--message-body", "hello from the CLI",
               "--message-attributes", '{"kind": {"DataType": "String", "StringValue": "greeting"}}')
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello from the CLI").hexdigest()
    got = aws("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All",
              "--attribute-names", "All")["Messages"][0]
    assert got["Body"] == "hello from the CLI"
    assert got["MessageAttributes"]["kind"]["StringValue"] == "greeting"
    assert got["Attributes"]["ApproximateReceiveCount"] == "1"
    aws("sqs", "delete-message", "--queue-url", url, "--receipt-handle", got["ReceiptHandle"])
    attrs = aws("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert url in aws("sqs", "list-queues", "--queue-name-prefix", "cli-")["QueueUrls"]


def test_cli_reports_aws_errors(sluice):
    out = _aws(sluice.url, "sqs", "get-queue-url", "--queue-name", "no-such-queue")
    assert out.returncode != 0
    assert "NonExistentQueue" in out.stderr or "QueueDoesNotExist" in out.stderr
