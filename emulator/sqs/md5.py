"""The MD5 digests SQS returns and SDKs verify.

``MD5OfMessageAttributes`` (and ``MD5OfMessageSystemAttributes``) hash AWS's binary encoding of the
attributes: for each attribute in name order, the name, the data type and the value, each as a
4-byte big-endian length followed by its bytes, with a one-byte transport type (1 = string or
number, 2 = binary) before the value.
"""

from __future__ import annotations

import base64
import hashlib
import struct

_STRING, _BINARY = 1, 2


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def _binary(value) -> bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return base64.b64decode(value)  # stored form: base64 text


def _with_length(out: bytearray, data: bytes) -> None:
    out += struct.pack(">I", len(data))
    out += data


def md5_of_attributes(attributes: dict | None) -> str | None:
    """Digest of message (or system) attributes in the wire shape; None when there are none."""
    if not attributes:
        return None
    out = bytearray()
    for name in sorted(attributes):
        attribute = attributes[name]
        data_type = attribute["DataType"]
        _with_length(out, name.encode("utf-8"))
        _with_length(out, data_type.encode("utf-8"))
        if data_type.startswith("Binary"):
            out.append(_BINARY)
            _with_length(out, _binary(attribute["BinaryValue"]))
        else:
            out.append(_STRING)
            _with_length(out, attribute["StringValue"].encode("utf-8"))
    return hashlib.md5(out).hexdigest()
