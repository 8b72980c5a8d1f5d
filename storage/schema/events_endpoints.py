"""EventBridge global endpoints and partner event sources.

An endpoint's routing, replication and event-bus documents are JSON text, as AWS gives them back. Its health
is the state of its Route 53 health check, which Sluice does not have: an admin call sets it.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from .base import metadata

events_endpoints = Table(
    "events_endpoints", metadata,
    Column("arn", String, primary_key=True),
    Column("account", String, nullable=False),
    Column("region", String, nullable=False),         # the home (primary) Region
    Column("name", String, nullable=False),
    Column("endpoint_id", String, nullable=False),    # "abcde.veo": the URL subdomain PutEvents names
    Column("description", Text),
    Column("routing_config", Text, nullable=False),   # JSON RoutingConfig
    Column("replication_config", Text),               # JSON ReplicationConfig (None: not given, ENABLED)
    Column("event_buses", Text, nullable=False),      # JSON [{"EventBusArn": ...}, {...}]
    Column("role_arn", String),
    Column("healthy", Integer, nullable=False, default=1),  # the health check's state: 0 routes to the secondary
    Column("created_at", Integer, nullable=False),
    Column("modified_at", Integer, nullable=False),
)
Index("ix_events_endpoints_owner", events_endpoints.c.account, events_endpoints.c.region, events_endpoints.c.name,
      unique=True)
Index("ix_events_endpoints_id", events_endpoints.c.endpoint_id, unique=True)

events_partner_sources = Table(
    "events_partner_sources", metadata,
    Column("region", String, nullable=False),
    Column("name", String, nullable=False),           # aws.partner/<partner>/<name>
    Column("account", String, nullable=False),        # the customer account it was created for
    Column("partner_account", String, nullable=False),  # the partner account that created it
    Column("deactivated", Integer, nullable=False, default=0),  # DeactivateEventSource (PENDING until activated)
    Column("deleted", Integer, nullable=False, default=0),      # DeletePartnerEventSource while a bus matched it
    Column("created_at", Integer, nullable=False),
    PrimaryKeyConstraint("region", "name", "account"),
)
Index("ix_events_partner_sources_customer", events_partner_sources.c.account, events_partner_sources.c.region,
      events_partner_sources.c.name)
