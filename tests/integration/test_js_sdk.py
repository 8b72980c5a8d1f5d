"""A real SDK of another language: the AWS SDK for JavaScript v3 and sqs-consumer, against a real server.

``tests/js/`` holds the suite (node's own test runner) and its locked dependencies. It runs here so
that the README's one test command runs everything; it is never skipped: without Node.js it fails and
says what to install. Its dependencies are installed from the lock file (``npm ci``) when missing or
older than the lock, as CI does before the tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.server import ROOT, ProcessServer

JS = ROOT / "tests" / "js"
NODE_MAJOR = 20


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail(f"Node.js {NODE_MAJOR}+ is needed for the JavaScript SDK suite (tests/js): install node and npm",
                    pytrace=False)
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = int(re.match(r"v(\d+)", version).group(1))
    if major < NODE_MAJOR:
        pytest.fail(f"Node.js {NODE_MAJOR}+ is needed for tests/js, found {version}", pytrace=False)
    return found


def install_dependencies() -> None:
    installed = JS / "node_modules" / ".package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= (JS / "package-lock.json").stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install tests/js's dependencies (npm ci --prefix tests/js)", pytrace=False)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=600)
    if done.returncode:
        pytest.fail(f"npm ci in tests/js failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


def test_javascript_sdk_suite():
    executable = node()
    install_dependencies()
    server = ProcessServer("--in-memory").start()
    try:
        env = {**os.environ, "SLUICE_ENDPOINT": server.url, "NODE_NO_WARNINGS": "1"}
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        run = subprocess.run([executable, "--test", "--test-reporter=spec", "."], cwd=JS, env=env,
                             capture_output=True, text=True, timeout=300)
    finally:
        server.kill()
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    passed = re.search(r"ℹ pass (\d+)", report)
    failed = re.search(r"ℹ fail (\d+)", report)
    assert passed and int(passed.group(1)) >= 9 and failed and failed.group(1) == "0", report
    for name in ("sqs-consumer", "MD5", "long polling", "SNS fans out", "PutEvents"):
        assert name in report, f"the suite no longer covers {name!r}:\n{report}"
