"""SigV4 verification, pure parts: AWS's published signing examples, canonicalization rules, credentials files.

Vectors: the "get-vanilla" case of AWS's Signature Version 4 test suite (service ``service``,
``example.amazonaws.com``) and the IAM ``ListUsers`` example of "Create a signed AWS API request",
both signed on 2015-08-30T12:36:00Z with the documentation's example secret.
"""

from __future__ import annotations

import json

import pytest

from api import sigv4
from emulator.caller import Caller
from emulator.errors import AwsError

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"
DATE_MS = 1440938160000


def test_get_vanilla():
    headers = {"host": "example.amazonaws.com", "x-amz-date": DATE}
    request = sigv4.canonical_request("GET", "/", [], headers, ["host", "x-amz-date"], sigv4.EMPTY_SHA256)
    assert request == ("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    to_sign = sigv4.string_to_sign(DATE, "20150830/us-east-1/service/aws4_request", request)
    assert to_sign.endswith("\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
    key = sigv4.signing_key(SECRET, "20150830", "us-east-1", "service")
    assert sigv4.signature(key, to_sign) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"


def test_iam_list_users_example():
    headers = {"host": "iam.amazonaws.com", "x-amz-date": DATE,
               "content-type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = sigv4.canonical_request("GET", "/", [("Version", "2010-05-08"), ("Action", "ListUsers")], headers,
                                      ["content-type", "host", "x-amz-date"], sigv4.EMPTY_SHA256)
    assert request.splitlines()[2] == "Action=ListUsers&Version=2010-05-08"
    to_sign = sigv4.string_to_sign(DATE, "20150830/us-east-1/iam/aws4_request", request)
    assert to_sign.splitlines()[-1] == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
    key = sigv4.signing_key(SECRET, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    assert sigv4.signature(key, to_sign) == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


@pytest.mark.parametrize("path, canonical", [
    ("", "/"),
    ("/", "/"),
    ("/example/..", "/"),
    ("/./a/./b/", "/a/b/"),
    ("//a//b", "/a/b"),
    ("/000000000000/my-queue", "/000000000000/my-queue"),
    ("/a b", "/a%2520b"),   # encoded once into the URL, once more into the canonical request
    ("/ሴ", "/%25E1%2588%25B4"),
])
def test_canonical_uri(path, canonical):
    assert sigv4.canonical_uri(path) == canonical


def test_canonical_query_sorts_encoded_names_then_values():
    pairs = [("Param2", "value2"), ("Param1", "value1"), ("Param1", "Value0"), ("a b", "c+d/e~f")]
    assert sigv4.canonical_query(pairs) == "Param1=Value0&Param1=value1&Param2=value2&a%20b=c%2Bd%2Fe~f"


def test_canonical_headers_trim_and_fold_spaces():
    headers = {"my-header1": "  value1  ", "my-header2": '"a   b   c"'}
    assert sigv4.canonical_headers(headers, ["my-header1", "my-header2"]) == 'my-header1:value1\nmy-header2:"a b c"\n'


def test_credentials_from_json_ini_and_environment(tmp_path):
    js = tmp_path / "creds.json"
    js.write_text(json.dumps([{"AccessKeyId": "A1", "SecretAccessKey": "s1", "AccountId": "111111111111"},
                              {"AccessKeyId": "A2", "SecretAccessKey": "s2"}]))
    assert sigv4.load_credentials(js) == {"A1": sigv4.Credential("s1", "111111111111"), "A2": sigv4.Credential("s2")}
    ini = tmp_path / "credentials"
    ini.write_text("[default]\naws_access_key_id = B1\naws_secret_access_key = t/1+x\naws_account_id = 222222222222\n"
                   "[other]\nregion = us-east-1\n")
    found = sigv4.load_credentials(ini, "C1", "u1", "333333333333")
    assert found == {"B1": sigv4.Credential("t/1+x", "222222222222"), "C1": sigv4.Credential("u1", "333333333333")}
    with pytest.raises(ValueError, match="12 digits"):
        sigv4.load_credentials(None, "C1", "u1", "12345")


class Clock:
    def __init__(self, now_ms):
        self.now = now_ms

    def now_ms(self):
        return self.now


def _vanilla(service="sqs", secret=SECRET):
    """The get-vanilla request, signed for ``service`` (a query service unless said otherwise)."""
    headers = {"host": "example.amazonaws.com", "x-amz-date": DATE}
    scope = f"20150830/us-east-1/{service}/aws4_request"
    request = sigv4.canonical_request("GET", "/", [], headers, ["host", "x-amz-date"], sigv4.EMPTY_SHA256)
    sig = sigv4.signature(sigv4.signing_key(secret, "20150830", "us-east-1", service),
                          sigv4.string_to_sign(DATE, scope, request))
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{scope}, SignedHeaders=host;x-amz-date, "
                                f"Signature={sig}")
    return headers


def _verify(headers, *, service="sqs", now=DATE_MS, body=b""):
    verifier = sigv4.Verifier({"AKIDEXAMPLE": sigv4.Credential(SECRET, "444444444444")}, Clock(now), "000000000000")
    return verifier.verify(service, Caller("000000000000", "us-east-1", "http://x"), "GET", "/", b"", headers, body)


def _code(**kwargs) -> tuple[str, int, str]:
    with pytest.raises(AwsError) as info:
        _verify(**kwargs)
    return info.value.code, info.value.status, info.value.message


def test_verifier_accepts_and_sets_the_account():
    assert _verify(_vanilla()).account == "444444444444"


def test_verifier_refusals():
    assert _code(headers=_vanilla(secret="wrong"))[:2] == ("SignatureDoesNotMatch", 403)
    assert _code(headers=_vanilla("dynamodb", secret="wrong"), service="dynamodb")[:2] == \
        ("InvalidSignatureException", 400)
    assert _code(headers=_vanilla(), body=b"x")[:2] == ("SignatureDoesNotMatch", 403)   # body not what was signed
    unknown = {**_vanilla(), "authorization": _vanilla()["authorization"].replace("AKIDEXAMPLE", "AKIDOTHER")}
    assert _code(headers=unknown)[:2] == ("InvalidClientTokenId", 403)
    assert _code(headers=unknown, service="events")[:2] == ("UnrecognizedClientException", 400)
    chunked = {**_vanilla(), "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}
    assert _code(headers=chunked)[0] == "IncompleteSignature"


def test_skew_windows():
    fifteen, five = 15 * 60_000, 5 * 60_000
    _verify(_vanilla(), now=DATE_MS + fifteen)
    code, status, message = _code(headers=_vanilla(), now=DATE_MS + fifteen + 1000)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message == ("Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z "
                       "(20150830T125101Z - 15 min.)")
    code, _, message = _code(headers=_vanilla("dynamodb"), service="dynamodb", now=DATE_MS - five - 1000)
    assert code == "InvalidSignatureException"
    assert message == ("Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z "
                       "(20150830T123059Z + 5 min.)")


def test_verifier_is_off_unless_asked():
    class Off:
        auth = "off"
    assert sigv4.verifier(Off(), Clock(0)) is None
