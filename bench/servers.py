"""The servers under test: Sluice, ministack and moto (from the peers virtualenv) and the HTTP floor.

Each runs in its own process on a free loopback port; the benchmark reads its CPU time from /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS_VENV = BENCH / ".venv-peers"
PEER_PACKAGES = ["ministack", "moto[server]"]
CLK_TCK = os.sysconf("SC_CLK_TCK")

ALL = ("sluice", "ministack", "moto", "floor")


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen
    log: Path
    cleanup: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float:
        """utime + stime of the server process and its descendants (all threads included)."""
        total = 0.0
        for pid in _tree(self.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)
        return total

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                pass
    return pids


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peers_python() -> Path:
    return PEERS_VENV / "bin" / "python"


def ensure_peers(log) -> None:
    """Create bench/.venv-peers and install the peers from PyPI, unless they are already importable there."""
    python = peers_python()
    if python.exists() and subprocess.run([str(python), "-c", "import ministack.app, moto.server"],
                                          capture_output=True).returncode == 0:
        return
    log(f"installing {', '.join(PEER_PACKAGES)} into {PEERS_VENV} ...")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES],
                   check=True, timeout=900)


def _spawn(name: str, argv: list[str], env: dict[str, str], logdir: Path, cwd: Path = ROOT) -> tuple[subprocess.Popen, Path]:
    log = logdir / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc, log


def start(name: str, logdir: Path) -> Server:
    """Start one server and wait until it answers HTTP."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cleanup: list[str] = []
    if name == "sluice":
        data_dir = tempfile.mkdtemp(prefix="sluice-bench-")  # a real file database: every request committed
        cleanup.append(data_dir)
        argv = [sys.executable, "-m", "emulator", "--port", str(port), "--data-dir", data_dir, "--log-level", "warning"]
        proc, log = _spawn(name, argv, {}, logdir)
        probe = "/_sluice/health"
    elif name == "ministack":
        argv = [str(PEERS_VENV / "bin" / "ministack")]
        env = {"GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"}
        proc, log = _spawn(name, argv, env, logdir, cwd=logdir)
        probe = "/_ministack/health"
    elif name == "moto":
        argv = [str(PEERS_VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
        proc, log = _spawn(name, argv, {}, logdir, cwd=logdir)
        probe = "/moto-api/"
    elif name == "floor":
        argv = [sys.executable, str(BENCH / "floor.py"), str(port)]
        proc, log = _spawn(name, argv, {}, logdir)
        probe = "/health"
    else:
        raise ValueError(f"unknown server {name!r}")
    server = Server(name, url, proc, log, cleanup)
    try:
        _wait_ready(server, probe)
    except Exception:
        server.stop()
        raise
    return server


def _wait_ready(server: Server, probe: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            tail = server.log.read_text(errors="replace")[-600:]
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}: {tail}")
        try:
            if httpx.get(server.url + probe, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s")
