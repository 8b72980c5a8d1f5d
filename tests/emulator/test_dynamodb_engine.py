"""The table engine over a real Store: the cache follows rollbacks, index entries and counters always match
the items they are derived from, tables reload at start."""

from __future__ import annotations

import random

import pytest

from emulator.caller import Caller
from emulator.dynamodb import DynamoDB, tables
from emulator.dynamodb.errors import ConditionalCheckFailedException
from emulator.dynamodb.model import index_entry, projected_size
from emulator.dynamodb.types import item_size
from storage import dynamodb as db

CALLER = Caller("000000000000", "us-east-1", "http://localhost")
SCHEMA = {
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"},
                             {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
    "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}}],
    "LocalSecondaryIndexes": [{"IndexName": "by-l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "l", "KeyType": "RANGE"}],
                               "Projection": {"ProjectionType": "KEYS_ONLY"}}],
}


@pytest.fixture
def store(emulator):
    return emulator.store


@pytest.fixture
def service(emulator):
    return emulator.dynamodb


async def test_a_rolled_back_create_or_update_leaves_the_cache_as_it_was(emulator, service, store):
    def create_then_fail(uow):
        tables.create(uow, service.tables, CALLER.account, CALLER.region, {"TableName": "ghost", **SCHEMA})
        raise RuntimeError("the unit fails after the cache changed")

    with pytest.raises(RuntimeError):
        await store.transaction(create_then_fail)
    assert await store.read(lambda uow: service.tables.get(uow, CALLER.account, CALLER.region, "ghost")) is None
    await service.create_table(CALLER, TableName="real", **SCHEMA)

    def update_then_fail(uow):
        table = service.table(uow, CALLER, "real")
        tables.update(uow, service.tables, table, {"DeletionProtectionEnabled": True})
        raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        await store.transaction(update_then_fail)
    described = await service.describe_table(CALLER, "real")
    assert described["DeletionProtectionEnabled"] is False
    # And the store agrees with the cache after a restart of the service.
    fresh = DynamoDB(emulator)
    await fresh.start()
    assert (await fresh.describe_table(CALLER, "real"))["DeletionProtectionEnabled"] is False
    assert (await fresh.list_tables(CALLER, None, None))["TableNames"] == ["real"]


async def test_a_failed_condition_writes_nothing(service, store):
    await service.create_table(CALLER, TableName="cond", **SCHEMA)
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"S": "x"}}
    await service.put_item(CALLER, table_name="cond", item=item)
    with pytest.raises(ConditionalCheckFailedException):
        await service.put_item(CALLER, table_name="cond", item={**item, "g": {"S": "y"}},
                               condition_expression="attribute_not_exists(pk)")
    got = await service.get_item(CALLER, table_name="cond", key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    assert got["Item"] == item


async def test_index_entries_and_counters_always_match_the_items(service, store):
    """Random puts, updates and deletes (seeded), then everything derived is recomputed from the items."""
    await service.create_table(CALLER, TableName="prop", **SCHEMA)
    rng = random.Random(16)
    for _ in range(400):
        key = {"pk": {"S": rng.choice("abc")}, "sk": {"N": str(rng.randint(0, 15))}}
        op = rng.random()
        if op < 0.45:
            item = dict(key)
            if rng.random() < 0.7:
                item["g"] = {"S": rng.choice(["g1", "g2", "g3"])}
            if rng.random() < 0.5:
                item["l"] = {"N": str(rng.randint(-5, 5))}
            if rng.random() < 0.5:
                item["v"] = {"S": "v" * rng.randint(0, 50)}
            await service.put_item(CALLER, table_name="prop", item=item)
        elif op < 0.8:
            expr = rng.choice(["SET g = :g", "REMOVE g", "SET l = :l", "REMOVE l, v", "SET v = :v", "SET w = :v"])
            values = {k: v for k, v in {":g": {"S": rng.choice(["g1", "g4"])}, ":l": {"N": str(rng.randint(0, 3))},
                                        ":v": {"S": "x" * rng.randint(1, 30)}}.items() if k in expr}
            await service.update_item(CALLER, table_name="prop", key=key, update_expression=expr,
                                      expression_attribute_values=values or None)
        else:
            await service.delete_item(CALLER, table_name="prop", key=key)

    def recompute(uow):
        table = service.table(uow, CALLER, "prop")
        items = [(pk, sk, db.decode_item(text)) for pk, sk, text in db.all_items(uow, table.id)]
        expected = {0: (len(items), sum(item_size(i) for _, _, i in items))}
        entries = set()
        for index in table.indexes:
            mine = [(index_entry(table, index, i, pk, sk), i) for pk, sk, i in items]
            mine = [(e, i) for e, i in mine if e is not None]
            entries |= {e for e, _ in mine}
            expected[index.no] = (len(mine), sum(projected_size(table, index, i, item_size(i)) for _, i in mine))
        stored = set(uow.sql.execute("SELECT index_no, ipk, isk, pk, sk FROM dynamodb_index_entries WHERE table_id = ?",
                                     (table.id,)))
        return expected, db.stats(uow, table.id), entries, stored

    expected, stats, entries, stored = await store.read(recompute)
    assert stats == expected
    assert stored == entries
    assert expected[0][0] > 10 and expected[1][0] > 5 and expected[2][0] > 5  # the walk exercised every index
