"""The container recipe: compose file, Dockerfile and the console script they rely on (static checks)."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

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
    # The user can write the data directory.
    run = " ".join(instructions("RUN"))
    assert "chown" in run and env()["SLUICE_DATA_DIR"] in run


def test_healthcheck_probes_sluice_health():
    (check,) = instructions("HEALTHCHECK")
    assert "/_sluice/health" in check
    assert ":4566" in check


def test_everything_the_image_copies_exists():
    for args in instructions("COPY"):
        *sources, _target = args.split()
        for source in sources:
            if not source.startswith("--"):
                assert (ROOT / source).exists(), f"COPY {source}: missing from the repository"
