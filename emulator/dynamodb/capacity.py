"""Consumed capacity, as DynamoDB reports it with ReturnConsumedCapacity.

Developer Guide "Read/write capacity mode" and "Managing throughput for transactions":
a write costs one unit per started 1 KB of the larger of the item before and after (at least one),
a read one unit per started 4 KB (half for an eventually consistent read); a Query or Scan sums the
sizes of every item it read (before any filter or projection) and rounds once; transactional
requests cost double. Index arms were measured by nubo-db/dynamodb-conformance against DynamoDB
(tests/tier1/putItem/indexConsumedCapacity.test.ts): a write charges each index only when it
changes what that index stores (two units for a key change: delete + insert), TOTAL folds index
units into the total with no breakdown, INDEXES adds ``Table`` and the index maps only for indexes
that were charged, and only transactional operations report the Read/Write split.
"""

from __future__ import annotations

import math

from .model import Index

KB = 1024
READ_UNIT = 4 * KB


def write_units(size: int) -> float:
    return float(max(1, math.ceil(size / KB)))


def read_units(size: int, consistent: bool = True) -> float:
    units = float(max(1, math.ceil(size / READ_UNIT)))
    return units if consistent else units / 2


class Capacity:
    """The units one request consumed on one table and its indexes."""

    __slots__ = ("table_name", "table_read", "table_write", "read", "write", "gsi", "lsi", "factor")

    def __init__(self, table_name: str, transactional: bool = False):
        self.table_name = table_name
        self.table_read = 0.0
        self.table_write = 0.0
        self.read = 0.0      # table and indexes
        self.write = 0.0
        self.gsi: dict[str, float] = {}
        self.lsi: dict[str, float] = {}
        self.factor = 2.0 if transactional else 1.0   # transactional requests cost double

    def add_read(self, units: float) -> None:
        units *= self.factor
        self.table_read += units
        self.read += units

    def add_write(self, units: float) -> None:
        units *= self.factor
        self.table_write += units
        self.write += units

    def add_index(self, index: Index, units: float, *, read: bool = False) -> None:
        if not units:
            return
        units *= self.factor
        arm = self.gsi if index.is_global else self.lsi
        arm[index.name] = arm.get(index.name, 0.0) + units
        if read:
            self.read += units
        else:
            self.write += units

    @property
    def total(self) -> float:
        return self.read + self.write

    def to_wire(self, mode: str | None, *, split: bool = False) -> dict | None:
        """The ``ConsumedCapacity`` structure for ``mode`` (None/NONE: nothing); ``split`` adds the
        Read/WriteCapacityUnits that only transactional operations report."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        out: dict = {"TableName": self.table_name, "CapacityUnits": self.total}
        if split:
            _split(out, self.read, self.write)
        if mode == "INDEXES":
            table: dict = {"CapacityUnits": self.table_read + self.table_write}
            if split:
                _split(table, self.table_read, self.table_write)
            out["Table"] = table
            if self.gsi:
                out["GlobalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in self.gsi.items()}
            if self.lsi:
                out["LocalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in self.lsi.items()}
        return out


def _split(out: dict, read: float, write: float) -> None:
    if read:
        out["ReadCapacityUnits"] = read
    if write:
        out["WriteCapacityUnits"] = write
