"""EventBridge handlers: global endpoints and partner event sources (wire dict in, one emulator call, wire dict out)."""

from __future__ import annotations
