"""SQS handlers (both protocols): wire dict in, one emulator call with named parameters, wire dict out.

The only place that reads SQS's wire input: ``params["QueueUrl"]`` becomes ``queue_url=``. Members
the model requires are indexed (validation guarantees them), optional ones read with ``get``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .context import RequestContext

if TYPE_CHECKING:
    from emulator.core import Emulator

# The X-Ray trace header of a request: a message sent with it gets the AWSTraceHeader system attribute.
TRACE_HEADER = "x-amzn-trace-id"


async def create_queue(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.create_queue(ctx.caller, queue_name=p["QueueName"], attributes=p.get("Attributes"),
                                           tags=p.get("tags"))


async def get_queue_url(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.get_queue_url(ctx.caller, queue_name=p["QueueName"],
                                            queue_owner_aws_account_id=p.get("QueueOwnerAWSAccountId"))


async def list_queues(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.list_queues(ctx.caller, queue_name_prefix=p.get("QueueNamePrefix"),
                                          next_token=p.get("NextToken"), max_results=p.get("MaxResults"))


async def delete_queue(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.delete_queue(ctx.caller, queue_url=p["QueueUrl"])


async def purge_queue(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.purge_queue(ctx.caller, queue_url=p["QueueUrl"])


async def get_queue_attributes(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.get_queue_attributes(ctx.caller, queue_url=p["QueueUrl"],
                                                   attribute_names=p.get("AttributeNames"))


async def set_queue_attributes(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.set_queue_attributes(ctx.caller, queue_url=p["QueueUrl"], attributes=p["Attributes"])


async def tag_queue(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.tag_queue(ctx.caller, queue_url=p["QueueUrl"], tags=p["Tags"])


async def untag_queue(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.untag_queue(ctx.caller, queue_url=p["QueueUrl"], tag_keys=p["TagKeys"])


async def list_queue_tags(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.list_queue_tags(ctx.caller, queue_url=p["QueueUrl"])


async def add_permission(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.add_permission(ctx.caller, queue_url=p["QueueUrl"], label=p["Label"],
                                      aws_account_ids=p["AWSAccountIds"], actions=p["Actions"])


async def remove_permission(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.remove_permission(ctx.caller, queue_url=p["QueueUrl"], label=p["Label"])


async def send_message(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.send_message(
        ctx.caller, queue_url=p["QueueUrl"], message_body=p["MessageBody"], delay_seconds=p.get("DelaySeconds"),
        message_attributes=p.get("MessageAttributes"), message_system_attributes=p.get("MessageSystemAttributes"),
        message_deduplication_id=p.get("MessageDeduplicationId"), message_group_id=p.get("MessageGroupId"),
        trace_header=ctx.headers.get(TRACE_HEADER))


async def send_message_batch(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.send_message_batch(ctx.caller, queue_url=p["QueueUrl"], entries=p["Entries"],
                                                 trace_header=ctx.headers.get(TRACE_HEADER))


async def delete_message(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.delete_message(ctx.caller, queue_url=p["QueueUrl"], receipt_handle=p["ReceiptHandle"])


async def delete_message_batch(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.delete_message_batch(ctx.caller, queue_url=p["QueueUrl"], entries=p["Entries"])


async def change_message_visibility(emulator: Emulator, ctx: RequestContext, p: dict) -> None:
    await emulator.sqs.change_message_visibility(ctx.caller, queue_url=p["QueueUrl"],
                                                 receipt_handle=p["ReceiptHandle"],
                                                 visibility_timeout=p["VisibilityTimeout"])


async def change_message_visibility_batch(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.change_message_visibility_batch(ctx.caller, queue_url=p["QueueUrl"],
                                                              entries=p["Entries"])


async def list_dead_letter_source_queues(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.list_dead_letter_source_queues(ctx.caller, queue_url=p["QueueUrl"],
                                                             next_token=p.get("NextToken"),
                                                             max_results=p.get("MaxResults"))


async def start_message_move_task(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.start_message_move_task(
        ctx.caller, source_arn=p["SourceArn"], destination_arn=p.get("DestinationArn"),
        max_number_of_messages_per_second=p.get("MaxNumberOfMessagesPerSecond"))


async def list_message_move_tasks(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.list_message_move_tasks(ctx.caller, source_arn=p["SourceArn"],
                                                      max_results=p.get("MaxResults"))


async def cancel_message_move_task(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    return await emulator.sqs.cancel_message_move_task(ctx.caller, task_handle=p["TaskHandle"])


async def receive_message(emulator: Emulator, ctx: RequestContext, p: dict) -> dict:
    """A long poll ends early, and frees its waiter, when the client goes away."""
    receive = emulator.sqs.receive_message(
        ctx.caller, queue_url=p["QueueUrl"], attribute_names=p.get("AttributeNames"),
        message_system_attribute_names=p.get("MessageSystemAttributeNames"),
        message_attribute_names=p.get("MessageAttributeNames"), max_number_of_messages=p.get("MaxNumberOfMessages"),
        visibility_timeout=p.get("VisibilityTimeout"), wait_time_seconds=p.get("WaitTimeSeconds"),
        receive_request_attempt_id=p.get("ReceiveRequestAttemptId"))
    if p.get("WaitTimeSeconds") == 0:
        return await receive
    work = asyncio.ensure_future(receive)
    gone = asyncio.ensure_future(ctx.until_disconnected())
    try:
        await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not work.done():
        work.cancel()
        return {}  # nobody is listening; messages already taken stay in flight until their timeout
    return work.result()
