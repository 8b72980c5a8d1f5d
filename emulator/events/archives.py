"""EventBridge: Archives and replays."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Events


class Archives:
    def __init__(self, events: Events):
        self.events = events

    async def start(self) -> None:
        """After the store is open (catch up on durable work)."""

    def reset(self) -> None:
        """Forget caches (the admin reset)."""
