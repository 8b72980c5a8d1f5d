"""Table phases: CREATING, UPDATING and DELETING for ``SLUICE_DYNAMODB_TABLE_DELAY_MS`` (default 0).

With the default a table is ACTIVE when the call that changed it returns. With a delay, CreateTable,
RestoreTableFromBackup/ToPointInTime and a new replica leave the table CREATING, UpdateTable leaves
it UPDATING and DeleteTable leaves it DELETING for that long (fake time included): the phase is a
time stored with the table (``dynamodb_table_settings`` kind ``status``), compared with the clock
when asked, so nothing has to run when it ends. A deleted table's rows go at once; its description
is kept (``dynamodb_deleting_tables``) and answered by DescribeTable until the phase ends, so the
SDK's ``table_not_exists`` waiter sees DELETING and then ResourceNotFoundException.

What AWS refuses in a phase, as measured (ack-api-quirks, dynamodb, 2026-10): a CREATING table
answers DescribeTable only (data plane and the table's other calls: ResourceNotFoundException, as
for a missing table; the backup calls TableNotFoundException); DeleteTable of a CREATING table and a
second UpdateTable while UPDATING are ResourceInUseException (texts: architect/dynalite).

The pending phases are also kept in memory (``pending``), authoritative like the table cache: loaded
at start, changed inside a unit of work with an undo, so the data plane checks a dict, not SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage import dynamodb_hooks as hdb
from storage.db import UnitOfWork

from .errors import ResourceInUseException

KIND = "status"


def freeze(value: Any) -> Any:
    """A description made JSON: datetimes as {"$ms": epoch ms}."""
    if isinstance(value, datetime):
        return {"$ms": int(value.timestamp() * 1000)}
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [freeze(v) for v in value]
    return value


def thaw(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$ms"}:
            return datetime.fromtimestamp(value["$ms"] / 1000, UTC)
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value


class Lifecycle:
    def __init__(self, delay_ms: int):
        self.delay_ms = max(0, delay_ms)
        self.pending: dict[int, tuple[str, int]] = {}   # table id -> (status, until)

    def load(self, uow: UnitOfWork) -> None:
        self.pending = {table_id: (v["status"], v["until"]) for table_id, _, v in hdb.settings_of_kind(uow, KIND)
                        if v["until"] > uow.now}

    def reset(self) -> None:
        self.pending = {}

    def begin(self, uow: UnitOfWork, table_id: int, status: str) -> int:
        """Put a table in ``status`` for the configured delay; the time it ends (now if no delay)."""
        if not self.delay_ms:
            return uow.now
        until = uow.now + self.delay_ms
        hdb.put_setting(uow, table_id, KIND, "", {"status": status, "until": until})
        previous = self.pending.get(table_id)
        self.pending[table_id] = (status, until)
        uow.on_rollback(lambda: self._restore(table_id, previous))
        return until

    def forget(self, uow: UnitOfWork, table_id: int) -> None:
        previous = self.pending.pop(table_id, None)
        if previous is not None:
            uow.on_rollback(lambda: self._restore(table_id, previous))

    def _restore(self, table_id: int, value: tuple[str, int] | None) -> None:
        if value is None:
            self.pending.pop(table_id, None)
        else:
            self.pending[table_id] = value

    def status(self, table_id: int, now: int) -> str:
        phase = self.pending.get(table_id)
        if phase is None or phase[1] <= now:
            return "ACTIVE"
        return phase[0]

    def creating(self, table_id: int, now: int) -> bool:
        return bool(self.pending) and self.status(table_id, now) == "CREATING"

    def check_changeable(self, table_id: int, name: str, now: int, deleting: bool = False) -> None:
        """ResourceInUseException for a change the current phase refuses (dynalite's texts)."""
        status = self.status(table_id, now)
        if status == "CREATING":
            raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being "
                                         f"created: {name}")
        if status == "UPDATING" and not deleting:
            raise ResourceInUseException(f"Attempt to change a resource which is still in use: Table is being "
                                         f"updated: {name}")

    # --- DELETING --------------------------------------------------------------------------------

    def deleted(self, uow: UnitOfWork, account: str, region: str, name: str, description: dict) -> None:
        """Remember a deleted table's description for its DELETING phase (nothing without a delay)."""
        if self.delay_ms:
            hdb.put_deleting(uow, account, region, name, freeze(description), uow.now + self.delay_ms)

    def deleting(self, uow: UnitOfWork, account: str, region: str, name: str) -> dict | None:
        """The description of a table still DELETING, or None."""
        if not self.delay_ms:
            return None
        frozen = hdb.get_deleting(uow, account, region, name, uow.now)
        return None if frozen is None else thaw(frozen)
