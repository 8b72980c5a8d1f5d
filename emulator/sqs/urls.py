"""Queue URLs: built on the endpoint the client used, and every common form accepted on input.

Accepted: ``http://<any host>/<account>/<name>``, ``sqs.<region>.localhost.localstack.cloud:4566/<account>/<name>``,
``<region>.queue.<host>/<account>/<name>``, ``/queue/<region>/<account>/<name>``, ``/queue/<name>``,
``https://sqs.<region>.amazonaws.com/<account>/<name>``, and a bare queue name. The region comes
from the URL when it names one (its path first, then its host), else from the caller.

Built: every URL names its queue's region, so one name in two regions is two URLs. The endpoint's
host often names it already (``sqs.<region>.…``, AWS's own form); a plain host (``localhost:4566``)
gets ``/<account>/<name>`` for the default region, as always, and LocalStack's path form
``/queue/<region>/<account>/<name>`` for any other: a path the gateway routes like any queue URL.
A URL without a region still means the caller's region, so URLs handed out before keep working.
"""

from __future__ import annotations

import re

from emulator.caller import Caller

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_HOST_REGION = (re.compile(rf"^sqs\.({_REGION})\."), re.compile(rf"^({_REGION})\.queue\."))
_ACCOUNT = re.compile(r"^\d{12}$")


_PATH_REGION = re.compile(rf"/queue/({_REGION})$")


def queue_url(endpoint: str, account: str, name: str, region: str | None = None,
              default_region: str | None = None) -> str:
    """The URL of queue ``name`` of ``account`` in ``region`` on ``endpoint`` (None: a URL without a region,
    which the caller's region completes). The region goes in the path when the endpoint does not name it
    (and it is not ``default_region`` on a plain host)."""
    base = endpoint.rstrip("/")
    named = endpoint_region(base)
    if region is None or region == (named or default_region):
        return f"{base}/{account}/{name}"
    base = _PATH_REGION.sub("", base)
    return f"{base}/queue/{region}/{account}/{name}"


def endpoint_region(endpoint: str) -> str | None:
    """The region an endpoint names: ``…/queue/<region>`` (LocalStack's path strategy), else its host."""
    match = _PATH_REGION.search(endpoint.rstrip("/"))
    if match:
        return match.group(1)
    host = endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    for pattern in _HOST_REGION:
        found = pattern.match(host)
        if found:
            return found.group(1)
    return None


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
