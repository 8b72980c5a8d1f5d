"""Receipt handles: opaque to clients, new on every receive, and enough to find the message again.

A handle carries the queue, the message row and id, the receive it came from (its receive count)
and a random nonce, so two receives never hand out the same handle.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from .errors import ReceiptHandleIsInvalid
from .model import Queue


@dataclass(slots=True, frozen=True)
class Receipt:
    queue_id: int
    row_id: int
    receive_count: int
    message_id: str


def encode_receipt(queue_id: int, row_id: int, receive_count: int, message_id: str) -> str:
    raw = f"{queue_id}:{row_id}:{receive_count}:{message_id}:{os.urandom(12).hex()}"
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii")


_MAX_DIGITS = 18  # every integer in a handle fits SQLite's signed 64 bits (a crafted one must not overflow)


def _is_number(text: str) -> bool:
    return 0 < len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit()


def decode_receipt(handle: str, queue: Queue) -> Receipt:
    try:
        parts = base64.urlsafe_b64decode(handle.encode("ascii")).decode("ascii").split(":")
        numbers = parts[:3]
        valid = len(parts) == 5 and all(_is_number(n) for n in numbers)
        if valid:
            receipt = Receipt(int(parts[0]), int(parts[1]), int(parts[2]), parts[3])
            valid = receipt.queue_id == queue.id
    except (ValueError, IndexError, UnicodeError, binascii.Error):
        valid = False
    if not valid:
        raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.')
    return receipt
