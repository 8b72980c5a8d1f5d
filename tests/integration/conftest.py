"""Fixtures of the integration tests (the server and clients are in tests/conftest.py)."""

import pytest


@pytest.fixture
def sqs(client):
    """A boto3 SQS client (JSON protocol) for the session server, wiped before the test."""
    return client("sqs")


@pytest.fixture
def ddb(client):
    """A boto3 DynamoDB client for the session server."""
    return client("dynamodb")


@pytest.fixture
def streams(client):
    """A boto3 DynamoDB Streams client for the session server."""
    return client("dynamodbstreams")
