"""The single AWS endpoint: resolve -> parse -> validate -> dispatch -> serialize.

A plain ASGI callable (no framework routing on the hot path). Every outcome is an AWS-shaped
response: modeled errors as the service sends them, protocol errors as 400s, operations Sluice does
not implement yet as 501s, and a bug in Sluice as a 500 ``InternalFailure`` without a stack trace.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from functools import cache
from urllib.parse import parse_qsl, urlsplit

from emulator.errors import AwsError, InternalFailure, MalformedQueryString, NotImplementedYet, SerializationException
from emulator.ids import new_uuid

from . import sigv4
from .context import RequestContext, SigV4Scope, resolve_caller, sigv4_scope
from .operations import handler_for, unemulated_reason
from .protocol import json as json_codec
from .protocol import query as query_codec
from .protocol.models import (
    SQS_QUERY_NAMESPACE,
    operation_names,
    query_error,
    query_error_message,
    service_model,
    sqs_json_error_type,
)
from .protocol.routing import (
    QUERY_SERVICES,
    SIGNING_NAMES,
    TARGET_PREFIXES,
    NotEmulated,
    Route,
    host_scope,
    not_emulated,
    operation_model,
    route_query,
    route_target,
    service_disabled,
)
from .protocol.validation import Problem, to_error, validate

log = logging.getLogger("sluice.api")

# __type namespaces of JSON services that qualify their error codes.
_JSON_ERROR_PREFIX = {"sqs": "com.amazonaws.sqs", "dynamodb": "com.amazonaws.dynamodb.v20120810",
                      "dynamodbstreams": "com.amazonaws.dynamodb.v20120810"}
_JSON_VERSION = {"sqs": "1.0", "dynamodb": "1.0", "dynamodbstreams": "1.0", "events": "1.1"}
_MIB = 1024 * 1024
# The largest body each service accepts: its largest valid request in the protocol's most expanding
# encoding, with room to spare, and no more. SQS: 1 MiB of message (one, or a batch) whose every byte
# may arrive percent-encoded (3 bytes) or as a JSON \u escape (3 per UTF-8 byte at worst), binary
# attributes base64-encoded first (x4 at worst). SNS: the same 1 MiB ceiling (MaximumMessageSize).
# EventBridge: PutEvents' 1 MiB of entries, JSON-escaped. DynamoDB: BatchWriteItem's 16 MB request.
# A larger request is refused from its Content-Length, before any of it is read; one that does not
# declare its length is refused as soon as it passes the limit.
BODY_LIMITS = {"sqs": 5 * _MIB, "sns": 5 * _MIB, "sts": 1 * _MIB, "events": 4 * _MIB, "dynamodb": 17 * _MIB,
               "dynamodbstreams": 1 * _MIB}
DEFAULT_BODY_LIMIT = 5 * _MIB  # a request that names no service yet (an unsigned query call)
# Bytes of request bodies held at once, across requests (read, or being handled): past it a request is
# answered 503 SlowDown, as AWS answers a flood, instead of the process growing by gigabytes.
BUFFER_BUDGET = 256 * _MIB


class RequestEntityTooLarge(AwsError):
    code = "RequestEntityTooLarge"
    status = 413


class RequestTimeout(AwsError):
    code = "RequestTimeout"
    status = 408


class SlowDown(AwsError):
    code = "SlowDown"
    status = 503
    sender_fault = False


class _Disconnected(Exception):
    """The client went away before its request body arrived."""


class _Overloaded(Exception):
    """The bodies held at once would pass BUFFER_BUDGET."""


def body_limit(headers: dict[str, str]) -> int:
    """The body limit of the service a request is for, from what its headers say (the target of a
    JSON call, else the SigV4 scope); the default when they name none."""
    target = headers.get("x-amz-target")
    if target:
        return BODY_LIMITS.get(TARGET_PREFIXES.get(target.partition(".")[0], ""), DEFAULT_BODY_LIMIT)
    service = sigv4_scope(headers.get("authorization")).service
    return BODY_LIMITS.get(service or "", DEFAULT_BODY_LIMIT)


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body


def _query_error_code(service: str, error: AwsError) -> tuple[str, int]:
    """The code and status an error has on the query protocol (SQS keeps its legacy codes)."""
    return query_error(service, error.code, error.status)


class Gateway:
    def __init__(self, emulator, *, default_account: str, default_region: str,
                 services: frozenset[str] | None = None, services_setting: str = "",
                 sqs_endpoint_strategy: str = "off", localstack_host: str | None = None):
        self.emulator = emulator
        self.default_account = default_account
        self.default_region = default_region
        # The SERVICES setting: None serves every service; otherwise the others answer ServiceDisabled.
        self.services = services
        self.services_setting = services_setting
        self.sqs_endpoint_strategy = sqs_endpoint_strategy
        self.localstack_host = localstack_host
        self.body_timeout = emulator.settings.body_timeout_s  # SLUICE_BODY_TIMEOUT_S
        self.buffered = 0  # bytes of request bodies held now (BUFFER_BUDGET)
        # SLUICE_AUTH=sigv4: the signature check (None when off, the default: no cost).
        self.auth = sigv4.verifier(emulator.settings, emulator.clock)

    async def __call__(self, scope, receive, send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 4566)))
        limit = body_limit(headers)
        declared = headers.get("content-length", "")
        too_large = declared.isascii() and declared.isdigit() and int(declared) > limit
        body, timed_out, overloaded, held = b"", False, False, [0]
        try:
            if not too_large:  # a body declared too large is never read: nothing of it is buffered
                try:
                    body, too_large = await self._read_body(receive, limit, held)
                except _Disconnected:
                    return
                except TimeoutError:
                    timed_out = True
                except _Overloaded:
                    overloaded = True
            response = await self.handle(scope["method"], scope["path"], scope.get("query_string", b""), headers,
                                         body, f"{scope.get('scheme', 'http')}://{host}", receive,
                                         too_large=too_large, timed_out=timed_out, overloaded=overloaded)
        finally:
            self.buffered -= held[0]
        if too_large or timed_out or overloaded:  # the rest of the body is never read: no reuse
            response.headers["Connection"] = "close"
        raw_headers = [(b"content-length", str(len(response.body)).encode())]
        raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": response.body})

    async def _read_body(self, receive, limit: int, held: list[int]) -> tuple[bytes, bool]:
        """(body, too large): the body in one piece (joined once, never copied again), read only up
        to ``limit``, within the body deadline (SLUICE_BODY_TIMEOUT_S) counted from the first read: a
        client that stops sending, or trickles, is answered 408 rather than holding the request open.
        ``held[0]`` counts the bytes this request adds to ``self.buffered`` (the caller gives them back)."""
        chunks: list[bytes] = []
        size = 0
        async with asyncio.timeout(self.body_timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _Disconnected
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    return b"", True
                self.buffered += len(chunk)
                held[0] += len(chunk)
                if self.buffered > BUFFER_BUDGET:
                    raise _Overloaded
                if chunk:
                    chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), False

    async def handle(self, method: str, path: str, query_string: bytes, headers: dict[str, str], body: bytes,
                     endpoint: str, receive=None, *, too_large: bool = False, timed_out: bool = False,
                     overloaded: bool = False) -> Response:
        started = time.perf_counter()
        request_id = new_uuid()
        target = headers.get("x-amz-target")
        route: Route | None = None
        protocol = "json" if target else "query"
        caller = None
        try:
            authorization = headers.get("authorization")
            sig = sigv4_scope(authorization)
            if sig.service is not None and sig.service not in SIGNING_NAMES:
                raise not_emulated(sig.service, target)
            if target:
                route = route_target(target)
            elif sig.service in QUERY_SERVICES:
                route = Route(sig.service, "-", "query")  # so that an early error has the service's shape
            if too_large:
                raise RequestEntityTooLarge(f"The request body is larger than {body_limit(headers)} bytes, "
                                            f"the most {route.service if route else 'this endpoint'} accepts.")
            if overloaded:
                raise SlowDown("Please reduce your request rate.")
            if timed_out:
                raise RequestTimeout("Your socket connection to the server was not read from or written to within "
                                     "the timeout period. Idle connections will be closed.")
            if target:
                raw = json_codec.parse_body(body)
                form = {}
            else:
                route = None
                form = _form(query_string, body if method == "POST" else b"")
                if sig.service is None:  # a presigned URL carries its scope in the query string
                    sig = sigv4_scope(authorization, form)
                    if sig.service is not None and sig.service not in SIGNING_NAMES:
                        raise not_emulated(sig.service)
            if sig.service is None:
                sig = self._host_scope(sig, headers.get("host", ""), target)
            caller = resolve_caller(sig, default_account=self.default_account, default_region=self.default_region,
                                    endpoint=endpoint, request_id=request_id)
            if not target:
                queue_path_error = query_codec.sqs_queue_path_error(method, path, form, sig.service,
                                                                    _sqs_operations())
                if queue_path_error is not None:  # an SQS request to a queue URL that names no queue action
                    route = Route("sqs", form.get("Action") or "-", "query")
                    raise queue_path_error
                route = route_query(form.get("Action"), form.get("Version"), sig.service, path)
            if self.auth is not None:
                caller = self.auth.verify(route.service, caller, method, path, query_string, headers, body)
            if self.services is not None and route.service not in self.services:
                raise service_disabled(route.service, self.services_setting)
            if route.service == "sqs" and self.sqs_endpoint_strategy != "off":
                caller = replace(caller, endpoint=self._sqs_endpoint(endpoint, caller.region))
            op = operation_model(route)
            if route.protocol == "query":
                try:
                    raw = query_codec.parse_params(form, op.input_shape)
                except query_codec.QueryValueError as exc:
                    raise to_error(route.model_name, [Problem(exc.path, exc.value, f"Member must be a valid {exc.type_name}")]) from None
                if route.service == "sqs" and path not in ("", "/") and "QueueUrl" not in raw \
                        and op.input_shape is not None and "QueueUrl" in op.input_shape.members:
                    raw["QueueUrl"] = endpoint + path
            try:
                params = validate(route.model_name, raw, op.input_shape, json_types=route.protocol == "json")
            except RecursionError:  # a recursive shape (DynamoDB AttributeValue) nested thousands deep
                raise SerializationException("The request is nested too deeply.") from None
            handler = handler_for(route.service, route.operation)
            if handler is None:
                reason = unemulated_reason(route.service, route.operation) or "is not implemented by Sluice yet."
                raise NotImplementedYet(f"The operation {route.operation} of service {route.service} {reason}")
            ctx = RequestContext(route.service, route.operation, route.protocol, caller, request_id, path, headers,
                                 receive, sig.access_key,
                                 headers.get("x-amz-security-token") or form.get("X-Amz-Security-Token"))
            result = await handler(self.emulator, ctx, params)
            response = self._result(route, op, result, request_id, headers)
        except NotEmulated as error:
            response = _foreign_error(error, headers, request_id)
            route = Route(error.name or "-", "-", "")
        except AwsError as error:
            response = self._error(route, protocol, error, request_id)
        except Exception:
            log.exception("internal error in %s %s", route and route.service, route and route.operation)
            response = self._error(route, protocol, InternalFailure("An internal error occurred. See the Sluice log."),
                                   request_id)
        if log.isEnabledFor(logging.INFO):
            log.info("%s %s %s %.1fms account=%s region=%s", route.service if route else "-",
                     route.operation if route else "-", response.status, (time.perf_counter() - started) * 1000,
                     caller.account if caller else "-", caller.region if caller else "-")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("request %s: %r -> %r", request_id, body[:4096], response.body[:4096])
        return response

    def _host_scope(self, sig: SigV4Scope, host: str, target: str | None) -> SigV4Scope:
        """An unsigned call to a LocalStack-style host (``sqs.<region>.localhost.localstack.cloud``) is
        for that service and region, as the same call signed would be."""
        service, region = host_scope(host)
        if service is None:
            return sig
        if service not in SIGNING_NAMES and service != "dynamodbstreams" and not target:
            raise not_emulated(service)
        return SigV4Scope(sig.access_key, sig.region or region, service)

    def _sqs_endpoint(self, endpoint: str, region: str) -> str:
        """The base of queue URLs under LocalStack's SQS_ENDPOINT_STRATEGY (``off``: the endpoint called).

        ``standard``: ``http://sqs.<region>.localhost.localstack.cloud:<port>``; ``domain``:
        ``http://<region>.queue.localhost.localstack.cloud:<port>`` (no region for us-east-1); ``path``:
        ``http://<endpoint>/queue/<region>``. The host is LOCALSTACK_HOST when set, else LocalStack's
        default name with the port the client called. Every form is accepted back as a queue URL.
        """
        if self.sqs_endpoint_strategy == "path":
            return f"{endpoint}/queue/{region}"
        parts = urlsplit(endpoint)
        host = self.localstack_host or f"localhost.localstack.cloud:{parts.port or (443 if parts.scheme == 'https' else 80)}"
        if self.sqs_endpoint_strategy == "standard":
            return f"{parts.scheme}://sqs.{region}.{host}"
        return f"{parts.scheme}://{'' if region == 'us-east-1' else region + '.'}queue.{host}"

    @staticmethod
    def _result(route: Route, op, result: dict | None, request_id: str, headers: dict[str, str]) -> Response:
        if route.protocol == "json":
            return Response(200, {"Content-Type": f"application/x-amz-json-{_JSON_VERSION[route.service]}",
                                  "x-amzn-RequestId": request_id}, json_codec.serialize_result(result))
        if route.service == "sqs" and query_codec.accepts_json(headers):  # SQS answers a query call in JSON
            return Response(200, {"Content-Type": "application/json", "x-amzn-RequestId": request_id},
                            query_codec.serialize_result_json(op, result, request_id))
        return Response(200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id},
                        query_codec.serialize_result(op, result, request_id))

    @staticmethod
    def _error(route: Route | None, protocol: str, error: AwsError, request_id: str) -> Response:
        service = route.service if route else None
        if (route.protocol if route else protocol) == "json":
            status, headers, body = json_codec.serialize_error(
                error, prefix=_JSON_ERROR_PREFIX.get(service), json_version=_JSON_VERSION.get(service, "1.0"),
                query_error=_query_error_code("sqs", error) if service == "sqs" else None,
                error_type=sqs_json_error_type(error.code) if service == "sqs" else None)
        else:
            code, status = _query_error_code(service, error)
            namespace = (SQS_QUERY_NAMESPACE if service == "sqs"
                         else service_model(service).metadata["xmlNamespace"] if service in ("sns", "sts") else "")
            status, headers, body = query_codec.serialize_error(
                error, code=code, status=status, namespace=namespace, request_id=request_id,
                message=query_error_message(service, error.code, error.message), detail=service != "sns")
        headers["x-amzn-RequestId"] = request_id
        return Response(status, headers, body)


@cache
def _sqs_operations() -> frozenset[str]:
    return frozenset(operation_names("sqs"))


def _form(query_string: bytes, body: bytes) -> dict[str, str]:
    """The parameters of a query request, from its query string and its form body together. A name
    given twice (in one of them or across both) is refused: which of the values counts would be a
    guess (``Action=ListQueues&Action=DeleteQueue`` must not delete a queue)."""
    try:
        pairs = parse_qsl(query_string.decode("utf-8"), keep_blank_values=True, errors="strict")
        if body:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise MalformedQueryString("The query string is malformed or not UTF-8.") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise MalformedQueryString(f"The parameter {name[:256]} is given more than once.")
            seen.add(name)
    return form


def _protocol_of(headers: dict[str, str], known: str) -> tuple[str, str]:
    """(protocol, JSON version) a foreign service's SDK speaks: what the request shows, else the table's
    (a service with several protocols, such as CloudWatch, is called in the one the SDK chose)."""
    content_type = headers.get("content-type", "")
    if headers.get("smithy-protocol") == "rpc-v2-cbor":
        return "smithy-rpc-v2-cbor", ""
    if headers.get("x-amz-target"):
        return "json", "1.0" if content_type.endswith("json-1.0") else "1.1"
    if content_type.startswith("application/x-www-form-urlencoded"):
        return ("ec2" if known == "ec2" else "query"), ""
    return (known if known in ("rest-xml", "rest-json") else "rest-json"), ""


def _cbor_text(value: str) -> bytes:
    data = value.encode("utf-8")
    n = len(data)
    if n < 24:
        head = bytes([0x60 | n])
    elif n < 0x100:
        head = bytes([0x78, n])
    elif n < 0x10000:
        head = bytes([0x79]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x7A]) + n.to_bytes(4, "big")
    return head + data


def _xml(text: str) -> str:
    return query_codec.xml_text(text)


def _foreign_error(error: NotEmulated, request_headers: dict[str, str], request_id: str) -> Response:
    """The error of a service Sluice does not emulate, in the wire shape that service's SDK parses."""
    protocol, json_version = _protocol_of(request_headers, error.foreign.protocol)
    code, message = error.code, error.message
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "json":
        headers.update({"Content-Type": f"application/x-amz-json-{json_version}",
                        "x-amzn-ErrorType": code})
        body = json.dumps({"__type": code, "message": message}).encode()
    elif protocol == "rest-json":
        headers.update({"Content-Type": "application/json", "x-amzn-ErrorType": code})
        body = json.dumps({"code": code, "message": message}).encode()
    elif protocol == "smithy-rpc-v2-cbor":
        headers.update({"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"})
        body = b"\xa2" + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)
    elif protocol == "rest-xml":
        headers.update({"Content-Type": "application/xml", "x-amz-request-id": request_id})
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{_xml(message)}</Message>'
                f"<RequestId>{request_id}</RequestId></Error>").encode()
    elif protocol == "ec2":
        headers["Content-Type"] = "text/xml"
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{_xml(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
    else:  # query
        status, qheaders, body = query_codec.serialize_error(error, code=code, status=error.status, namespace="",
                                                              request_id=request_id)
        headers.update(qheaders)
    return Response(error.status, headers, body)
