"""SQL of SNS (sync functions over a UnitOfWork). JSON documents are decoded here, never in the emulator."""

from __future__ import annotations

import json

from sqlalchemy import and_, delete, func, insert, select, update

from .db import UnitOfWork
from .schema.sns import (
    sns_captured,
    sns_dedup,
    sns_opted_out,
    sns_platform_applications,
    sns_platform_endpoints,
    sns_sandbox_numbers,
    sns_signing_keys,
    sns_sms_attributes,
    sns_subscriptions,
    sns_topics,
)

_JSON_COLUMNS = ("attributes", "tags", "payload")


def _row(r) -> dict | None:
    if r is None:
        return None
    d = dict(r)
    for key in _JSON_COLUMNS:
        if key in d and isinstance(d[key], str):
            d[key] = json.loads(d[key])
    return d


# --- topics -------------------------------------------------------------------------------------

def get_topic(uow: UnitOfWork, arn: str) -> dict | None:
    # A SQL string: this runs on every publish, and a Core select is compiled on each call.
    return _row(uow.conn.exec_driver_sql("SELECT * FROM sns_topics WHERE arn = ?", (arn,)).mappings().first())


def insert_topic(uow: UnitOfWork, *, arn: str, account: str, region: str, name: str, fifo: bool, attributes: dict,
                 tags: dict, data_protection_policy: str | None) -> None:
    uow.conn.execute(insert(sns_topics).values(
        arn=arn, account=account, region=region, name=name, fifo=fifo, attributes=json.dumps(attributes),
        tags=json.dumps(tags), data_protection_policy=data_protection_policy, sequence=0, subscriptions_deleted=0,
        created_at=uow.now))


def update_topic(uow: UnitOfWork, arn: str, **values) -> None:
    for key in ("attributes", "tags"):
        if key in values:
            values[key] = json.dumps(values[key])
    uow.conn.execute(update(sns_topics).where(sns_topics.c.arn == arn).values(**values))


def delete_topic(uow: UnitOfWork, arn: str) -> None:
    uow.conn.execute(delete(sns_subscriptions).where(sns_subscriptions.c.topic_arn == arn))
    uow.conn.execute(delete(sns_dedup).where(sns_dedup.c.topic_arn == arn))
    uow.conn.execute(delete(sns_topics).where(sns_topics.c.arn == arn))


