"""What users of LocalStack bring along: its environment variables, its init hooks, its ``/_localstack/*``
endpoints, and the ``awslocal`` command.

Environment variables (read by the ``sluice`` command only, see ``overrides``), each honoured where it
means something here; a LocalStack variable that is set wins over the ``SLUICE_*`` variable of the
same setting (the image sets ``SLUICE_*`` defaults), and a command-line flag wins over both:

- ``SERVICES``: the services to serve; the others answer an error naming the setting.
- ``PERSISTENCE=1``: keep state under ``/var/lib/localstack/state``; ``PERSISTENCE=0``: in memory.
- ``GATEWAY_LISTEN``: ``[host]:port`` to listen on (the first, when several are given).
- ``LOCALSTACK_HOST``: ``host[:port]`` written into URLs (queue URLs of the ``standard`` and ``domain``
  strategies, SNS links unless ``SLUICE_PUBLIC_URL`` is set).
- ``SQS_ENDPOINT_STRATEGY``: ``standard``, ``domain``, ``path`` or ``off``: the form of queue URLs.
- ``DEBUG=1``: log at debug level.

Init hooks: executable ``.sh`` and ``.py`` files under ``<init_dir>/{boot,start,ready,shutdown}.d``
run in LocalStack's order (by name, a folder's files before its subfolders) at their stage: ``boot``
before the emulator starts, ``start`` once it has started (not yet serving), ``ready`` right after
``Ready.``, ``shutdown`` when the process is asked to stop, while it still answers. Each runs in a
subprocess (Python scripts too, with Sluice's interpreter) with the AWS CLI pointed at Sluice:
``AWS_ENDPOINT_URL``, dummy credentials and a region when none is set, and ``awslocal`` on the PATH.
"""

import logging
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("sluice.init")

STAGES = ("BOOT", "START", "READY", "SHUTDOWN")
PERSISTENCE_DIR = Path("/var/lib/localstack/state")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class ConfigError(ValueError):
    pass


# --- environment variables -----------------------------------------------------------------------

def parse_listen(value: str) -> tuple[str | None, int]:
    """(host or None, port) of the first address of GATEWAY_LISTEN: ``0.0.0.0:4566``, ``:4566``, ``[::]:4566``."""
    first = value.split(",")[0].strip()
    host, sep, port = first.rpartition(":")
    if not sep:
        host, port = "", first
    host = host.strip("[]")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"GATEWAY_LISTEN={value!r}: expected [host]:port, e.g. 0.0.0.0:4566")
    return host or None, int(port)


def overrides(environ: dict[str, str] | os._Environ = os.environ) -> dict:
    """Settings from LocalStack's environment variables (only those that are set)."""
    out: dict = {}
    if environ.get("SERVICES", "").strip():
        out["services"] = environ["SERVICES"].strip()
    persistence = environ.get("PERSISTENCE")
    if persistence is not None:
        if persistence.strip().lower() in _TRUE:
            out.update(data_dir=PERSISTENCE_DIR, in_memory=False)
        elif persistence.strip().lower() in _FALSE:
            out["in_memory"] = True
        else:
            raise ConfigError(f"PERSISTENCE={persistence!r}: expected 1 (keep state) or 0 (in memory)")
    if environ.get("GATEWAY_LISTEN", "").strip():
        host, port = parse_listen(environ["GATEWAY_LISTEN"])
        out["port"] = port
        if host:
            out["host"] = host
    if environ.get("LOCALSTACK_HOST", "").strip():
        host = environ["LOCALSTACK_HOST"].strip()
        out["localstack_host"] = host
        if not environ.get("SLUICE_PUBLIC_URL"):
            out["public_url"] = f"http://{host}"
    if environ.get("SQS_ENDPOINT_STRATEGY", "").strip():
        strategy = environ["SQS_ENDPOINT_STRATEGY"].strip().lower()
        if strategy not in ("standard", "domain", "path", "off"):
            raise ConfigError(f"SQS_ENDPOINT_STRATEGY={strategy!r}: expected standard, domain, path or off")
        out["sqs_endpoint_strategy"] = strategy
    if environ.get("DEBUG", "").strip().lower() in _TRUE:
        out["log_level"] = "debug"
    return out


# --- init hooks ----------------------------------------------------------------------------------

class Script:
    __slots__ = ("stage", "path", "state")

    def __init__(self, stage: str, path: Path):
        self.stage, self.path, self.state = stage, path, "UNKNOWN"

    def as_json(self) -> dict:
        return {"stage": self.stage, "name": self.path.name, "state": self.state}


def _discover(folder: Path) -> list[Path]:
    """LocalStack's order: a folder's scripts by name, then its subfolders by name, depth first."""
    if not folder.is_dir():
        return []
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    files = [p for p in entries if p.is_file() and p.suffix in (".sh", ".py")]
    for sub in (p for p in entries if p.is_dir()):
        files += _discover(sub)
    return files


