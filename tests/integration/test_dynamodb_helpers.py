"""What the DynamoDB tests share: a ``boto3.resource`` on the test server, table and value factories."""

from __future__ import annotations

import boto3
from botocore.config import Config


def make_resource(url: str, *, region: str = "us-east-1"):
    """``boto3.resource("dynamodb")`` pointed at the server, as an application builds it."""
    return boto3.resource("dynamodb", endpoint_url=url, region_name=region, aws_access_key_id="test",
                          aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def create_table(ddb, name: str = "items", *, hash_key: tuple[str, str] = ("pk", "S"),
                 range_key: tuple[str, str] | None = ("sk", "S"), extra: dict[str, str] | None = None,
                 **kwargs) -> dict:
    """A PAY_PER_REQUEST table keyed (pk S, sk S) unless told otherwise; ``extra`` defines more
    attributes (index keys)."""
    definitions = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        definitions.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    for name_, type_ in (extra or {}).items():
        definitions.append({"AttributeName": name_, "AttributeType": type_})
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(TableName=name, AttributeDefinitions=definitions, KeySchema=schema,
                            **kwargs)["TableDescription"]


def gsi(name: str, hash_key: str, range_key: str | None = None, projection: str = "ALL",
        non_key: list[str] | None = None) -> dict:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    spec = {"ProjectionType": projection}
    if non_key:
        spec["NonKeyAttributes"] = non_key
    return {"IndexName": name, "KeySchema": schema, "Projection": spec}


def lsi(name: str, range_key: str, projection: str = "ALL", hash_key: str = "pk") -> dict:
    return gsi(name, hash_key, range_key, projection)


def s(value: str) -> dict:
    return {"S": value}


def n(value) -> dict:
    return {"N": str(value)}
