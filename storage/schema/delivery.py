"""Deliveries Sluice records instead of sending: to Lambda, Firehose, Step Functions, Kinesis, CloudWatch
Logs, email, SMS and mobile push, until those services exist. Readable over the admin API."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .base import metadata

captured = Table(
    "captured", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Integer, nullable=False),
    Column("source", String, nullable=False),       # the sending service: sns | events
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("protocol", String, nullable=False),     # lambda | sms | email | email-json | firehose | application ...
    Column("target", String, nullable=False),       # phone number, address, function/stream/endpoint ARN
    Column("source_arn", String),                   # the topic or rule
    Column("route", String),                        # the SNS subscription ARN or the EventBridge target Id
    Column("message_id", String, nullable=False),
    Column("payload", Text, nullable=False),        # JSON
    sqlite_autoincrement=True,
)
Index("ix_captured_target", captured.c.source, captured.c.protocol, captured.c.target)
