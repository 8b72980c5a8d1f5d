"""What every part of the benchmark shares: credentials, the message body, clients, percentiles."""

from __future__ import annotations

import hashlib
import json
import math
import time

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ACCESS_KEY = "test"  # not 12 digits: every server uses its default account
SECRET_KEY = "test"
REGION = "us-east-1"
# One body for every SendMessage, so the HTTP floor can answer with a fixed, correct MD5.
MESSAGE_BODY = "bench-message " + "x" * 86
MESSAGE_MD5 = hashlib.md5(MESSAGE_BODY.encode()).hexdigest()
FLOOR_SEND_RESPONSE = json.dumps({"MessageId": "5fea7756-0ea4-451a-a703-a558b933e274", "MD5OfMessageBody": MESSAGE_MD5})

JSON_1_0 = "application/x-amz-json-1.0"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


class NotApplicable(Exception):
    """A scenario cannot run against this server; the message becomes the table's ``n/a: ...``."""


def client(service: str, url: str, timeout: float = 30):
    """A boto3 client on ``url``: no retries (a failure must show), keep-alive, generous pool."""
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=16,
                    connect_timeout=5, read_timeout=timeout, tcp_keepalive=True)
    return boto3.session.Session().client(service, endpoint_url=url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                                          aws_secret_access_key=SECRET_KEY, config=config)


def signed_headers(url: str, service: str, body: str, content_type: str, target: str | None = None) -> dict[str, str]:
    """SigV4 headers for one body, signed once: the load generator replays them (emulators do not verify)."""
    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method="POST", url=url, data=body.encode(), headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), service, REGION).add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "x-amz-target", "authorization", "x-amz-date")}


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def short_error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 90 else text[:87] + "..."
