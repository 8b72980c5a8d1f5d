"""Pure parts of DynamoDB Streams and TTL: TTL expiry rules, sequence numbers, labels, record bodies, limits."""

from __future__ import annotations

import pytest

from emulator.dynamodb.errors import ValidationException
from emulator.dynamodb.streams import _label, _label_ms
from emulator.dynamodb.streams_log import DAY_MS, FIVE_YEARS_MS, OpenShards, expiry_ms, shard_name
from emulator.dynamodb.streams_read import limit_of, seq_text
from emulator.dynamodb.types import item_size
from storage import dynamodb_streams
from storage.dynamodb import encode_item
from storage.dynamodb_streams import decode_body

NOW = 1_700_000_000_000


@pytest.mark.parametrize(("value", "expected"), [
    ({"N": "1700000000"}, 1_700_000_000_000),
    ({"N": "1700000000.5"}, 1_700_000_000_500),        # fractions of a second are kept to the millisecond
    ({"N": str(NOW // 1000 + 3600)}, NOW + 3_600_000),  # the future
    ({"S": "1700000000"}, None),                        # not a Number: ignored
    ({"NS": ["1700000000"]}, None),
    ({"N": str((NOW - FIVE_YEARS_MS - DAY_MS) // 1000)}, None),  # more than five years in the past: ignored
    ({"N": "1e30"}, None),                              # beyond any date: never expires
])
def test_ttl_expiry(value, expected):
    assert expiry_ms({"pk": {"S": "a"}, "exp": value}, "exp", NOW) == expected


def test_ttl_expiry_of_a_missing_attribute_or_item():
    assert expiry_ms({"pk": {"S": "a"}}, "exp", NOW) is None
    assert expiry_ms(None, "exp", NOW) is None


def test_sequence_numbers_are_fixed_width_so_string_order_is_numeric_order():
    numbers = [1, 9, 10, 99, 100, 123_456_789, 10**20]
    texts = [seq_text(n) for n in numbers]
    assert all(len(t) == 21 for t in texts) and texts == sorted(texts)
    assert seq_text(25) == "000000000000000000025"


def test_labels_and_shard_ids_look_like_aws():
    assert _label(1_432_154_281_252) == "2015-05-20T20:38:01.252"
    assert _label_ms("2015-05-20T20:38:01.252") == 1_432_154_281_252
    assert _label(_label_ms("2015-05-20T20:38:01.999") + 1) == "2015-05-20T20:38:02.000"
    name = shard_name(1_432_154_281_252)
    assert name.startswith("shardId-00000001432154281252-") and len(name) == 37


def test_record_bodies_round_trip_with_binary_values():
    body = {"K": {"M": {"pk": {"B": b"\x00\x01"}}}, "N": {"M": {"pk": {"B": b"\x00\x01"}, "l": {"L": [{"BS": [b"x"]}]}}}}
    assert decode_body(encode_item(body)) == body


def test_size_bytes_is_the_item_size_of_keys_and_images():
    """The Developer Guide's Lambda tutorial records SizeBytes 26 for an INSERT of this item."""
    keys = {"Id": {"N": "101"}}
    new = {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    assert item_size(keys) + item_size(new) == 26


def test_limits():
    assert limit_of(None, 1000) == 1000 and limit_of(7, 1000) == 7
    with pytest.raises(ValidationException) as err:
        limit_of(1001, 1000)
    assert "Member must have value less than or equal to 1000" in err.value.message


class _Unit:
    """Just what the cache uses of a UnitOfWork: its undo list."""

    def __init__(self) -> None:
        self.undo: list = []

    def on_rollback(self, callback) -> None:
        self.undo.append(callback)

    def rolled_back(self) -> None:
        for callback in reversed(self.undo):
            callback()


def test_the_open_shard_cache_is_undone_with_its_unit(monkeypatch):
    current = {"shard": (1, 10, 0)}
    monkeypatch.setattr(dynamodb_streams, "open_shard", lambda uow, table_id: current["shard"])
    shards = OpenShards()
    loading = _Unit()
    assert shards.get(loading, 7) == (1, 10, 0)
    loading.rolled_back()                      # a load made by a unit that is undone is forgotten
    current["shard"] = (1, 11, 5)
    assert shards.get(_Unit(), 7) == (1, 11, 5)
    rolling = _Unit()
    shards.drop(rolling, 7)                    # a rollover drops it; the same unit reloads the child
    current["shard"] = (1, 12, 9)
    assert shards.get(rolling, 7) == (1, 12, 9)
    rolling.rolled_back()                      # undone: back to the shard before the rollover
    current["shard"] = None
    assert shards.get(_Unit(), 7) == (1, 11, 5)
