"""TransactWriteItems and TransactGetItems: all or nothing, inside the one SQLite transaction.

Every action is evaluated against the items as they are before the transaction (no two actions may
target one item); if any fails, nothing is written and TransactionCanceledException carries one
reason per action, in order, ``None`` for the actions that would have succeeded. A key or index key
with an empty value fails the whole request with a plain ValidationException, other validation
failures of an action are its ``ValidationError`` reason (conformance tier3 transactWriteItems,
captured from DynamoDB). A ClientRequestToken makes the call idempotent for ten minutes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage import dynamodb as db
from storage.db import UnitOfWork

from .capacity import Capacity, read_units
from .errors import (
    CONDITION_FAILED,
    IdempotentParameterMismatchException,
    TransactionCanceledException,
    ValidationException,
)
from .expressions import project
from .items import check_item_size, check_update_keys, collection_metrics, updated, write
from .model import NOT_VALID, Table, check_index_keys, item_key, lookup_key
from .params import Expressions
from .types import Item, item_size

TOKEN_TTL_MS = 10 * 60 * 1000
MULTIPLE = "Transaction request cannot include multiple operations on one item"
TOKEN_MISMATCH = ("The request uses the same client token as a previous, but non-identical request. Do not reuse a "
                  "client token with different requests, unless the requests are identical.")

Resolve = Callable[[UnitOfWork, str], Table]


@dataclass(slots=True)
class Action:
    """One TransactItem: ``kind`` is Put, Update, Delete, ConditionCheck (or Get)."""

    kind: str
    table_name: str
    item: Item | None          # Put
    key: Item | None           # Update, Delete, ConditionCheck, Get
    ex: Expressions
    on_failure: str | None = None
    failure_code: str = "ConditionalCheckFailed"   # PartiQL INSERT of an existing key: DuplicateItem


def digest(request: Any) -> str:
    """A stable digest of a request (the idempotency check of ClientRequestToken)."""
    def default(value: Any) -> str:
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(value).decode()
        raise TypeError(type(value).__name__)
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=default).encode()).hexdigest()


def transact_write(uow: UnitOfWork, resolve: Resolve, actions: list[Action], capacity_mode: str | None,
                   metrics_mode: str | None, token: tuple[str, str, str, str] | None) -> dict:
    """``token`` is (account, region, ClientRequestToken, digest of the request) or None."""
    if token is not None:
        stored = db.get_token(uow, token[0], token[1], token[2], uow.now)
        if stored is not None:
            if stored[0] != token[3]:
                raise IdempotentParameterMismatchException(TOKEN_MISMATCH)
            return stored[1]  # a replay: nothing is written again
    tables = [resolve(uow, a.table_name) for a in actions]
    plans: list[tuple[Table, bytes, bytes, Item | None, int, Item | None, int] | None] = []
    reasons: list[dict] = []
    seen: set[tuple[int, bytes, bytes]] = set()
    failed = False
    for action, table in zip(actions, tables, strict=True):
        try:
            plan, reason = _evaluate(uow, table, action, seen)
        except ValidationException as e:
            if e.message.startswith(NOT_VALID) or e.message == MULTIPLE:
                raise
            plan, reason = None, {"Code": "ValidationError", "Message": e.message}
        plans.append(plan)
        reasons.append(reason)
        failed = failed or reason["Code"] != "None"
    if failed:
        raise TransactionCanceledException(reasons)
    caps: dict[str, Capacity] = {}
    metrics: dict[str, list[dict]] = {}
    for action, table, plan in zip(actions, tables, plans, strict=True):
        cap = caps.setdefault(table.name, Capacity(table.name, transactional=True))
        if plan is None:
            continue
        _, pk, sk, old, old_size, new, new_size = plan
        if action.kind == "ConditionCheck":
            cap.add_read(read_units(old_size))
            continue
        write(uow, table, pk, sk, old, old_size, new, new_size, cap)
        m = collection_metrics(table, new or old, metrics_mode)
        if m is not None:
            metrics.setdefault(table.name, []).append(m)
    out: dict = {}
    consumed = [c for c in (cap.to_wire(capacity_mode, split=True) for cap in caps.values()) if c is not None]
    if consumed:
        out["ConsumedCapacity"] = consumed
    if token is not None:
        db.put_token(uow, token[0], token[1], token[2], token[3], dict(out), uow.now + TOKEN_TTL_MS, uow.now)
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out


def _evaluate(uow: UnitOfWork, table: Table, action: Action, seen: set[tuple[int, bytes, bytes]]
              ) -> tuple[tuple[Table, bytes, bytes, Item | None, int, Item | None, int] | None, dict]:
    """Check one action against the current item: the write it would make and its reason code."""
    if action.kind == "Put":
        assert action.item is not None
        pk, sk = item_key(table, action.item)
    else:
        assert action.key is not None
        pk, sk = lookup_key(table, action.key)
    if (table.id, pk, sk) in seen:
        raise ValidationException(MULTIPLE)
    seen.add((table.id, pk, sk))
    if action.kind == "Update":
        check_update_keys(table, action.ex)
    found = db.get_item(uow, table.id, pk, sk)
    old, old_size = found if found is not None else (None, 0)
    if action.ex.condition is not None and not action.ex.condition.evaluate(old):
        if action.failure_code == "DuplicateItem":
            return None, {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
        reason: dict = {"Code": "ConditionalCheckFailed", "Message": CONDITION_FAILED}
        if action.on_failure == "ALL_OLD" and old:
            reason["Item"] = old
        return None, reason
    new: Item | None = None
    new_size = 0
    if action.kind == "Put":
        new = action.item
        assert new is not None
        check_index_keys(table, new)
        new_size = item_size(new)
        check_item_size(new_size)
    elif action.kind == "Update":
        assert action.key is not None
        new, _ = updated(table, action.key, old, action.ex)
        check_index_keys(table, new, update=True)
        new_size = item_size(new)
        check_item_size(new_size, update=True)
    elif action.kind == "ConditionCheck":
        new, new_size = old, old_size
    return (table, pk, sk, old, old_size, new, new_size), {"Code": "None"}


def transact_get(uow: UnitOfWork, resolve: Resolve, actions: list[Action], capacity_mode: str | None) -> dict:
    seen: set[tuple[int, bytes, bytes]] = set()
    responses: list[dict] = []
    caps: dict[str, Capacity] = {}
    for action in actions:
        table = resolve(uow, action.table_name)
        assert action.key is not None
        pk, sk = lookup_key(table, action.key)
        if (table.id, pk, sk) in seen:
            raise ValidationException(MULTIPLE)
        seen.add((table.id, pk, sk))
        found = db.get_item(uow, table.id, pk, sk)
        caps.setdefault(table.name, Capacity(table.name, transactional=True)).add_read(
            read_units(found[1] if found else 0))
        if found is None:
            responses.append({})
            continue
        item = found[0]
        if action.ex.projection is not None:
            item = project(action.ex.projection, item)
        responses.append({"Item": item} if item else {})
    out: dict = {"Responses": responses}
    consumed = [c for c in (cap.to_wire(capacity_mode, split=True) for cap in caps.values()) if c is not None]
    if consumed:
        out["ConsumedCapacity"] = consumed
    return out
