"""SQL of SNS (sync functions over a UnitOfWork). JSON documents are decoded here, never in the emulator.

Every statement is a SQL string run on ``uow.sql`` (the sqlite3 connection of the unit's transaction);
the tables in ``schema/sns.py`` only define the schema. Rows come back as dicts built by ``_Shape``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from .db import UnitOfWork


class _Shape:
    """A table's columns as the emulator reads them: the SELECT list, in order, and each row as a dict.

    JSON documents are decoded, and the columns that are ``Boolean`` in ``schema/sns.py`` (stored as
    0/1) are turned into bools, as SQLAlchemy's types did when these queries were Core statements.
    """

    __slots__ = ("table", "columns", "select", "_json", "_bools")

    def __init__(self, table: str, columns: str, *, json_columns: tuple[str, ...] = (),
                 bool_columns: tuple[str, ...] = ()):
        self.table = table
        self.columns = tuple(columns.split())
        self.select = f"SELECT {', '.join(self.columns)} FROM {table}"
        self._json = json_columns
        self._bools = bool_columns

    def row(self, values: Sequence[Any]) -> dict[str, Any]:
        d = dict(zip(self.columns, values, strict=True))
        for key in self._json:
            if isinstance(d[key], str):
                d[key] = json.loads(d[key])
        for key in self._bools:
            d[key] = bool(d[key])
        return d

    def first(self, values: Sequence[Any] | None) -> dict[str, Any] | None:
        return None if values is None else self.row(values)

    def rows(self, cursor: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        return [self.row(values) for values in cursor]

    def update(self, key: str, key_value: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
        """``UPDATE <table> SET <col> = ?, ... WHERE <key> = ?`` and its parameters; the column names
        come from the caller's keywords, so each must be one of the table's columns."""
        unknown = set(values) - set(self.columns)
        if unknown:
            raise ValueError(f"not columns of {self.table}: {', '.join(sorted(unknown))}")
        sets = ", ".join(f"{name} = ?" for name in values)
        return f"UPDATE {self.table} SET {sets} WHERE {key} = ?", [*values.values(), key_value]


_TOPIC = _Shape("sns_topics", "arn account region name fifo attributes tags data_protection_policy sequence "
                "subscriptions_deleted created_at", json_columns=("attributes", "tags"), bool_columns=("fifo",))
_SUBSCRIPTION = _Shape("sns_subscriptions", "arn topic_arn account region owner protocol endpoint attributes "
                       "pending token authenticated throttle_next_at created_at", json_columns=("attributes",),
                       bool_columns=("pending", "authenticated"))
_APPLICATION = _Shape("sns_platform_applications", "arn account region name platform attributes",
                      json_columns=("attributes",))
_ENDPOINT = _Shape("sns_platform_endpoints", "arn application_arn token attributes created_at",
                   json_columns=("attributes",))
_SANDBOX_NUMBER = _Shape("sns_sandbox_numbers", "account region phone_number verified otp created_at",
                         bool_columns=("verified",))


# --- topics -------------------------------------------------------------------------------------

_GET_TOPIC = f"{_TOPIC.select} WHERE arn = ?"
_INSERT_TOPIC = (
    "INSERT INTO sns_topics (arn, account, region, name, fifo, attributes, tags, data_protection_policy, sequence, "
    "subscriptions_deleted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)")
_DELETE_TOPIC_SUBSCRIPTIONS = "DELETE FROM sns_subscriptions WHERE topic_arn = ?"
_DELETE_TOPIC_DEDUP = "DELETE FROM sns_dedup WHERE topic_arn = ?"
_DELETE_TOPIC = "DELETE FROM sns_topics WHERE arn = ?"
_LIST_TOPIC_ARNS = "SELECT arn FROM sns_topics WHERE account = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?"
_SUBSCRIPTION_COUNTS = "SELECT pending, count(*) FROM sns_subscriptions WHERE topic_arn = ? GROUP BY pending"
_NEXT_SEQUENCE = "UPDATE sns_topics SET sequence = sequence + 1 WHERE arn = ? RETURNING sequence"


def get_topic(uow: UnitOfWork, arn: str) -> dict | None:
    return _TOPIC.first(uow.sql.execute(_GET_TOPIC, (arn,)).fetchone())


def insert_topic(uow: UnitOfWork, *, arn: str, account: str, region: str, name: str, fifo: bool, attributes: dict,
                 tags: dict, data_protection_policy: str | None) -> None:
    uow.sql.execute(_INSERT_TOPIC, (arn, account, region, name, fifo, json.dumps(attributes), json.dumps(tags),
                                    data_protection_policy, uow.now))


def update_topic(uow: UnitOfWork, arn: str, **values) -> None:
    for key in ("attributes", "tags"):
        if key in values:
            values[key] = json.dumps(values[key])
    uow.sql.execute(*_TOPIC.update("arn", arn, values))


def delete_topic(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_TOPIC_SUBSCRIPTIONS, (arn,))
    uow.sql.execute(_DELETE_TOPIC_DEDUP, (arn,))
    uow.sql.execute(_DELETE_TOPIC, (arn,))


def list_topic_arns(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[str]:
    return [arn for (arn,) in uow.sql.execute(_LIST_TOPIC_ARNS, (account, region, after, limit))]


def subscription_counts(uow: UnitOfWork, topic_arn: str) -> tuple[int, int]:
    """(confirmed, pending) subscriptions of a topic."""
    counts = {bool(p): n for p, n in uow.sql.execute(_SUBSCRIPTION_COUNTS, (topic_arn,))}
    return counts.get(False, 0), counts.get(True, 0)


def next_sequence(uow: UnitOfWork, topic_arn: str) -> int:
    # fetchall: the UPDATE ... RETURNING is stepped to its end here, not left in progress on the cursor.
    rows = uow.sql.execute(_NEXT_SEQUENCE, (topic_arn,)).fetchall()
    if not rows:
        raise LookupError(f"no topic {topic_arn}")
    return int(rows[0][0])


# --- subscriptions ------------------------------------------------------------------------------

_GET_SUBSCRIPTION = f"{_SUBSCRIPTION.select} WHERE arn = ?"
_FIND_SUBSCRIPTION = f"{_SUBSCRIPTION.select} WHERE topic_arn = ? AND protocol = ? AND endpoint = ?"
_SUBSCRIPTION_BY_TOKEN = f"{_SUBSCRIPTION.select} WHERE token = ? AND topic_arn = ?"
_INSERT_SUBSCRIPTION = (
    "INSERT INTO sns_subscriptions (arn, topic_arn, account, region, owner, protocol, endpoint, attributes, pending, "
    "token, authenticated, throttle_next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)")
_DELETE_SUBSCRIPTION = "DELETE FROM sns_subscriptions WHERE arn = ?"
_PUBLISH_TARGETS = ("SELECT arn, protocol, endpoint, attributes FROM sns_subscriptions "
                    "WHERE topic_arn = ? AND pending = 0 ORDER BY created_at, arn")
_THROTTLE_NEXT_AT = "SELECT throttle_next_at FROM sns_subscriptions WHERE arn = ?"
_TOPIC_FOR_PUBLISH = "SELECT arn, account, region, fifo, attributes FROM sns_topics WHERE arn = ?"


def get_subscription(uow: UnitOfWork, arn: str) -> dict | None:
    return _SUBSCRIPTION.first(uow.sql.execute(_GET_SUBSCRIPTION, (arn,)).fetchone())


def find_subscription(uow: UnitOfWork, topic_arn: str, protocol: str, endpoint: str) -> dict | None:
    return _SUBSCRIPTION.first(uow.sql.execute(_FIND_SUBSCRIPTION, (topic_arn, protocol, endpoint)).fetchone())


def subscription_by_token(uow: UnitOfWork, topic_arn: str, token: str) -> dict | None:
    return _SUBSCRIPTION.first(uow.sql.execute(_SUBSCRIPTION_BY_TOKEN, (token, topic_arn)).fetchone())


def insert_subscription(uow: UnitOfWork, *, arn: str, topic_arn: str, account: str, region: str, owner: str,
                        protocol: str, endpoint: str, attributes: dict, pending: bool, token: str | None) -> None:
    uow.sql.execute(_INSERT_SUBSCRIPTION, (arn, topic_arn, account, region, owner, protocol, endpoint,
                                           json.dumps(attributes), pending, token, uow.now))


def update_subscription(uow: UnitOfWork, arn: str, **values) -> None:
    if "attributes" in values:
        values["attributes"] = json.dumps(values["attributes"])
    uow.sql.execute(*_SUBSCRIPTION.update("arn", arn, values))


def delete_subscription(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_SUBSCRIPTION, (arn,))


def list_subscriptions(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
                       topic_arn: str | None = None, after: str = "", limit: int = 100) -> list[dict]:
    where: list[str] = ["arn > ?"]
    params: list[str | None] = [after]
    if topic_arn is not None:
        where.append("topic_arn = ?")
        params.append(topic_arn)
    if account is not None:
        # region is given with account; a None region matches nothing (the column is NOT NULL).
        where.append("account = ? AND region = ?")
        params += [account, region]
    sql = f"{_SUBSCRIPTION.select} WHERE {' AND '.join(where)} ORDER BY arn LIMIT ?"
    return _SUBSCRIPTION.rows(uow.sql.execute(sql, (*params, limit)))


def publish_targets(uow: UnitOfWork, topic_arn: str) -> list[tuple]:
    """Confirmed subscriptions of a topic as (arn, protocol, endpoint, attributes JSON), in creation order."""
    return uow.sql.execute(_PUBLISH_TARGETS, (topic_arn,)).fetchall()


def throttle_next_at(uow: UnitOfWork, arn: str) -> int:
    row = uow.sql.execute(_THROTTLE_NEXT_AT, (arn,)).fetchone()
    return int(row[0] or 0) if row else 0


def topic_for_publish(uow: UnitOfWork, arn: str) -> tuple | None:
    """Hot path: (arn, account, region, fifo, attributes JSON) of a topic."""
    return uow.sql.execute(_TOPIC_FOR_PUBLISH, (arn,)).fetchone()


# --- FIFO deduplication -------------------------------------------------------------------------

_DEDUP_GET = ("SELECT message_id, sequence_number FROM sns_dedup "
              "WHERE topic_arn = ? AND dedup_id = ? AND expires_at > ?")
_DEDUP_PUT = ("INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, sequence_number, expires_at) "
              "VALUES (?, ?, ?, ?, ?)")
_DEDUP_SWEEP = "DELETE FROM sns_dedup WHERE topic_arn = ? AND expires_at <= ?"


def dedup_get(uow: UnitOfWork, topic_arn: str, dedup_id: str) -> tuple[str, str] | None:
    row = uow.sql.execute(_DEDUP_GET, (topic_arn, dedup_id, uow.now)).fetchone()
    return (row[0], row[1]) if row else None


def dedup_put(uow: UnitOfWork, topic_arn: str, dedup_id: str, message_id: str, sequence_number: str,
              expires_at: int) -> None:
    uow.sql.execute(_DEDUP_PUT, (topic_arn, dedup_id, message_id, sequence_number, expires_at))


def dedup_sweep(uow: UnitOfWork, topic_arn: str) -> None:
    uow.sql.execute(_DEDUP_SWEEP, (topic_arn, uow.now))


# --- platform applications and endpoints --------------------------------------------------------

_GET_APPLICATION = f"{_APPLICATION.select} WHERE arn = ?"
_DELETE_APPLICATION = "DELETE FROM sns_platform_applications WHERE arn = ?"
_INSERT_APPLICATION = ("INSERT INTO sns_platform_applications (arn, account, region, name, platform, attributes) "
                       "VALUES (?, ?, ?, ?, ?, ?)")
_SET_APPLICATION_ATTRIBUTES = "UPDATE sns_platform_applications SET attributes = ? WHERE arn = ?"
_DELETE_APPLICATION_ENDPOINTS = "DELETE FROM sns_platform_endpoints WHERE application_arn = ?"
_LIST_APPLICATIONS = f"{_APPLICATION.select} WHERE account = ? AND region = ? AND arn > ? ORDER BY arn LIMIT ?"
_GET_ENDPOINT = f"{_ENDPOINT.select} WHERE arn = ?"
_ENDPOINT_BY_TOKEN = f"{_ENDPOINT.select} WHERE application_arn = ? AND token = ?"
_INSERT_ENDPOINT = ("INSERT INTO sns_platform_endpoints (arn, application_arn, token, attributes, created_at) "
                    "VALUES (?, ?, ?, ?, ?)")
_UPDATE_ENDPOINT = "UPDATE sns_platform_endpoints SET token = ?, attributes = ? WHERE arn = ?"
_DELETE_ENDPOINT = "DELETE FROM sns_platform_endpoints WHERE arn = ?"
_LIST_ENDPOINTS = f"{_ENDPOINT.select} WHERE application_arn = ? AND arn > ? ORDER BY arn LIMIT ?"


def get_application(uow: UnitOfWork, arn: str) -> dict | None:
    return _APPLICATION.first(uow.sql.execute(_GET_APPLICATION, (arn,)).fetchone())


def put_application(uow: UnitOfWork, *, arn: str, account: str, region: str, name: str, platform: str,
                    attributes: dict) -> None:
    uow.sql.execute(_DELETE_APPLICATION, (arn,))
    uow.sql.execute(_INSERT_APPLICATION, (arn, account, region, name, platform, json.dumps(attributes)))


def set_application_attributes(uow: UnitOfWork, arn: str, attributes: dict) -> None:
    uow.sql.execute(_SET_APPLICATION_ATTRIBUTES, (json.dumps(attributes), arn))


def delete_application(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_APPLICATION_ENDPOINTS, (arn,))
    uow.sql.execute(_DELETE_APPLICATION, (arn,))


def list_applications(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[dict]:
    return _APPLICATION.rows(uow.sql.execute(_LIST_APPLICATIONS, (account, region, after, limit)))


def get_endpoint(uow: UnitOfWork, arn: str) -> dict | None:
    return _ENDPOINT.first(uow.sql.execute(_GET_ENDPOINT, (arn,)).fetchone())


def endpoint_by_token(uow: UnitOfWork, application_arn: str, token: str) -> dict | None:
    return _ENDPOINT.first(uow.sql.execute(_ENDPOINT_BY_TOKEN, (application_arn, token)).fetchone())


def insert_endpoint(uow: UnitOfWork, *, arn: str, application_arn: str, token: str, attributes: dict) -> None:
    uow.sql.execute(_INSERT_ENDPOINT, (arn, application_arn, token, json.dumps(attributes), uow.now))


def update_endpoint(uow: UnitOfWork, arn: str, *, token: str, attributes: dict) -> None:
    uow.sql.execute(_UPDATE_ENDPOINT, (token, json.dumps(attributes), arn))


def delete_endpoint(uow: UnitOfWork, arn: str) -> None:
    uow.sql.execute(_DELETE_ENDPOINT, (arn,))


def list_endpoints(uow: UnitOfWork, application_arn: str, after: str, limit: int) -> list[dict]:
    return _ENDPOINT.rows(uow.sql.execute(_LIST_ENDPOINTS, (application_arn, after, limit)))


# --- SMS ----------------------------------------------------------------------------------------

_GET_SMS_ATTRIBUTES = "SELECT attributes FROM sns_sms_attributes WHERE account = ? AND region = ?"
_PUT_SMS_ATTRIBUTES = "INSERT OR REPLACE INTO sns_sms_attributes (account, region, attributes) VALUES (?, ?, ?)"
_IS_OPTED_OUT = "SELECT 1 FROM sns_opted_out WHERE account = ? AND phone_number = ?"
_OPT_OUT = "INSERT OR IGNORE INTO sns_opted_out (account, phone_number) VALUES (?, ?)"
_OPT_IN = "DELETE FROM sns_opted_out WHERE account = ? AND phone_number = ?"
_LIST_OPTED_OUT = ("SELECT phone_number FROM sns_opted_out WHERE account = ? AND phone_number > ? "
                   "ORDER BY phone_number LIMIT ?")
_GET_SANDBOX_NUMBER = f"{_SANDBOX_NUMBER.select} WHERE account = ? AND region = ? AND phone_number = ?"
_PUT_SANDBOX_NUMBER = (
    "INSERT OR REPLACE INTO sns_sandbox_numbers (account, region, phone_number, verified, otp, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)")
_DELETE_SANDBOX_NUMBER = "DELETE FROM sns_sandbox_numbers WHERE account = ? AND region = ? AND phone_number = ?"
_LIST_SANDBOX_NUMBERS = (f"{_SANDBOX_NUMBER.select} WHERE account = ? AND region = ? AND phone_number > ? "
                         "ORDER BY phone_number LIMIT ?")


def get_sms_attributes(uow: UnitOfWork, account: str, region: str) -> dict:
    row = uow.sql.execute(_GET_SMS_ATTRIBUTES, (account, region)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def put_sms_attributes(uow: UnitOfWork, account: str, region: str, attributes: dict) -> None:
    uow.sql.execute(_PUT_SMS_ATTRIBUTES, (account, region, json.dumps(attributes)))


def is_opted_out(uow: UnitOfWork, account: str, phone: str) -> bool:
    return uow.sql.execute(_IS_OPTED_OUT, (account, phone)).fetchone() is not None


def set_opted_out(uow: UnitOfWork, account: str, phone: str, opted_out: bool) -> None:
    uow.sql.execute(_OPT_OUT if opted_out else _OPT_IN, (account, phone))


def list_opted_out(uow: UnitOfWork, account: str, after: str, limit: int) -> list[str]:
    return [phone for (phone,) in uow.sql.execute(_LIST_OPTED_OUT, (account, after, limit))]


def get_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str) -> dict | None:
    return _SANDBOX_NUMBER.first(uow.sql.execute(_GET_SANDBOX_NUMBER, (account, region, phone)).fetchone())


def put_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str, otp: str, verified: bool) -> None:
    uow.sql.execute(_PUT_SANDBOX_NUMBER, (account, region, phone, verified, otp, uow.now))


def delete_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str) -> None:
    uow.sql.execute(_DELETE_SANDBOX_NUMBER, (account, region, phone))


def list_sandbox_numbers(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[dict]:
    return _SANDBOX_NUMBER.rows(uow.sql.execute(_LIST_SANDBOX_NUMBERS, (account, region, after, limit)))


# --- signing key --------------------------------------------------------------------------------

_GET_SIGNING_KEY = "SELECT private_key, certificate FROM sns_signing_keys WHERE id = 1"
_PUT_SIGNING_KEY = "INSERT OR IGNORE INTO sns_signing_keys (id, private_key, certificate) VALUES (1, ?, ?)"


def get_signing_key(uow: UnitOfWork) -> tuple[str, str] | None:
    row = uow.sql.execute(_GET_SIGNING_KEY).fetchone()
    return (row[0], row[1]) if row else None


def put_signing_key(uow: UnitOfWork, private_key: str, certificate: str) -> None:
    uow.sql.execute(_PUT_SIGNING_KEY, (private_key, certificate))
