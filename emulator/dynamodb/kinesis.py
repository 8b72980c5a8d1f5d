"""Kinesis streaming destinations: Enable/Disable/Update/DescribeKinesisStreamingDestination.

Kept and reported with AWS's states; no record flows (Sluice has no Kinesis). As measured
(ack-api-quirks dynamodb 2026-10, table-policy-kinesis-autoscaling.md): Enable answers ENABLING and the
destination turns ACTIVE (here after ``SLUICE_DYNAMODB_TABLE_DELAY_MS``), Disable answers DISABLING then
DISABLED (the entry stays listed), an Update of the precision answers UPDATING then ACTIVE; a table
has at most one live (not DISABLED, not ENABLE_FAILED) destination; every call on a destination that
is not ACTIVE is a ValidationException, never ResourceNotFoundException; the stream is never checked
synchronously: a StreamArn that is not a Kinesis stream ARN ends ENABLE_FAILED; an ACTIVE entry lists
only StreamArn and DestinationStatus when the precision is the default (MILLISECOND).
"""

from __future__ import annotations

import re

from storage import dynamodb_hooks as hdb
from storage.db import UnitOfWork

from .errors import ValidationException
from .model import Table

KIND = "kinesis"
STREAM_ARN = re.compile(r"arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[a-zA-Z0-9_.-]+")
NOT_VALID = "Table is not in a valid state to enable Kinesis Streaming Destination: "
FAILED = "User does not have a permission to use kinesis stream"


def _status(d: dict, now: int) -> str:
    if now < d.get("until", 0):
        return d["transition"]
    return d["settled"]


def _set(uow: UnitOfWork, table: Table, arn: str, d: dict, transition: str, settled: str, delay_ms: int) -> dict:
    d = dict(d, transition=transition, settled=settled, until=uow.now + delay_ms)
    hdb.put_setting(uow, table.id, KIND, arn, d)
    return d


def _entries(uow: UnitOfWork, table: Table) -> list[tuple[str, dict]]:
    return hdb.table_settings(uow, table.id, KIND)


def _out(table: Table, arn: str, status: str, config: dict | None, member: str) -> dict:
    return {"TableName": table.name, "StreamArn": arn, "DestinationStatus": status, member: config or {}}


def enable(uow: UnitOfWork, table: Table, arn: str, config: dict | None, delay_ms: int) -> dict:
    for _, d in _entries(uow, table):
        if _status(d, uow.now) not in ("DISABLED", "ENABLE_FAILED"):
            raise ValidationException(f"{NOT_VALID}EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED "
                                      "to perform ENABLE operation.")
    precision = (config or {}).get("ApproximateCreationDateTimePrecision")
    settled = "ACTIVE" if STREAM_ARN.fullmatch(arn) else "ENABLE_FAILED"
    d = _set(uow, table, arn, {"precision": precision}, "ENABLING", settled, delay_ms)
    return _out(table, arn, _status(d, uow.now), config, "EnableKinesisStreamingConfiguration")


def disable(uow: UnitOfWork, table: Table, arn: str, config: dict | None, delay_ms: int) -> dict:
    d = hdb.get_setting(uow, table.id, KIND, arn)
    if d is None or _status(d, uow.now) != "ACTIVE":
        raise ValidationException(f"{NOT_VALID}KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
    if config:  # measured: refused; text guessed
        raise ValidationException("EnableKinesisStreamingConfiguration cannot be specified to perform DISABLE "
                                  "operation.")
    d = _set(uow, table, arn, d, "DISABLING", "DISABLED", delay_ms)
    return _out(table, arn, _status(d, uow.now), None, "EnableKinesisStreamingConfiguration")


def update(uow: UnitOfWork, table: Table, arn: str, config: dict | None, delay_ms: int) -> dict:
    d = hdb.get_setting(uow, table.id, KIND, arn)
    if d is None or _status(d, uow.now) != "ACTIVE":
        raise ValidationException(f"{NOT_VALID}Kinesis streaming is not in ACTIVE state. Updates are only allowed in "
                                  f"ACTIVE state. TableName: {table.name}")
    precision = (config or {}).get("ApproximateCreationDateTimePrecision")
    if precision is None:  # guessed text
        raise ValidationException("UpdateKinesisStreamingConfiguration must be specified")
    if precision == (d.get("precision") or "MILLISECOND"):  # measured prefix; the rest guessed
        raise ValidationException(f"Precision is already set to {precision}")
    d = _set(uow, table, arn, dict(d, precision=precision), "UPDATING", "ACTIVE", delay_ms)
    return _out(table, arn, _status(d, uow.now), config, "UpdateKinesisStreamingConfiguration")


def describe(uow: UnitOfWork, table: Table) -> dict:
    destinations = []
    for arn, d in _entries(uow, table):
        status = _status(d, uow.now)
        entry: dict = {"StreamArn": arn, "DestinationStatus": status}
        if status == "ENABLE_FAILED":
            entry["DestinationStatusDescription"] = FAILED
        if d.get("precision") and d["precision"] != "MILLISECOND":
            entry["ApproximateCreationDateTimePrecision"] = d["precision"]
        destinations.append(entry)
    return {"TableName": table.name, "KinesisDataStreamDestinations": destinations}
