"""The gateway end to end: real boto3 clients and raw requests against the real server.

Routing of the five services (JSON by X-Amz-Target, query by signing name / Version / queue-URL
path), account and region resolution, and validation errors produced by the server itself (the
clients run with ``parameter_validation=False``). An operation Sluice does not implement yet answers
501 naming the operation and the service: that proves the route for services still being built.
SQS and SNS are implemented by their own modules, so their routes are checked by the protocol shape
of deterministic validation errors instead.
"""

from __future__ import annotations

import json
import logging
import re

import httpx
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from api.operations import implemented

SQS_NS = "http://queue.amazonaws.com/doc/2012-11-05/"
SNS_NS = "http://sns.amazonaws.com/doc/2010-03-31/"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

# Operations without required members, in order of preference, that answer 501 (EventBridge has none left).
UNIMPLEMENTED_CANDIDATES = {
    "dynamodb": ["DescribeLimits", "DescribeEndpoints", "ListGlobalTables", "ListBackups", "ListExports", "ListImports"],
}


def unimplemented(service: str) -> str:
    done = set(implemented(service))
    for operation in UNIMPLEMENTED_CANDIDATES[service]:
        if operation not in done:
            return operation
    pytest.fail(f"every candidate of {service} is implemented now: pick new unimplemented operations")


def sigv4(service: str, region: str = "us-east-1", key: str = "test") -> dict[str, str]:
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/{service}/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=00"}


def xml_error(response: httpx.Response) -> tuple[str, str]:
    """(namespace, code) of a query-protocol error."""
    text = response.text
    assert text.startswith("<?xml") and "<ErrorResponse" in text, text
    namespace = re.search(r'<ErrorResponse xmlns="([^"]*)"', text).group(1)
    return namespace, re.search(r"<Code>([^<]*)</Code>", text).group(1)


# --- JSON services: 501 proves the route -------------------------------------------------------

def test_dynamodb_streams_is_told_apart_from_dynamodb_by_its_target_alone(client):
    sent = {}
    api = client("dynamodbstreams")
    api.meta.events.register("before-send", lambda request, **_: sent.update(request.headers))
    assert api.list_streams()["Streams"] == []
    assert b"/dynamodb/aws4_request" in sent["Authorization"]  # signed as dynamodb
    assert sent["X-Amz-Target"] == b"DynamoDBStreams_20120810.ListStreams"


@pytest.mark.parametrize("service", ["dynamodb"])
def test_unimplemented_operation_is_an_aws_shaped_501(client, service):
    operation = unimplemented(service)
    sent = {}
    api = client(service)
    api.meta.events.register("before-send", lambda request, **_: sent.update(request.headers))
    with pytest.raises(ClientError) as err:
        getattr(api, xform_name(operation))()
    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] == "NotImplemented"
    assert operation in response["Error"]["Message"] and service in response["Error"]["Message"]
    assert response["ResponseMetadata"]["RequestId"]
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.0"


def test_eventbridge_errors_are_json_1_1(client):
    with pytest.raises(ClientError) as err:
        client("events").describe_event_bus(Name="no-such-bus")
    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"])
def test_account_and_region_come_from_the_credentials(client, caplog, region):
    caplog.set_level(logging.INFO, logger="sluice.api")
    buses = client("events", region=region, account="123456789012").list_event_buses()["EventBuses"]
    assert [b["Arn"] for b in buses] == [f"arn:aws:events:{region}:123456789012:event-bus/default"]
    lines = [r.getMessage() for r in caplog.records if r.name == "sluice.api" and "ListEventBuses" in r.getMessage()]
    assert len(lines) == 1
    assert re.fullmatch(rf"events ListEventBuses 200 [\d.]+ms account=123456789012 region={region}", lines[0])


def test_non_numeric_access_key_uses_the_default_account(client, caplog):
    caplog.set_level(logging.INFO, logger="sluice.api")
    client("events", region="eu-north-1", account="AKIAIOSFODNN7EXAMPLE").list_event_buses()
    line = next(r.getMessage() for r in caplog.records if "ListEventBuses" in r.getMessage())
    assert line.endswith("account=000000000000 region=eu-north-1")


