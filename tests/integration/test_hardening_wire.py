"""The wire layer against hostile input: JSON nested ~1,000 deep inside string parameters, bodies far
larger than any valid request, slow and trickling clients, characters XML cannot carry, duplicated
query parameters, non-ASCII digits and out-of-range numbers, out-of-range admin parameters.

Every case must end in the parameter's or the protocol's 4xx (never a 5xx), and bounded memory. The
slow-client tests run their own server with deadlines of half a second, so nothing waits long.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from botocore.exceptions import ClientError

from api.connections import MAX_HEADER_BYTES, guarded_protocol
from api.gateway import BODY_LIMITS
from emulator.jsontext import MAX_DEPTH
from tests.server import ThreadServer

FORM = "application/x-www-form-urlencoded; charset=utf-8"
ACCOUNT = "000000000000"


def sigv4(service: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=00")


def status_of(call) -> int:
    try:
        call()
    except ClientError as error:
        return error.response["ResponseMetadata"]["HTTPStatusCode"]
    return 200


def code_of(call) -> str | None:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


# --- raw HTTP ----------------------------------------------------------------------------------------

def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes the connection within ``within`` seconds (reading returns EOF)."""
    sock.settimeout(within)
    try:
        while sock.recv(65536):
            pass
        return True
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: localhost"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --- nested JSON in string parameters ----------------------------------------------------------------

def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_parameter_calls(client):
    """(name, call(document)) for every JSON-carrying string parameter of the implemented SQS, SNS and
    EventBridge operations."""
    sqs, sns, events = client("sqs"), client("sns"), client("events")
    queue = sqs.create_queue(QueueName="nested")["QueueUrl"]
    topic = sns.create_topic(Name="nested")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:nested",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    calls = {}
    for name in ("Policy", "RedrivePolicy", "RedriveAllowPolicy"):
        calls[f"sqs.SetQueueAttributes.{name}"] = \
            lambda doc, n=name: sqs.set_queue_attributes(QueueUrl=queue, Attributes={n: doc})
        calls[f"sqs.CreateQueue.{name}"] = lambda doc, n=name: sqs.create_queue(QueueName="nested2", Attributes={n: doc})
    for name in ("Policy", "DeliveryPolicy", "DataProtectionPolicy", "ArchivePolicy"):
        calls[f"sns.SetTopicAttributes.{name}"] = \
            lambda doc, n=name: sns.set_topic_attributes(TopicArn=topic, AttributeName=n, AttributeValue=doc)
    calls["sns.CreateTopic.Policy"] = lambda doc: sns.create_topic(Name="nested2", Attributes={"Policy": doc})
    calls["sns.PutDataProtectionPolicy"] = \
        lambda doc: sns.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=doc)
    for name in ("FilterPolicy", "RedrivePolicy"):
        calls[f"sns.SetSubscriptionAttributes.{name}"] = \
            lambda doc, n=name: sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName=n,
                                                                 AttributeValue=doc)
    calls["sns.Subscribe.FilterPolicy"] = lambda doc: sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:nested",
        Attributes={"FilterPolicy": doc})
    calls["sns.Publish.MessageStructure"] = lambda doc: sns.publish(TopicArn=topic, Message=doc,
                                                                    MessageStructure="json")
    calls["sns.Publish.String.Array"] = lambda doc: sns.publish(
        TopicArn=topic, Message="m", MessageAttributes={"a": {"DataType": "String.Array", "StringValue": doc}})
    calls["sns.Publish.MessageBody"] = lambda doc: sns.publish(TopicArn=topic, Message=doc)
    calls["events.TestEventPattern.Event"] = lambda doc: events.test_event_pattern(
        EventPattern='{"source": ["a"]}', Event=doc)
    calls["events.TestEventPattern.EventPattern"] = lambda doc: events.test_event_pattern(
        EventPattern=doc, Event=json.dumps({"id": "1", "account": ACCOUNT, "source": "a", "time": "2020-01-01T00:00:00Z",
                                            "region": "us-east-1", "resources": [], "detail-type": "t", "detail": {}}))
    calls["events.PutRule.EventPattern"] = lambda doc: events.put_rule(Name="nested", EventPattern=doc)
    calls["events.PutEvents.Detail"] = lambda doc: events.put_events(
        Entries=[{"Source": "a", "DetailType": "t", "Detail": doc}])
    calls["events.PutPermission.Policy"] = lambda doc: events.put_permission(Policy=doc)
    calls["events.PutTargets.Input"] = lambda doc: events.put_targets(
        Rule="nested", Targets=[{"Id": "1", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:nested", "Input": doc}])
    calls["events.PutTargets.InputTemplate"] = lambda doc: events.put_targets(
        Rule="nested", Targets=[{"Id": "1", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:nested",
                                 "InputTransformer": {"InputPathsMap": {}, "InputTemplate": doc}}])
    events.put_rule(Name="nested", EventPattern='{"source": ["a"]}')
    return calls


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000])
def test_deeply_nested_json_in_a_string_parameter_is_the_parameters_400(client, depth):
    calls = json_parameter_calls(client)
    failures = []
    for name, call in calls.items():
        for doc in (nested(depth), nested_list(depth)):
            status = status_of(lambda c=call, d=doc: c(d))
            if status >= 500:
                failures.append(f"{name}: {status}")
    assert not failures, failures


def test_json_nested_to_the_limit_is_no_5xx_anywhere(client):
    calls = json_parameter_calls(client)
    failures = []
    for name, call in calls.items():
        for doc in (nested(MAX_DEPTH), nested_list(MAX_DEPTH)):
            status = status_of(lambda c=call, d=doc: c(d))
            if status >= 500:
                failures.append(f"{name}: {status}")
    assert not failures, failures


def test_a_deep_filter_policy_names_the_parameter(client):
    sns = client("sns")
    topic = sns.create_topic(Name="deep")["TopicArn"]
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:x",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    with pytest.raises(ClientError) as info:
        sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue=nested(1000))
    assert info.value.response["Error"]["Code"] == "InvalidParameter"
    assert "FilterPolicy" in info.value.response["Error"]["Message"]


