"""Exhaustive codec round trips against botocore, for every operation of the five models.

Inputs: values generated from the input shape -> botocore's client serializer -> Sluice's parser and
validation -> must equal the values. Outputs: values generated from the output shape -> Sluice's
serializer -> botocore's response parser -> must equal the values. Errors: every modeled error of
every operation -> the gateway's error path -> a botocore client must raise that modeled exception
(with its modeled fields) at the model's HTTP status. SQS runs over both protocols: JSON 1.0 and the
query protocol of ``sqs_query_model()``.

Each operation is one test id; each test runs a ``typical`` and an ``edge`` value (see ``shapegen``).
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from api.gateway import Gateway, _form
from api.protocol import json as json_codec
from api.protocol import query as query_codec
from api.protocol.models import SERVICES, SQS_QUERY_ERRORS, service_model
from api.protocol.routing import Route
from api.protocol.validation import validate
from emulator.errors import AwsError
from tests.unit.shapegen import ShapeGen

# (model name, service, protocol): SQS twice.
MODELS = [("sqs", "sqs", "json"), ("sqs-query", "sqs", "query")] + [
    (s, s, service_model(s).metadata["protocol"]) for s in SERVICES if s != "sqs"]
CASES = [pytest.param(model, service, protocol, op, id=f"{model}/{op}")
         for model, service, protocol in MODELS for op in service_model(model).operation_names]


def _normalize(value, *, drop_empty: bool):
    """Comparable form: datetimes as UTC epoch, empty maps/structures dropped where the protocol can't send them."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "ResponseMetadata" or v is None:
                continue
            v = _normalize(v, drop_empty=drop_empty)
            if drop_empty and v in ({}, []):
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_normalize(v, drop_empty=drop_empty) for v in value]
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"naive datetime {value!r}"
        return ("ts", round(value.timestamp(), 6))
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def _flavours(shape, *, micros: bool, min_map: int = 0):
    return [ShapeGen(edge=edge, seed=i, timestamp_micros=micros, min_map=min_map).value(shape)
            if shape is not None else {} for i, edge in enumerate((False, True))]


# --- input direction --------------------------------------------------------------------------

def _parse_request(model_name: str, protocol: str, op, request: dict) -> dict:
    if protocol == "json":
        raw = json_codec.parse_body(request["body"])
        return validate(model_name, raw, op.input_shape, json_types=True)
    # What goes over the wire: the form, urlencoded as botocore sends it, decoded as the gateway does.
    form = _form(b"", urlencode(request["body"]).encode())
    raw = query_codec.parse_params(form, op.input_shape)
    return validate(model_name, raw, op.input_shape, json_types=False)


@pytest.mark.parametrize("model_name,service,protocol,op_name", CASES)
def test_input_roundtrip(model_name, service, protocol, op_name):
    op = service_model(model_name).operation_model(op_name)
    serializer = create_serializer(protocol, include_validation=True)
    # botocore sends JSON timestamps as whole epoch seconds; the query protocol keeps microseconds.
    # The query protocol has no way to send an empty map, so required maps get an entry.
    query = protocol == "query"
    for params in _flavours(op.input_shape, micros=query, min_map=1 if query else 0):
        request = serializer.serialize_to_request(params, op)
        parsed = _parse_request(model_name, protocol, op, request)
        drop = protocol == "query"
        assert _normalize(parsed, drop_empty=drop) == _normalize(params, drop_empty=drop)


# --- output direction -------------------------------------------------------------------------

def _serialize_result(protocol: str, op, result: dict) -> bytes:
    if protocol == "json":
        return json_codec.serialize_result(result)
    return query_codec.serialize_result(op, result, "req-1")


@pytest.mark.parametrize("model_name,service,protocol,op_name", CASES)
def test_output_roundtrip(model_name, service, protocol, op_name):
    op = service_model(model_name).operation_model(op_name)
    parser = create_parser(protocol)
    for result in _flavours(op.output_shape, micros=True):
        body = _serialize_result(protocol, op, result)
        parsed = parser.parse({"body": body, "headers": {}, "status_code": 200}, op.output_shape)
        drop = protocol == "query"
        assert _normalize(parsed, drop_empty=drop) == _normalize(result, drop_empty=drop)
        if protocol == "query":
            assert parsed["ResponseMetadata"]["RequestId"] == "req-1"


# --- errors -----------------------------------------------------------------------------------

class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **kwargs):
        yield self.body


_clients: dict = {}


