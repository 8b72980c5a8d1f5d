"""Peek at SQS messages without changing them: /_sluice/sqs/messages and LocalStack's /_aws/sqs/messages."""

from __future__ import annotations

import base64
import json
import uuid
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Request, Response

from emulator import jsontext
from emulator.caller import Caller
from emulator.errors import AwsError

from .protocol import query as query_codec
from .protocol.models import SQS_QUERY_NAMESPACE, service_model

router = APIRouter()
_BACKDOOR_HANDLE = "SQS/BACKDOOR/ACCESS"


def _caller(request: Request) -> Caller:
    emu = request.app.state.emulator
    return Caller(account=emu.settings.default_account, region=emu.settings.default_region,
                  endpoint=str(request.base_url).rstrip("/"))


async def _values(request: Request) -> dict[str, str]:
    values = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body:
            if "json" in request.headers.get("content-type", ""):
                try:
                    values.update({k: v for k, v in jsontext.loads(body).items() if isinstance(v, str)})
                except (ValueError, AttributeError):
                    pass
            else:
                values.update(parse_qsl(body.decode("utf-8", "replace")))
    return values


def _jsonable(message: dict) -> dict:
    out = dict(message)
    if "MessageAttributes" in out:
        out["MessageAttributes"] = {
            k: ({"DataType": v["DataType"], "BinaryValue": base64.b64encode(v["BinaryValue"]).decode()}
                if "BinaryValue" in v else v) for k, v in out["MessageAttributes"].items()}
    return out


@router.get("/_sluice/sqs/messages", tags=["sqs"])
async def sluice_messages(request: Request, QueueUrl: str,  # noqa: N803 (AWS's parameter names)
                          MaxResults: int = Query(1000, ge=1, le=10_000,  # noqa: N803
                                                  description="Messages per page (oldest first)."),
                          NextToken: str | None = Query(None, description="`NextToken` of the previous page.")  # noqa: N803
                          ) -> Response:
    """The messages of a queue (visible, in flight and delayed) with all attributes, oldest first, a page at a
    time (``NextToken`` in the answer while more follow); nothing changes."""
    try:
        messages, next_token = await request.app.state.emulator.sqs.peek_page(
            _caller(request), queue_url=QueueUrl, next_token=NextToken, limit=MaxResults)
    except AwsError as error:
        return Response(json.dumps({"code": error.code, "message": error.message}), status_code=error.status,
                        media_type="application/json")
    body: dict = {"messages": [_jsonable(m) for m in messages]}
    if next_token is not None:
        body["NextToken"] = next_token
    return Response(json.dumps(body), media_type="application/json")


async def localstack_messages(request: Request) -> Response:
    """LocalStack's developer endpoint: a ReceiveMessage-shaped answer without side effects."""
    values = await _values(request)
    return await _answer(request, values.get("QueueUrl", ""), values)


# One route per method: FastAPI would give a two-method route one OpenAPI operation id for both.
for _method in ("GET", "POST"):
    router.add_api_route("/_aws/sqs/messages", localstack_messages, methods=[_method], tags=["compat"],
                         operation_id=f"localstack_messages_{_method.lower()}")


@router.get("/_aws/sqs/messages/{region}/{account}/{name}", tags=["compat"])
async def localstack_queue_messages(request: Request, region: str, account: str, name: str) -> Response:
    values = dict(request.query_params)
    return await _answer(request, f"http://sqs.{region}.localhost/{account}/{name}", values)


async def _answer(request: Request, url: str, values: dict) -> Response:
    as_json = request.headers.get("content-type", "").startswith("application/x-amz-json") or \
        "application/json" in request.headers.get("accept", "")
    show_invisible = values.get("ShowInvisible", "").lower() in ("true", "1")
    show_delayed = values.get("ShowDelayed", "").lower() in ("true", "1")
    request_id = str(uuid.uuid4())
    try:
        messages = await request.app.state.emulator.sqs.peek(_caller(request), queue_url=url)
    except AwsError as error:
        if as_json:
            return Response(json.dumps({"__type": f"com.amazonaws.sqs#{error.code}", "message": error.message}),
                            status_code=error.status, media_type="application/x-amz-json-1.0")
        status, headers, body = query_codec.serialize_error(
            error, code="AWS.SimpleQueueService.NonExistentQueue" if error.code == "QueueDoesNotExist"
            else error.code, status=error.status, namespace=SQS_QUERY_NAMESPACE, request_id=request_id)
        return Response(body, status_code=status, headers=headers)
    out = []
    for message in messages:
        state = message.pop("State")
        message.pop("VisibleAt")
        if (state == "inflight" and not show_invisible) or (state == "delayed" and not show_delayed):
            continue
        if show_invisible:
            message["Attributes"]["IsVisible"] = "true" if state == "visible" else "false"
        if show_delayed:
            message["Attributes"]["IsDelayed"] = "true" if state == "delayed" else "false"
        message["ReceiptHandle"] = _BACKDOOR_HANDLE
        out.append(message)
    if as_json:
        return Response(json.dumps({"Messages": [_jsonable(m) for m in out]}),
                        media_type="application/x-amz-json-1.0")
    operation = service_model("sqs-query").operation_model("ReceiveMessage")
    return Response(query_codec.serialize_result(operation, {"Messages": out}, request_id), media_type="text/xml")
