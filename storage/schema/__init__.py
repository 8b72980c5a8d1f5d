"""Every table Sluice has, one module per aggregate, all on one MetaData."""

from . import (
    core,  # noqa: F401
    delivery,  # noqa: F401
    dynamodb,  # noqa: F401
    events,  # noqa: F401
    events_archives,  # noqa: F401
    events_connections,  # noqa: F401
    events_endpoints,  # noqa: F401
    outbox_leases,  # noqa: F401
    sns,  # noqa: F401
    sqs,  # noqa: F401
    sqs_moves,  # noqa: F401
)
from .base import SCHEMA_VERSION, metadata
from .core import delivery_log, outbox

__all__ = ["SCHEMA_VERSION", "metadata", "outbox", "delivery_log"]
