"""Queues: counts and dead-letter links; a queue's messages (peeked: nothing changes), send, purge, redrive."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emulator.errors import AwsError
from emulator.sqs.urls import queue_url

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


def _url(request: Request, account: str, region: str, name: str) -> str:
    """The queue's URL as its clients get it (the region in the path outside the default region)."""
    return queue_url(str(request.base_url), account, name, region, emulator(request).settings.default_region)


# --- the list ------------------------------------------------------------------------------------------

async def _list(request: Request, account: str | None, region: str | None) -> dict:
    return {"queues": await inspector(request).queues(account=account, region=region)}


@router.get("/queues")
async def queue_list(request: Request, account: str | None = None, region: str | None = None) -> Response:
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    return list_page(request, "queues", await _list(request, account, region), account=account, region=region)


@router.get("/queues/live")
async def queue_list_live(request: Request, account: str | None = None, region: str | None = None) -> Response:
    return list_live(request, "queues", await _list(request, account, region))


# --- one queue -----------------------------------------------------------------------------------------

@router.get("/queues/{account}/{region}/{name}")
async def queue_page(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    queue = await inspector(request).queue(account, region, name)
    if queue is None:
        return not_found(request, f"queue {name} in {account} / {region}")
    try:
        attributes = (await emulator(request).sqs.get_queue_attributes(
            caller(request, account, region), queue_url=_url(request, account, region, name),
            attribute_names=["All"])).get("Attributes", {})
    except AwsError:
        attributes = {}
    # The counts are live on the page; a copy taken at load time would contradict them.
    attributes = {k: v for k, v in attributes.items() if not k.startswith("ApproximateNumberOf")}
    region_html = live(request, "queue-live", "_queue.html", {"queue": queue},
                       link("queues", account, region, name, "live"))
    return page(request, "queue.html", section="queues", queue=queue, attributes=attributes,
                url=_url(request, account, region, name), live_region=region_html)


@router.get("/queues/{account}/{region}/{name}/live")
async def queue_live(request: Request, account: str, region: str, name: str) -> Response:
    queue = await inspector(request).queue(account, region, name)
    return live_response(request, "queue-live", "_queue.html", {"queue": queue},
                         link("queues", account, region, name, "live"))


@router.post("/queues/{account}/{region}/{name}/send")
async def send(request: Request, account: str, region: str, name: str) -> Response:
    """SendMessage, as a client of the queue's account and region would send it."""
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    values = await form(request)
    try:
        delay = int(values["delay"]) if values.get("delay") else None
        result = await emulator(request).sqs.send_message(
            caller(request, account, region), queue_url=_url(request, account, region, name),
            message_body=values.get("body", ""), delay_seconds=delay,
            message_attributes=attributes_from_lines(values.get("message_attributes", "")),
            message_group_id=values.get("group_id") or None,
            message_deduplication_id=values.get("dedup_id") or None)
    except ValueError:
        return flash(request, "Delay must be a whole number of seconds.", error=True)
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Sent message {result['MessageId']}.")


@router.post("/queues/{account}/{region}/{name}/purge")
async def purge(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    try:
        await emulator(request).sqs.purge_queue(caller(request, account, region),
                                                queue_url=_url(request, account, region, name))
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Purged {name}.")


@router.post("/queues/{account}/{region}/{name}/redrive")
async def redrive(request: Request, account: str, region: str, name: str) -> Response:
    """StartMessageMoveTask out of this dead-letter queue: to each message's source queue, or to one queue."""
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    values = await form(request)
    queue = await inspector(request).queue(account, region, name, limit=0)
    if queue is None:
        return flash(request, f"Queue {name} does not exist.", error=True)
    try:
        rate = int(values["rate"]) if values.get("rate") else None
        await emulator(request).sqs.start_message_move_task(
            caller(request, account, region), source_arn=queue["arn"],
            destination_arn=values.get("destination") or None, max_number_of_messages_per_second=rate)
    except ValueError:
        return flash(request, "The rate must be a whole number of messages per second.", error=True)
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Redrive started from {name}.")


@router.post("/queues/{account}/{region}/{name}/redrive/cancel")
async def cancel_redrive(request: Request, account: str, region: str, name: str) -> Response:
    if (absent := unavailable(request, "sqs")) is not None:
        return absent
    sqs = emulator(request).sqs
    who = caller(request, account, region)
    queue = await inspector(request).queue(account, region, name, limit=0)
    if queue is None:
        return flash(request, f"Queue {name} does not exist.", error=True)
    try:
        tasks = (await sqs.list_message_move_tasks(who, source_arn=queue["arn"], max_results=10))["Results"]
        running = [t for t in tasks if t["Status"] == "RUNNING"]
        if not running:
            return flash(request, "No redrive is running.", error=True)
        moved = (await sqs.cancel_message_move_task(who, task_handle=running[0]["TaskHandle"]))
    except AwsError as error:
        return flash(request, error_text(error), error=True)
    return flash(request, f"Redrive cancelled after {moved['ApproximateNumberOfMessagesMoved']} messages.")
