"""The README stays true: its coverage table is the registry's, and CI runs its test command."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _coverage_module():
    spec = importlib.util.spec_from_file_location("coverage_script", ROOT / "scripts" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_coverage_table_matches_the_registry():
    """What Sluice implements must be what the README says (totals follow the installed botocore)."""
    coverage = _coverage_module()
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- coverage:start -->")[1].split("<!-- coverage:end -->")[0]
    for service, implemented, _total in coverage.rows():
        row = next((line for line in block.splitlines() if f"(`{service}`)" in line), "")
        assert f"| {implemented} |" in row, f"{service}: run python3 scripts/coverage.py --readme README.md"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    test_command = next(line for line in ci_lines if "pytest" in line)
    assert test_command in readme
