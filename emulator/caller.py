"""Who is calling and where: the only request facts the emulator needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    account: str
    region: str
    # The endpoint the client used (scheme://host[:port]): queue URLs and SNS links are built on it
    # so that they work from wherever the client is, e.g. another container.
    endpoint: str
    request_id: str = ""
