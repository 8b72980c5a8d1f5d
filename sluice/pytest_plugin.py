"""Sluice's pytest plugin, registered by the package (entry point ``pytest11``).

Fixtures (nothing starts until a test asks for one):

- ``sluice_server`` (session): Sluice in a thread of the test process, in memory, on a free port;
  one per xdist worker. Its clock is real unless ``sluice_clock = fake`` is set in the ini file.
- ``sluice_endpoint`` (session): its URL, the ``endpoint_url`` for clients.
- ``sluice_client(service, region=..., account=..., **config)`` and ``sluice_resource(...)``: boto3
  clients and resources pointed at it, with dummy credentials (a 12-digit ``account`` acts in it).
- ``sluice_clock``: ``advance(seconds)`` moves the fake clock and runs everything that became due.
- ``sluice_aws_env`` (session): sets ``AWS_ENDPOINT_URL`` and dummy credentials, so that code which
  builds its own clients reaches Sluice; ``sluice_aws_env = true`` in the ini file applies it to every test.

A fresh state per test is opt-in: the ``@pytest.mark.sluice_reset`` marker, or ``sluice_reset = true``.
"""

from __future__ import annotations

import os

import pytest

_ENV_DROPPED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("sluice_reset", "Reset Sluice's state before every test (default: only tests marked sluice_reset).",
                  type="bool", default=False)
    parser.addini("sluice_clock", "`real` (default) or `fake`: the clock of the session's Sluice server.",
                  default="real")
    parser.addini("sluice_aws_env", "Point AWS_ENDPOINT_URL and dummy credentials at Sluice for the whole session.",
                  type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sluice_reset: wipe every Sluice resource and message before this test")


@pytest.fixture(scope="session")
def sluice_server(request: pytest.FixtureRequest):
    """Sluice in a thread of this process (one per xdist worker), in memory, on a free loopback port."""
    from sluice.server import ThreadedSluiceServer

    clock = str(request.config.getini("sluice_clock")).strip() or "real"
    if clock not in ("real", "fake"):
        raise pytest.UsageError(f"sluice_clock = {clock}: expected real or fake")
    server = ThreadedSluiceServer(clock=clock).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sluice_endpoint(sluice_server) -> str:
    return sluice_server.url


def _session_kwargs(region: str, account: str | None) -> dict:
    return {"region_name": region, "aws_access_key_id": account or "test", "aws_secret_access_key": "test",
            "aws_session_token": None}


@pytest.fixture(scope="session")
def sluice_client(sluice_endpoint):
    """``sluice_client("sqs", region="us-east-1", account=None, **config)``: a boto3 client for Sluice."""
    import boto3
    from botocore.config import Config

    def make(service: str, *, region: str = "us-east-1", account: str | None = None, **config):
        return boto3.client(service, endpoint_url=sluice_endpoint, config=Config(**config) if config else None,
                            **_session_kwargs(region, account))
    return make


@pytest.fixture(scope="session")
def sluice_resource(sluice_endpoint):
    """``sluice_resource("sqs", region=..., account=...)``: a boto3 resource for Sluice."""
    import boto3

    def make(service: str, *, region: str = "us-east-1", account: str | None = None):
        return boto3.resource(service, endpoint_url=sluice_endpoint, **_session_kwargs(region, account))
    return make


class SluiceClock:
    """The session server's fake clock."""

    def __init__(self, server):
        self._server = server

    def advance(self, seconds: float = 0, ms: int = 0) -> int:
        """Move time forward, run everything that became due, return the new time in epoch ms."""
        return self._server.advance(seconds, ms)

    @property
    def now_ms(self) -> int:
        return self._server.emulator.clock.now_ms()


@pytest.fixture
def sluice_clock(sluice_server) -> SluiceClock:
    if not sluice_server.emulator.clock.fake:
        pytest.fail("sluice_clock needs the fake clock: set `sluice_clock = fake` in the [pytest] ini options",
                    pytrace=False)
    return SluiceClock(sluice_server)


@pytest.fixture(scope="session")
def sluice_aws_env(sluice_endpoint):
    """AWS_ENDPOINT_URL and dummy credentials for the rest of the session; restored afterwards."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [*_ENV_DROPPED, *(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_"))]:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ENDPOINT_URL", sluice_endpoint)
        patch.setenv("AWS_ACCESS_KEY_ID", "test")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
        patch.setenv("AWS_DEFAULT_REGION", region)
        patch.setenv("AWS_REGION", region)
        yield sluice_endpoint


@pytest.fixture(scope="session", autouse=True)
def _sluice_session_env(request: pytest.FixtureRequest):
    if request.config.getini("sluice_aws_env"):
        request.getfixturevalue("sluice_aws_env")


@pytest.fixture(autouse=True)
def _sluice_reset(request: pytest.FixtureRequest):
    if request.node.get_closest_marker("sluice_reset") or request.config.getini("sluice_reset"):
        request.getfixturevalue("sluice_server").reset()
