"""Resource-based policies of tables and streams: Put/Get/DeleteResourcePolicy (stored, not evaluated).

As measured (ack-api-quirks dynamodb 2026-10, table-policy-kinesis-autoscaling.md): the RevisionId is
the epoch-ms time of the change, and a Put of an equivalent document (same JSON) is a no-op with the
same RevisionId; a stale ExpectedRevisionId is PolicyNotFoundException on Put and Delete; Get of a
table without a policy is PolicyNotFoundException "Resource-based policy not found for the provided
ResourceArn: <arn>"; Delete of a table without one is an empty 200 (after a real delete it answers
the deleted policy's RevisionId); a document over 20480 bytes is ValidationException. Policy
evaluation (cross-account access) is not emulated. Not emulated either: the 15-second cooldown
between policy changes and the seconds before a change is visible.
"""

from __future__ import annotations

import json

from emulator.errors import AwsError
from storage import dynamodb_hooks as hdb
from storage.db import UnitOfWork

from .. import jsontext
from .errors import ValidationException
from .model import Table

KIND = "policy"
MAX_BYTES = 20480


class PolicyNotFoundException(AwsError):
    pass


def not_found(arn: str) -> PolicyNotFoundException:
    return PolicyNotFoundException(f"Resource-based policy not found for the provided ResourceArn: {arn}")


def key(table: Table, resource_arn: str) -> str:
    """'' for the table, 'stream/<label>' for one of its streams."""
    rest = resource_arn[len(table.arn):]
    return rest.lstrip("/") if rest else ""


def _mismatch(arn: str, expected: str, current: str | None) -> PolicyNotFoundException:
    return PolicyNotFoundException(f"Resource-based policy not found for the provided ResourceArn: {arn}. The "
                                   f"ExpectedRevisionId {expected} did not match the current RevisionId "
                                   f"{current or 'of no policy'}")  # 'did not match' measured, the rest guessed


def put(uow: UnitOfWork, table: Table, arn: str, policy: str, expected: str | None) -> dict:
    if len(policy.encode()) > MAX_BYTES:  # guessed text
        raise ValidationException(f"Policy document size of {len(policy.encode())} bytes exceeds the limit of "
                                  f"{MAX_BYTES} bytes")
    try:
        document = jsontext.loads(policy)
    except ValueError:  # guessed text
        raise ValidationException("Invalid policy document: the policy is not valid JSON") from None
    if not isinstance(document, dict) or "Statement" not in document:  # guessed text
        raise ValidationException("Invalid policy document: Missing required field Statement")
    k = key(table, arn)
    current = hdb.get_setting(uow, table.id, KIND, k)
    if expected is not None and (current is None or current["revision"] != expected):
        raise _mismatch(arn, expected, current["revision"] if current else None)
    if current is not None and json.loads(current["policy"]) == document:
        return {"RevisionId": current["revision"]}
    revision = uow.now if current is None else max(uow.now, int(current["revision"]) + 1)
    hdb.put_setting(uow, table.id, KIND, k, {"policy": json.dumps(document, separators=(",", ":")),
                                             "revision": str(revision)})
    return {"RevisionId": str(revision)}


def get(uow: UnitOfWork, table: Table, arn: str) -> dict:
    current = hdb.get_setting(uow, table.id, KIND, key(table, arn))
    if current is None:
        raise not_found(arn)
    return {"Policy": current["policy"], "RevisionId": current["revision"]}


def delete(uow: UnitOfWork, table: Table, arn: str, expected: str | None) -> dict:
    k = key(table, arn)
    current = hdb.get_setting(uow, table.id, KIND, k)
    if expected is not None and (current is None or current["revision"] != expected):
        raise _mismatch(arn, expected, current["revision"] if current else None)
    if current is None:
        return {}
    hdb.delete_setting(uow, table.id, KIND, k)
    return {"RevisionId": current["revision"]}