def test_unsigned_request_uses_the_default_region(sluice, caplog):
    operation = unimplemented("dynamodb")
    caplog.set_level(logging.INFO, logger="sluice.api")
    r = httpx.post(sluice.url, content=b"{}", headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}",
                                                      "Content-Type": "application/x-amz-json-1.0"})
    assert r.status_code == 501
    assert r.json()["__type"] == "com.amazonaws.dynamodb.v20120810#NotImplemented"
    line = next(rec.getMessage() for rec in caplog.records if operation in rec.getMessage())
    assert line.endswith("account=000000000000 region=us-east-1")


def test_presigned_credential_in_the_query_string_sets_account_and_region(sluice, caplog):
    caplog.set_level(logging.INFO, logger="sluice.api")
    credential = "123456789012/20260101/ap-northeast-1/sqs/aws4_request"
    r = httpx.get(sluice.url, params={"Action": "GetQueueUrl", "X-Amz-Credential": credential})
    assert r.status_code == 400
    assert xml_error(r) == (SQS_NS, "MissingParameter")  # the signing name in the credential picked SQS
    line = next(rec.getMessage() for rec in caplog.records if rec.name == "sluice.api")
    assert line.endswith("account=123456789012 region=ap-northeast-1")


def test_unknown_target_is_unknown_operation(sluice):
    for target in ("AWSEvents.NoSuchThing", "NoSuchService_2020.ListThings", "DynamoDBStreams_20120810.PutItem"):
        r = httpx.post(sluice.url, content=b"{}", headers={"X-Amz-Target": target,
                                                          "Content-Type": "application/x-amz-json-1.1"})
        assert r.status_code == 400, target
        assert r.json()["__type"].endswith("UnknownOperationException")
        assert r.headers["x-amzn-RequestId"]


# --- SQS and SNS: the route shows in the protocol of a deterministic error ---------------------

def test_sqs_json_route(sluice):
    r = httpx.post(sluice.url, content=b"{}", headers={"X-Amz-Target": "AmazonSQS.GetQueueUrl",
                                                      "Content-Type": "application/x-amz-json-1.0", **sigv4("sqs")})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/x-amz-json-1.0"
    # AWS's JSON SQS names the protocol-level errors in Coral's namespace; the legacy code is in the header.
    assert r.json()["__type"] == "com.amazon.coral.service#MissingRequiredParameterException"
    assert r.headers["x-amzn-query-error"] == "MissingParameter;Sender"


@pytest.mark.parametrize("how", ["version", "signing-name", "queue-url-path", "unambiguous-action"])
def test_sqs_query_route(sluice, how):
    form, headers, path = {"Action": "GetQueueUrl"}, dict(FORM), "/"
    if how == "version":
        form["Version"] = "2012-11-05"
    elif how == "signing-name":
        headers.update(sigv4("sqs"))
    elif how == "queue-url-path":
        form, path = {"Action": "GetQueueAttributes"}, "/000000000000/no-such-queue-for-routing"
    r = httpx.post(sluice.url + path, content=str(httpx.QueryParams(form)).encode(), headers=headers)
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"].startswith("text/xml")
    namespace, code = xml_error(r)
    assert namespace == SQS_NS
    assert code not in ("InvalidAction", "MissingAction")


@pytest.mark.parametrize("how", ["version", "signing-name", "unambiguous-action"])
def test_sns_query_route(sluice, how):
    form, headers = {"Action": "CreateTopic"}, dict(FORM)
    if how == "version":
        form["Version"] = "2010-03-31"
    elif how == "signing-name":
        headers.update(sigv4("sns"))
    r = httpx.post(sluice.url, content=str(httpx.QueryParams(form)).encode(), headers=headers)
    assert 400 <= r.status_code < 500
    namespace, code = xml_error(r)
    assert namespace == SNS_NS
    assert code not in ("InvalidAction", "MissingAction")