class InitScripts:
    """The init hooks of one process: discovered once, run stage by stage, their states served."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.scripts = {stage: [Script(stage, p) for p in _discover(self.root / f"{stage.lower()}.d")]
                        for stage in STAGES}
        self.completed = dict.fromkeys(STAGES, False)
        self.env: dict[str, str] = {}
        self._lock = threading.Lock()

    def configure(self, host: str, port: int, region: str) -> None:
        """The environment the scripts run in: the AWS CLI and SDKs pointed at this Sluice."""
        if host in ("", "0.0.0.0", "::"):
            host = "localhost"
        elif ":" in host:
            host = f"[{host}]"
        env = dict(os.environ)
        env["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
        env.setdefault("AWS_ACCESS_KEY_ID", "test")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        env.setdefault("AWS_DEFAULT_REGION", region)
        env.setdefault("AWS_REGION", env["AWS_DEFAULT_REGION"])
        # The aws and awslocal commands installed beside this Python come first.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        self.env = env

    def run(self, stage: str) -> None:
        """Run a stage's scripts in order (blocking: call it off the event loop); a failing script is
        logged and marked ERROR, and the next one still runs, as in LocalStack."""
        with self._lock:
            for script in self.scripts[stage]:
                script.state = "RUNNING"
                ok = self._run_one(script)
                script.state = "SUCCESSFUL" if ok else "ERROR"
            self.completed[stage] = True

    def _run_one(self, script: Script) -> bool:
        path = script.path
        if path.suffix == ".py":
            command = [sys.executable, str(path)]
        elif os.access(path, os.X_OK):
            command = [str(path)]
        else:  # mounted without its executable bit (a Windows checkout): run it with a shell anyway
            command = [shutil.which("bash") or "/bin/sh", str(path)]
        log.info("init %s: running %s", script.stage, path)
        started = time.perf_counter()
        try:
            proc = subprocess.run(command, env=self.env, cwd=path.parent, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        except OSError as exc:
            log.error("init %s: %s could not run: %s", script.stage, path, exc)
            return False
        for line in proc.stdout.splitlines():
            log.info("init %s: %s: %s", script.stage, path.name, line)
        took = (time.perf_counter() - started) * 1000
        if proc.returncode:
            log.error("init %s: %s exited with %d (%.0f ms)", script.stage, path, proc.returncode, took)
            return False
        log.info("init %s: %s done (%.0f ms)", script.stage, path.name, took)
        return True

    def state(self, stage: str | None = None) -> dict:
        if stage is None:
            return {"completed": dict(self.completed),
                    "scripts": [s.as_json() for st in STAGES for s in self.scripts[st]]}
        return {"completed": self.completed[stage], "scripts": [s.as_json() for s in self.scripts[stage]]}


# --- /_localstack/* ------------------------------------------------------------------------------

SESSION_ID = str(uuid.uuid4())


def routes():
    """The /_localstack/* endpoints (built on demand: ``awslocal`` and the settings need no FastAPI)."""
    from fastapi import APIRouter, HTTPException, Request, Response

    from .admin import VERSION, service_states

    router = APIRouter(tags=["compat"])

    def init_scripts(request: Request) -> InitScripts | None:
        return getattr(request.app.state, "init_scripts", None)

    @router.head("/_localstack/health", include_in_schema=False)
    async def localstack_health_head() -> Response:
        return Response(status_code=200)

    @router.get("/_localstack/health")
    async def localstack_health(request: Request) -> dict:
        """LocalStack's health shape, for tools that wait on it: every service Sluice serves is `running`,
        one left out by SERVICES `disabled`; services of which Sluice implements nothing are not listed."""
        states = {name: s.state for name, s in service_states(request.app.state.emulator.settings).items()
                  if s.implemented}
        return {"services": states, "edition": "community", "version": VERSION}

    @router.get("/_localstack/info")
    async def localstack_info(request: Request) -> dict:
        """LocalStack's instance information (the keys it answers, Sluice's values)."""
        emu = request.app.state.emulator
        return {"version": VERSION, "edition": "community", "is_license_activated": False,
                "session_id": SESSION_ID,
                "machine_id": "sluice_" + uuid.uuid5(uuid.NAMESPACE_DNS, platform.node()).hex[:12],
                "system": platform.system().lower(), "is_docker": Path("/.dockerenv").exists(),
                "server_time_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "uptime": int(time.time() - emu.started_at)}

    @router.get("/_localstack/init")
    async def localstack_init(request: Request) -> dict:
        """The init hooks and their states: UNKNOWN, RUNNING, SUCCESSFUL, ERROR."""
        scripts = init_scripts(request)
        if scripts is None:
            return {"completed": dict.fromkeys(STAGES, False), "scripts": []}
        return scripts.state()

    @router.get("/_localstack/init/{stage}")
    async def localstack_init_stage(request: Request, stage: str) -> dict:
        if stage.upper() not in STAGES:
            raise HTTPException(404, f"no such stage {stage}")
        scripts = init_scripts(request)
        if scripts is None:
            return {"completed": False, "scripts": []}
        return scripts.state(stage.upper())

    return router


# --- awslocal ------------------------------------------------------------------------------------

def awslocal_main(argv: list[str] | None = None) -> int:
    """``awslocal ARGS``: the AWS CLI with ``--endpoint-url`` set to this Sluice (AWS_ENDPOINT_URL when
    set, else localhost on the configured port) and dummy credentials when none are set. The flag,
    not the variable alone: AWS CLI v1 ignores AWS_ENDPOINT_URL for SQS."""
    args = sys.argv[1:] if argv is None else argv
    aws = shutil.which("aws", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if aws is None:
        print("awslocal: the AWS CLI (aws) is not installed: pip install awscli", file=sys.stderr)
        return 127
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        port = os.environ.get("SLUICE_PORT", "4566")
        if os.environ.get("GATEWAY_LISTEN", "").strip():
            port = str(parse_listen(os.environ["GATEWAY_LISTEN"])[1])
        endpoint = f"http://localhost:{port}"
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "test")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    env.setdefault("AWS_DEFAULT_REGION", os.environ.get("SLUICE_DEFAULT_REGION", "us-east-1"))
    os.execve(aws, [aws, "--endpoint-url", endpoint, *args], env)
    return 0  # not reached
