"""EventBridge handlers: archives and replays (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations
