"""The pytest plugin a user gets with the package, run as a user runs it: a test file of theirs in a
pytest subprocess (``pytester``), also under ``-n 2``; and the in-process server moto users know.

The README's example is read from README.md and run as written (also under -n 2): the one a user pastes.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import boto3
import httpx
import pytest

from sluice import ThreadedMotoServer, ThreadedSluiceServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    after = readme.split("<!-- pytest-plugin-example -->", 1)[1]
    return re.search(r"```python\n(.*?)```", after, re.DOTALL).group(1)


def test_one_server_per_xdist_worker(pytester, tmp_path):
    pytester.makepyfile(test_orders=readme_example())
    pytester.makepyfile(test_more="""
        def test_queues(sluice_client):
            sluice_client("sqs").create_queue(QueueName="more")
        """)
    pytester.makeconftest(f"""
        import os

        import pytest

        @pytest.fixture(autouse=True)
        def record_the_server(sluice_endpoint, request):
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            with open(r"{tmp_path}" + f"/{{worker}}-{{request.node.name}}", "w") as f:
                f.write(sluice_endpoint)
        """)
    # --dist loadfile: each of the two files goes to its own worker.
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile")
    result.assert_outcomes(passed=3)
    by_worker: dict[str, set[str]] = {}
    for path in tmp_path.iterdir():
        by_worker.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert set(by_worker) == {"gw0", "gw1"}
    assert all(len(endpoints) == 1 for endpoints in by_worker.values())  # one server per worker...
    assert by_worker["gw0"] != by_worker["gw1"]                          # ... and not shared


def test_the_readmes_example_and_state_kept_unless_a_reset_is_asked_for(pytester):
    pytester.makepyfile(test_a_plain="""
        import threading

        def test_no_server_for_a_test_that_does_not_ask_for_one():
            assert not any(t.name.startswith("sluice-") for t in threading.enumerate())
        """)
    pytester.makepyfile(test_orders=readme_example())
    pytester.makepyfile(test_state="""
        import pytest

        def test_a_creates(sluice_client):
            sluice_client("sqs").create_queue(QueueName="kept")

        def test_b_still_sees_it(sluice_client):
            assert sluice_client("sqs").list_queues()["QueueUrls"][0].endswith("/kept")

        @pytest.mark.sluice_reset
        def test_c_starts_empty(sluice_client):
            assert "QueueUrls" not in sluice_client("sqs").list_queues()

        def test_d_the_clock_is_real_by_default(sluice_clock):
            pass
        """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=6, errors=1)  # 1 + the README's 2 + 3; the fake clock was not configured
    result.stdout.fnmatch_lines(["*sluice_clock needs the fake clock: set `sluice_clock = fake`*"])


def test_ini_options_fake_clock_reset_and_aws_environment(pytester):
    pytester.makeini("""
        [pytest]
        sluice_clock = fake
        sluice_reset = true
        sluice_aws_env = true
        """)
    pytester.makepyfile(test_options="""
        import os

        import boto3

        def test_a_visibility_timeout_runs_out_when_the_clock_moves(sluice_client, sluice_clock):
            sqs = sluice_client("sqs")
            url = sqs.create_queue(QueueName="clocked", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="once")
            assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1
            assert "Messages" not in sqs.receive_message(QueueUrl=url)
            before = sluice_clock.now_ms
            assert sluice_clock.advance(31) == before + 31_000
            assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "once"

        def test_b_starts_empty_and_plain_boto3_reaches_sluice(sluice_endpoint):
            assert os.environ["AWS_ENDPOINT_URL"] == sluice_endpoint
            sqs = boto3.client("sqs")  # no endpoint, no credentials: the user's own code
            assert "QueueUrls" not in sqs.list_queues()
            sqs.create_queue(QueueName="from-user-code")
            assert boto3.client("sts").get_caller_identity()["Account"] == "000000000000"

        def test_c_resources_and_accounts(sluice_resource, sluice_client):
            queue = sluice_resource("sqs").create_queue(QueueName="resourceful")
            queue.send_message(MessageBody="hi")
            assert queue.url.endswith("/000000000000/resourceful")
            other = sluice_client("sqs", account="123456789012", region="eu-west-1")
            assert other.create_queue(QueueName="elsewhere")["QueueUrl"].endswith("/123456789012/elsewhere")
        """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3)


# --- moto's ThreadedMotoServer, served by Sluice ---------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_threaded_server_start_port_reset_stop():
    server = ThreadedSluiceServer()
    assert server.start() is server
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1" and port == server.port > 0 and server.url == f"http://127.0.0.1:{port}"
        sqs = boto3.client("sqs", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test")
        sqs.create_queue(QueueName="before-reset")
        server.reset()
        assert "QueueUrls" not in sqs.list_queues()
        sqs.create_queue(QueueName="again")
        assert httpx.post(f"{server.url}/moto-api/reset").json() == {"status": "ok"}  # moto's reset path
        assert "QueueUrls" not in sqs.list_queues()
        with pytest.raises(RuntimeError, match="clock='fake'"):
            server.advance(1)
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/_sluice/health")


def test_moto_named_server_has_motos_defaults_and_a_fake_clock_option():
    assert ThreadedMotoServer().port == 5000  # moto's default port, until started
    port = free_port()
    with ThreadedMotoServer(port=port, clock="fake") as server:
        assert server.get_host_and_port() == ("127.0.0.1", port)
        now = httpx.get(f"{server.url}/_sluice/clock").json()["now_ms"]
        assert server.advance(seconds=2) == now + 2000
