"""SLUICE_AUTH=sigv4: botocore-signed requests are verified as AWS verifies them, errors in each service's shape.

botocore signs (clients, ``SigV4Auth``, ``SigV4QueryAuth``); Sluice's verifier (api/sigv4.py) is
written from the spec. Time is the server's fake clock: moving it past the skew window makes the
SDK's fresh signatures stale.
"""

from __future__ import annotations

import json

import boto3
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.server import ThreadServer

KEY, SECRET, ACCOUNT = "AKIDSLUICETEST000001", "s3cr3t/Key+Example", "123456789012"
INI_KEY, INI_SECRET, INI_ACCOUNT = "AKIDSLUICEINI0000002", "another-secret", "210987654321"
INVALID_TOKEN = "The security token included in the request is invalid."
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.")


def start(tmp_path):
    ini = tmp_path / "credentials"
    ini.write_text(f"[ci]\naws_access_key_id = {INI_KEY}\naws_secret_access_key = {INI_SECRET}\n"
                   f"aws_account_id = {INI_ACCOUNT}\n")
    return ThreadServer(clock="fake", auth="sigv4", credentials=ini, access_key_id=KEY, secret_access_key=SECRET,
                        account_id=ACCOUNT).start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start(tmp_path_factory.mktemp("sigv4"))
    yield srv
    srv.stop()


@pytest.fixture
def fresh(tmp_path):
    """A server of its own, for tests that move its clock."""
    srv = start(tmp_path)
    yield srv
    srv.stop()


def client(srv, service, key=KEY, secret=SECRET, **config):
    return boto3.client(service, endpoint_url=srv.url, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, **config))


def advance(srv, seconds):
    httpx.post(f"{srv.url}/_sluice/clock/advance", json={"seconds": seconds}, timeout=30).raise_for_status()


def error(call):
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def signed(srv, service, body, headers, *, secret=SECRET, key=KEY):
    request = AWSRequest(method="POST", url=srv.url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(request)
    return request


def send(request, body=None):
    return httpx.post(request.url, headers=dict(request.headers), content=request.body if body is None else body)


DDB_HEADERS = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables"}
SNS_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


# --- accepted ------------------------------------------------------------------------------------

def test_signed_requests_are_accepted_and_act_in_the_key_account(server):
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="signed")["QueueUrl"]
    assert f"/{ACCOUNT}/signed" in url
    sqs.send_message(QueueUrl=url, MessageBody="hello é ✓")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hello é ✓"
    assert client(server, "sts").get_caller_identity()["Account"] == ACCOUNT
    assert client(server, "sts", INI_KEY, INI_SECRET).get_caller_identity()["Account"] == INI_ACCOUNT
    assert client(server, "dynamodb").list_tables()["TableNames"] == []
    topic = client(server, "sns").create_topic(Name="signed")["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT}:signed"
    assert client(server, "events").list_event_buses()["EventBuses"][0]["Arn"].split(":")[4] == ACCOUNT


def test_credentials_from_sluice_sts_are_verified_too(server):
    """AssumeRole's keys have secrets Sluice derives from the key, so their signatures verify across restarts."""
    creds = client(server, "sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/app",
                                              RoleSessionName="ci")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name="us-east-1")
    sts = session.client("sts", endpoint_url=server.url, config=Config(retries={"max_attempts": 1}))
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/ci"
    assert error(lambda: client(server, "sqs", creds["AccessKeyId"], "not-the-secret").list_queues())[0] == \
        "SignatureDoesNotMatch"


def test_admin_api_and_console_are_not_aws_requests(server):
    assert httpx.get(f"{server.url}/_sluice/health").status_code == 200
    assert httpx.get(f"{server.url}/_sluice/clock").status_code == 200


