"""The services the Emulator hosts, by explicit table (no registration by import side effect).

Every service class takes the Emulator and has the same shape: an async ``start`` (load caches,
add due-time sources to the scheduler), a ``reset`` (forget caches after a wipe), and async methods
with named, typed parameters, each one store transaction. Services reach each other only through
the typed in-transaction ports they expose (``sqs.deliver``, ``sns.publish_in``), by way of the
delivery layer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .dynamodb import DynamoDB
from .events import Events
from .sns import SnsService
from .sqs import Sqs
from .sts import Sts

if TYPE_CHECKING:
    from .core import Emulator


class Service(Protocol):
    def __init__(self, emulator: Emulator) -> None: ...

    async def start(self) -> None: ...

    def reset(self) -> None: ...


# name (botocore's service name) -> class; the Emulator builds one of each, in this order.
SERVICES: dict[str, type[Service]] = {
    "sqs": Sqs,
    "sns": SnsService,
    "dynamodb": DynamoDB,
    "events": Events,
    "sts": Sts,
}
