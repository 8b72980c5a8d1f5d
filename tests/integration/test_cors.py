"""CORS: browser code using an AWS SDK can call Sluice from the origins it allows, and only those.

The requests are what a browser sends (a preflight OPTIONS, then the call with its Origin), over HTTP
to real servers: the session server (default: loopback origins) and servers with SLUICE_CORS_ORIGINS.
"""

from __future__ import annotations

import httpx
import pytest

from tests.server import ThreadServer

SQS_JSON = {"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=00"}
REQUESTED = "authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-target,x-amz-user-agent"


def preflight(url: str, origin: str, path: str = "/") -> httpx.Response:
    return httpx.options(url + path, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": REQUESTED})


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080",
                                    "http://app.localhost:4200", "https://localhost"])
def test_loopback_origins_pass_the_preflight_by_default(sluice, origin):
    r = preflight(sluice.url, origin)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == origin
    assert "POST" in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-allow-headers"] == REQUESTED
    assert int(r.headers["access-control-max-age"]) > 0
    assert "Origin" in r.headers["vary"]


def test_the_call_after_the_preflight_carries_the_cors_headers(sluice):
    origin = "http://localhost:3000"
    r = httpx.post(sluice.url, content=b'{"QueueName": "from-a-browser"}', headers={**SQS_JSON, "Origin": origin})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == origin
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    # The JavaScript SDK reads SQS's error code from x-amzn-query-error, and request ids.
    assert {"x-amzn-requestid", "x-amzn-query-error", "x-amzn-errortype", "date"} <= exposed
    # An error carries them too (the browser would otherwise hide it from the SDK).
    r = httpx.post(sluice.url, content=b"{}", headers={**SQS_JSON, "Origin": origin})
    assert r.status_code == 400 and r.headers["access-control-allow-origin"] == origin
    # ... and so do the admin API and the LocalStack endpoints.
    for path in ("/_sluice/health", "/_localstack/health"):
        r = httpx.get(sluice.url + path, headers={"Origin": origin})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
    assert preflight(sluice.url, origin, "/_sluice/reset").status_code == 200


def test_another_origin_is_refused_even_without_a_preflight(sluice, client):
    origin = "https://evil.example"
    r = preflight(sluice.url, origin)
    assert r.status_code == 403 and "access-control-allow-origin" not in r.headers
    assert "SLUICE_CORS_ORIGINS" in r.text
    # A form post needs no preflight: it must not reach the emulator either.
    r = httpx.post(sluice.url, content=b"Action=CreateQueue&QueueName=csrf&Version=2012-11-05",
                   headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 403
    assert "QueueUrls" not in client("sqs").list_queues()
    r = httpx.post(f"{sluice.url}/_sluice/reset", headers={"Origin": origin})
    assert r.status_code == 403


def test_calls_without_an_origin_are_untouched(sluice):
    r = httpx.post(sluice.url, content=b'{"QueueName": "no-browser"}', headers=SQS_JSON)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_configured_origins_replace_the_loopback_default():
    server = ThreadServer(cors_origins="https://app.example.com, https://admin.example.com/").start()
    try:
        assert preflight(server.url, "https://app.example.com").status_code == 200
        assert preflight(server.url, "https://admin.example.com").status_code == 200
        assert preflight(server.url, "http://localhost:3000").status_code == 403
        assert preflight(server.url, "https://app.example.com.evil.net").status_code == 403
    finally:
        server.stop()


def test_a_star_allows_every_origin():
    server = ThreadServer(cors_origins="*").start()
    try:
        r = preflight(server.url, "https://anything.example")
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://anything.example"
    finally:
        server.stop()
