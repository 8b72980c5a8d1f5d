"""Point-in-time recovery: Describe/UpdateContinuousBackups, the restore point, the log's retention.

Design. While PITR is enabled on a table, a trigger on ``dynamodb_items`` writes the image of an item
before each change (NULL: it did not exist) to ``dynamodb_pitr_log``, in the change's statement, so
every path that writes items (PutItem ... PartiQL, batches, transactions, TTL deletions, replication)
is covered and a rolled-back write leaves no log row. The table at a time T is its current state
with, for every key changed after T, the image logged by the first change after T: a restore copies
the current rows and writes those images back (``undo``). The log costs one indexed INSERT per write
(old image read from the same b-tree page) on PITR tables only; rows older than the window
(``RecoveryPeriodInDays``, 35 by default) are pruned by the ``Retention`` due-source, which also
deletes expired SYSTEM backups.

AWS's behaviour (ack-api-quirks dynamodb, measured 2026-10): the update is synchronous; after an
enable EarliestRestorableDateTime is the enable time; a disable forgets the history; the period
defaults to 35, may change in place, is refused with Enabled=false and reverts to 35 on re-enable;
ContinuousBackupsStatus stays ENABLED. Sluice's LatestRestorableDateTime is now (AWS's trails by up
to 5 minutes): every committed change is already in the log.
"""

from __future__ import annotations

from storage import dynamodb as db
from storage import dynamodb_backups as bdb
from storage import dynamodb_hooks as hdb
from storage.db import UnitOfWork

from .due import CachedDue
from .errors import ValidationException
from .items import write
from .model import Table
from .tables import when

DAY_MS = 86_400_000
DEFAULT_DAYS = 35
PERIOD_WITHOUT_ENABLE = "RecoveryPeriodInDays can only be set when PointInTimeRecoveryEnabled is true"  # guessed


def window(hooks: dict, now: int) -> tuple[int, int]:
    """(EarliestRestorableDateTime, LatestRestorableDateTime) in epoch ms of an enabled table."""
    return max(hooks["pitr_since"], now - hooks["pitr_days"] * DAY_MS), now


def description(hooks: dict, now: int) -> dict:
    if not hooks["pitr"]:
        return {"ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    earliest, latest = window(hooks, now)
    return {"ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {
                "PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": hooks["pitr_days"],
                "EarliestRestorableDateTime": when(earliest), "LatestRestorableDateTime": when(latest)}}


def update(uow: UnitOfWork, table: Table, enabled: bool, days: int | None) -> dict:
    if days is not None and not enabled:
        raise ValidationException(PERIOD_WITHOUT_ENABLE)
    hooks = hdb.get_hooks(uow, table.id)
    if enabled:
        if not hooks["pitr"]:
            hooks.update(pitr=True, pitr_since=uow.now, pitr_days=DEFAULT_DAYS)
        if days is not None:
            hooks["pitr_days"] = days
    elif hooks["pitr"]:
        hooks.update(pitr=False, pitr_since=None, pitr_days=None)
        bdb.drop_log(uow, table.id)
    hdb.set_hooks(uow, table.id, hooks)
    return description(hooks, uow.now)


def undo(uow: UnitOfWork, source: Table, target: Table, at: int) -> int:
    """Turn ``target`` (a copy of ``source`` as it is now) into ``source`` as it was at ``at``: each key
    changed after ``at`` gets the image before its first change then. Returns the keys restored."""
    seen: set[tuple[bytes, bytes]] = set()
    for pk, sk, text, size in bdb.changes_after(uow, source.id, at):
        if (pk, sk) in seen:
            continue
        seen.add((pk, sk))
        found = db.get_item(uow, target.id, pk, sk)
        current, current_size = found if found is not None else (None, 0)
        image = None if text is None else db.decode_item(text)
        if current is None and image is None:
            continue
        write(uow, target, pk, sk, current, current_size, image, size if image is not None else 0, None)
    return len(seen)


class Retention(CachedDue):
    """A due-source: prunes the PITR log past each table's window and deletes expired backups (the due
    time is the oldest logged image's end of window, or the first backup expiry)."""

    name = "dynamodb.retention"

    def compute(self, uow: UnitOfWork) -> int | None:
        dues = []
        for table_id, _since, days in hdb.pitr_tables(uow):
            oldest = bdb.oldest_at(uow, table_id)
            if oldest is not None:
                dues.append(oldest + days * DAY_MS + 1)
        expiry = bdb.next_backup_expiry(uow)
        if expiry is not None:
            dues.append(expiry)
        return min(dues) if dues else None

    async def run_due(self, now: int) -> None:
        self._known = False
        await self.service.store.transaction(self._sweep)

    def _sweep(self, uow: UnitOfWork) -> None:
        bdb.prune_log(uow, [(table_id, uow.now - days * DAY_MS) for table_id, _since, days in hdb.pitr_tables(uow)])
        for backup_id in bdb.expired_backups(uow, uow.now):
            bdb.delete_backup(uow, backup_id)
