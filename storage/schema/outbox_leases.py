"""Outbox rows whose attempt is running (claimed, not settled yet).

A claimed row's ``due_at`` is pushed to the end of its lease so that a crash mid-attempt retries it,
but a restart must not wait that lease out: nothing of the dead process runs any more. This table
tells a leased row from a retry deliberately scheduled for later (same ``due_at`` shape), so that the
start-up can make exactly the leased ones due at once.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, Table

from .base import metadata

outbox_leases = Table(
    "outbox_leases", metadata,
    Column("outbox_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
)
