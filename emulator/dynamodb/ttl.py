"""Time to Live: UpdateTimeToLive / DescribeTimeToLive, and the sweeper's deletions.

- UpdateTimeToLive checks the request's content first ("already enabled", "already disabled", "active
  on a different AttributeName"), then the cooldown: one change per hour ("Time to live has been
  modified multiple times within a fixed interval"); the order and the texts are AWS's as recorded by
  ack-api-quirks (services/dynamodb, table-subresources.md, DDB-TABLE-143/147). DescribeTimeToLive shows
  ENABLING / DISABLING for ``dynamodb_table_delay_ms`` after a change, then ENABLED / DISABLED: the
  default 0 settles at once, as AWS showed the settled status within 2 s and never ENABLING or DISABLING
  at 1 s polling (same source, DDB-TABLE-144/145). The index and the sweeper act from the change on.
- Enabling indexes every item whose attribute is a Number (``streams_log.expiry_ms``) in the request's
  transaction; from then on every write keeps the index (``streams_log.record_change``); disabling
  drops it. The sweeper (a scheduler due-source of ``streams.Streams``) deletes what expired,
  ``dynamodb_ttl_delay_ms`` after the expiry, through ``items.write`` like any delete: indexes,
  counters, and a REMOVE stream record with ``userIdentity`` Service / dynamodb.amazonaws.com.
  Expired items are read like any other until then, as on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from storage import dynamodb as db
from storage import dynamodb_streams as sdb
from storage.db import UnitOfWork

from .errors import ValidationException
from .items import write
from .model import Table
from .streams_log import FIVE_YEARS_MS, expiry_ms

COOLDOWN_MS = 3600 * 1000
SWEEP_BATCH = 500
COOLDOWN = "Time to live has been modified multiple times within a fixed interval"


def describe(table: Table, now: int, settle_ms: int = 0) -> dict:
    """DescribeTimeToLive: ENABLING / DISABLING for ``settle_ms`` after a change."""
    ttl = table.ttl or {"status": "DISABLED"}
    status = ttl["status"]
    changed_at = ttl.get("changed_at")
    if settle_ms and changed_at is not None and now < changed_at + settle_ms:
        status = "ENABLING" if status == "ENABLED" else "DISABLING"
    out = {"TimeToLiveStatus": status}
    if ttl.get("attribute") and status != "DISABLED":
        out["AttributeName"] = ttl["attribute"]
    return out


def update(uow: UnitOfWork, cache: Any, table: Table, spec: dict) -> dict:
    enabled, attribute = spec["Enabled"], spec["AttributeName"]
    current = table.ttl or {"status": "DISABLED"}
    active = current["status"] == "ENABLED"
    if active and current.get("attribute") != attribute:
        raise ValidationException("TimeToLive is active on a different AttributeName: current AttributeName is "
                                  f"{current.get('attribute')}")
    if enabled and active:
        raise ValidationException("TimeToLive is already enabled")
    if not enabled and not active:
        raise ValidationException("TimeToLive is already disabled")
    changed_at = current.get("changed_at")
    if changed_at is not None and uow.now < changed_at + COOLDOWN_MS:
        raise ValidationException(COOLDOWN)
    changed = table.with_changes(ttl={"status": "ENABLED" if enabled else "DISABLED", "attribute": attribute,
                                      "changed_at": uow.now})
    db.update_definition(uow, table.id, changed.definition())
    cache.put(uow, changed)
    sdb.ttl_drop_table(uow, table.id)
    if enabled:
        _index_all(uow, changed, attribute)
    return {"Enabled": enabled, "AttributeName": attribute}


def _index_all(uow: UnitOfWork, table: Table, attribute: str) -> None:
    rows = []
    earliest = None
    name = json.dumps(attribute, ensure_ascii=False)  # as the stored JSON text writes it
    for pk, sk, text in db.all_items(uow, table.id):
        if name not in text:  # a cheap pre-check before decoding
            continue
        at = expiry_ms(db.decode_item(text), attribute, uow.now)
        if at is not None:
            rows.append((pk, sk, at))
            earliest = at if earliest is None else min(earliest, at)
    sdb.ttl_put_many(uow, table.id, rows)
    hooks = table.hooks
    if hooks is not None and earliest is not None:
        hooks.note_ttl(uow, earliest)


def sweep(uow: UnitOfWork, tables: list[Table], delay_ms: int) -> int:
    """Delete up to ``SWEEP_BATCH`` items that expired ``delay_ms`` ago or earlier; how many index
    entries were settled (deleted, or dropped as stale)."""
    by_id = {t.id: t for t in tables}
    due = sdb.ttl_due(uow, uow.now - delay_ms, SWEEP_BATCH)
    for table_id, pk, sk, _expires_at in due:
        table = by_id.get(table_id)
        attribute = None
        if table is not None and table.ttl is not None and table.ttl.get("status") == "ENABLED":
            attribute = table.ttl["attribute"]
        found = db.get_item(uow, table_id, pk, sk) if attribute is not None else None
        if table is None or attribute is None or found is None:
            sdb.ttl_delete(uow, table_id, pk, sk)
            continue
        item, size = found
        at = expiry_ms(item, attribute, uow.now)
        if at is None or at < uow.now - FIVE_YEARS_MS:
            sdb.ttl_delete(uow, table_id, pk, sk)  # no longer a TTL item (or five years old: never deleted)
        elif at > uow.now - delay_ms:
            sdb.ttl_put(uow, table_id, pk, sk, at)  # not due after all: keep it at its real time
        else:
            write(uow, table, pk, sk, item, size, None, 0, None, service=True)
    return len(due)
