"""The replicator: a scheduler due-source that applies queued changes of global tables to the other replicas.

Each change of a member table is queued (``dynamodb_replication_queue``) by a trigger in the change's
own transaction, with the item's image after it, so a committed write is never lost and a rolled-back
one never replicates; a restart resumes from the queue. Changes are due ``LAG_MS`` after they were
made (AWS: typically under a second) and applied in commit order, each to every other member with the
replicator's own writes kept out of the queue (``dynamodb_replication_applying``), through the one
write path (index entries, counters, the replica's own stream records).

Last writer wins, as AWS documents for concurrent writes to one item in two regions: a change is not
applied to a member that has a later change of the same key still queued (that later change will win
everywhere when its turn comes); since the queue is in commit order and a single writer commits in
clock order, the latest write ends up in every replica.

The trigger's clock function pokes this source (thread-safe) when it has nothing scheduled, so the
scheduler learns of the first queued change without polling.
"""

from __future__ import annotations

from storage import dynamodb as db
from storage import dynamodb_replication as rdb
from storage.db import UnitOfWork

from .due import CachedDue
from .items import write

LAG_MS = 100
BATCH = 500


class Replicator(CachedDue):
    name = "dynamodb.replication"

    def compute(self, uow: UnitOfWork) -> int | None:
        first = rdb.first_queued_at(uow)
        return None if first is None else first + LAG_MS

    async def run_due(self, now: int) -> None:
        self._known = False
        more = True
        while more:
            more = await self.service.store.transaction(self._apply, now - LAG_MS)

    def _apply(self, uow: UnitOfWork, cutoff: int) -> bool:
        """Apply the queued changes made at or before ``cutoff``; True if a full batch was applied."""
        rows = rdb.queued(uow, BATCH)
        if not rows:
            return False
        by_id = {t.id: t for t in self.service.tables.all(uow)}
        groups: dict[int, list[tuple[int, int]]] = {}   # source table id -> [(member table id, since seq)]
        last = None
        rdb.set_applying(uow, True)
        for seq, table_id, pk, sk, text, size, at in rows:
            if at > cutoff:
                break
            last = seq
            if table_id not in groups:
                group = rdb.group_of_table(uow, table_id)
                members = rdb.members(uow, group["id"]) if group is not None else []
                groups[table_id] = [(m["table_id"], m["settings"].get("since_seq", 0)) for m in members
                                    if m["table_id"] != table_id]
            image = None if text is None else db.decode_item(text)
            for target_id, since in groups[table_id]:
                target = by_id.get(target_id)
                if target is None or seq <= since or rdb.written_later(uow, target_id, pk, sk, seq):
                    continue
                found = db.get_item(uow, target_id, pk, sk)
                old, old_size = found if found is not None else (None, 0)
                if old is None and image is None:
                    continue
                write(uow, target, pk, sk, old, old_size, image, size if image is not None else 0, None)
        rdb.set_applying(uow, False)
        if last is not None:
            rdb.dequeue(uow, last)
        return last == rows[-1][0] and len(rows) == BATCH
