"""AWS JSON 1.0 / 1.1 protocol: request bodies in, results and errors out.

Type checking and blob/timestamp decoding of inputs happen in ``validation`` (one walk over the
input shape for both protocols). Outputs need no walk: handlers return blobs as ``bytes`` and
timestamps as ``datetime``, which the encoder hook turns into base64 and epoch seconds.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime

from emulator.errors import AwsError, SerializationException


def parse_body(body: bytes) -> dict:
    if not body or not body.strip():
        return {}
    try:
        value = json.loads(body)
        if b"\\u" in body:  # a lone surrogate escape parses, but is no character: nothing could store it
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise SerializationException(f"Could not parse the request body as JSON: {exc.__class__.__name__}") from None
    if not isinstance(value, dict):
        raise SerializationException("Start of structure or map found where not expected.")
    return value


def _encode(value):
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        if value.tzinfo is None:  # naive means UTC here, never the host's local time
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, set):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def _finite(value):
    # JSON has no NaN/Infinity; AWS sends them as strings, as botocore expects.
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


_encoder = json.JSONEncoder(default=_encode, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def serialize_result(result: dict | None) -> bytes:
    try:
        return _encoder.encode(result or {}).encode("utf-8")
    except ValueError:  # a non-finite float or a lone surrogate somewhere: slow path, ASCII-escaped
        return json.dumps(_walk_finite(result), default=_encode, separators=(",", ":")).encode("utf-8")


def _walk_finite(value):
    if isinstance(value, dict):
        return {k: _walk_finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_walk_finite(v) for v in value]
    return _finite(value)


def serialize_error(error: AwsError, *, prefix: str | None, json_version: str,
                    query_error: tuple[str, int] | None,
                    error_type: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for an error.

    ``prefix`` is the ``__type`` namespace (``com.amazonaws.sqs``) for services that send one;
    ``error_type`` the whole ``__type`` when the service names the error itself (SQS's unmodeled errors).
    ``query_error`` is (legacy code, status) for awsQueryCompatible services (SQS): SDKs read the
    legacy code from the ``x-amzn-query-error`` header.
    """
    status = error.status
    headers = {"Content-Type": f"application/x-amz-json-{json_version}"}
    if query_error is not None:
        legacy, status = query_error
        headers["x-amzn-query-error"] = f"{legacy};{'Sender' if error.sender_fault else 'Receiver'}"
    body = {"__type": error_type or (f"{prefix}#{error.code}" if prefix else error.code), "message": error.message}
    body.update(error.fields)
    return status, headers, serialize_result(body)