def _client(service: str):
    """A botocore client whose HTTP layer is replaced by the response under test."""
    if service not in _clients:
        client = boto3.client(service, endpoint_url="http://localhost:4566", region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test",
                              config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        box = {}
        client.meta.events.register("before-send", lambda request, **kw: box["response"])
        _clients[service] = (client, box)
    return _clients[service]


def _wire_code(model_name: str, shape) -> str:
    """The code a service sends for a modeled error (SNS, STS and SQS-query have their own codes)."""
    return shape.metadata.get("error", {}).get("code", shape.name) if model_name in ("sns", "sts") else shape.name


def _modeled_status(model_name: str, shape) -> int | None:
    if model_name in ("sqs", "sqs-query"):
        return SQS_QUERY_ERRORS.get(shape.name, (None, None))[1]
    return shape.metadata.get("error", {}).get("httpStatusCode")


def _error_fields(shape) -> dict:
    """Modeled members of an error beyond its message, generated like any output."""
    members = {k: v for k, v in shape.members.items() if k.lower() != "message"}
    if not members:
        return {}
    value = ShapeGen(seed=3, timestamp_micros=True).value(shape)
    return {k: value[k] for k in members if k in value}


ERROR_CASES = [c for c in CASES if service_model(c.values[0]).operation_model(c.values[3]).error_shapes]


@pytest.mark.parametrize("model_name,service,protocol,op_name", ERROR_CASES)
def test_modeled_errors(model_name, service, protocol, op_name):
    model = service_model(model_name)
    op = model.operation_model(op_name)
    route = Route(service, op_name, protocol)
    message = "It's <bad> & \"wrong\"\r\n ü"
    for shape in op.error_shapes:
        fields = _error_fields(shape) if protocol == "json" else {}
        # A plain AwsError (status 400): the codec must take the modeled status from the model.
        error = AwsError(message, code=_wire_code(model_name, shape), **fields)
        response = Gateway._error(route, protocol, error, "req-2")
        expected_status = _modeled_status(model_name, shape) or error.status
        assert response.status == expected_status, shape.name
        assert response.headers["x-amzn-RequestId"] == "req-2"
        if model_name == "sqs-query":
            _check_sqs_query_error(model, op, shape, response, message)
            continue
        if service == "sqs":
            legacy = SQS_QUERY_ERRORS.get(shape.name, (shape.name,))[0]
            assert json.loads(response.body)["__type"] == f"com.amazonaws.sqs#{shape.name}"
            assert response.headers["x-amzn-query-error"] == f"{legacy};Sender"
        _check_client_raises(service, op, shape, response, message, fields)


def _check_client_raises(service, op, shape, response, message, fields):
    client, box = _client(service)
    box["response"] = AWSResponse("http://localhost:4566/", response.status,
                                  {k: v for k, v in response.headers.items()}, _Raw(response.body))
    params = ShapeGen(seed=5, required_only=True).value(op.input_shape) if op.input_shape is not None else {}
    method = getattr(client, _python_name(client, op.name))
    modeled = getattr(client.exceptions, shape.name)
    with pytest.raises(modeled) as caught:
        method(**params)
    err = caught.value.response
    assert err["Error"]["Message"] == message
    assert err["ResponseMetadata"]["HTTPStatusCode"] == response.status
    if service == "sqs":
        assert err["Error"]["Code"] == SQS_QUERY_ERRORS.get(shape.name, (shape.name,))[0]
        assert err["Error"]["QueryErrorCode"] == shape.name
    else:
        assert err["Error"]["Code"] == _wire_code(service, shape)
    for key, value in fields.items():
        assert _normalize(err.get(key), drop_empty=False) == _normalize(value, drop_empty=False), key


def _python_name(client, op_name: str) -> str:
    return {v: k for k, v in client.meta.method_to_api_mapping.items()}[op_name]


def _check_sqs_query_error(model, op, shape, response, message):
    legacy, _status = SQS_QUERY_ERRORS.get(shape.name, (shape.name, None))
    parsed = create_parser("query").parse(
        {"body": response.body, "headers": response.headers, "status_code": response.status}, op.output_shape)
    assert parsed["Error"]["Code"] == legacy
    assert parsed["Error"]["Message"] == message
    assert parsed["Error"]["Type"] == "Sender"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-2"
    # An SDK speaking the query model maps the legacy code back to the modeled exception.
    assert model.shape_for_error_code(legacy).name == shape.name


def test_case_counts():
    """The number of generated cases (printed with -s): every operation of every model is covered."""
    ops = {m: len(service_model(m).operation_names) for m, _s, _p in MODELS}
    errors = sum(len(service_model(c.values[0]).operation_model(c.values[3]).error_shapes) for c in ERROR_CASES)
    notes = set()
    for model_name, _service, _protocol in MODELS:
        for op_name in service_model(model_name).operation_names:
            op = service_model(model_name).operation_model(op_name)
            for shape in (op.input_shape, op.output_shape):
                if shape is not None:
                    gen = ShapeGen(edge=True)
                    gen.value(shape)
                    notes |= gen.notes
    print(f"\ncodec round trip: {len(CASES)} operations x 2 directions x 2 flavours, "
          f"{errors} modeled errors over {len(ERROR_CASES)} operations; per model: {ops}")
    print("patterns Sluice cannot enforce (Java regex syntax):", *sorted(notes), sep="\n  ")
    # Every operation of every model is a case (the models grow with botocore: count from them).
    assert len(CASES) == sum(ops.values())
    assert ops["sqs"] == ops["sqs-query"] >= 23 and ops["sns"] >= 42 and ops["dynamodbstreams"] >= 4
