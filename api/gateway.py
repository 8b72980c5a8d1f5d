"""The single AWS endpoint: resolve -> parse -> validate -> dispatch -> serialize.

A plain ASGI callable (no framework routing on the hot path). Every outcome is an AWS-shaped
response: modeled errors as the service sends them, protocol errors as 400s, operations Sluice does
not implement yet as 501s, and a bug in Sluice as a 500 ``InternalFailure`` without a stack trace.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from urllib.parse import parse_qsl

from emulator.errors import AwsError, InternalFailure, MalformedQueryString, NotImplementedYet, SerializationException

from .context import RequestContext, resolve_caller, sigv4_scope
from .operations import handler_for
from .protocol import json as json_codec
from .protocol import query as query_codec
from .protocol.models import SQS_QUERY_NAMESPACE, query_error, service_model
from .protocol.routing import Route, operation_model, route_query, route_target
from .protocol.validation import Problem, to_error, validate

log = logging.getLogger("sluice.api")

# __type namespaces of JSON services that qualify their error codes.
_JSON_ERROR_PREFIX = {"sqs": "com.amazonaws.sqs", "dynamodb": "com.amazonaws.dynamodb.v20120810",
                      "dynamodbstreams": "com.amazonaws.dynamodb.v20120810"}
_JSON_VERSION = {"sqs": "1.0", "dynamodb": "1.0", "dynamodbstreams": "1.0", "events": "1.1"}
MAX_BODY = 32 * 1024 * 1024


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body


def _query_error_code(service: str, error: AwsError) -> tuple[str, int]:
    """The code and status an error has on the query protocol (SQS keeps its legacy codes)."""
    return query_error(service, error.code, error.status)


class Gateway:
    def __init__(self, emulator, *, default_account: str, default_region: str):
        self.emulator = emulator
        self.default_account = default_account
        self.default_region = default_region
        # Request ids need to be unique, not secret: uuid4() would read os.urandom on every call.
        self._random = random.Random()

    async def __call__(self, scope, receive, send) -> None:
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host") or "{}:{}".format(*(scope.get("server") or ("localhost", 4566)))
        response = await self.handle(scope["method"], scope["path"], scope.get("query_string", b""), headers,
                                     bytes(body), f"{scope.get('scheme', 'http')}://{host}", receive)
        raw_headers = [(b"content-length", str(len(response.body)).encode())]
        raw_headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": response.body})

    async def handle(self, method: str, path: str, query_string: bytes, headers: dict[str, str], body: bytes,
                     endpoint: str, receive=None) -> Response:
        started = time.perf_counter()
        request_id = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
        target = headers.get("x-amz-target")
        route: Route | None = None
        protocol = "json" if target else "query"
        caller = None
        try:
            if len(body) > MAX_BODY:
                raise AwsError("Request entity too large", code="RequestEntityTooLarge", status=413)
            if target:
                route = route_target(target)
                raw = json_codec.parse_body(body)
                form = {}
            else:
                form = _form(query_string, body if method == "POST" else b"")
            sig = sigv4_scope(headers.get("authorization"), form)
            caller = resolve_caller(sig, default_account=self.default_account, default_region=self.default_region,
                                    endpoint=endpoint, request_id=request_id)
            if not target:
                route = route_query(form.get("Action"), form.get("Version"), sig.service, path)
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
                raise NotImplementedYet(f"The operation {route.operation} of service {route.service} "
                                        "is not implemented by Sluice yet.")
            ctx = RequestContext(route.service, route.operation, route.protocol, caller, request_id, path, headers,
                                 receive)
            result = await handler(self.emulator, ctx, params)
            response = self._result(route, op, result, request_id)
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

    @staticmethod
    def _result(route: Route, op, result: dict | None, request_id: str) -> Response:
        if route.protocol == "json":
            return Response(200, {"Content-Type": f"application/x-amz-json-{_JSON_VERSION[route.service]}",
                                  "x-amzn-RequestId": request_id}, json_codec.serialize_result(result))
        return Response(200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id},
                        query_codec.serialize_result(op, result, request_id))

    @staticmethod
    def _error(route: Route | None, protocol: str, error: AwsError, request_id: str) -> Response:
        service = route.service if route else None
        if (route.protocol if route else protocol) == "json":
            status, headers, body = json_codec.serialize_error(
                error, prefix=_JSON_ERROR_PREFIX.get(service), json_version=_JSON_VERSION.get(service, "1.0"),
                query_error=_query_error_code("sqs", error) if service == "sqs" else None)
        else:
            code, status = _query_error_code(service, error)
            namespace = (SQS_QUERY_NAMESPACE if service == "sqs"
                         else service_model("sns").metadata["xmlNamespace"] if service == "sns" else "")
            status, headers, body = query_codec.serialize_error(error, code=code, status=status,
                                                                namespace=namespace, request_id=request_id)
        headers["x-amzn-RequestId"] = request_id
        return Response(status, headers, body)


def _form(query_string: bytes, body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(query_string.decode("utf-8"), keep_blank_values=True, errors="strict")
        if body:
            pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise MalformedQueryString("The query string is malformed or not UTF-8.") from None
    return dict(pairs)
