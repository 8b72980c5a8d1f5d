"""Small helpers the integration tests share."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def error_of(call, *args, **kwargs) -> tuple[str, str]:
    """(code, message) of the AWS error ``call`` must raise."""
    with pytest.raises(ClientError) as err:
        call(*args, **kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def receive_in_thread(sqs, **kwargs):
    """Start ``sqs.receive_message(**kwargs)`` in a thread; returns (thread, out) where ``out`` gets
    the response and the real seconds it took."""
    import threading
    import time

    out: dict = {}

    def run():
        started = time.monotonic()
        out["response"] = sqs.receive_message(**kwargs)
        out["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)  # let the receive reach its wait (real time; a fake clock does not move)
    return thread, out
