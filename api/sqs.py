"""SQS handlers (both protocols): wire dict in, one emulator call, wire dict out."""

from __future__ import annotations

import asyncio

from .operations import ops

_OPERATIONS = {
    "CreateQueue": "create_queue", "GetQueueUrl": "get_queue_url", "ListQueues": "list_queues",
    "DeleteQueue": "delete_queue", "PurgeQueue": "purge_queue", "GetQueueAttributes": "get_queue_attributes",
    "SetQueueAttributes": "set_queue_attributes", "TagQueue": "tag_queue", "UntagQueue": "untag_queue",
    "ListQueueTags": "list_queue_tags", "AddPermission": "add_permission", "RemovePermission": "remove_permission",
    "SendMessage": "send_message", "SendMessageBatch": "send_message_batch",
    "DeleteMessage": "delete_message", "DeleteMessageBatch": "delete_message_batch",
    "ChangeMessageVisibility": "change_message_visibility",
    "ChangeMessageVisibilityBatch": "change_message_visibility_batch",
    "ListDeadLetterSourceQueues": "list_dead_letter_source_queues",
    "StartMessageMoveTask": "start_message_move_task", "ListMessageMoveTasks": "list_message_move_tasks",
    "CancelMessageMoveTask": "cancel_message_move_task",
}


def _register(operation: str, method: str) -> None:
    @ops("sqs", operation)
    async def handler(emulator, ctx, params):
        return await getattr(emulator.sqs, method)(ctx.caller, params)

    handler.__name__ = method


for _operation, _method in _OPERATIONS.items():
    _register(_operation, _method)


@ops("sqs", "ReceiveMessage")
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
