"""Contributor Insights: Describe/Update/ListContributorInsights, state kept and reported (no metrics).

Per table and per GSI, as AWS keeps it (ack-api-quirks dynamodb 2026-10, table-subresources.md):
ENABLE answers ENABLING and settles to ENABLED, DISABLE answers DISABLING then DISABLED (the phases
last ``SLUICE_DYNAMODB_TABLE_DELAY_MS``; 0: the settled state at once); ENABLE or DISABLE of a
settled state is a no-op answering it; a never-configured table or index reads
{TableName, ContributorInsightsStatus: DISABLED}; LastUpdateDateTime and ContributorInsightsMode
appear after a change; an LSI or unknown index is ResourceNotFoundException; the list omits DISABLED
entries and puts a table before its indexes. The CloudWatch rule names are guessed
(``DynamoDBContributorInsights-<PKC|SKC|PKT|SKT>-<table>[/<index>]-<enabled at, epoch ms>``).
"""

from __future__ import annotations

from storage import dynamodb_hooks as hdb
from storage.db import UnitOfWork

from .errors import ResourceNotFoundException
from .model import Table
from .tables import when

KIND = "insights"
DEFAULT_MODE = "ACCESSED_AND_THROTTLED_KEYS"


def _check_index(table: Table, index_name: str | None) -> str:
    if index_name is None:
        return ""
    index = table.index(index_name)
    if index is None or not index.is_global:  # guessed text
        raise ResourceNotFoundException(f"Requested resource not found: Index: {index_name} not found")
    return index_name


def _status(state: dict | None, now: int) -> str:
    if state is None:
        return "DISABLED"
    settled = "ENABLED" if state["enabled"] else "DISABLED"
    if now < state.get("until", 0):
        return "ENABLING" if state["enabled"] else "DISABLING"
    return settled


def _rules(table: Table, index_name: str, mode: str, since: int) -> list[str]:
    index = table.index(index_name) if index_name else None
    has_range = (index.range_key if index else table.range_key) is not None
    kinds = ["PKT"] + (["SKT"] if has_range else []) if mode == "THROTTLED_KEYS" else \
        ["PKC", "PKT"] + (["SKC", "SKT"] if has_range else [])
    target = f"{table.name}/{index_name}" if index_name else table.name
    return [f"DynamoDBContributorInsights-{kind}-{target}-{since}" for kind in kinds]


def describe(uow: UnitOfWork, table: Table, index_name: str | None) -> dict:
    key = _check_index(table, index_name)
    state = hdb.get_setting(uow, table.id, KIND, key)
    out: dict = {"TableName": table.name}
    if key:
        out["IndexName"] = key
    status = _status(state, uow.now)
    out["ContributorInsightsStatus"] = status
    if state is not None:
        if status in ("ENABLED", "ENABLING"):
            out["ContributorInsightsRuleList"] = _rules(table, key, state["mode"], state["since"])
        out["LastUpdateDateTime"] = when(state["at"])
        out["ContributorInsightsMode"] = state["mode"]
    return out


def update(uow: UnitOfWork, table: Table, index_name: str | None, action: str, mode: str | None,
           delay_ms: int) -> dict:
    key = _check_index(table, index_name)
    state = hdb.get_setting(uow, table.id, KIND, key)
    enable = action == "ENABLE"
    current = _status(state, uow.now)
    new_mode = (mode or DEFAULT_MODE) if enable else (state or {}).get("mode", DEFAULT_MODE)
    settled = current in ("ENABLED", "DISABLED")
    if not (settled and current == ("ENABLED" if enable else "DISABLED") and (not enable or state is None
                                                                               or state["mode"] == new_mode)):
        if state is None and not enable:  # DISABLE of a never-configured table: nothing to change
            pass
        else:
            since = state["since"] if state is not None and state["enabled"] and enable else uow.now
            state = {"enabled": enable, "mode": new_mode, "at": uow.now, "until": uow.now + delay_ms, "since": since}
            hdb.put_setting(uow, table.id, KIND, key, state)
    out: dict = {"TableName": table.name}
    if key:
        out["IndexName"] = key
    out["ContributorInsightsStatus"] = _status(state, uow.now)
    if state is not None:
        out["ContributorInsightsMode"] = state["mode"]
    return out


def summaries(uow: UnitOfWork, table: Table) -> list[dict]:
    """The table's entries that are not DISABLED, the table first."""
    out = []
    for key, state in sorted(hdb.table_settings(uow, table.id, KIND), key=lambda kv: (kv[0] != "", kv[0])):
        if key and table.index(key) is None:
            continue  # its index was deleted
        status = _status(state, uow.now)
        if status == "DISABLED":
            continue
        entry: dict = {"TableName": table.name}
        if key:
            entry["IndexName"] = key
        entry.update({"ContributorInsightsStatus": status, "ContributorInsightsMode": state["mode"]})
        out.append(entry)
    return out
