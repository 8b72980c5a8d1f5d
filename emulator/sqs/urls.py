"""Queue URLs: built on the endpoint the client used, and every common form accepted on input.

Accepted: ``http://<any host>/<account>/<name>``, ``sqs.<region>.localhost.localstack.cloud:4566/<account>/<name>``,
``<region>.queue.<host>/<account>/<name>``, ``/queue/<region>/<account>/<name>``, ``/queue/<name>``,
``https://sqs.<region>.amazonaws.com/<account>/<name>``, and a bare queue name. The region comes
from the URL when it names one, else from the caller.
"""

from __future__ import annotations

import re

from emulator.caller import Caller

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_HOST_REGION = (re.compile(rf"^sqs\.({_REGION})\."), re.compile(rf"^({_REGION})\.queue\."))
_ACCOUNT = re.compile(r"^\d{12}$")


def queue_url(endpoint: str, account: str, name: str) -> str:
    return f"{endpoint.rstrip('/')}/{account}/{name}"


def parse_queue_url(url: str, caller: Caller) -> tuple[str, str, str] | None:
    """(account, region, name) named by ``url``, or None when it names no queue."""
    rest = url.strip()
    host = ""
    if "://" in rest:
        rest = rest.split("://", 1)[1]
        host, _, rest = rest.partition("/")
    rest = rest.split("?", 1)[0]
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return None
    region = caller.region
    host = host.split(":", 1)[0].lower()
    for pattern in _HOST_REGION:
        match = pattern.match(host)
        if match:
            region = match.group(1)
            break
    name = parts[-1]
    if len(parts) >= 4 and parts[-4] == "queue" and _ACCOUNT.match(parts[-2]):
        return parts[-2], parts[-3], name
    if len(parts) >= 2:
        if _ACCOUNT.match(parts[-2]):
            return parts[-2], region, name
        if parts[-2] == "queue":
            return caller.account, region, name
        return None
    return caller.account, region, name
