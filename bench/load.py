"""The load generator: wrk (C, one thread) with the Lua scripts in bench/lua/, so the client leaves the
server nearly all of its CPU. A boto3 client would cost ~2 ms of CPU per call and cap every fast server."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from common import NotApplicable

LUA = Path(__file__).resolve().parent / "lua"


def ensure_wrk(log) -> str:
    """wrk on PATH, installed from Debian's packages when missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("bench needs wrk: install it (apt-get install wrk) and run again")
    log("installing wrk (apt-get install -y wrk) ...")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True, timeout=600)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True, timeout=600)
    return shutil.which("wrk")


@dataclass
class WrkResult:
    requests: int        # responses received
    seconds: float       # wrk's run time
    failed: int          # non-2xx/3xx responses and socket errors
    p50_ms: float
    p99_ms: float
    ok: int              # responses counted by the script (status 200)
    items: int           # messages the script counted (batch entries, deletes)
    first: float         # script's wall clock at its first request (0 if unused)
    last: float          # script's wall clock at its last counted response

    @property
    def rate(self) -> float:
        """Successful requests per second over wrk's run time."""
        return (self.requests - self.failed) / self.seconds if self.seconds else 0.0


def run(url: str, script: str, *, connections: int, seconds: float, headers: dict[str, str], body: str = "",
        env: dict[str, str] | None = None) -> WrkResult:
    """Run ``wrk`` with lua/prelude.lua + lua/<script>.lua for at most ``seconds``.

    A script that finishes its bounded work creates the marker file BENCH_DONE_FILE; wrk is then
    interrupted (SIGINT ends its sleep early, and it still reports).
    """
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-", delete=False) as lua:
        lua.write((LUA / "prelude.lua").read_text() + "\n" + (LUA / f"{script}.lua").read_text())
    marker = Path(lua.name).with_suffix(".done")
    environment = {**os.environ, **(env or {}), "BENCH_BODY": body, "BENCH_CONNECTIONS": str(connections),
                   "BENCH_DONE_FILE": str(marker)}
    for name, value in headers.items():
        environment["BENCH_H_" + name.upper().replace("-", "_")] = value
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", lua.name, url + "/"]
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment, text=True)
        lines = _read(proc, marker, deadline=time.monotonic() + seconds + 30)
    finally:
        os.unlink(lua.name)
        marker.unlink(missing_ok=True)
    report = next((line for line in lines if line.startswith("BENCH {")), None)
    if report is None:
        raise NotApplicable("wrk gave no report: " + " | ".join(lines[-3:])[:200])
    data = json.loads(report[len("BENCH "):])
    failed = data["status"] + data["timeout"] + data["connect"] + data["read"] + data["write"]
    # wrk counts a reconnect after `Connection: close` as no error, but a read error on a closed socket is one.
    return WrkResult(data["requests"], data["duration_us"] / 1e6, min(failed, data["requests"]), data["p50_us"] / 1000,
                     data["p99_us"] / 1000, data["ok"], data["items"], data["first"], data["last"])


def _read(proc: subprocess.Popen, marker: Path, deadline: float) -> list[str]:
    """wrk's output lines; SIGINT once the marker file appears; kill at the deadline."""
    lines: list[str] = []
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    interrupted = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            proc.kill()
            break
        if not interrupted and marker.exists():
            interrupted = True
            proc.send_signal(signal.SIGINT)
        if not selector.select(timeout=min(remaining, 0.05)):
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
    proc.wait(10)
    selector.close()
    return lines
