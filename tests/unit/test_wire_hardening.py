"""Pure pieces of the wire layer's defences: the JSON nesting limit, XML-safe text, per-service body
limits, duplicated query parameters, ASCII-only integers and SQS's Number rule."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from api.gateway import BODY_LIMITS, DEFAULT_BODY_LIMIT, _form, body_limit
from api.protocol import query as query_codec
from api.protocol.models import service_model
from emulator import jsontext
from emulator.errors import AwsError
from emulator.sqs.messages import _valid_number

# --- jsontext ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ['{"a":' * 129 + "1" + "}" * 129, "[" * 129 + "]" * 129, "[" * 1_000 + "]" * 1_000,
                                  "[" * 100_000, b"[" * 5_000 + b"]" * 5_000])
def test_too_deep_documents_raise_a_json_decode_error(text):
    with pytest.raises(json.JSONDecodeError) as info:
        jsontext.loads(text)
    opened = 0  # the error points at the bracket that opens level MAX_DEPTH + 1
    for char in str(text[: info.value.pos + 1], "latin-1") if isinstance(text, bytes) else text[: info.value.pos + 1]:
        opened += char in "[{"
    assert isinstance(info.value, ValueError) and opened == jsontext.MAX_DEPTH + 1


def test_documents_at_the_limit_parse():
    assert jsontext.loads("[" * jsontext.MAX_DEPTH + "]" * jsontext.MAX_DEPTH) is not None
    many = json.dumps([{"a": [1]} for _ in range(1_000)])  # many brackets, shallow
    assert len(jsontext.loads(many)) == 1_000


def test_brackets_inside_strings_do_not_count():
    text = json.dumps(["[" * 500, '\\"{' * 300, {"k": "]]]{{{"}])
    assert jsontext.loads(text)[0] == "[" * 500
    assert jsontext.too_deep_at(text) is None


def test_loads_keeps_json_loads_errors_and_options():
    with pytest.raises(json.JSONDecodeError):
        jsontext.loads("{")
    with pytest.raises(TypeError):
        jsontext.loads(None)
    assert jsontext.loads("[1.5]", parse_float=str) == ["1.5"]


# --- XML text ------------------------------------------------------------------------------------------

def test_the_query_serializer_never_writes_characters_xml_cannot_carry():
    op = service_model("sns").operation_model("GetTopicAttributes")
    body = query_codec.serialize_result(op, {"Attributes": {"DisplayName": "a\x00b\x01c\ufffed\ud800e<&>"}}, "rid")
    root = ET.fromstring(body)
    values = [e.text for e in root.iter() if e.tag.endswith("value")]
    assert values == ["a\ufffdb\ufffdc\ufffdd\ufffde<&>"]


def test_a_query_error_message_with_forbidden_characters_parses():
    _, _, body = query_codec.serialize_error(AwsError("bad \x00 value \x1f"), code="InvalidParameter", status=400,
                                             namespace="", request_id="r")
    assert ET.fromstring(body).find("Error/Message").text == "bad \ufffd value \ufffd"


def test_xml_text_leaves_ordinary_text_alone():
    assert query_codec.xml_text("a\tb\nc é 🎉 \"<>&\r") == "a\tb\nc é 🎉 &quot;&lt;&gt;&amp;&#xD;"


# --- body limits and the query form -----------------------------------------------------------------------

def auth(service: str) -> str:
    return f"AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"


def test_body_limits_follow_the_service_a_request_names():
    assert body_limit({"x-amz-target": "DynamoDB_20120810.BatchWriteItem"}) == BODY_LIMITS["dynamodb"]
    assert body_limit({"x-amz-target": "AWSEvents.PutEvents"}) == BODY_LIMITS["events"]
    assert body_limit({"authorization": auth("sns")}) == BODY_LIMITS["sns"]
    assert body_limit({"authorization": auth("s3")}) == DEFAULT_BODY_LIMIT
    assert body_limit({}) == DEFAULT_BODY_LIMIT
    assert body_limit({"x-amz-target": "Nope.Op"}) == DEFAULT_BODY_LIMIT
    # Each is above the largest valid request of its service, and far below the old 32 MB.
    assert BODY_LIMITS["sqs"] >= 4 * 1024 * 1024 and BODY_LIMITS["dynamodb"] >= 16 * 1024 * 1024
    assert max(BODY_LIMITS.values()) < 32 * 1024 * 1024


@pytest.mark.parametrize("query,body", [(b"", b"Action=ListQueues&Action=DeleteQueue"),
                                        (b"Action=ListQueues", b"Action=DeleteQueue"),
                                        (b"A=1&A=1", b""), (b"", b"QueueUrl=a&QueueUrl=b")])
def test_a_query_parameter_given_twice_is_malformed(query, body):
    with pytest.raises(AwsError) as info:
        _form(query, body)
    assert info.value.code == "MalformedQueryString" and "more than once" in info.value.message


def test_a_form_without_duplicates_merges_query_string_and_body():
    assert _form(b"Action=ListQueues", b"Version=2012-11-05") == {"Action": "ListQueues", "Version": "2012-11-05"}


# --- numbers -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["0", "-0", "1", "+1.5", ".5", "5.", "1e126", "-1e126", "1e-128", "1" * 38,
                                  "1" * 38 + "0" * 50, "0." + "0" * 50 + "1"])
def test_numbers_within_sqss_rule(text):
    assert _valid_number(text)


@pytest.mark.parametrize("text", ["1e400", "9" * 400, "1" * 39, "1e127", "1e-129", "٥", "５", "1\n", "0x1", "inf",
                                  "NaN", "1_000", "", "-", "e5", "1e", "²"])
def test_numbers_outside_sqss_rule(text):
    assert not _valid_number(text)