def test_a_deep_sqs_policy_is_invalid_attribute_value(client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="deep")["QueueUrl"]
    with pytest.raises(ClientError) as info:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": nested_list(1000)})
    assert info.value.response["Error"]["Code"] == "InvalidAttributeValue"


def test_a_deep_event_in_test_event_pattern_is_an_invalid_event(client):
    with pytest.raises(ClientError) as info:
        client("events").test_event_pattern(EventPattern='{"source": ["a"]}', Event=nested(1000))
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "Event" in info.value.response["Error"]["Message"]


# --- body limits -------------------------------------------------------------------------------------

OVERSIZE = [  # (name, headers, service)
    ("sqs-json", {"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}, "sqs"),
    ("sqs-query", {"Authorization": sigv4("sqs"), "Content-Type": FORM}, "sqs"),
    ("sns", {"Authorization": sigv4("sns"), "Content-Type": FORM}, "sns"),
    ("events", {"X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1"}, "events"),
    ("dynamodb", {"X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
                  "Content-Type": "application/x-amz-json-1.0"}, "dynamodb"),
    ("unsigned-query", {"Content-Type": FORM}, None),
]


@pytest.mark.parametrize("name,headers,service", OVERSIZE, ids=[o[0] for o in OVERSIZE])
def test_a_body_declared_too_large_is_refused_before_it_is_read(sluice, name, headers, service):
    limit = BODY_LIMITS.get(service, max(BODY_LIMITS["sqs"], BODY_LIMITS["sns"]))
    with connect(sluice.url) as sock:
        sock.sendall(head("/", {**headers, "Content-Length": str(limit + 1)}) + b"Ac")  # 2 bytes of it
        status, response_headers, body = read_response(sock)
        assert status == 413
        assert response_headers.get("connection") == "close"
        assert closed_by_server(sock, 5)
    text = body.decode()
    assert "RequestEntityTooLarge" in text
    if "X-Amz-Target" in headers:
        assert "RequestEntityTooLarge" in json.loads(body)["__type"]  # SQS: coral's ...Exception
        if service == "sqs":
            assert response_headers["x-amzn-query-error"].startswith("RequestEntityTooLarge;")
    else:
        ET.fromstring(body)  # the query protocol's XML error
        assert "<Code>RequestEntityTooLarge</Code>" in text


def test_a_terabyte_declared_after_two_bytes_is_answered_at_once(sluice):
    with connect(sluice.url) as sock:
        sock.sendall(head("/", {"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0",
                                "Content-Length": str(10**12)}) + b"{}")
        sock.settimeout(5)
        status, _, _ = read_response(sock)
    assert status == 413


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(sluice):
    limit = BODY_LIMITS["sqs"]
    chunk = b"x" * (256 * 1024)
    with connect(sluice.url) as sock:
        sock.sendall(head("/", {"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0",
                                "Transfer-Encoding": "chunked"}))
        sent = 0
        try:
            while sent <= limit + len(chunk):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, _, body = read_response(sock)
    assert status == 413 and b"RequestEntityTooLarge" in body


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def test_concurrent_oversized_requests_keep_memory_bounded(sluice):
    """16 clients at once, each sending 30 MB: declared (never read) and chunked (read only up to the
    limit, then dropped). The server shares this process: its resident size must stay far from the
    ~1 GB that buffering every body would take, and come back round after round."""
    payload = b"x" * (1024 * 1024)

    def oversized(declared: bool, results: list) -> None:
        try:
            with connect(sluice.url) as sock:
                headers = {"X-Amz-Target": "AmazonSQS.SendMessage", "Content-Type": "application/x-amz-json-1.0"}
                headers.update({"Content-Length": str(30 * 1024 * 1024)} if declared
                               else {"Transfer-Encoding": "chunked"})
                sock.sendall(head("/", headers))
                try:
                    for _ in range(30):
                        sock.sendall(payload if declared else b"%x\r\n%s\r\n" % (len(payload), payload))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                results.append(read_response(sock)[0])
        except (ConnectionError, OSError) as exc:  # reset while reading: the server closed, as it should
            results.append(repr(exc))

    before = rss_bytes()
    peak = before
    for _ in range(3):
        results: list = []
        threads = [threading.Thread(target=oversized, args=(i % 2 == 0, results)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        peak = max(peak, rss_bytes())
        assert len(results) == 16
        assert results.count(413) >= 8, results  # the declared ones at least are answered, not just dropped
    assert peak - before < 400 * 1024 * 1024, (before, peak)
    assert rss_bytes() - before < 250 * 1024 * 1024
    assert httpx.get(f"{sluice.url}/_sluice/health", timeout=10).status_code == 200
    assert sluice.app.gateway.buffered == 0


def test_the_largest_valid_sqs_message_still_fits_in_either_protocol(client, sluice):
    """1 MiB of two-byte characters: 3 MiB on the wire as JSON \\u escapes or as percent-encoding."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="big", Attributes={"MaximumMessageSize": "1048576"})["QueueUrl"]
    body = "é" * (1024 * 1024 // 2 - 16)
    sqs.send_message(QueueUrl=url, MessageBody=body)
    form = httpx.QueryParams({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": url, "MessageBody": body})
    response = httpx.post(sluice.url, content=str(form).encode(), headers={"Content-Type": FORM,
                                                                            "Authorization": sigv4("sqs")}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [len(m["Body"]) for m in got] == [len(body), len(body)]


# --- the query protocol ------------------------------------------------------------------------------

def test_a_duplicated_action_is_refused_and_changes_nothing(client, sluice):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="dup")["QueueUrl"]
    for content, query in ((f"Action=ListQueues&Action=DeleteQueue&QueueUrl={url}", ""),
                           (f"Action=DeleteQueue&QueueUrl={url}", "Action=ListQueues"),
                           (f"Action=DeleteQueue&QueueUrl={url}&QueueUrl={url}", "")):
        response = httpx.post(f"{sluice.url}/?{query}" if query else sluice.url, content=content,
                              headers={"Content-Type": FORM, "Authorization": sigv4("sqs")})
        assert response.status_code == 400, response.text
        assert "<Code>MalformedQueryString</Code>" in response.text
    assert sqs.get_queue_url(QueueName="dup")["QueueUrl"] == url


def test_sns_with_a_duplicated_parameter_is_refused(client, sluice):
    sns = client("sns")
    sns.create_topic(Name="keep")
    response = httpx.post(sluice.url, content="Action=ListTopics&Version=2010-03-31&Version=2010-03-31",
                          headers={"Content-Type": FORM, "Authorization": sigv4("sns")})
    assert response.status_code == 400 and "<Code>MalformedQueryString</Code>" in response.text


# --- characters SQS forbids, through SNS ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\x00", "\x01", "\ufffe"])
def test_a_fanout_of_characters_sqs_forbids_fails_the_delivery(client, sluice, bad):
    sqs, sns = client("sqs"), client("sns")
    url = sqs.create_queue(QueueName="chars")["QueueUrl"]
    topic = sns.create_topic(Name="chars")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:us-east-1:{ACCOUNT}:chars",
                  Attributes={"RawMessageDelivery": "true"})
    sns.publish(TopicArn=topic, Message=f"a{bad}b")
    sns.publish(TopicArn=topic, Message="fine", MessageAttributes={"s": {"DataType": "String", "StringValue": f"x{bad}"}})
    sns.publish(TopicArn=topic, Message="clean")
    log = httpx.get(f"{sluice.url}/_sluice/deliveries", params={"kind": "sns.sqs"}).json()
    assert [d["status"] for d in log].count("delivered") == 1, log
    assert sum(1 for d in log if d["status"] != "delivered") == 2
    # The query protocol's ReceiveMessage is XML every parser reads.
    form = {"Action": "ReceiveMessage", "Version": "2012-11-05", "QueueUrl": url, "MaxNumberOfMessages": "10",
            "MessageAttributeName.1": "All"}
    response = httpx.post(sluice.url, data=form, headers={"Authorization": sigv4("sqs")})
    root = ET.fromstring(response.content)
    bodies = [e.text for e in root.iter("{http://queue.amazonaws.com/doc/2012-11-05/}Body")]
    assert bodies == ["clean"]


# --- integers and numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["٥", "５", "5\n", "²", "9" * 5000, " 5", "+5"])
def test_sqs_integer_attributes_take_ascii_digits_only(client, value):
    sqs = client("sqs")
    assert code_of(lambda: sqs.create_queue(QueueName="ints", Attributes={"VisibilityTimeout": value})) \
        == "InvalidAttributeValue"
    url = sqs.create_queue(QueueName="ints")["QueueUrl"]
    assert code_of(lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": value})) \
        == "InvalidAttributeValue"


@pytest.mark.parametrize("value", ["٥", "５", "5\n", "9" * 5000])
def test_sns_integer_attributes_take_ascii_digits_only(client, value):
    sns = client("sns")
    topic = sns.create_topic(Name="ints")["TopicArn"]
    for name in ("HTTPSuccessFeedbackSampleRate", "MaximumMessageSize"):
        assert code_of(lambda n=name: sns.set_topic_attributes(TopicArn=topic, AttributeName=n,
                                                               AttributeValue=value)) == "InvalidParameter"
    assert "HTTPSuccessFeedbackSampleRate" not in sns.get_topic_attributes(TopicArn=topic)["Attributes"]


@pytest.mark.parametrize("value", ["1e400", "-1e400", "9" * 400, "1" * 39, "1e127", "1e-129", "٥", "５", "0x10",
                                   "Infinity", "NaN"])
def test_number_message_attributes_outside_awss_rule_are_refused(client, value):
    sqs, sns = client("sqs"), client("sns")
    url = sqs.create_queue(QueueName="numbers")["QueueUrl"]
    topic = sns.create_topic(Name="numbers")["TopicArn"]
    attrs = {"n": {"DataType": "Number", "StringValue": value}}
    assert code_of(lambda: sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)) \
        == "InvalidParameterValue"
    assert status_of(lambda: sns.publish(TopicArn=topic, Message="m", MessageAttributes=attrs)) == 400


@pytest.mark.parametrize("value", ["1e126", "-1e126", "1e-128", "0", "-0.5", "1" * 38, "1" * 38 + "0" * 20, "007"])
def test_number_message_attributes_within_the_rule_are_accepted(client, value):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="numbers")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={"n": {"DataType": "Number", "StringValue": value}})
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert got["MessageAttributes"]["n"]["StringValue"] == value


# --- the admin API ---------------------------------------------------------------------------------------

def test_admin_integers_out_of_range_are_422(sluice):
    for path in ("/_sluice/deliveries", "/_sluice/captured", "/_sluice/sns/messages"):
        for value in ("99999999999999999999999", "-1", "1e400", "٥", "abc"):
            response = httpx.get(f"{sluice.url}{path}", params={"after_id": value})
            assert response.status_code == 422, (path, value, response.status_code)


def test_every_admin_query_parameter_survives_hostile_values(sluice):
    """Every GET route of the admin API's OpenAPI document, each query parameter given hostile values:
    a 4xx or a 2xx, never a 5xx."""
    spec = httpx.get(f"{sluice.url}/_sluice/openapi.json", timeout=30).json()
    hostile = ["99999999999999999999999", "-99999999999999999999", "1e400", "nan", "٥", "\x00", "%", "a" * 5000,
               '{"a":' * 2000]
    failures = []
    with httpx.Client(base_url=sluice.url, timeout=30) as http:
        for path, item in spec["paths"].items():
            get = item.get("get")
            if get is None or "{" in path or "console" in path:
                continue
            params = [p["name"] for p in get.get("parameters", []) if p.get("in") == "query"]
            for name in params:
                for value in hostile:
                    try:
                        status = http.get(path, params={name: value}).status_code
                    except httpx.HTTPError as exc:
                        status = repr(exc)
                    if not isinstance(status, int) or status >= 500:
                        failures.append(f"GET {path}?{name}={value[:20]!r}: {status}")
    assert not failures, failures


# --- slow clients ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict_server():
    """A server whose clients have half a second for their headers and for their body."""
    srv = ThreadServer(clock="fake", header_timeout_s=0.5, body_timeout_s=0.5)
    srv.server.config.http = guarded_protocol(0.5)
    srv.server.config.h11_max_incomplete_event_size = MAX_HEADER_BYTES
    srv.start()
    yield srv
    srv.stop()


def test_trickling_headers_are_closed(strict_server):
    socks = [connect(strict_server.url) for _ in range(60)]
    try:
        for i, sock in enumerate(socks):
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" if i % 2 else b"")  # half silent, half mid-headers
        started = time.monotonic()
        deadline = started + 5
        for sock in socks:
            assert closed_by_server(sock, max(0.1, deadline - time.monotonic()))
        assert time.monotonic() - started < 3
    finally:
        for sock in socks:
            sock.close()


def test_a_byte_every_so_often_does_not_keep_headers_open(strict_server):
    with connect(strict_server.url) as sock:
        started = time.monotonic()
        closed = False
        for byte in b"POST / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_server(sock, 0.1):
                closed = True
                break
        assert closed and time.monotonic() - started < 3


def test_a_stalled_body_is_answered_408_and_closed(strict_server):
    with connect(strict_server.url) as sock:
        sock.sendall(head("/", {"X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0",
                                "Content-Length": "1000"}) + b"{}")
        started = time.monotonic()
        status, headers, body = read_response(sock)
        assert status == 408 and headers.get("connection") == "close"
        assert json.loads(body)["__type"].endswith("RequestTimeout")
        assert time.monotonic() - started < 3
        assert closed_by_server(sock, 2)


def test_headers_larger_than_the_limit_close_the_connection(strict_server):
    with connect(strict_server.url) as sock:
        try:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * (MAX_HEADER_BYTES + 1024))
        except (BrokenPipeError, ConnectionResetError):
            return
        assert closed_by_server(sock, 3)


def test_a_keep_alive_connection_serves_requests_after_the_header_deadline(strict_server):
    """The deadline counts from a request's first byte, not from the connection: a client idle less
    than uvicorn's keep-alive timeout between requests is served again."""
    with httpx.Client(base_url=strict_server.url) as http:
        for _ in range(2):
            response = http.post("/", content=b"{}", headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                              "Content-Type": "application/x-amz-json-1.0"})
            assert response.status_code == 200
            time.sleep(0.6)  # longer than the header deadline, shorter than keep-alive (5 s)
        response = http.post("/", content=b"{}", headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                          "Content-Type": "application/x-amz-json-1.0"})
        assert response.status_code == 200


def test_xml_of_a_stored_name_with_forbidden_characters_parses(client, sluice):
    """A topic attribute that SNS stores verbatim (a DisplayName) with a character XML cannot carry:
    the query response still parses."""
    sns = client("sns")
    topic = sns.create_topic(Name="xmlsafe")["TopicArn"]
    status_of(lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="a\x01b"))
    response = httpx.post(sluice.url, data={"Action": "GetTopicAttributes", "Version": "2010-03-31",
                                            "TopicArn": topic}, headers={"Authorization": sigv4("sns")})
    ET.fromstring(response.content)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", response.text)


def test_bodies_held_at_once_past_the_budget_are_answered_slow_down(strict_server, monkeypatch):
    import api.gateway

    monkeypatch.setattr(api.gateway, "BUFFER_BUDGET", 1_000)
    body = json.dumps({"QueueNamePrefix": "x" * 2_000}).encode()
    response = httpx.post(strict_server.url, content=body, headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                                   "Content-Type": "application/x-amz-json-1.0"})
    assert response.status_code == 503 and "SlowDown" in response.text
    monkeypatch.setattr(api.gateway, "BUFFER_BUDGET", 256 * 1024 * 1024)
    response = httpx.post(strict_server.url, content=b"{}", headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                                    "Content-Type": "application/x-amz-json-1.0"})
    assert response.status_code == 200
    assert strict_server.app.gateway.buffered == 0  # every request gave its bytes back


def test_the_cli_serves_with_the_connection_limits():
    from api.connections import uvicorn_limits
    from emulator.settings import Settings

    limits = uvicorn_limits(Settings(header_timeout_s=7, max_connections=50))
    assert limits["limit_concurrency"] == 50 and limits["h11_max_incomplete_event_size"] == MAX_HEADER_BYTES
    assert limits["http"].__name__.startswith("Guarded")
