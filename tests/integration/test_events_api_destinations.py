"""Events delivered to API destinations, against a real HTTP receiver (and OAuth token endpoint) on loopback.

Sources: EventBridge User Guide, "API destinations as targets" (the headers EventBridge sends: User-Agent
"Amazon/EventBridge/ApiDestinations", Content-Type "application/json; charset=utf-8", Range "bytes=0-1048575"; 401,
407, 409, 429 and 5xx are retried, other 4xx are not; InvocationRateLimitPerSecond), "Authorization methods for
connections" (API key header, basic authorization, OAuth client credentials refreshed on a 401/407 and when about
to expire); API Reference, HttpParameters (merged with the connection's InvocationHttpParameters, the connection's
values taking precedence; PathParameterValues fill the endpoint's "*"). Retries follow the target's RetryPolicy with
Sluice's deterministic back-off (``events_delay_ms``), so every attempt's time is known.
"""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from emulator.delivery.retry import events_delay_ms
from tests.conftest import make_client
from tests.helpers import LoopbackHTTP
from tests.integration.events_helpers import deliveries, drain, make_queue, put_event
from tests.server import ProcessServer

PATTERN = {"source": ["com.example.orders"]}
ROLE = "arn:aws:iam::000000000000:role/eventbridge"


class Receiver(LoopbackHTTP):
    """Records every request (any method); answers with planned statuses per path (then 200). ``/token`` is an
    OAuth token endpoint handing out tok-1, tok-2 ... valid for ``expires_in`` seconds."""

    def __init__(self):
        self.requests: list[dict] = []
        self.plan: dict[str, list[int]] = {}
        self.tokens = 0
        self.expires_in = 3600
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlparse(self.path)
                with outer.lock:
                    outer.requests.append({"method": self.command, "path": url.path, "query": parse_qs(url.query),
                                           "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body})
                    planned = outer.plan.get(url.path) or []
                    status = planned.pop(0) if planned else 200
                    answer = b""
                    if url.path == "/token" and status == 200:
                        outer.tokens += 1
                        answer = json.dumps({"access_token": f"tok-{outer.tokens}", "token_type": "Bearer",
                                             "expires_in": outer.expires_in}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

            def log_message(self, *args):
                pass

        super().__init__(Handler)

    def at(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def events(client):
    return client("events")


def destination(events, receiver, auth_type="API_KEY", auth=None, *, path="/hook", method="POST", rate=None,
                name="dest", invocation=None):
    auth = dict(auth or {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-123"}})
    if invocation:
        auth["InvocationHttpParameters"] = invocation
    connection = events.create_connection(Name=f"{name}-conn", AuthorizationType=auth_type,
                                          AuthParameters=auth)["ConnectionArn"]
    kwargs = {"InvocationRateLimitPerSecond": rate} if rate else {}
    return events.create_api_destination(Name=name, ConnectionArn=connection, HttpMethod=method,
                                         InvocationEndpoint=receiver.base + path, **kwargs)["ApiDestinationArn"]


def rule_to(events, arn, **target):
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "api", "Arn": arn, "RoleArn": ROLE, **target}])


def log(admin, arn):
    return [(r["attempt"], r["status"]) for r in deliveries(admin, kind="events.api-destination", target=arn)]


def attribute(message, name):
    return message["MessageAttributes"][name]["StringValue"]


# --- authorization and the request ----------------------------------------------------------------------------

def test_api_key_delivery_sends_the_event_with_eventbridge_headers(events, admin, advance, receiver):
    arn = destination(events, receiver)
    rule_to(events, arn)
    event_id = put_event(events, detail={"n": 1})
    advance(0)
    [request] = receiver.at("/hook")
    assert request["method"] == "POST"
    assert request["headers"]["x-api-key"] == "k-123"
    assert request["headers"]["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert request["headers"]["content-type"] == "application/json; charset=utf-8"
    assert request["headers"]["range"] == "bytes=0-1048575"
    body = json.loads(request["body"])
    assert (body["id"], body["detail"], body["source"]) == (event_id, {"n": 1}, "com.example.orders")
    assert log(admin, arn) == [(1, "delivered")]


def test_basic_authorization(events, advance, receiver):
    arn = destination(events, receiver, "BASIC", {"BasicAuthParameters": {"Username": "ann", "Password": "p@ss w1"}})
    rule_to(events, arn)
    put_event(events)
    advance(0)
    [request] = receiver.at("/hook")
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(b"ann:p@ss w1").decode()


def _oauth(receiver, **extra):
    return {"OAuthParameters": {"ClientParameters": {"ClientID": "cid", "ClientSecret": "csecret"},
                                "AuthorizationEndpoint": receiver.base + "/token", "HttpMethod": "POST",
                                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "write"}],
                                                        "HeaderParameters": [{"Key": "x-tenant", "Value": "t1"}]},
                                **extra}}


def test_oauth_token_is_fetched_cached_and_refetched_when_it_expires(events, admin, advance, receiver):
    receiver.expires_in = 300
    arn = destination(events, receiver, "OAUTH_CLIENT_CREDENTIALS", _oauth(receiver))
    advance(0)                                                  # the first token, fetched after the commit
    rule_to(events, arn)
    put_event(events)
    advance(0)
    [token_request] = receiver.at("/token")
    assert token_request["method"] == "POST"
    assert token_request["headers"]["authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert token_request["headers"]["x-tenant"] == "t1"
    assert parse_qs(token_request["body"]) == {"grant_type": ["client_credentials"], "scope": ["write"]}
    put_event(events)
    advance(0)
    assert len(receiver.at("/token")) == 1                      # cached
    assert [r["headers"]["authorization"] for r in receiver.at("/hook")] == ["Bearer tok-1"] * 2
    advance(300 - 60)                                           # within 60 s of expiring: refreshed
    put_event(events)
    advance(0)
    assert len(receiver.at("/token")) == 2
    assert receiver.at("/hook")[-1]["headers"]["authorization"] == "Bearer tok-2"
    assert log(admin, arn) == [(1, "delivered")] * 3


def test_a_401_drops_the_token_and_the_retry_fetches_a_new_one(events, admin, advance, receiver):
    arn = destination(events, receiver, "OAUTH_CLIENT_CREDENTIALS", _oauth(receiver))
    advance(0)                                                  # the first token, fetched after the commit
    rule_to(events, arn)
    receiver.plan["/hook"] = [401]
    event_id = put_event(events)
    advance(0)
    assert log(admin, arn) == [(1, "retrying")]
    [failed] = deliveries(admin, kind="events.api-destination", target=arn)
    assert failed["error"] == "HTTP 401"
    advance(ms=events_delay_ms(event_id, 1))
    assert log(admin, arn) == [(1, "retrying"), (2, "delivered")]
    assert [r["headers"]["authorization"] for r in receiver.at("/hook")] == ["Bearer tok-1", "Bearer tok-2"]


def test_a_token_endpoint_that_refuses_the_client_deauthorizes_the_connection(events, admin, advance, receiver):
    receiver.plan["/token"] = [400]
    arn = destination(events, receiver, "OAUTH_CLIENT_CREDENTIALS", _oauth(receiver))
    advance(0)
    rule_to(events, arn)
    put_event(events)
    advance(0)
    assert receiver.at("/hook") == []
    assert log(admin, arn) == [(1, "dropped")]
    described = events.describe_connection(Name="dest-conn")
    assert described["ConnectionState"] == "DEAUTHORIZED" and "400" in described["StateReason"]


def test_an_oauth_connection_is_authorized_by_its_first_token_and_again_after_an_update(events, advance, receiver):
    created = events.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                                       AuthParameters=_oauth(receiver))
    assert created["ConnectionState"] == "CREATING"
    advance(0)
    described = events.describe_connection(Name="o")
    assert described["ConnectionState"] == "AUTHORIZED" and described["LastAuthorizedTime"]
    assert len(receiver.at("/token")) == 1
    answer = events.update_connection(Name="o", AuthParameters={
        "OAuthParameters": {"ClientParameters": {"ClientSecret": "rotated"}}})
    assert answer["ConnectionState"] == "UPDATING"
    advance(0)
    assert events.describe_connection(Name="o")["ConnectionState"] == "AUTHORIZED"
    [_, again] = receiver.at("/token")
    assert again["headers"]["authorization"] == "Basic " + base64.b64encode(b"cid:rotated").decode()


def test_an_unreachable_token_endpoint_leaves_the_connection_deauthorized(events, advance):
    auth = {"OAuthParameters": {"ClientParameters": {"ClientID": "cid", "ClientSecret": "s"},
                                "AuthorizationEndpoint": "http://127.0.0.1:9/token", "HttpMethod": "POST"}}
    events.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=auth)
    advance(0)
    described = events.describe_connection(Name="o")
    assert described["ConnectionState"] == "DEAUTHORIZED"
    assert "connection error" in described["StateReason"] and "LastAuthorizedTime" not in described


