"""EventBridge connections and API destinations.

A connection keeps its whole AuthParameters as given (secrets included: AWS keeps them in a Secrets Manager
secret, Sluice in this row) as JSON text. An API destination keeps its rate limit's window as data
(``window_start``, ``window_count``): deliveries over the rate are outbox rows due in a later window.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from .base import metadata

events_connections = Table(
    "events_connections", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("description", Text),
    Column("authorization_type", String, nullable=False),
    Column("auth", Text, nullable=False),             # JSON AuthParameters, secrets included
    Column("state", String, nullable=False),
    Column("state_reason", Text),
    Column("secret_arn", String, nullable=False),
    Column("kms_key", String),
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
    Column("authorized_at", Integer),
)
Index("ix_events_connections_owner", events_connections.c.account, events_connections.c.region,
      events_connections.c.name, unique=True)

events_api_destinations = Table(
    "events_api_destinations", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),
    Column("description", Text),
    Column("connection_arn", String, nullable=False),
    Column("endpoint", Text, nullable=False),         # InvocationEndpoint, with its * path parameters
    Column("http_method", String, nullable=False),
    Column("rate_limit", Integer, nullable=False),    # InvocationRateLimitPerSecond
    Column("state", String, nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
    # The rate limit's current one-second window (epoch ms, may lie ahead) and the invocations it holds.
    Column("window_start", Integer, nullable=False, default=0),
    Column("window_count", Integer, nullable=False, default=0),
)
Index("ix_events_api_destinations_owner", events_api_destinations.c.account, events_api_destinations.c.region,
      events_api_destinations.c.name, unique=True)