@pytest.mark.parametrize("signing,namespace", [("sqs", SQS_NS), ("sns", SNS_NS)])
def test_shared_action_name_is_routed_by_signing_name(sluice, signing, namespace):
    # AddPermission exists in both services; without parameters both reject it, each in its own way.
    r = httpx.post(sluice.url, content=b"Action=AddPermission", headers={**FORM, **sigv4(signing)})
    assert 400 <= r.status_code < 500
    assert xml_error(r)[0] == namespace
    assert xml_error(r)[1] != "InvalidAction"


def test_query_errors_for_unknown_and_missing_actions(sluice):
    r = httpx.post(sluice.url, content=b"Action=NoSuchAction&Version=2010-03-31", headers=FORM)
    assert r.status_code == 400 and xml_error(r)[1] == "InvalidAction"
    assert "NoSuchAction" in r.text
    r = httpx.post(sluice.url, content=b"Version=2012-11-05", headers=FORM)
    assert r.status_code == 400 and xml_error(r)[1] == "MissingAction"
    r = httpx.post(sluice.url, content=b"Action=ListQueues&QueueNamePrefix=%ff", headers=FORM)
    assert r.status_code == 400 and xml_error(r)[1] == "MalformedQueryString"


# --- validation errors come from the server ----------------------------------------------------

def test_events_validation_exception_for_pattern_and_length(client):
    events = client("events", parameter_validation=False)
    with pytest.raises(ClientError) as err:
        events.describe_replay(ReplayName="not a valid name!")
    error = err.value.response["Error"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "ValidationException"
    assert error["Message"] == ("1 validation error detected: Value 'not a valid name!' at 'replayName' failed to "
                                "satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
    with pytest.raises(ClientError) as err:
        events.list_archives(NamePrefix="a" * 49, Limit=0)
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("2 validation errors detected: ")
    assert "at 'namePrefix' failed to satisfy constraint: Member must have length less than or equal to 48" in error["Message"]
    assert "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1" \
        in error["Message"]


def test_dynamodb_validation_exception(client):
    dynamodb = client("dynamodb", parameter_validation=False)
    with pytest.raises(ClientError) as err:
        dynamodb.list_tables(ExclusiveStartTableName="ab", Limit=101)
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Value 'ab' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater " \
           "than or equal to 3" in error["Message"]
    assert "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100" \
        in error["Message"]
    with pytest.raises(ClientError) as err:
        dynamodb.describe_time_to_live(TableName="t" * 1025)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length less than or equal to 1024" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        dynamodb.describe_time_to_live()
    assert err.value.response["Error"]["Message"] == ("1 validation error detected: Value null at 'tableName' failed "
                                                      "to satisfy constraint: Member must not be null")


@pytest.mark.parametrize("service,call,kwargs", [
    ("dynamodb", "list_tables", {"Limit": "ten"}),
    ("events", "list_archives", {"Limit": [1]}),
    ("dynamodbstreams", "list_streams", {"Limit": True}),
    ("dynamodb", "list_tables", {"ExclusiveStartTableName": 12}),
])
def test_wrong_json_type_is_a_serialization_exception(client, service, call, kwargs):
    with pytest.raises(ClientError) as err:
        getattr(client(service, parameter_validation=False), call)(**kwargs)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Code"] == "SerializationException"


def test_sqs_missing_parameter(client):
    sqs = client("sqs", parameter_validation=False)
    with pytest.raises(ClientError) as err:
        sqs.get_queue_url()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Code"] == "MissingParameter"
    assert err.value.response["Error"]["Message"] == "The request must contain the parameter QueueName."


def test_malformed_json_body_is_a_serialization_exception(sluice):
    r = httpx.post(sluice.url, content=b'{"Limit": ', headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                                              "Content-Type": "application/x-amz-json-1.0"})
    assert r.status_code == 400
    assert json.loads(r.content)["__type"] == "com.amazonaws.dynamodb.v20120810#SerializationException"