def test_http_parameters_merge_with_the_connection_which_takes_precedence(events, advance, receiver):
    invocation = {"HeaderParameters": [{"Key": "x-both", "Value": "from-connection", "IsValueSecret": False}],
                  "QueryStringParameters": [{"Key": "q-both", "Value": "conn", "IsValueSecret": True}]}
    arn = destination(events, receiver, path="/orders/*/items/*", invocation=invocation)
    rule_to(events, arn, HttpParameters={
        "PathParameterValues": ["o-1", "a b"],
        "HeaderParameters": {"x-both": "from-target", "x-target": "t", "Content-Type": "text/plain"},
        "QueryStringParameters": {"q-both": "target", "q-target": "1"}},
        InputTransformer={"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"number": <n>}'})
    put_event(events, detail={"n": 7})
    advance(0)
    [request] = receiver.requests
    assert request["path"] == "/orders/o-1/items/a%20b"
    assert request["query"] == {"q-both": ["conn"], "q-target": ["1"]}
    assert request["headers"]["x-both"] == "from-connection"
    assert request["headers"]["x-target"] == "t"
    assert request["headers"]["content-type"] == "text/plain"
    assert request["headers"]["user-agent"] == "Amazon/EventBridge/ApiDestinations"
    assert json.loads(request["body"]) == {"number": 7}          # the transformed input


def test_the_connections_body_parameters_join_a_json_object_body(events, advance, receiver):
    invocation = {"BodyParameters": [{"Key": "tenant", "Value": "t-9", "IsValueSecret": False}]}
    arn = destination(events, receiver, invocation=invocation)
    rule_to(events, arn, InputTransformer={"InputPathsMap": {"n": "$.detail.n"}, "InputTemplate": '{"n": <n>}'})
    put_event(events, detail={"n": 3})
    advance(0)
    [request] = receiver.at("/hook")
    assert json.loads(request["body"]) == {"n": 3, "tenant": "t-9"}


def test_a_get_destination_sends_no_body(events, advance, receiver):
    arn = destination(events, receiver, method="GET")
    rule_to(events, arn)
    put_event(events)
    advance(0)
    [request] = receiver.at("/hook")
    assert (request["method"], request["body"]) == ("GET", "")


# --- retries and dead letters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 503, 429, 409, 407, 401])
def test_retried_statuses(events, admin, advance, receiver, status):
    arn = destination(events, receiver)
    rule_to(events, arn)
    receiver.plan["/hook"] = [status, status]
    event_id = put_event(events)
    advance(0)
    for attempts in (1, 2):
        advance(ms=events_delay_ms(event_id, attempts) - 1)
        assert len(log(admin, arn)) == attempts
        advance(ms=1)
    assert log(admin, arn) == [(1, "retrying"), (2, "retrying"), (3, "delivered")]
    assert [r["error"] for r in deliveries(admin, kind="events.api-destination", target=arn)][:2] == \
        [f"HTTP {status}"] * 2


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_other_client_errors_go_straight_to_the_dlq(events, client, admin, advance, receiver, status):
    sqs = client("sqs")
    dlq_url, dlq = make_queue(sqs, "dlq")
    arn = destination(events, receiver)
    rule_to(events, arn, DeadLetterConfig={"Arn": dlq}, RetryPolicy={"MaximumRetryAttempts": 5})
    receiver.plan["/hook"] = [status]
    event_id = put_event(events)
    advance(0)
    assert log(admin, arn) == [(1, "dead-lettered")]
    [dead] = drain(sqs, dlq_url)
    assert json.loads(dead["Body"])["id"] == event_id
    assert attribute(dead, "TARGET_ARN") == arn
    assert attribute(dead, "RETRY_ATTEMPTS") == "0"
    assert attribute(dead, "ERROR_CODE") == "ERROR_FROM_TARGET"
    assert str(status) in attribute(dead, "ERROR_MESSAGE")
    advance(3600)
    assert len(receiver.at("/hook")) == 1


def test_retries_exhausted_dead_letter_with_the_policy(events, client, admin, advance, receiver):
    sqs = client("sqs")
    dlq_url, dlq = make_queue(sqs, "dlq")
    arn = destination(events, receiver)
    rule_to(events, arn, DeadLetterConfig={"Arn": dlq}, RetryPolicy={"MaximumRetryAttempts": 1})
    receiver.plan["/hook"] = [502, 429]
    event_id = put_event(events)
    advance(0)
    advance(ms=events_delay_ms(event_id, 1))
    assert log(admin, arn) == [(1, "retrying"), (2, "dead-lettered")]
    [dead] = drain(sqs, dlq_url)
    assert attribute(dead, "EXHAUSTED_RETRY_CONDITION") == "MaximumRetryAttempts"
    assert attribute(dead, "RETRY_ATTEMPTS") == "1"
    assert attribute(dead, "ERROR_CODE") == "THROTTLING"


def test_a_deauthorized_connection_fails_without_a_request(events, admin, advance, receiver):
    arn = destination(events, receiver)
    rule_to(events, arn)
    events.deauthorize_connection(Name="dest-conn")
    put_event(events)
    advance(0)
    assert receiver.requests == []
    assert log(admin, arn) == [(1, "dropped")]


def test_a_deleted_api_destination_is_no_resource(events, client, admin, advance, receiver):
    sqs = client("sqs")
    dlq_url, dlq = make_queue(sqs, "dlq")
    arn = destination(events, receiver)
    rule_to(events, arn, DeadLetterConfig={"Arn": dlq})
    events.delete_api_destination(Name="dest")
    put_event(events)
    advance(0)
    assert log(admin, arn) == [(1, "dead-lettered")]
    [dead] = drain(sqs, dlq_url)
    assert attribute(dead, "ERROR_CODE") == "NO_RESOURCE"


# --- the rate limit ---------------------------------------------------------------------------------------------

def test_deliveries_over_the_rate_wait_their_turn_in_the_outbox(events, admin, advance, receiver):
    arn = destination(events, receiver, rate=2)
    rule_to(events, arn)
    ids = [put_event(events, detail={"n": n}) for n in range(5)]
    advance(0)
    assert len(receiver.at("/hook")) == 2
    pending = admin.get("/_sluice/deliveries/pending").json()
    assert len(pending) == 3 and {p["kind"] for p in pending} == {"events.api-destination"}
    advance(ms=999)
    assert len(receiver.at("/hook")) == 2
    advance(ms=1)
    assert len(receiver.at("/hook")) == 4
    advance(1)
    sent = [json.loads(r["body"])["id"] for r in receiver.at("/hook")]
    # Each second's deliveries go in their turn; within a second they are concurrent POSTs (no order, as on AWS).
    assert [set(sent[:2]), set(sent[2:4]), sent[4:]] == [set(ids[:2]), set(ids[2:4]), ids[4:]]
    assert admin.get("/_sluice/deliveries/pending").json() == []
    assert log(admin, arn) == [(1, "delivered")] * 5


def test_deliveries_waiting_for_the_rate_survive_kill_9(tmp_path, receiver):
    """The waiting deliveries are outbox rows with their due time: a restarted Sluice sends them in their turn."""
    args = ("--data-dir", str(tmp_path), "--clock", "fake", "--log-level", "warning")
    server = ProcessServer(*args).start()
    try:
        events = make_client(server.url, "events")
        arn = destination(events, receiver, rate=1)
        rule_to(events, arn)
        ids = [put_event(events, detail={"n": n}) for n in range(3)]
        httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 0}, timeout=60).raise_for_status()
        assert len(receiver.at("/hook")) == 1
        pending = httpx.get(f"{server.url}/_sluice/deliveries/pending").json()
        assert len(pending) == 2
    finally:
        server.kill(9)
    server = ProcessServer(*args).start()
    try:
        for _ in range(3):
            httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 1}, timeout=60).raise_for_status()
        # The restarted fake clock starts from the wall clock, past both stored due times: they go together, in
        # either order (AWS promises API destinations no order either). None is lost, none sent twice.
        assert sorted(json.loads(r["body"])["id"] for r in receiver.at("/hook")) == sorted(ids)
        assert httpx.get(f"{server.url}/_sluice/deliveries/pending").json() == []
    finally:
        server.stop()
