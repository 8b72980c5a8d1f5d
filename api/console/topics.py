"""Topics: subscriptions (protocol, endpoint, filter policy, confirmation), publish, what SNS captured."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emulator import arns
from emulator.errors import AwsError

from .common import (
    attributes_from_lines,
    caller,
    emulator,
    error_text,
    flash,
    form,
    inspector,
    link,
    list_live,
    list_page,
    live,
    live_response,
    not_found,
    page,
    unavailable,
)

router = APIRouter()


async def _list(request: Request, account: str | None, region: str | None) -> dict:
    return {"topics": await inspector(request).topics(account=account, region=region)}


@router.get("/topics")
async def topic_list(request: Request, account: str | None = None, region: str | None = None) -> Response:
    if (absent := unavailable(request, "sns")) is not None:
        return absent
    return list_page(request, "topics", await _list(request, account, region), account=account, region=region)


@router.get("/topics/live")
async def topic_list_live(request: Request, account: str | None = None, region: str | None = None) -> Response:
    return list_live(request, "topics", await _list(request, account, region))


async def _topic(request: Request, arn: str) -> dict:
    insp = inspector(request)
    return {"topic": await insp.topic(arn), "deliveries": await insp.deliveries(source_arn=arn, limit=20)}


@router.get("/topics/{account}/{region}/{name}")
async def topic_page(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "sns")) is not None:
        return absent
    arn = arns.build("sns", region, account, name)
    context = await _topic(request, arn)
    if context["topic"] is None:
        return not_found(request, f"topic {name} in {account} / {region}")
    try:
        attributes = await emulator(request).sns.get_topic_attributes(arn)
    except AwsError:
        attributes = {}
    region_html = live(request, "topic-live", "_topic.html", context, link("topics", account, region, name, "live"))
    return page(request, "topic.html", section="topics", topic=context["topic"], attributes=attributes,
                live_region=region_html)


@router.get("/topics/{account}/{region}/{name}/live")
async def topic_live(request: Request, account: str, region: str, name: str) -> Response:
    return live_response(request, "topic-live", "_topic.html",
                         await _topic(request, arns.build("sns", region, account, name)),
                         link("topics", account, region, name, "live"))


@router.post("/topics/{account}/{region}/{name}/publish")
async def publish(request: Request, account: str, region: str, name: str) -> Response:
    """Publish, as a client of the topic's account and region would."""
    if (absent := unavailable(request, "sns")) is not None:
        return absent
    values = await form(request)
    try:
        result = await emulator(request).sns.publish(
            caller(request, account, region), topic_arn=arns.build("sns", region, account, name),
            message=values.get("message", ""), subject=values.get("subject") or None,
            attributes=attributes_from_lines(values.get("message_attributes", "")),
            group_id=values.get("group_id") or None, dedup_id=values.get("dedup_id") or None)
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Published message {result['MessageId']}.")
