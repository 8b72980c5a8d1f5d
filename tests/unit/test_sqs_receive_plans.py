"""A receive's cost depends neither on the queue's depth nor on its number of FIFO groups (issue #14):
every statement of the receive paths is answered from an index, in the index's order (no scan, no
sort of the candidates). Checked on SQLite's own plans for the schema's tables."""

from __future__ import annotations

import sqlite3

import pytest

from storage import ddl, sqs

EXPECTED = {
    "_PROMOTE": "ix_sqs_messages_waiting",          # standard: newly visible messages only
    "_RECEIVE_VISIBLE": "ix_sqs_messages_ready",    # standard: the oldest ready ones, in send order
    "_CANDIDATES": "ix_sqs_messages_ready",
    "_ANY_READY": "ix_sqs_messages_ready",
    "_FIFO_READY_GROUPS": "ix_sqs_fifo_groups_ready",  # FIFO: receivable groups, in serving order
    "_FIFO_GROUP_MESSAGES": "ix_sqs_messages_fifo_group",
    "_FIFO_NEXT_READY": "ix_sqs_fifo_groups_ready",
    "_GROUP_HEAD": "ix_sqs_messages_fifo_group",
}


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    for statement in ddl.STATEMENTS:  # the schema exactly as a store creates it
        conn.execute(statement)
    yield conn
    conn.close()


@pytest.mark.parametrize("name,index", sorted(EXPECTED.items()))
def test_receive_statements_read_an_index_in_its_order(db, name, index):
    statement = getattr(sqs, name)
    plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + statement, [1] * statement.count("?"))]
    assert any(f"INDEX {index} " in step for step in plan), plan
    assert not any(step.startswith("SCAN") or "TEMP B-TREE" in step for step in plan), plan
