"""AWS query protocol: form-encoded requests in, XML results and errors out (SNS, SQS-query).

The parser is the inverse of botocore's ``QuerySerializer``: it rebuilds the input structure from
dotted keys (``Attribute.1.Name``, ``Tags.member.2.Key``, ``Attributes.entry.1.value``) by walking
the input shape, converting scalars to the shape's type. The XML writer mirrors botocore's
``QueryParser``: result wrapper, flattened or wrapped lists and maps, ``ResponseMetadata``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime

from botocore.model import OperationModel, Shape

from emulator.errors import AwsError

from .timestamps import format_iso8601, parse_timestamp


class QueryValueError(ValueError):
    """A scalar that cannot be converted to its shape's type; validation turns it into an AWS error."""

    def __init__(self, path: str, value: str, type_name: str):
        super().__init__(f"{path}: {value!r} is not a valid {type_name}")
        self.path, self.value, self.type_name = path, value, type_name


def _tree(params: dict[str, str]) -> dict:
    """``{"A.1.B": "x"}`` -> ``{"A": {"1": {"B": "x"}}}``; a key that is both leaf and prefix keeps the subtree."""
    root: dict = {}
    for key, value in params.items():
        node = root
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        last = parts[-1]
        if not isinstance(node.get(last), dict):
            node[last] = value
    return root


def _indexed(node) -> list:
    """Children of a list/map node ordered by their 1-based index; non-numeric keys are ignored."""
    if not isinstance(node, dict):
        return []
    items = [(int(k), v) for k, v in node.items() if k.isascii() and k.isdigit()]  # not "²"
    items.sort(key=lambda kv: kv[0])
    return [v for _, v in items]


def parse_params(params: dict[str, str], shape: Shape | None) -> dict:
    if shape is None:
        return {}
    return _parse_structure(_tree(params), shape, "")


def _wire_name(shape: Shape, default: str) -> str:
    return shape.serialization.get("name", default)


def _parse_structure(node, shape: Shape, path: str) -> dict:
    if not isinstance(node, dict):
        return {}
    out = {}
    for name, member in shape.members.items():
        wire = _wire_name(member, name)
        if member.type_name == "list" and member.serialization.get("flattened") and member.member.serialization.get("name"):
            # A flattened list's elements are named after its member (Attribute.1.Name), but an
            # empty one is still sent under the list's own name (AttributeNames=).
            element = member.member.serialization["name"]
            if element in node or wire not in node:
                wire = element
        if wire in node:
            out[name] = _parse(node[wire], member, f"{path}.{name}" if path else name)
    return out


def _parse(node, shape: Shape, path: str):
    kind = shape.type_name
    if kind == "structure":
        return _parse_structure(node, shape, path)
    if kind == "list":
        if not isinstance(node, dict):
            return []  # "X=" is how the query protocol sends an empty list
        if not shape.serialization.get("flattened"):
            node = node.get(_wire_name(shape.member, "member"), {})
        return [_parse(v, shape.member, f"{path}.{i}") for i, v in enumerate(_indexed(node), 1)]
    if kind == "map":
        if not isinstance(node, dict):
            return {}
        if not shape.serialization.get("flattened"):
            node = node.get("entry", {})
        key_name, value_name = _wire_name(shape.key, "key"), _wire_name(shape.value, "value")
        out = {}
        for entry in _indexed(node):
            if isinstance(entry, dict) and key_name in entry:
                key = entry[key_name]
                if isinstance(key, str):
                    out[key] = _parse(entry.get(value_name, ""), shape.value, f"{path}.{key}")
        return out
    if isinstance(node, dict):
        node = ""  # a scalar sent with sub-keys: treat as empty, validation will judge it
    return _scalar(node, shape, path)


_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Infinity|NaN")


def _scalar(text: str, shape: Shape, path: str):
    kind = shape.type_name
    try:
        # Python's int()/float() also take "1_000", " 7 " and "inf"; AWS's parsers do not.
        if kind in ("integer", "long"):
            if not _INTEGER.fullmatch(text):
                raise ValueError(text)
            return int(text)
        if kind in ("float", "double"):
            if not _FLOAT.fullmatch(text):
                raise ValueError(text)
            return float(text)
        if kind == "boolean":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            raise ValueError(text)
        if kind == "blob":
            return base64.b64decode(text, validate=True)
        if kind == "timestamp":
            return parse_timestamp(text)
    except (ValueError, binascii.Error):
        raise QueryValueError(path, text, kind) from None
    return text


# --- XML output --------------------------------------------------------------------------------

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;", '"': "&quot;"})
# Characters XML 1.0 cannot carry at all, not even as a character reference (&#x0; is not well-formed):
# text that reached a response with one (stored before SQS's character rule applied to it, a name a
# service does not check) has it replaced by U+FFFD, so that every response parses.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("\ufffd", text)
    return text.translate(_ESCAPES)


def _text(value, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if kind == "timestamp":
        if isinstance(value, (int, float)):
            value = datetime.fromtimestamp(value, tz=UTC)
        return format_iso8601(value)
    return xml_text(str(value))


def _write(out: list, tag: str, value, shape: Shape) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{tag}>")
        _write_members(out, value, shape)
        out.append(f"</{tag}>")
    elif kind == "list":
        member = shape.member
        if shape.serialization.get("flattened"):
            item_tag = _wire_name(member, tag)
            for item in value:
                _write(out, item_tag, item, member)
        else:
            item_tag = _wire_name(member, "member")
            out.append(f"<{tag}>")
            for item in value:
                _write(out, item_tag, item, member)
            out.append(f"</{tag}>")
    elif kind == "map":
        key_tag, value_tag = _wire_name(shape.key, "key"), _wire_name(shape.value, "value")
        flattened = shape.serialization.get("flattened")
        if not flattened:
            out.append(f"<{tag}>")
        for key, item in value.items():
            out.append(f"<{tag}>" if flattened else "<entry>")
            _write(out, key_tag, key, shape.key)
            _write(out, value_tag, item, shape.value)
            out.append(f"</{tag}>" if flattened else "</entry>")
        if not flattened:
            out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_text(value, shape)}</{tag}>")


