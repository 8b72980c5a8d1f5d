"""The delivery layer: the one way any service hands a message to a target.

- ``model``: Message, Target, RetryPolicy, DeadLetter (plain data, JSON round-trip for the outbox).
- ``targets``: one adapter per kind of local target (SQS queue, SNS topic, captured; buses plug in).
- ``http``: the HTTP/S sender.  ``retry``: SNS's and EventBridge's retry policies.
- ``dead_letter``: the one DLQ writer.  ``outbox``: the durable runner of deliveries that left their
  transaction.  ``dispatch``: ``Delivery``, the inline-or-outbox choice and the delivery log.
"""

from .dispatch import Delivery
from .model import DeadLetter, Message, RetryPolicy, Target
from .outbox import Outcome

__all__ = ["Delivery", "DeadLetter", "Message", "Outcome", "RetryPolicy", "Target"]
