"""The process: ``python -m emulator`` starts (how fast and how small: bench/startup.py), logs what it
serves, obeys its flags and SLUICE_* variables, logs one line per AWS call, and stops cleanly on SIGTERM."""

from __future__ import annotations

import re
import signal
import time

import httpx
import pytest

from tests.server import ProcessServer

STREAMS_TARGET = {"X-Amz-Target": "DynamoDBStreams_20120810.ListStreams", "Content-Type": "application/x-amz-json-1.0"}


def signed(account: str, region: str, service: str = "dynamodb") -> dict[str, str]:
    return {"Authorization": f"AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/{service}/aws4_request, "
                             "SignedHeaders=host, Signature=00"}


def wait_for_output(server: ProcessServer, pattern: str, timeout: float = 10) -> str:
    """The first output line matching ``pattern`` (the log is read by a background thread)."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(server.output):
            if regex.search(line):
                return line
        time.sleep(0.02)
    raise AssertionError(f"no log line matching {pattern!r} in:\n" + "".join(server.output))


@pytest.fixture
def processes():
    started: list[ProcessServer] = []

    def start(*args: str, env: dict | None = None) -> ProcessServer:
        server = ProcessServer(*args, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


def test_first_start_creates_the_database_logs_ready_and_stops_cleanly(processes, tmp_path):
    # How fast it starts and how much memory it takes is measured by bench/startup.py, not asserted here.
    data_dir = tmp_path / "fresh" / "data"
    server = processes("--data-dir", str(data_dir), "--log-level", "info")
    output = "".join(server.output)

    assert "Ready." in output
    assert f"http://127.0.0.1:{server.port}" in output
    assert str(data_dir / "sluice.db") in output
    assert (data_dir / "sluice.db").is_file()
    health = server.health()
    assert health["database"] == str(data_dir / "sluice.db")
    assert health["clock"] == "real"
    r = httpx.post(server.url, content=b"{}", headers={"X-Amz-Target": "AmazonSQS.ListQueues",
                                                        "Content-Type": "application/x-amz-json-1.0"})
    assert r.status_code == 200, r.text          # it answers AWS calls, from the new database
    assert r.json().get("QueueUrls", []) == []

    server.kill(signal.SIGTERM)
    assert server.proc.returncode == 0
    assert "Finished server process" in "".join(server.output) or "Application shutdown complete" in "".join(server.output)


def test_one_info_line_per_aws_call_with_account_and_region(processes, tmp_path):
    server = processes("--data-dir", str(tmp_path), "--log-level", "info")
    r = httpx.post(server.url, content=b"{}", headers={**STREAMS_TARGET, **signed("123456789012", "eu-west-1")})
    assert r.status_code in (200, 400, 501)  # 501 until ListStreams is implemented
    line = wait_for_output(server, r"dynamodbstreams ListStreams \d{3} [\d.]+ms")
    assert re.search(r"INFO sluice\.api: dynamodbstreams ListStreams \d{3} [\d.]+ms account=123456789012 "
                     r"region=eu-west-1$", line.strip()), line
    # A call that fails before routing is logged too, once.
    httpx.post(server.url, content=b"Action=NoSuchAction", headers={"Content-Type": "application/x-www-form-urlencoded"})
    wait_for_output(server, r"sluice\.api: - - 400 ")
    assert sum("ListStreams" in line for line in server.output) == 1


def test_flags_set_the_defaults(processes):
    server = processes("--in-memory", "--default-region", "eu-central-1", "--default-account", "210987654321",
                       "--clock", "fake", "--log-level", "info")
    health = server.health()
    assert health["database"] == ":memory:"
    assert health["clock"] == "fake"
    r = httpx.post(server.url, content=b"{}", headers=STREAMS_TARGET)  # unsigned: the defaults apply
    assert r.status_code in (200, 400, 501)  # 501 until ListStreams is implemented
    wait_for_output(server, r"ListStreams \d{3} [\d.]+ms account=210987654321 region=eu-central-1")
    # The fake clock moves over the admin API.
    before = health["now_ms"]
    assert httpx.post(f"{server.url}/_sluice/clock/advance", json={"seconds": 60}).json()["now_ms"] == before + 60_000
    # Ctrl+C is a clean stop too.
    server.kill(signal.SIGINT)
    assert server.proc.returncode == 0


def test_environment_variables_set_the_defaults(processes, tmp_path):
    server = processes(env={"SLUICE_DEFAULT_REGION": "ap-south-1", "SLUICE_DEFAULT_ACCOUNT": "111122223333",
                            "SLUICE_DATA_DIR": str(tmp_path / "env-dir"), "SLUICE_LOG_LEVEL": "info",
                            "SLUICE_DELIVERY": "async"})
    health = server.health()
    assert health["database"] == str(tmp_path / "env-dir" / "sluice.db")
    assert health["delivery"] == "async"
    assert (tmp_path / "env-dir" / "sluice.db").is_file()
    httpx.post(server.url, content=b"{}", headers=STREAMS_TARGET)
    wait_for_output(server, r"ListStreams \d{3} [\d.]+ms account=111122223333 region=ap-south-1")
    # A flag beats the variable.
    other = processes("--in-memory", "--default-region", "sa-east-1", env={"SLUICE_DEFAULT_REGION": "ap-south-1",
                                                                         "SLUICE_LOG_LEVEL": "info"})
    httpx.post(other.url, content=b"{}", headers=STREAMS_TARGET)
    wait_for_output(other, r"ListStreams \d{3} [\d.]+ms account=000000000000 region=sa-east-1")


def test_ready_is_logged_whatever_the_log_level(processes):
    server = processes("--in-memory", "--log-level", "error")  # start() waits for the Ready. line
    # The bare line on stdout (what Testcontainers waits for) and the log line on stderr: start() returns at
    # the first of the two, and the other may still be on its way.
    wait_for_output(server, r"sluice\.ready: Ready\.")
    wait_for_output(server, r"^Ready\.\s*$")
    assert sum(line.strip() == "Ready." for line in server.output) == 1
    assert sum("sluice.ready: Ready." in line for line in server.output) == 1
    httpx.post(server.url, content=b"{}", headers=STREAMS_TARGET)
    server.kill(signal.SIGTERM)
    assert server.proc.returncode == 0
    assert not any("sluice.api" in line for line in server.output)  # calls are info: not shown at error


def test_bad_flag_exits_with_usage_error(tmp_path):
    import subprocess
    import sys

    from tests.server import ROOT

    proc = subprocess.run([sys.executable, "-m", "emulator", "--clock", "sundial"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert "--clock" in proc.stderr and "invalid choice" in proc.stderr


def test_coverage_script_prints_the_table_and_rewrites_the_readme(tmp_path):
    import subprocess
    import sys

    from api.operations import implemented, load_handlers
    from api.protocol.models import operation_names
    from tests.server import ROOT

    readme = tmp_path / "README.md"
    readme.write_text("# T\n\nbefore\n<!-- coverage:start -->\nstale\n<!-- coverage:end -->\nafter\n")
    run = subprocess.run([sys.executable, "scripts/coverage.py", "--readme", str(readme)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    load_handlers()
    lines = run.stdout.splitlines()
    assert lines[0] == "| service | implemented | total | % |"
    streams = next(line for line in lines if "(`dynamodbstreams`)" in line)
    done, total = len(implemented("dynamodbstreams")), len(operation_names("dynamodbstreams"))
    assert streams == f"| DynamoDB Streams (`dynamodbstreams`) | {done} | {total} | {100 * done / total:.0f}% |"
    from api.protocol.models import SERVICES
    assert len([line for line in lines if line.startswith("|")]) == 2 + len(SERVICES) + 1  # header, rule, services, total
    text = readme.read_text()
    assert "stale" not in text and run.stdout.strip() in text
    assert text.startswith("# T\n\nbefore\n<!-- coverage:start -->\n| service") and text.endswith("<!-- coverage:end -->\nafter\n")
    # Idempotent: a second run leaves the file as it is.
    subprocess.run([sys.executable, "scripts/coverage.py", "--readme", str(readme)], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    assert readme.read_text() == text
    # A file without the markers is refused, not silently left alone.
    plain = tmp_path / "plain.md"
    plain.write_text("# nothing\n")
    bad = subprocess.run([sys.executable, "scripts/coverage.py", "--readme", str(plain)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "markers" in bad.stderr


# --- added with issue 13: what a new user met on day one ---------------------------------------

def test_ready_is_a_bare_line_on_stdout_and_a_log_line_on_stderr(tmp_path):
    """Testcontainers' LocalStack modules wait for a line that is exactly ``Ready.`` (some on stdout only)."""
    import subprocess
    import sys

    from tests.server import ROOT, free_socket

    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--in-memory", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "Ready.\n"  # the first line on stdout, once Sluice serves
        assert httpx.get(f"http://127.0.0.1:{port}/_sluice/health").status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    assert out == ""  # nothing else on stdout
    assert re.search(r"^\S+ \S+ INFO sluice\.ready: Ready\. \(\d+ ms\)$", err, re.MULTILINE), err
    assert "Ready." not in err.replace("sluice.ready: Ready.", "")
    assert proc.returncode == 0


@pytest.mark.parametrize("where", ["below-a-file", "a-file"])
def test_a_data_directory_sluice_cannot_use_is_named_with_the_way_out(tmp_path, where):
    import subprocess
    import sys

    from tests.server import ROOT

    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    data_dir = blocker / "data" if where == "below-a-file" else blocker
    proc = subprocess.run([sys.executable, "-m", "emulator", "--data-dir", str(data_dir), "--port", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert f"Sluice cannot keep its database in {data_dir}:" in proc.stderr
    assert ("Not a directory" if where == "below-a-file" else "it is a file, not a directory") in proc.stderr
    assert "--data-dir" in proc.stderr and "SLUICE_DATA_DIR" in proc.stderr and "--in-memory" in proc.stderr
    assert "Traceback" not in proc.stderr and "sqlite" not in proc.stderr.lower()
