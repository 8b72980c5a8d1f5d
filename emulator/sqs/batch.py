"""Batch request rules shared by SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch."""

from __future__ import annotations

import re

from emulator.errors import AwsError

from .errors import (  # noqa: F401
    BatchEntryIdsNotDistinct,
    BatchRequestTooLong,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
)

_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_entries(entries: list, entry_name: str) -> None:
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_name} in the request.")
    if len(entries) > 10:
        raise TooManyEntriesInBatchRequest(f"Maximum number of entries per request are 10. You have sent "
                                           f"{len(entries)}.")
    seen = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not _ENTRY_ID.match(entry_id):
            raise InvalidBatchEntryId("A batch entry id can only contain alphanumeric characters, hyphens and "
                                      "underscores. It can be at most 80 letters long.")
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)


def failure(entry_id: str, error: AwsError) -> dict:
    return {"Id": entry_id, "SenderFault": error.sender_fault, "Code": error.code, "Message": error.message}


def result(successful: list[dict], failed: list[dict]) -> dict:
    """A batch answer. AWS leaves an empty ``Failed`` list out (its JSON answer has no ``"Failed": []``)."""
    out: dict = {"Successful": successful}
    if failed:
        out["Failed"] = failed
    return out
