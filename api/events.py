"""EventBridge handlers."""

from __future__ import annotations

from emulator.patterns import test_event_pattern as matches_event


async def test_event_pattern(emulator, ctx, params: dict) -> dict:
    """Pure: validate the pattern and the event envelope, then match (no state, no transaction)."""
    return {"Result": matches_event(params["EventPattern"], params["Event"])}
