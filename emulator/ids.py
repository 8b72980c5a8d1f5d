"""Identifiers that must be unique, not secret: message ids, request ids, event ids.

``uuid.uuid4()`` reads ``os.urandom`` on every call, and that system call releases the GIL: on a busy
event loop each id became a thread switch (measured ~0.1 ms of a publish). These come from one
Mersenne Twister seeded from the OS once, with the bits a version-4 RFC 4122 UUID has. Anything that is
a credential or a token (subscription confirmation tokens, iterator keys) keeps using ``secrets``.
"""

from __future__ import annotations

import random

_random = random.Random()  # seeded from os.urandom
_getrandbits = _random.getrandbits
# Version 4 and the RFC 4122 variant: the bits uuid.UUID(version=4) sets.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_V4 = (0x4000 << 64) | (0x8000 << 48)


def new_uuid() -> str:
    """A random (version 4) UUID in its usual text form, ``xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx``."""
    text = f"{(_getrandbits(128) & _CLEAR) | _V4:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def random_text(length: int, alphabet: str) -> str:
    """``length`` characters drawn from ``alphabet`` (a Secrets Manager ARN's 6-character suffix)."""
    return "".join(_random.choice(alphabet) for _ in range(length))
