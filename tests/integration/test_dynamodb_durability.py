"""Durability and other clients: tables, items, index entries and counters survive kill -9; the AWS CLI v1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import make_client
from tests.server import ProcessServer


def test_tables_and_items_survive_kill_9(tmp_path):
    server = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        ddb = make_client(server.url, "dynamodb")
        ddb.create_table(TableName="durable", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "N"},
                                               {"AttributeName": "g", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                         GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                                  "Projection": {"ProjectionType": "ALL"}}],
                         DeletionProtectionEnabled=True, Tags=[{"Key": "k", "Value": "v"}])
        for i in range(10):
            ddb.put_item(TableName="durable", Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "g": {"S": f"g{i % 2}"},
                                                    "b": {"B": bytes([i])}})
        ddb.update_time_to_live(TableName="durable", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
        ddb.transact_write_items(TransactItems=[{"Delete": {"TableName": "durable",
                                                            "Key": {"pk": {"S": "p"}, "sk": {"N": "0"}}}}])
    finally:
        server.kill(9)
    server = ProcessServer("--data-dir", str(tmp_path)).start()
    try:
        ddb = make_client(server.url, "dynamodb")
        table = ddb.describe_table(TableName="durable")["Table"]
        assert table["ItemCount"] == 9 and table["GlobalSecondaryIndexes"][0]["ItemCount"] == 9
        assert table["DeletionProtectionEnabled"] is True
        assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == [{"Key": "k", "Value": "v"}]
        assert ddb.describe_time_to_live(TableName="durable")["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        odd = ddb.query(TableName="durable", IndexName="by-g", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "g1"}})["Items"]
        assert [i["sk"]["N"] for i in odd] == ["1", "3", "5", "7", "9"]
        assert odd[0]["b"] == {"B": b"\x01"}
        ddb.put_item(TableName="durable", Item={"pk": {"S": "p"}, "sk": {"N": "0"}, "g": {"S": "g0"}})
        assert ddb.describe_table(TableName="durable")["Table"]["ItemCount"] == 10
    finally:
        server.stop()


def test_aws_cli_put_item_and_query(sluice):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_PAGER": ""}

    def aws(*args):
        out = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", sluice.url, "--output", "json",
                              "dynamodb", *args], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if out.stdout.strip() else None

    aws("create-table", "--table-name", "cli-music", "--billing-mode", "PAY_PER_REQUEST",
        "--attribute-definitions", "AttributeName=Artist,AttributeType=S", "AttributeName=Song,AttributeType=S",
        "--key-schema", "AttributeName=Artist,KeyType=HASH", "AttributeName=Song,KeyType=RANGE")
    aws("put-item", "--table-name", "cli-music", "--item",
        '{"Artist": {"S": "Acme Band"}, "Song": {"S": "Happy Day"}, "Year": {"N": "2024"}}')
    aws("put-item", "--table-name", "cli-music", "--item", '{"Artist": {"S": "Acme Band"}, "Song": {"S": "Blue"}}')
    out = aws("query", "--table-name", "cli-music", "--key-condition-expression", "Artist = :a",
              "--expression-attribute-values", '{":a": {"S": "Acme Band"}}')
    assert [i["Song"]["S"] for i in out["Items"]] == ["Blue", "Happy Day"]
    assert out["Items"][1]["Year"] == {"N": "2024"}
    failed = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", sluice.url, "dynamodb", "put-item",
                             "--table-name", "cli-music", "--item", '{"Artist": {"S": "Acme Band"}, "Song": {"S": "Blue"}}',
                             "--condition-expression", "attribute_not_exists(Artist)"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert failed.returncode != 0 and "ConditionalCheckFailedException" in failed.stderr
