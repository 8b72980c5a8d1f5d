"""HTTP/S subscriptions against a real receiver on loopback: confirmation, headers, signatures verified
like the public SNS message validators do, the exact retry schedule under the fake clock, DLQ, 4xx."""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tests.helpers import LoopbackHTTP


class Receiver(LoopbackHTTP):
    """A tiny HTTP endpoint that records every POST and answers with planned statuses (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.plan: list[int] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                with outer.lock:
                    status = outer.plan.pop(0) if outer.plan else 200
                    outer.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body, "path": self.path, "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        super().__init__(Handler)
        self.url = f"{self.base}/hook"

    def of_type(self, kind: str) -> list[dict]:
        return [r for r in self.requests if r["headers"].get("x-amz-sns-message-type") == kind]


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def canonical(doc: dict) -> bytes:
    """Built here independently, as aws-sns-message-validator and friends do."""
    if doc["Type"] == "Notification":
        keys = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join(f"{k}\n{doc[k]}\n" for k in keys if k in doc).encode()


def verify(doc: dict) -> None:
    pem = httpx.get(doc["SigningCertURL"]).raise_for_status().content
    cert = x509.load_pem_x509_certificate(pem)
    digest = hashes.SHA256() if doc["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(doc["Signature"]), canonical(doc), padding.PKCS1v15(), digest)


def subscribe_confirmed(sns, advance, receiver, topic, **attributes):
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url, Attributes=attributes)
    advance(0)
    confirmation = json.loads(receiver.of_type("SubscriptionConfirmation")[-1]["body"])
    httpx.get(confirmation["SubscribeURL"]).raise_for_status()    # the GET a receiver does, unsigned
    subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    return next(s["SubscriptionArn"] for s in subs if s["Endpoint"] == receiver.url)


def deliveries(admin, target):
    return [(d["attempt"], d["status"]) for d in admin.get("/_sluice/deliveries", params={"target": target}).json()]


def test_confirmation_by_subscribe_url(client, advance, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)["SubscriptionArn"] == \
        "pending confirmation"
    advance(0)
    [request] = receiver.of_type("SubscriptionConfirmation")
    doc = json.loads(request["body"])
    assert request["headers"]["x-amz-sns-topic-arn"] == topic
    assert request["headers"]["x-amz-sns-message-id"] == doc["MessageId"]
    assert "x-amz-sns-subscription-arn" not in request["headers"]
    assert request["headers"]["content-type"] == "text/plain; charset=UTF-8"
    assert list(doc) == ["Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp",
                         "SignatureVersion", "Signature", "SigningCertURL"]
    query = parse_qs(urlparse(doc["SubscribeURL"]).query)
    assert query == {"Action": ["ConfirmSubscription"], "TopicArn": [topic], "Token": [doc["Token"]]}
    verify(doc)
    response = httpx.get(doc["SubscribeURL"])
    assert response.status_code == 200 and b"<SubscriptionArn>" in response.content
    [sub] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert sub["SubscriptionArn"].startswith(topic + ":")
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsConfirmed"] == "1"


@pytest.mark.parametrize("version", ["1", "2"])
def test_notification_headers_envelope_and_signature(client, advance, receiver, version):
    sns = client("sns")
    topic = sns.create_topic(Name="t", Attributes={"SignatureVersion": version})["TopicArn"]
    sub = subscribe_confirmed(sns, advance, receiver, topic)
    message_id = sns.publish(TopicArn=topic, Message="héllo wörld", Subject="Greeting",
                             MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})["MessageId"]
    advance(0)
    [request] = receiver.of_type("Notification")
    headers = request["headers"]
    assert headers["x-amz-sns-message-id"] == message_id and headers["x-amz-sns-topic-arn"] == topic
    assert headers["x-amz-sns-subscription-arn"] == sub
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"
    assert "x-amz-sns-rawdelivery" not in headers
    doc = json.loads(request["body"])
    assert doc["Message"] == "héllo wörld" and doc["Subject"] == "Greeting" and doc["SignatureVersion"] == version
    assert doc["MessageAttributes"] == {"k": {"Type": "String", "Value": "v"}}
    verify(doc)
    tampered = {**doc, "Message": "changed"}
    with pytest.raises(InvalidSignature):
        verify(tampered)


def test_raw_http_delivery(client, advance, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    subscribe_confirmed(sns, advance, receiver, topic, RawMessageDelivery="true")
    sns.publish(TopicArn=topic, Message='{"raw": true}')
    advance(0)
    [request] = receiver.of_type("Notification")
    assert request["body"] == '{"raw": true}' and request["headers"]["x-amz-sns-rawdelivery"] == "true"


def test_exact_retry_schedule_of_a_policy(client, advance, admin, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    policy = {"healthyRetryPolicy": {"numRetries": 6, "numNoDelayRetries": 1, "numMinDelayRetries": 1,
                                     "numMaxDelayRetries": 1, "minDelayTarget": 2, "maxDelayTarget": 10,
                                     "backoffFunction": "linear"}}
    subscribe_confirmed(sns, advance, receiver, topic, DeliveryPolicy=json.dumps(policy))
    receiver.plan = [500] * 6            # fails 6 times, the 7th (last retry) succeeds
    sns.publish(TopicArn=topic, Message="m")
    advance(0)
    # first attempt + the immediate retry
    assert len(receiver.of_type("Notification")) == 2
    for delay_ms, expected in [(2000, 3), (4667, 4), (7333, 5), (10_000, 6), (10_000, 7)]:
        advance(ms=delay_ms - 1)
        assert len(receiver.of_type("Notification")) == expected - 1, f"too early before attempt {expected}"
        advance(ms=1)
        assert len(receiver.of_type("Notification")) == expected, f"attempt {expected} not on time"
    log = [d for d in deliveries(admin, receiver.url)][1:]     # skip the confirmation
    assert log == [(1, "retrying"), (2, "retrying"), (3, "retrying"), (4, "retrying"), (5, "retrying"),
                   (6, "retrying"), (7, "delivered")]
    bodies = {r["body"] for r in receiver.of_type("Notification")}
    assert len(bodies) == 1                # every retry is the same message


def test_default_policy_then_dead_letter_queue(client, advance, admin, receiver):
    sns, sqs = client("sns"), client("sqs")
    topic = sns.create_topic(Name="t")["TopicArn"]
    dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscribe_confirmed(sns, advance, receiver, topic,
                        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn}))
    receiver.plan = [503] * 10
    message_id = sns.publish(TopicArn=topic, Message="doomed")["MessageId"]
    advance(0)
    for _ in range(3):                      # AWS's default: 3 retries, 20 s apart
        advance(19.999)
        before = len(receiver.of_type("Notification"))
        advance(ms=1)
        assert len(receiver.of_type("Notification")) == before + 1
    assert len(receiver.of_type("Notification")) == 4
    advance(600)
    assert len(receiver.of_type("Notification")) == 4
    assert deliveries(admin, receiver.url)[-1] == (4, "dead-lettered")
    [dead] = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0)["Messages"]
    doc = json.loads(dead["Body"])
    assert doc["MessageId"] == message_id and doc["Message"] == "doomed" and doc["Type"] == "Notification"


def test_client_errors_are_not_retried(client, advance, admin, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    subscribe_confirmed(sns, advance, receiver, topic)
    receiver.plan = [404, 429, 200]
    sns.publish(TopicArn=topic, Message="a")
    advance(0)
    assert deliveries(admin, receiver.url)[-1] == (1, "dropped")       # 404: no retry, no DLQ: dropped
    sns.publish(TopicArn=topic, Message="b")
    advance(0)
    assert deliveries(admin, receiver.url)[-1] == (1, "retrying")      # 429 is throttling: retried
    advance(20)
    assert deliveries(admin, receiver.url)[-1] == (2, "delivered")
    assert admin.get("/_sluice/deliveries/pending").json() == []


def test_connection_refused_is_retried(client, advance, admin):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    with Receiver() as r:
        url = r.url
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=url)     # nobody listens there any more
    advance(0)
    [(attempt, status)] = deliveries(admin, url)
    assert (attempt, status) == (1, "retrying")
    [pending] = admin.get("/_sluice/deliveries/pending").json()
    assert pending["attempts"] == 1 and pending["kind"] == "sns.http"


def test_unsubscribe_confirmation(client, advance, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sub = subscribe_confirmed(sns, advance, receiver, topic)
    sns.unsubscribe(SubscriptionArn=sub)
    advance(0)
    [request] = receiver.of_type("UnsubscribeConfirmation")
    doc = json.loads(request["body"])
    assert request["headers"]["x-amz-sns-subscription-arn"] == sub
    assert doc["Type"] == "UnsubscribeConfirmation" and sub in doc["Message"]
    verify(doc)
    sns.publish(TopicArn=topic, Message="after")
    advance(0)
    assert receiver.of_type("Notification") == []


def test_unsubscribe_url_works_unless_authenticated(client, advance, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    subscribe_confirmed(sns, advance, receiver, topic)
    sns.publish(TopicArn=topic, Message="x")
    advance(0)
    doc = json.loads(receiver.of_type("Notification")[0]["body"])
    assert httpx.get(doc["UnsubscribeURL"]).status_code == 200
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_authenticated_subscription_refuses_anonymous_unsubscribe(client, advance, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
    advance(0)
    token = json.loads(receiver.of_type("SubscriptionConfirmation")[0]["body"])["Token"]
    sub = sns.confirm_subscription(TopicArn=topic, Token=token, AuthenticateOnUnsubscribe="true")["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="x")
    advance(0)
    doc = json.loads(receiver.of_type("Notification")[0]["body"])
    response = httpx.get(doc["UnsubscribeURL"])
    assert response.status_code == 403 and b"<Code>AuthorizationError</Code>" in response.content
    sns.unsubscribe(SubscriptionArn=sub)    # signed: allowed


def test_public_url_setting_is_written_into_links(receiver):
    from tests.conftest import make_client
    from tests.server import ThreadServer
    server = ThreadServer(clock="fake", public_url="http://sluice.example:4566").start()
    try:
        sns = make_client(server.url, "sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
        httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 0}).raise_for_status()
        doc = json.loads(receiver.of_type("SubscriptionConfirmation")[0]["body"])
        assert doc["SubscribeURL"].startswith("http://sluice.example:4566/?Action=ConfirmSubscription")
        assert doc["SigningCertURL"].startswith("http://sluice.example:4566/_sluice/sns/")
    finally:
        server.stop()


class TricklingReceiver:
    """Confirms at once, then answers each Notification with a body trickled one byte per ``gap`` seconds:
    every read is quick, the whole answer is slow."""

    def __init__(self, gap: float, size: int):
        self.notifications: list[float] = []
        self.confirmations: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("x-amz-sns-message-type") != "Notification":
                    outer.confirmations.append(json.loads(body))
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                outer.notifications.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                for _ in range(size):
                    time.sleep(gap)
                    try:
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_http_timeout_is_a_total_deadline_not_a_per_read_one(client, advance, admin, sluice):
    http = sluice.emulator.delivery.http
    receiver = TricklingReceiver(gap=0.3, size=10)     # 3 s in all, never 0.3 s without a byte
    http.timeout_s = 1.0                                # SNS's 15 s, scaled down so the test stays fast
    try:
        sns = client("sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url)
        advance(0)
        sns.confirm_subscription(TopicArn=topic, Token=receiver.confirmations[0]["Token"])
        sns.publish(TopicArn=topic, Message="slow")
        started = time.monotonic()
        advance(0)                                      # returns once the attempt has settled
        elapsed = time.monotonic() - started
        entries = admin.get("/_sluice/deliveries", params={"target": receiver.url}).json()
        assert [(e["attempt"], e["status"]) for e in entries][1:] == [(1, "retrying")]
        assert entries[-1]["error"] == "timeout: no response in 1 s"
        assert elapsed < 2.5, f"the attempt ran {elapsed:.1f} s, past its 1 s deadline"
        assert len(receiver.notifications) == 1
    finally:
        http.timeout_s = 15.0
        receiver.close()


def test_a_delivery_policy_with_whole_number_floats_runs_its_schedule(client, advance, admin, receiver):
    sns = client("sns")
    topic = sns.create_topic(Name="t")["TopicArn"]
    policy = {"healthyRetryPolicy": {"numRetries": 2.0, "numNoDelayRetries": 1.0, "minDelayTarget": 1,
                                     "maxDelayTarget": 1}}
    subscribe_confirmed(sns, advance, receiver, topic, DeliveryPolicy=json.dumps(policy))
    receiver.plan = [500] * 10
    sns.publish(TopicArn=topic, Message="m")
    advance(0)
    advance(1)
    for _ in range(3):
        advance(61)                                     # past any lease: nothing may come back
    assert len(receiver.of_type("Notification")) == 3   # the first attempt + 2 retries
    assert deliveries(admin, receiver.url)[1:] == [(1, "retrying"), (2, "retrying"), (3, "dropped")]
    assert admin.get("/_sluice/deliveries/pending").json() == []