def _write_members(out: list, value: dict, shape: Shape) -> None:
    for name, member in shape.members.items():
        item = value.get(name)
        if item is None:
            continue
        _write(out, _wire_name(member, name), item, member)


def serialize_result(operation: OperationModel, result: dict | None, request_id: str) -> bytes:
    name = operation.name
    namespace = operation.service_model.metadata.get("xmlNamespace", "")
    out = [f'<?xml version="1.0"?>\n<{name}Response xmlns="{namespace}">']
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        start = len(out)
        _write_members(out, result or {}, shape)
        if len(out) == start:
            out.append(f"<{wrapper}/>")  # an empty result, as AWS writes it (<ReceiveMessageResult/>)
        else:
            out.insert(start, f"<{wrapper}>")
            out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>")
    return "".join(out).encode("utf-8")


# --- the JSON form of a query response (Accept: application/json) ------------------------------------

def serialize_result_json(operation: OperationModel, result: dict | None, request_id: str) -> bytes:
    """What AWS answers a query request that accepts JSON: ``{"<Op>Response": {"<Op>Result": {...},
    "ResponseMetadata": {"RequestId": ...}}}``, keys in alphabetical order, every member of the output
    present (``null`` when absent), lists as JSON arrays under their member name with a lower-case
    first letter, as AWS answers ReceiveMessage (``"messages": null``) and SendMessage
    (``"MD5OfMessageAttributes": null, ..., "SequenceNumber": null``)."""
    name = operation.name
    body: dict = {"ResponseMetadata": {"RequestId": request_id}}
    shape = operation.output_shape
    if shape is not None:
        body[shape.serialization.get("resultWrapper", f"{name}Result")] = _json_structure(result or {}, shape)
    return json.dumps({f"{name}Response": body}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _json_structure(value: dict, shape: Shape) -> dict:
    out = {}
    for name, member in shape.members.items():
        key = name[:1].lower() + name[1:] if member.type_name == "list" else name
        out[key] = None if value.get(name) is None else _json_value(value[name], member)
    return out


def _json_value(value, shape: Shape):
    kind = shape.type_name
    if kind == "structure":
        return _json_structure(value, shape)
    if kind == "list":
        return [_json_value(v, shape.member) for v in value]
    if kind == "map":
        return {k: _json_value(v, shape.value) for k, v in value.items()}
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if kind == "timestamp":
        return _text(value, shape)
    return value


def accepts_json(headers: dict[str, str]) -> bool:
    return "application/json" in headers.get("accept", "")


# --- errors -----------------------------------------------------------------------------------------

class SqsUnknownOperation(AwsError):
    """A GET of a queue URL without an Action. AWS answers 404 with a bare ``<UnknownOperationException/>``
    document (XML whatever the request accepts)."""

    code = "UnknownOperationException"
    status = 404
    bare = True


_SQS_QUEUE_LESS = frozenset(("CreateQueue", "GetQueueUrl", "ListQueues", "StartMessageMoveTask",
                             "ListMessageMoveTasks", "CancelMessageMoveTask"))
_QUEUE_PATH = re.compile(r"^/(?:queue/[^/]+/)?\d{12}/[^/]+/?$|^/queue/[^/]+/?$")


def sqs_queue_path_error(method: str, path: str, form: dict[str, str], signing_service: str | None,
                         sqs_operations: frozenset[str]) -> AwsError | None:
    """The error AWS answers an SQS query request sent to a queue URL that names no queue action:
    a GET with no Action (404 ``UnknownOperationException``); an action SQS does not have, or one
    that takes no queue (CreateQueue, ListQueues, ...): ``InvalidAction`` "The action X is not valid
    for this endpoint.". None for any other request."""
    if signing_service not in (None, "sqs") or not _QUEUE_PATH.match(path):
        return None
    if form.get("Version") not in (None, "2012-11-05"):
        return None  # another query service's request (SNS, STS) posted to some path
    action = form.get("Action")
    if not action:
        return SqsUnknownOperation("") if method == "GET" else None
    if action not in sqs_operations or action in _SQS_QUEUE_LESS:
        return AwsError(f"The action {action} is not valid for this endpoint.", code="InvalidAction")
    return None


def serialize_error(error: AwsError, *, code: str, status: int, namespace: str, request_id: str,
                    message: str | None = None, detail: bool = True) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a query error. ``message`` replaces the error's own (a service's
    query wording); ``detail``: whether the error has the empty ``<Detail/>`` element (SQS's do,
    SNS's do not)."""
    if getattr(error, "bare", False):
        return status, {"Content-Type": "text/xml"}, f"<{code}/>".encode()
    kind = "Sender" if error.sender_fault else "Receiver"
    text = xml_text(str(error.message if message is None else message))
    body = (f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
            f"<Code>{xml_text(code)}</Code><Message>{text}</Message>{'<Detail/>' if detail else ''}"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode("utf-8")