def list_topic_arns(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[str]:
    q = (select(sns_topics.c.arn).where(and_(sns_topics.c.account == account, sns_topics.c.region == region,
                                             sns_topics.c.arn > after))
         .order_by(sns_topics.c.arn).limit(limit))
    return list(uow.conn.execute(q).scalars())


def subscription_counts(uow: UnitOfWork, topic_arn: str) -> tuple[int, int]:
    """(confirmed, pending) subscriptions of a topic."""
    rows = uow.conn.execute(select(sns_subscriptions.c.pending, func.count()).where(
        sns_subscriptions.c.topic_arn == topic_arn).group_by(sns_subscriptions.c.pending)).all()
    counts = {bool(p): n for p, n in rows}
    return counts.get(False, 0), counts.get(True, 0)


def next_sequence(uow: UnitOfWork, topic_arn: str) -> int:
    return uow.conn.exec_driver_sql(
        "UPDATE sns_topics SET sequence = sequence + 1 WHERE arn = ? RETURNING sequence", (topic_arn,)).scalar()


# --- subscriptions ------------------------------------------------------------------------------

def get_subscription(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(uow.conn.execute(select(sns_subscriptions).where(sns_subscriptions.c.arn == arn)).mappings().first())


def find_subscription(uow: UnitOfWork, topic_arn: str, protocol: str, endpoint: str) -> dict | None:
    q = select(sns_subscriptions).where(and_(sns_subscriptions.c.topic_arn == topic_arn,
                                             sns_subscriptions.c.protocol == protocol,
                                             sns_subscriptions.c.endpoint == endpoint))
    return _row(uow.conn.execute(q).mappings().first())


def subscription_by_token(uow: UnitOfWork, topic_arn: str, token: str) -> dict | None:
    q = select(sns_subscriptions).where(and_(sns_subscriptions.c.token == token,
                                             sns_subscriptions.c.topic_arn == topic_arn))
    return _row(uow.conn.execute(q).mappings().first())


def insert_subscription(uow: UnitOfWork, *, arn: str, topic_arn: str, account: str, region: str, owner: str,
                        protocol: str, endpoint: str, attributes: dict, pending: bool, token: str | None) -> None:
    uow.conn.execute(insert(sns_subscriptions).values(
        arn=arn, topic_arn=topic_arn, account=account, region=region, owner=owner, protocol=protocol,
        endpoint=endpoint, attributes=json.dumps(attributes), pending=pending, token=token, authenticated=False,
        throttle_next_at=0, created_at=uow.now))


def update_subscription(uow: UnitOfWork, arn: str, **values) -> None:
    if "attributes" in values:
        values["attributes"] = json.dumps(values["attributes"])
    uow.conn.execute(update(sns_subscriptions).where(sns_subscriptions.c.arn == arn).values(**values))


def delete_subscription(uow: UnitOfWork, arn: str) -> None:
    uow.conn.execute(delete(sns_subscriptions).where(sns_subscriptions.c.arn == arn))


def list_subscriptions(uow: UnitOfWork, *, account: str | None = None, region: str | None = None,
                       topic_arn: str | None = None, after: str = "", limit: int = 100) -> list[dict]:
    q = select(sns_subscriptions).where(sns_subscriptions.c.arn > after)
    if topic_arn is not None:
        q = q.where(sns_subscriptions.c.topic_arn == topic_arn)
    if account is not None:
        q = q.where(and_(sns_subscriptions.c.account == account, sns_subscriptions.c.region == region))
    return [_row(r) for r in uow.conn.execute(q.order_by(sns_subscriptions.c.arn).limit(limit)).mappings()]


def publish_targets(uow: UnitOfWork, topic_arn: str) -> list[tuple]:
    """Hot path: confirmed subscriptions of a topic as (arn, protocol, endpoint, attributes JSON, throttle_next_at)."""
    return uow.sql.execute(
        "SELECT arn, protocol, endpoint, attributes, throttle_next_at FROM sns_subscriptions "
        "WHERE topic_arn = ? AND pending = 0 ORDER BY created_at, arn", (topic_arn,)).fetchall()


def topic_for_publish(uow: UnitOfWork, arn: str) -> tuple | None:
    """Hot path: (arn, account, region, fifo, attributes JSON) of a topic."""
    return uow.sql.execute(
        "SELECT arn, account, region, fifo, attributes FROM sns_topics WHERE arn = ?", (arn,)).fetchone()


# --- FIFO deduplication -------------------------------------------------------------------------

def dedup_get(uow: UnitOfWork, topic_arn: str, dedup_id: str) -> tuple[str, str] | None:
    row = uow.conn.exec_driver_sql(
        "SELECT message_id, sequence_number FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ? AND expires_at > ?",
        (topic_arn, dedup_id, uow.now)).first()
    return (row[0], row[1]) if row else None


def dedup_put(uow: UnitOfWork, topic_arn: str, dedup_id: str, message_id: str, sequence_number: str,
              expires_at: int) -> None:
    uow.conn.exec_driver_sql(
        "INSERT OR REPLACE INTO sns_dedup (topic_arn, dedup_id, message_id, sequence_number, expires_at) "
        "VALUES (?, ?, ?, ?, ?)", (topic_arn, dedup_id, message_id, sequence_number, expires_at))


def dedup_sweep(uow: UnitOfWork, topic_arn: str) -> None:
    uow.conn.exec_driver_sql("DELETE FROM sns_dedup WHERE topic_arn = ? AND expires_at <= ?", (topic_arn, uow.now))


# --- captured deliveries ------------------------------------------------------------------------

def capture(uow: UnitOfWork, *, account: str, region: str, protocol: str, target: str, message_id: str,
            payload: dict, topic_arn: str | None = None, subscription_arn: str | None = None) -> None:
    uow.conn.exec_driver_sql(
        "INSERT INTO sns_captured (at, account, region, protocol, target, topic_arn, subscription_arn, message_id, "
        "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uow.now, account, region, protocol, target, topic_arn, subscription_arn, message_id, json.dumps(payload)))


def read_captured(uow: UnitOfWork, *, protocols: tuple[str, ...] | None = None, account: str | None = None,
                  region: str | None = None, target: str | None = None, after_id: int = 0,
                  limit: int = 1000) -> list[dict]:
    q = _captured_where(select(sns_captured).where(sns_captured.c.id > after_id), protocols, account, region, target)
    return [_row(r) for r in uow.conn.execute(q.order_by(sns_captured.c.id).limit(limit)).mappings()]


def clear_captured(uow: UnitOfWork, *, protocols: tuple[str, ...], account: str | None = None,
                   region: str | None = None, target: str | None = None) -> None:
    uow.conn.execute(_captured_where(delete(sns_captured), protocols, account, region, target))


def _captured_where(q, protocols, account, region, target):
    """``q`` narrowed to captured deliveries of these protocols, account, region and target (None: any)."""
    for column, value in ((sns_captured.c.account, account), (sns_captured.c.region, region),
                          (sns_captured.c.target, target)):
        if value:
            q = q.where(column == value)
    return q.where(sns_captured.c.protocol.in_(protocols)) if protocols else q


# --- platform applications and endpoints --------------------------------------------------------

def get_application(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(uow.conn.execute(select(sns_platform_applications).where(
        sns_platform_applications.c.arn == arn)).mappings().first())


def put_application(uow: UnitOfWork, *, arn: str, account: str, region: str, name: str, platform: str,
                    attributes: dict) -> None:
    uow.conn.execute(sns_platform_applications.delete().where(sns_platform_applications.c.arn == arn))
    uow.conn.execute(insert(sns_platform_applications).values(
        arn=arn, account=account, region=region, name=name, platform=platform, attributes=json.dumps(attributes)))


def set_application_attributes(uow: UnitOfWork, arn: str, attributes: dict) -> None:
    uow.conn.execute(update(sns_platform_applications).where(sns_platform_applications.c.arn == arn).values(
        attributes=json.dumps(attributes)))


def delete_application(uow: UnitOfWork, arn: str) -> None:
    uow.conn.execute(delete(sns_platform_endpoints).where(sns_platform_endpoints.c.application_arn == arn))
    uow.conn.execute(delete(sns_platform_applications).where(sns_platform_applications.c.arn == arn))


def list_applications(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[dict]:
    q = (select(sns_platform_applications).where(and_(
        sns_platform_applications.c.account == account, sns_platform_applications.c.region == region,
        sns_platform_applications.c.arn > after)).order_by(sns_platform_applications.c.arn).limit(limit))
    return [_row(r) for r in uow.conn.execute(q).mappings()]


def get_endpoint(uow: UnitOfWork, arn: str) -> dict | None:
    return _row(uow.conn.execute(select(sns_platform_endpoints).where(
        sns_platform_endpoints.c.arn == arn)).mappings().first())


def endpoint_by_token(uow: UnitOfWork, application_arn: str, token: str) -> dict | None:
    return _row(uow.conn.execute(select(sns_platform_endpoints).where(and_(
        sns_platform_endpoints.c.application_arn == application_arn,
        sns_platform_endpoints.c.token == token))).mappings().first())


def insert_endpoint(uow: UnitOfWork, *, arn: str, application_arn: str, token: str, attributes: dict) -> None:
    uow.conn.execute(insert(sns_platform_endpoints).values(
        arn=arn, application_arn=application_arn, token=token, attributes=json.dumps(attributes), created_at=uow.now))


def update_endpoint(uow: UnitOfWork, arn: str, *, token: str, attributes: dict) -> None:
    uow.conn.execute(update(sns_platform_endpoints).where(sns_platform_endpoints.c.arn == arn).values(
        token=token, attributes=json.dumps(attributes)))


def delete_endpoint(uow: UnitOfWork, arn: str) -> None:
    uow.conn.execute(delete(sns_platform_endpoints).where(sns_platform_endpoints.c.arn == arn))


def list_endpoints(uow: UnitOfWork, application_arn: str, after: str, limit: int) -> list[dict]:
    q = (select(sns_platform_endpoints).where(and_(sns_platform_endpoints.c.application_arn == application_arn,
                                                   sns_platform_endpoints.c.arn > after))
         .order_by(sns_platform_endpoints.c.arn).limit(limit))
    return [_row(r) for r in uow.conn.execute(q).mappings()]


# --- SMS ----------------------------------------------------------------------------------------

def get_sms_attributes(uow: UnitOfWork, account: str, region: str) -> dict:
    value = uow.conn.execute(select(sns_sms_attributes.c.attributes).where(and_(
        sns_sms_attributes.c.account == account, sns_sms_attributes.c.region == region))).scalar()
    return json.loads(value) if value else {}


def put_sms_attributes(uow: UnitOfWork, account: str, region: str, attributes: dict) -> None:
    uow.conn.exec_driver_sql("INSERT OR REPLACE INTO sns_sms_attributes (account, region, attributes) VALUES (?, ?, ?)",
                             (account, region, json.dumps(attributes)))


def is_opted_out(uow: UnitOfWork, account: str, phone: str) -> bool:
    return uow.conn.execute(select(func.count()).select_from(sns_opted_out).where(and_(
        sns_opted_out.c.account == account, sns_opted_out.c.phone_number == phone))).scalar() > 0


def set_opted_out(uow: UnitOfWork, account: str, phone: str, opted_out: bool) -> None:
    if opted_out:
        uow.conn.exec_driver_sql("INSERT OR IGNORE INTO sns_opted_out (account, phone_number) VALUES (?, ?)",
                                 (account, phone))
    else:
        uow.conn.execute(delete(sns_opted_out).where(and_(sns_opted_out.c.account == account,
                                                          sns_opted_out.c.phone_number == phone)))


def list_opted_out(uow: UnitOfWork, account: str, after: str, limit: int) -> list[str]:
    q = (select(sns_opted_out.c.phone_number).where(and_(sns_opted_out.c.account == account,
                                                         sns_opted_out.c.phone_number > after))
         .order_by(sns_opted_out.c.phone_number).limit(limit))
    return list(uow.conn.execute(q).scalars())


def get_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str) -> dict | None:
    return _row(uow.conn.execute(select(sns_sandbox_numbers).where(and_(
        sns_sandbox_numbers.c.account == account, sns_sandbox_numbers.c.region == region,
        sns_sandbox_numbers.c.phone_number == phone))).mappings().first())


def put_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str, otp: str, verified: bool) -> None:
    uow.conn.exec_driver_sql(
        "INSERT OR REPLACE INTO sns_sandbox_numbers (account, region, phone_number, verified, otp, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)", (account, region, phone, verified, otp, uow.now))


def delete_sandbox_number(uow: UnitOfWork, account: str, region: str, phone: str) -> None:
    uow.conn.execute(delete(sns_sandbox_numbers).where(and_(
        sns_sandbox_numbers.c.account == account, sns_sandbox_numbers.c.region == region,
        sns_sandbox_numbers.c.phone_number == phone)))


def list_sandbox_numbers(uow: UnitOfWork, account: str, region: str, after: str, limit: int) -> list[dict]:
    q = (select(sns_sandbox_numbers).where(and_(
        sns_sandbox_numbers.c.account == account, sns_sandbox_numbers.c.region == region,
        sns_sandbox_numbers.c.phone_number > after)).order_by(sns_sandbox_numbers.c.phone_number).limit(limit))
    return [_row(r) for r in uow.conn.execute(q).mappings()]


# --- signing key --------------------------------------------------------------------------------

def get_signing_key(uow: UnitOfWork) -> tuple[str, str] | None:
    row = uow.conn.execute(select(sns_signing_keys.c.private_key, sns_signing_keys.c.certificate)
                           .where(sns_signing_keys.c.id == 1)).first()
    return (row[0], row[1]) if row else None


def put_signing_key(uow: UnitOfWork, private_key: str, certificate: str) -> None:
    uow.conn.exec_driver_sql("INSERT OR IGNORE INTO sns_signing_keys (id, private_key, certificate) VALUES (1, ?, ?)",
                             (private_key, certificate))
