"""Fixtures of the integration tests (the server and clients are in tests/conftest.py)."""

import pytest


@pytest.fixture
def sqs(client):
    """A boto3 SQS client (JSON protocol) for the session server, wiped before the test."""
    return client("sqs")
