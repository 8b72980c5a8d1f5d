"""Shared fixtures: a real Sluice server per test worker, boto3 clients pointed at it, time control.

The session server runs with a fake clock: tests move time with ``advance(seconds)`` (which also
runs everything that became due) instead of sleeping.
"""

from __future__ import annotations

import os

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.server import ThreadServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
    os.environ.pop(_var, None)

ACCOUNT = "000000000000"


@pytest.fixture(scope="session")
def server():
    srv = ThreadServer(clock="fake").start()
    yield srv
    srv.stop()


@pytest.fixture
def sluice(server):
    """The session server, wiped before the test."""
    httpx.post(f"{server.url}/_sluice/reset", timeout=30).raise_for_status()
    return server


def make_client(url: str, service: str, *, region: str = "us-east-1", account: str | None = None, **config):
    return boto3.client(
        service, endpoint_url=url, region_name=region,
        aws_access_key_id=account or "test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, **config),
    )


@pytest.fixture
def client(sluice):
    """``client("sqs", region=..., account=...)``: a boto3 client for the server."""
    def factory(service: str, **kwargs):
        return make_client(sluice.url, service, **kwargs)
    return factory


@pytest.fixture
def advance(sluice):
    """Move the server's fake clock forward and run everything that became due."""
    def move(seconds: float = 0, ms: int = 0) -> int:
        r = httpx.post(f"{sluice.url}/_sluice/clock/advance", json={"seconds": seconds, "ms": ms}, timeout=60)
        r.raise_for_status()
        return r.json()["now_ms"]
    return move


@pytest.fixture
def admin(sluice):
    """An httpx client for the admin API."""
    with httpx.Client(base_url=sluice.url, timeout=30) as c:
        yield c
