"""Sluice's admin API (/_sluice/*) and the LocalStack / moto aliases, over HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from emulator.delivery.outbox import OutboxKind, Outcome
from storage import outbox as outbox_repo
from tests.server import ThreadServer

SERVICES = {"sqs", "sns", "events", "dynamodb", "dynamodbstreams", "sts"}


# --- health ------------------------------------------------------------------------------------

def test_sluice_health_shape(admin):
    r = admin.get("/_sluice/health")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"status", "version", "uptime_seconds", "clock", "now_ms", "database", "delivery", "services"}
    assert body["status"] == "ok"
    assert body["clock"] == "fake" and body["database"] == ":memory:" and body["delivery"] == "inline"
    assert isinstance(body["now_ms"], int) and body["uptime_seconds"] >= 0
    assert set(body["services"]) == SERVICES
    for name, state in body["services"].items():
        assert 0 <= state["implemented"] <= state["total"], name
        assert state["state"] == ("running" if state["implemented"] else "available")
    assert body["services"]["dynamodbstreams"]["total"] == 4
    assert body["services"]["sqs"]["total"] == 23


def test_localstack_health_shape(admin):
    body = admin.get("/_localstack/health").json()
    assert set(body) == {"services", "edition", "version"}
    assert set(body["services"]) == SERVICES
    # LocalStack's own state vocabulary, so tools that wait for "running" work; a service with no
    # operation yet is not listed (it would not answer).
    assert set(body["services"].values()) == {"running"}
    assert body["version"] == admin.get("/_sluice/health").json()["version"]


def test_clock_reads_and_advances(admin):
    before = admin.get("/_sluice/clock").json()
    assert before["fake"] is True
    r = admin.post("/_sluice/clock/advance", json={"seconds": 1.5, "ms": 250})
    assert r.status_code == 200
    assert r.json() == {"now_ms": before["now_ms"] + 1750, "fake": True}
    assert admin.get("/_sluice/health").json()["now_ms"] == before["now_ms"] + 1750


@pytest.mark.parametrize("body", [{"seconds": -1}, {"ms": -5}, {"seconds": "soon"}, {"seconds": 1e400},
                                  {"seconds": 1e12}, {"ms": 10**20}])
def test_clock_advance_rejects_bad_input(admin, body):
    now = admin.get("/_sluice/clock").json()["now_ms"]
    # 1e400 is read as inf by the server's JSON parser: it must be refused (422), never reach int() (500).
    content = json.dumps(body).replace("Infinity", "1e400")
    response = admin.post("/_sluice/clock/advance", content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert admin.get("/_sluice/clock").json()["now_ms"] == now


def test_clock_advance_is_409_on_a_real_clock():
    server = ThreadServer(clock="real").start()
    try:
        r = httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 10}, timeout=10)
        assert r.status_code == 409
        assert "fake" in r.json()["detail"]
        clock = httpx.get(f"{server.url}/_sluice/clock", timeout=10).json()
        assert clock["fake"] is False
        assert abs(clock["now_ms"] - time.time() * 1000) < 60_000
    finally:
        server.stop()


def test_openapi_lists_the_admin_api(admin):
    schema = admin.get("/_sluice/openapi.json").json()
    paths = schema["paths"]
    for path, method in [("/_sluice/health", "get"), ("/_sluice/reset", "post"), ("/_sluice/clock", "get"),
                         ("/_sluice/clock/advance", "post"), ("/_sluice/deliveries", "get"),
                         ("/_sluice/deliveries/pending", "get"), ("/_sluice/scheduler/run", "post"),
                         ("/_localstack/health", "get"), ("/moto-api/reset", "post")]:
        assert method in paths.get(path, {}), path
    assert schema["info"]["title"] == "Sluice"
    assert admin.get("/_sluice/docs").status_code == 200


# --- deliveries and reset, on a server of its own (white-box: a test delivery kind) --------------

@pytest.fixture(scope="module")
def own():
    server = ThreadServer(clock="fake").start()
    attempts: dict[str, int] = {}

    async def deliver(payload: dict) -> Outcome:
        attempts[payload["name"]] = attempts.get(payload["name"], 0) + 1
        if attempts[payload["name"]] <= payload["fail"]:
            return Outcome(False, f"failure {attempts[payload['name']]}")
        return Outcome(True)

    server.emulator.outbox.register(OutboxKind(
        "test.admin", deliver, next_delay=lambda payload, attempt, created: 1000 if attempt < 3 else None,
        dead_letter=lambda uow, payload, error, **_: "dead-lettered"))
    yield server
    server.stop()


@pytest.fixture
def http(own):
    httpx.post(f"{own.url}/_sluice/reset", timeout=30).raise_for_status()
    with httpx.Client(base_url=own.url, timeout=30) as c:
        yield c


def enqueue(server: ThreadServer, name: str, fail: int, due_in_ms: int = 1000) -> int:
    async def add():
        return await server.emulator.store.transaction(
            lambda uow: server.emulator.outbox.enqueue(uow, "test.admin", f"target-{name}", {"name": name, "fail": fail},
                                                       due_at=uow.now + due_in_ms, message_id=f"m-{name}"))
    return server.call(add)


def wait_for_log(http: httpx.Client, count: int, **params) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        log = http.get("/_sluice/deliveries", params=params).json()
        if len(log) >= count or time.monotonic() > deadline:
            return log
        time.sleep(0.02)


def test_deliveries_log_every_attempt_and_pending_shows_the_schedule(own, http):
    now = http.get("/_sluice/clock").json()["now_ms"]
    row = enqueue(own, "a", fail=1)
    pending = http.get("/_sluice/deliveries/pending").json()
    assert pending == [{"id": row, "kind": "test.admin", "target": "target-a", "due_at": now + 1000, "attempts": 0,
                        "message_id": "m-a"}]
    assert http.get("/_sluice/deliveries").json() == []

    http.post("/_sluice/clock/advance", json={"seconds": 1}).raise_for_status()
    log = wait_for_log(http, 1)
    assert [(e["attempt"], e["status"], e["error"]) for e in log] == [(1, "retrying", "failure 1")]
    assert http.get("/_sluice/deliveries/pending").json()[0]["due_at"] == now + 2000

    http.post("/_sluice/clock/advance", json={"ms": 1000}).raise_for_status()
    log = wait_for_log(http, 2)
    assert [(e["attempt"], e["status"]) for e in log] == [(1, "retrying"), (2, "delivered")]
    assert [e["at"] for e in log] == [now + 1000, now + 2000]
    assert {(e["kind"], e["target"], e["message_id"], e["outbox_id"]) for e in log} == {("test.admin", "target-a", "m-a", row)}
    assert http.get("/_sluice/deliveries/pending").json() == []

    # Paging and filters.
    assert http.get("/_sluice/deliveries", params={"after_id": log[0]["id"]}).json() == log[1:]
    assert http.get("/_sluice/deliveries", params={"limit": 1}).json() == log[:1]
    assert http.get("/_sluice/deliveries", params={"target": "target-zzz"}).json() == []
    assert http.get("/_sluice/deliveries", params={"kind": "test.admin"}).json() == log
    assert http.get("/_sluice/deliveries", params={"limit": 0}).status_code == 422


def test_exhausted_delivery_is_dead_lettered_in_the_log(own, http):
    enqueue(own, "b", fail=99)
    for _ in range(3):
        http.post("/_sluice/clock/advance", json={"seconds": 1}).raise_for_status()
    log = wait_for_log(http, 3, target="target-b")
    assert [(e["attempt"], e["status"]) for e in log] == [(1, "retrying"), (2, "retrying"), (3, "dead-lettered")]
    assert http.get("/_sluice/deliveries/pending").json() == []


@pytest.mark.parametrize("path,answer", [("/_sluice/reset", {"reset": True}), ("/moto-api/reset", {"status": "ok"})])
def test_reset_wipes_pending_deliveries_and_the_log(own, http, path, answer):
    enqueue(own, "c", fail=0, due_in_ms=0)
    enqueue(own, "d", fail=0, due_in_ms=60_000)
    assert wait_for_log(http, 1, target="target-c")[0]["status"] == "delivered"
    assert len(http.get("/_sluice/deliveries/pending").json()) == 1
    r = http.post(path)
    assert r.status_code == 200 and r.json() == answer
    assert http.get("/_sluice/deliveries/pending").json() == []
    assert http.get("/_sluice/deliveries").json() == []
    assert own.call(lambda: own.emulator.store.read(outbox_repo.next_due)) is None


def test_scheduler_run_executes_due_work(own, http):
    enqueue(own, "e", fail=0, due_in_ms=0)
    assert http.post("/_sluice/scheduler/run").json() == {"idle": True}
    assert [e["status"] for e in wait_for_log(http, 1, target="target-e")] == ["delivered"]
