"""storage/ddl.py (what a start runs, without SQLAlchemy) is exactly what storage/schema's Table objects
say: regenerate it with ``python scripts/schema_ddl.py`` after a schema change."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

from storage import ddl

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("schema_ddl", ROOT / "scripts" / "schema_ddl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ddl_module_is_up_to_date():
    assert (ROOT / "storage" / "ddl.py").read_text() == _generator().render(), \
        "storage/ddl.py is stale: run python scripts/schema_ddl.py"


def test_ddl_creates_every_table_once_and_is_idempotent():
    db = sqlite3.connect(":memory:")
    for _ in range(2):  # a second start creates nothing and fails on nothing
        for statement in ddl.STATEMENTS:
            db.execute(statement)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY rowid")]
    assert tables == list(ddl.TABLES)