def test_unsigned_payload_leaves_the_body_out(server):
    body = b"{}"
    request = signed(server, "dynamodb", body, {**DDB_HEADERS, "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert send(request, b'{"Limit": 5}').status_code == 200


def test_declared_payload_hash_is_checked(server):
    request = signed(server, "dynamodb", b"{}", {**DDB_HEADERS, "X-Amz-Content-SHA256": "0" * 64})
    response = send(request)
    assert response.status_code == 400
    assert response.json()["__type"].endswith("#InvalidSignatureException")


def test_presigned_query_string(server):
    request = AWSRequest(method="GET", url=server.url + "/", params={"Action": "ListTopics", "Version": "2010-03-31"})
    SigV4QueryAuth(Credentials(KEY, SECRET), "sns", "us-east-1", expires=60).add_auth(request)
    assert "X-Amz-Signature=" in request.url
    ok = httpx.get(request.url)
    assert ok.status_code == 200 and b"ListTopicsResponse" in ok.content
    tampered = httpx.get(request.url.replace("Action=ListTopics", "Action=ListSubscriptions"))
    assert tampered.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in tampered.content


# --- refused -------------------------------------------------------------------------------------

@pytest.mark.parametrize("service, call, code, status", [
    ("sqs", lambda c: c.list_queues(), "InvalidClientTokenId", 403),
    ("sns", lambda c: c.list_topics(), "InvalidClientTokenId", 403),
    ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", 403),
    ("dynamodb", lambda c: c.list_tables(), "UnrecognizedClientException", 400),
    ("dynamodbstreams", lambda c: c.list_streams(), "UnrecognizedClientException", 400),
    ("events", lambda c: c.list_event_buses(), "UnrecognizedClientException", 400),
])
def test_unknown_access_key(server, service, call, code, status):
    assert error(lambda: call(client(server, service, key="AKIDNOBODYKNOWS00000"))) == (code, status, INVALID_TOKEN)


@pytest.mark.parametrize("service, call, code, status", [
    ("sqs", lambda c: c.list_queues(), "SignatureDoesNotMatch", 403),
    ("sns", lambda c: c.list_topics(), "SignatureDoesNotMatch", 403),
    ("dynamodb", lambda c: c.list_tables(), "InvalidSignatureException", 400),
    ("events", lambda c: c.list_event_buses(), "InvalidSignatureException", 400),
])
def test_wrong_secret(server, service, call, code, status):
    assert error(lambda: call(client(server, service, secret="not-the-secret"))) == (code, status, MISMATCH)


def test_tampered_json_body(server):
    request = signed(server, "dynamodb", b"{}", DDB_HEADERS)
    assert send(request).status_code == 200
    response = send(request, b'{"Limit": 1}')
    assert response.status_code == 400
    assert response.json() == {"__type": "com.amazonaws.dynamodb.v20120810#InvalidSignatureException",
                               "message": MISMATCH}


def test_tampered_query_body_and_header(server):
    body = "Action=CreateTopic&Version=2010-03-31&Name=mine"
    request = signed(server, "sns", body, {**SNS_HEADERS, "X-Amz-Target-Not": "x"})
    tampered = send(request, body.replace("mine", "theirs").encode())
    assert tampered.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in tampered.content
    headers = {**dict(request.headers), "X-Amz-Target-Not": "y"}  # a signed header changed on the way
    assert httpx.post(request.url, headers=headers, content=request.body).status_code == 403
    assert send(request).status_code == 200


def test_sqs_query_protocol_wrong_secret(server):
    request = signed(server, "sqs", "Action=ListQueues&Version=2012-11-05", SNS_HEADERS, secret="nope")
    response = send(request)
    assert response.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in response.content and b"<Type>Sender</Type>" in response.content


def test_missing_and_incomplete_signatures(server):
    unsigned = httpx.post(server.url + "/", headers=DDB_HEADERS, content=b"{}")
    assert unsigned.status_code == 400
    assert unsigned.json()["__type"].endswith("#MissingAuthenticationTokenException")
    query = httpx.post(server.url + "/", headers=SNS_HEADERS, content=b"Action=ListTopics&Version=2010-03-31")
    assert query.status_code == 403 and b"<Code>MissingAuthenticationToken</Code>" in query.content
    request = signed(server, "dynamodb", b"{}", DDB_HEADERS)
    headers = dict(request.headers)
    headers["Authorization"] = headers["Authorization"].split(", Signature=")[0]
    incomplete = httpx.post(request.url, headers=headers, content=request.body)
    assert incomplete.status_code == 400
    doc = incomplete.json()
    assert doc["__type"].endswith("#IncompleteSignatureException")
    assert doc["message"].startswith("Authorization header requires 'Signature' parameter.")


# --- time ----------------------------------------------------------------------------------------

def test_skew_windows_follow_the_injected_clock(fresh):
    sqs, ddb = client(fresh, "sqs"), client(fresh, "dynamodb")
    advance(fresh, 6 * 60)  # past DynamoDB's 5 minutes, inside SQS's 15
    sqs.list_queues()
    code, status, message = error(ddb.list_tables)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith("Signature expired: ") and message.endswith(" - 5 min.)")
    advance(fresh, 10 * 60)
    code, status, message = error(sqs.list_queues)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert " is now earlier than " in message and message.endswith(" - 15 min.)")


def test_presigned_url_expires(fresh):
    request = AWSRequest(method="GET", url=fresh.url + "/", params={"Action": "ListTopics", "Version": "2010-03-31"})
    SigV4QueryAuth(Credentials(KEY, SECRET), "sns", "us-east-1", expires=30).add_auth(request)
    assert httpx.get(request.url).status_code == 200
    advance(fresh, 31)
    expired = httpx.get(request.url)
    assert expired.status_code == 400 and b"<Code>RequestExpired</Code>" in expired.content


def test_off_by_default_accepts_any_credentials(tmp_path):
    srv = ThreadServer(clock="fake").start()
    try:
        assert client(srv, "sqs", key="anything", secret="whatever").list_queues().get("QueueUrls", []) == []
        assert httpx.post(srv.url + "/", headers=DDB_HEADERS, content=b"{}").status_code == 200
        assert srv.app.gateway.auth is None
    finally:
        srv.stop()


def test_json_credentials_file(tmp_path):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps([{"AccessKeyId": "AKIDJSONFILE00000003", "SecretAccessKey": "j", "AccountId": "333333333333"}]))
    srv = ThreadServer(clock="fake", auth="sigv4", credentials=path).start()
    try:
        assert client(srv, "sts", "AKIDJSONFILE00000003", "j").get_caller_identity()["Account"] == "333333333333"
        assert error(lambda: client(srv, "sts", "AKIDJSONFILE00000003", "x").get_caller_identity())[0] == \
            "SignatureDoesNotMatch"
    finally:
        srv.stop()
