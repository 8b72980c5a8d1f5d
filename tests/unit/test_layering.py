"""The import direction is api -> emulator -> storage (static check of every module's imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ("fastapi", "starlette", "uvicorn")
# The process entry point may start the server: the one place the domain reaches into api/.
ENTRY_POINTS = {ROOT / "emulator" / "__main__.py"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``; relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1]  # the package the module is in
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join(base + ([node.module] if node.module else []))
                if not node.module:  # from . import x, y
                    found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
                    continue
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def violations(layer: str, forbidden: tuple[str, ...], exempt: set[Path] = frozenset()) -> list[str]:
    out = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        if path in exempt:
            continue
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in forbidden:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


def test_emulator_knows_nothing_of_http():
    assert violations("emulator", ("api", *WEB), ENTRY_POINTS) == []


def test_storage_knows_nothing_above_it():
    assert violations("storage", ("api", "emulator", *WEB)) == []


def test_api_reaches_storage_only_through_the_emulator():
    assert violations("api", ("storage",)) == []


def test_the_entry_point_is_the_only_exception():
    assert {v.split(":")[0] for v in violations("emulator", ("api", *WEB))} <= {"emulator/__main__.py"}


@pytest.mark.parametrize("source,expected", [
    ("import api.gateway", ["api.gateway"]),
    ("from api import gateway", ["api"]),
    ("from fastapi import FastAPI", ["fastapi"]),
    ("from ..api import x", ["emulator.api"]),     # from emulator/sub/: .. is the emulator package
    ("from ...api import x", ["api"]),             # ... climbs to the root: a violation
    ("from . import core, clock", ["emulator.sub.core", "emulator.sub.clock"]),
    ("def f():\n    import uvicorn\n", ["uvicorn"]),  # imports inside functions count too
])
def test_the_checker_resolves_imports(monkeypatch, source, expected):
    module = ROOT / "emulator" / "sub" / "mod.py"
    monkeypatch.setattr(Path, "read_text", lambda self: source)
    assert [name for _, name in imported_modules(module)] == expected
