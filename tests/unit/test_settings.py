"""Settings read from the environment under the names the issues and the README give."""

from __future__ import annotations

import pytest

from emulator.settings import Settings


@pytest.mark.parametrize("name", ["SLUICE_DYNAMODB_SHARD_ROLLOVER_MS", "SLUICE_DYNAMODB_SHARD_ROLLOVER"])
def test_shard_rollover_is_read_under_both_names(monkeypatch, name):
    monkeypatch.setenv(name, "5000")
    assert Settings().dynamodb_shard_rollover_ms == 5000


def test_shard_rollover_defaults_to_four_hours_and_takes_its_field_name(monkeypatch):
    monkeypatch.delenv("SLUICE_DYNAMODB_SHARD_ROLLOVER_MS", raising=False)
    monkeypatch.delenv("SLUICE_DYNAMODB_SHARD_ROLLOVER", raising=False)
    assert Settings().dynamodb_shard_rollover_ms == 4 * 3600 * 1000
    assert Settings(dynamodb_shard_rollover_ms=0).dynamodb_shard_rollover_ms == 0
