"""SNS tables: topics, subscriptions, FIFO deduplication, captured deliveries, platform apps/endpoints, SMS.

Documents AWS keeps as strings (attribute maps, tags, policies) are stored as JSON text.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from .base import metadata

sns_topics = Table(
    "sns_topics", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("fifo", Boolean, nullable=False, default=False),
    Column("attributes", Text, nullable=False, default="{}"),   # attributes the user set (JSON)
    Column("tags", Text, nullable=False, default="{}"),
    Column("data_protection_policy", Text),
    Column("sequence", Integer, nullable=False, default=0),      # last FIFO SequenceNumber issued
    Column("subscriptions_deleted", Integer, nullable=False, default=0),
    Column("created_at", Integer, nullable=False),
)
Index("ix_sns_topics_owner", sns_topics.c.account, sns_topics.c.region, sns_topics.c.arn)

sns_subscriptions = Table(
    "sns_subscriptions", metadata,
    Column("arn", String, primary_key=True),
    Column("topic_arn", String, nullable=False),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("owner", String, nullable=False),
    Column("protocol", String, nullable=False),
    Column("endpoint", String, nullable=False),
    Column("attributes", Text, nullable=False, default="{}"),
    Column("pending", Boolean, nullable=False, default=False),
    Column("token", String),
    Column("authenticated", Boolean, nullable=False, default=False),  # ConfirmationWasAuthenticated
    Column("throttle_next_at", Integer, nullable=False, default=0),   # throttlePolicy: next free slot (ms)
    Column("created_at", Integer, nullable=False),
)
Index("ix_sns_subscriptions_topic", sns_subscriptions.c.topic_arn)
Index("ix_sns_subscriptions_owner", sns_subscriptions.c.account, sns_subscriptions.c.region, sns_subscriptions.c.arn)
Index("ix_sns_subscriptions_token", sns_subscriptions.c.token)

# FIFO topics: deduplication ids seen in the last five minutes.
sns_dedup = Table(
    "sns_dedup", metadata,
    Column("topic_arn", String, primary_key=True),
    Column("dedup_id", String, primary_key=True),
    Column("message_id", String, nullable=False),
    Column("sequence_number", String, nullable=False),
    Column("expires_at", Integer, nullable=False),
)

sns_platform_applications = Table(
    "sns_platform_applications", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("platform", String, nullable=False),
    Column("attributes", Text, nullable=False, default="{}"),
)

sns_platform_endpoints = Table(
    "sns_platform_endpoints", metadata,
    Column("arn", String, primary_key=True),
    Column("application_arn", String, nullable=False),
    Column("token", String, nullable=False),
    Column("attributes", Text, nullable=False, default="{}"),
    Column("created_at", Integer, nullable=False),
)
Index("ix_sns_platform_endpoints_app", sns_platform_endpoints.c.application_arn, sns_platform_endpoints.c.token)

sns_sms_attributes = Table(
    "sns_sms_attributes", metadata,
    Column("account", String, primary_key=True),
    Column("region", String, primary_key=True),
    Column("attributes", Text, nullable=False, default="{}"),
)

sns_opted_out = Table(
    "sns_opted_out", metadata,
    Column("account", String, primary_key=True),
    Column("phone_number", String, primary_key=True),
)

sns_sandbox_numbers = Table(
    "sns_sandbox_numbers", metadata,
    Column("account", String, primary_key=True),
    Column("region", String, primary_key=True),
    Column("phone_number", String, primary_key=True),
    Column("verified", Boolean, nullable=False, default=False),
    Column("otp", String, nullable=False),
    Column("created_at", Integer, nullable=False),
)

# The message-signing key pair: generated once, kept so that a restarted Sluice signs with the same key.
sns_signing_keys = Table(
    "sns_signing_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("private_key", Text, nullable=False),    # PEM
    Column("certificate", Text, nullable=False),    # PEM
)
