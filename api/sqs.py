"""SQS handlers (both protocols): wire dict in, one emulator call, wire dict out."""

from __future__ import annotations

import asyncio


async def create_queue(emulator, ctx, params):
    return await emulator.sqs.create_queue(ctx.caller, params)


async def get_queue_url(emulator, ctx, params):
    return await emulator.sqs.get_queue_url(ctx.caller, params)


async def list_queues(emulator, ctx, params):
    return await emulator.sqs.list_queues(ctx.caller, params)


async def delete_queue(emulator, ctx, params):
    return await emulator.sqs.delete_queue(ctx.caller, params)


async def purge_queue(emulator, ctx, params):
    return await emulator.sqs.purge_queue(ctx.caller, params)


async def get_queue_attributes(emulator, ctx, params):
    return await emulator.sqs.get_queue_attributes(ctx.caller, params)


async def set_queue_attributes(emulator, ctx, params):
    return await emulator.sqs.set_queue_attributes(ctx.caller, params)


async def tag_queue(emulator, ctx, params):
    return await emulator.sqs.tag_queue(ctx.caller, params)


async def untag_queue(emulator, ctx, params):
    return await emulator.sqs.untag_queue(ctx.caller, params)


async def list_queue_tags(emulator, ctx, params):
    return await emulator.sqs.list_queue_tags(ctx.caller, params)


async def add_permission(emulator, ctx, params):
    return await emulator.sqs.add_permission(ctx.caller, params)


async def remove_permission(emulator, ctx, params):
    return await emulator.sqs.remove_permission(ctx.caller, params)


async def send_message(emulator, ctx, params):
    return await emulator.sqs.send_message(ctx.caller, params)


async def send_message_batch(emulator, ctx, params):
    return await emulator.sqs.send_message_batch(ctx.caller, params)


async def delete_message(emulator, ctx, params):
    return await emulator.sqs.delete_message(ctx.caller, params)


async def delete_message_batch(emulator, ctx, params):
    return await emulator.sqs.delete_message_batch(ctx.caller, params)


async def change_message_visibility(emulator, ctx, params):
    return await emulator.sqs.change_message_visibility(ctx.caller, params)


async def change_message_visibility_batch(emulator, ctx, params):
    return await emulator.sqs.change_message_visibility_batch(ctx.caller, params)


async def list_dead_letter_source_queues(emulator, ctx, params):
    return await emulator.sqs.list_dead_letter_source_queues(ctx.caller, params)


async def start_message_move_task(emulator, ctx, params):
    return await emulator.sqs.start_message_move_task(ctx.caller, params)


async def list_message_move_tasks(emulator, ctx, params):
    return await emulator.sqs.list_message_move_tasks(ctx.caller, params)


async def cancel_message_move_task(emulator, ctx, params):
    return await emulator.sqs.cancel_message_move_task(ctx.caller, params)


async def receive_message(emulator, ctx, params):
    """A long poll ends early, and frees its waiter, when the client goes away."""
    if params.get("WaitTimeSeconds") == 0:
        return await emulator.sqs.receive_message(ctx.caller, params)
    work = asyncio.ensure_future(emulator.sqs.receive_message(ctx.caller, params))
    gone = asyncio.ensure_future(ctx.until_disconnected())
    try:
        await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
    if not work.done():
        work.cancel()
        return {}  # nobody is listening; messages already taken stay in flight until their timeout
    return work.result()
