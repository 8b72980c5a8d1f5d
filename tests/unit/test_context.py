"""Account and region resolution from the request's credentials (api/context.py)."""

from __future__ import annotations

import pytest

from api.context import SigV4Scope, resolve_caller, sigv4_scope


def header(key: str, region: str, service: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/{service}/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, Signature=abcdef0123")


def caller(scope: SigV4Scope):
    return resolve_caller(scope, default_account="000000000000", default_region="us-east-1",
                          endpoint="http://localhost:4566", request_id="r-1")


def test_sigv4_header_gives_key_region_and_service():
    scope = sigv4_scope(header("AKIDEXAMPLE", "eu-west-3", "dynamodb"))
    assert (scope.access_key, scope.region, scope.service) == ("AKIDEXAMPLE", "eu-west-3", "dynamodb")


def test_presigned_query_credential():
    scope = sigv4_scope(None, {"X-Amz-Credential": "123456789012/20260101/ap-south-2/sqs/aws4_request"})
    assert (scope.access_key, scope.region, scope.service) == ("123456789012", "ap-south-2", "sqs")


def test_header_wins_over_query_credential():
    scope = sigv4_scope(header("111111111111", "eu-west-1", "sns"),
                        {"X-Amz-Credential": "222222222222/20260101/us-west-2/sqs/aws4_request"})
    assert (scope.access_key, scope.region, scope.service) == ("111111111111", "eu-west-1", "sns")


def test_sigv2_style_header_gives_only_the_key():
    scope = sigv4_scope("AWS 123456789012:c2lnbmF0dXJl")
    assert (scope.access_key, scope.region, scope.service) == ("123456789012", None, None)


@pytest.mark.parametrize("authorization,query", [
    (None, None), ("", {}), ("Bearer token", None), ("AWS4-HMAC-SHA256 Credential=broken", None),
    (None, {"X-Amz-Credential": "too/short"}),
])
def test_no_usable_credentials(authorization, query):
    assert sigv4_scope(authorization, query) == SigV4Scope()
    resolved = caller(sigv4_scope(authorization, query))
    assert (resolved.account, resolved.region) == ("000000000000", "us-east-1")


@pytest.mark.parametrize("key,account", [
    ("123456789012", "123456789012"),
    ("000000000001", "000000000001"),
    ("test", "000000000000"),
    ("AKIAIOSFODNN7EXAMPLE", "000000000000"),
    ("12345678901", "000000000000"),     # 11 digits
    ("1234567890123", "000000000000"),   # 13 digits
    ("12345678901a", "000000000000"),
    ("١٢٣٤٥٦٧٨٩٠١٢", "000000000000"),     # digits, but not ASCII ones
])
def test_twelve_digit_access_key_is_the_account(key, account):
    assert caller(sigv4_scope(header(key, "eu-central-1", "sqs"))).account == account


def test_region_from_scope_else_default():
    assert caller(sigv4_scope(header("test", "me-south-1", "events"))).region == "me-south-1"
    assert caller(SigV4Scope("test")).region == "us-east-1"


def test_caller_carries_endpoint_and_request_id():
    resolved = caller(SigV4Scope("123456789012", "eu-west-1", "sqs"))
    assert resolved.endpoint == "http://localhost:4566"
    assert resolved.request_id == "r-1"
