"""The table cache: every table's metadata in memory, so an item operation costs no metadata query.

Authoritative, like SQS's queue cache: loaded from SQLite at start, read and changed only inside a
unit of work (units run one at a time on the writer thread), and every change registers its undo
with ``uow.on_rollback``, so a unit rolled back alone (its SAVEPOINT) or with its batch (a failed
COMMIT) leaves the cache as it was. Tables are immutable: the undo puts the previous object back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from storage.db import UnitOfWork

from .model import Table

TableKey = tuple[str, str, str]  # (account, region, name)


class TableCache:
    def __init__(self) -> None:
        self._tables: dict[TableKey, Table] = {}
        self.hooks: Any = None  # given to every table it holds (Table.hooks: streams and TTL)

    def load(self, tables: list[Table]) -> None:
        """Replace everything (at start, from SQLite; after a reset, with nothing)."""
        self._tables = {(t.account, t.region, t.name): replace(t, hooks=self.hooks) for t in tables}

    def get(self, uow: UnitOfWork, account: str, region: str, name: str) -> Table | None:
        return self._tables.get((account, region, name))

    def all(self, uow: UnitOfWork) -> list[Table]:
        return list(self._tables.values())

    def put(self, uow: UnitOfWork, table: Table) -> None:
        """Add a table, or replace the one with its name by a changed copy."""
        key = (table.account, table.region, table.name)
        previous = self._tables.get(key)
        self._tables[key] = table if table.hooks is self.hooks else replace(table, hooks=self.hooks)
        uow.on_rollback(lambda: self._restore(key, previous))

    def remove(self, uow: UnitOfWork, table: Table) -> None:
        key = (table.account, table.region, table.name)
        previous = self._tables.pop(key, None)
        uow.on_rollback(lambda: self._restore(key, previous))

    def _restore(self, key: TableKey, table: Table | None) -> None:
        if table is None:
            self._tables.pop(key, None)
        else:
            self._tables[key] = table
