"""HTTP deliveries and their retry state survive a kill -9 in the middle of a retry schedule; the signing
key survives a restart (a receiver's cached certificate stays valid)."""

import json
import threading

import boto3
import httpx
from botocore.config import Config

from tests.integration.test_sns_http import Receiver, verify
from tests.server import ProcessServer


def sns_client(url):
    return boto3.client("sns", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def advance(server, seconds=0.0, ms=0):
    httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": seconds, "ms": ms},
               timeout=60).raise_for_status()


def log(server, target):
    rows = httpx.get(f"{server.url}/_sluice/deliveries", params={"target": target}).json()
    return [(r["attempt"], r["status"]) for r in rows]


def test_retry_schedule_resumes_after_kill_9(tmp_path):
    args = ("--data-dir", str(tmp_path), "--clock", "fake")
    with Receiver() as receiver:
        first = ProcessServer(*args).start()
        try:
            sns = sns_client(first.url)
            topic = sns.create_topic(Name="t")["TopicArn"]
            policy = {"healthyRetryPolicy": {"numRetries": 3, "minDelayTarget": 30, "maxDelayTarget": 30}}
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=receiver.url,
                          Attributes={"DeliveryPolicy": json.dumps(policy)})
            advance(first)
            confirmation = json.loads(receiver.of_type("SubscriptionConfirmation")[0]["body"])
            sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
            receiver.plan = [500, 500]
            sns.publish(TopicArn=topic, Message="survivor")
            advance(first)
            advance(first, 30)
            assert log(first, receiver.url)[-2:] == [(1, "retrying"), (2, "retrying")]
            cert_before = httpx.get(confirmation["SigningCertURL"]).text
        finally:
            first.kill(9)

        second = ProcessServer(*args).start()
        try:
            pending = httpx.get(f"{second.url}/_sluice/deliveries/pending").json()
            assert [(p["kind"], p["attempts"]) for p in pending] == [("sns.http", 2)]
            # A restarted fake clock starts again from the wall clock: move it to the stored due time exactly.
            now = httpx.get(f"{second.url}/_sluice/clock").json()["now_ms"]
            wait = pending[0]["due_at"] - now
            assert 0 < wait <= 60_000
            advance(second, ms=wait - 1)
            assert len(receiver.of_type("Notification")) == 2
            advance(second, ms=1)
            notifications = receiver.of_type("Notification")
            assert len(notifications) == 3
            assert log(second, receiver.url)[-1] == (3, "delivered")
            assert httpx.get(f"{second.url}/_sluice/deliveries/pending").json() == []
            doc = json.loads(notifications[-1]["body"])
            assert doc["Message"] == "survivor"
            # The envelope was built (and signed) before the kill, so its links name the first server; the
            # restarted one serves the same certificate at the same path: the key survived.
            assert doc["SigningCertURL"] == confirmation["SigningCertURL"]
            moved = {**doc, "SigningCertURL": doc["SigningCertURL"].replace(f":{first.port}/", f":{second.port}/")}
            assert httpx.get(moved["SigningCertURL"]).text == cert_before
            verify(moved)
        finally:
            second.stop()


class HoldingReceiver(Receiver):
    """Holds the first Notification POST open (a slow endpoint) until released; answers the rest at once."""

    def __init__(self):
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()
        handler = self.server.RequestHandlerClass
        outer = self

        class Holding(handler):
            def do_POST(self):
                if self.headers.get("x-amz-sns-message-type") == "Notification" and not outer.holding.is_set():
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                    with outer.lock:
                        outer.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                               "body": body, "path": self.path})
                    outer.holding.set()
                    outer.release.wait(30)      # the server dies meanwhile; this answer goes nowhere
                    return
                super().do_POST()

        self.server.RequestHandlerClass = Holding
        self.server.daemon_threads = True

    def __exit__(self, *exc):
        self.release.set()
        super().__exit__(*exc)


