"""The AWS JSON 1.0/1.1 codec: request bodies, the walk-free result encoder, error bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from botocore.parsers import create_parser

from api.protocol import json as json_codec
from api.protocol.models import SERVICES, raw_model, service_model
from emulator.errors import AwsError, SerializationException

JSON_SERVICES = [s for s in SERVICES if raw_model(s)["metadata"]["protocol"] == "json"]


# --- requests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"   ", b"\n"])
def test_empty_bodies_are_empty_requests(body):
    assert json_codec.parse_body(body) == {}


@pytest.mark.parametrize("body", [b"{", b"[1]", b"\"x\"", b"\xff\xfe", b"{\"a\": }", b"null"])
def test_malformed_bodies_are_serialization_exceptions(body):
    with pytest.raises(SerializationException) as caught:
        json_codec.parse_body(body)
    assert caught.value.code == "SerializationException" and caught.value.status == 400


def test_unicode_bodies_parse():
    assert json_codec.parse_body('{"Q": "ü €🎉 <&>"}'.encode()) == {"Q": "ü €🎉 <&>"}


# --- results ----------------------------------------------------------------------------------

def _parse(service: str, op: str, body: bytes) -> dict:
    shape = service_model(service).operation_model(op).output_shape
    parsed = create_parser("json").parse({"body": body, "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def test_blobs_are_base64_and_timestamps_epoch_seconds():
    when = datetime(2024, 2, 29, 13, 14, 15, 123000, tzinfo=UTC)
    body = json_codec.serialize_result({"Records": [{"dynamodb": {
        "ApproximateCreationDateTime": when, "Keys": {"k": {"B": b"\x00\xff"}}, "SizeBytes": 3}}]})
    raw = json.loads(body)
    record = raw["Records"][0]["dynamodb"]
    assert record["ApproximateCreationDateTime"] == pytest.approx(1709212455.123)
    assert record["Keys"]["k"]["B"] == "AP8="
    parsed = _parse("dynamodbstreams", "GetRecords", body)
    assert parsed["Records"][0]["dynamodb"]["ApproximateCreationDateTime"] == when
    assert parsed["Records"][0]["dynamodb"]["Keys"]["k"]["B"] == b"\x00\xff"


def test_naive_datetimes_are_utc_not_local_time():
    naive = datetime(2024, 2, 29, 13, 14, 15)
    aware = naive.replace(tzinfo=UTC)
    assert json.loads(json_codec.serialize_result({"T": naive}))["T"] == aware.timestamp()
    other_zone = aware.astimezone(timezone(timedelta(hours=5)))
    assert json.loads(json_codec.serialize_result({"T": other_zone}))["T"] == aware.timestamp()


def test_output_is_utf8_not_ascii_escaped():
    body = json_codec.serialize_result({"Message": "ü <&> 🎉"})
    assert "ü <&> 🎉".encode() in body


def test_lone_surrogates_do_not_break_the_encoder():
    body = json_codec.serialize_result({"Message": "a\ud800b"})
    assert json.loads(body) == {"Message": "a\ud800b"}


def test_non_finite_floats_become_strings():
    body = json_codec.serialize_result({"a": float("nan"), "b": [float("inf")], "c": {"d": float("-inf")}, "e": 1.5})
    assert json.loads(body) == {"a": "NaN", "b": ["Infinity"], "c": {"d": "-Infinity"}, "e": 1.5}


def test_none_and_sets():
    assert json_codec.serialize_result(None) == b"{}"
    assert sorted(json.loads(json_codec.serialize_result({"SS": {"a", "b"}}))["SS"]) == ["a", "b"]


def test_large_integers_keep_full_precision():
    body = json_codec.serialize_result({"Count": 2**62 + 3})
    assert _parse("dynamodb", "Scan", body)["Count"] == 2**62 + 3


def test_unencodable_values_are_a_bug_not_silence():
    with pytest.raises(TypeError):
        json_codec.serialize_result({"x": object()})


@pytest.mark.parametrize("service", JSON_SERVICES)
def test_json_models_need_no_shape_walk_on_output(service):
    """The encoder writes member names as handlers return them, blobs as base64 and timestamps as
    epoch seconds. That is only right while no JSON model renames a member (locationName), asks for
    another timestamp format or carries JSON-in-a-string values: fail loudly if botocore ever does."""
    found = []
    for name, shape in raw_model(service)["shapes"].items():
        for part in ("member", "key", "value"):
            if "locationName" in shape.get(part, {}):
                found.append(f"{name}.{part} locationName")
        for member_name, member in shape.get("members", {}).items():
            if member.get("locationName", member_name) != member_name:
                found.append(f"{name}.{member_name} locationName={member['locationName']}")
            for trait in ("timestampFormat", "jsonvalue", "location"):
                if trait in member:
                    found.append(f"{name}.{member_name} {trait}")
        if "timestampFormat" in shape:
            found.append(f"{name} timestampFormat")
        if shape.get("document"):
            found.append(f"{name} document")
    assert found == []


# --- errors -----------------------------------------------------------------------------------

def test_error_body_type_and_fields():
    error = AwsError("Transaction cancelled", code="TransactionCanceledException",
                     CancellationReasons=[{"Code": "ConditionalCheckFailed", "Message": "x"}])
    status, headers, body = json_codec.serialize_error(
        error, prefix="com.amazonaws.dynamodb.v20120810", json_version="1.0", query_error=None)
    assert status == 400 and headers == {"Content-Type": "application/x-amz-json-1.0"}
    assert json.loads(body) == {"__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                                "message": "Transaction cancelled",
                                "CancellationReasons": [{"Code": "ConditionalCheckFailed", "Message": "x"}]}


def test_error_without_prefix_for_eventbridge():
    status, headers, body = json_codec.serialize_error(
        AwsError("no rule", code="ResourceNotFoundException"), prefix=None, json_version="1.1", query_error=None)
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(body)["__type"] == "ResourceNotFoundException"


def test_sqs_error_carries_the_query_error_header():
    status, headers, body = json_codec.serialize_error(
        AwsError("gone", code="QueueDoesNotExist"), prefix="com.amazonaws.sqs", json_version="1.0",
        query_error=("AWS.SimpleQueueService.NonExistentQueue", 400))
    assert headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    parsed = create_parser("json").parse(
        {"body": body, "headers": {k.lower(): v for k, v in headers.items()}, "status_code": status}, None)
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["QueryErrorCode"] == "QueueDoesNotExist"
    assert parsed["Error"]["Type"] == "Sender"


def test_receiver_faults_are_marked():
    _status, headers, _body = json_codec.serialize_error(
        AwsError("boom", code="InternalError", status=500, sender_fault=False), prefix="com.amazonaws.sqs",
        json_version="1.0", query_error=("InternalError", 500))
    assert headers["x-amzn-query-error"] == "InternalError;Receiver"
