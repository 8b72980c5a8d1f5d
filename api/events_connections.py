"""EventBridge handlers: connections and API destinations (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations
