"""Retry policies as data: which failures are retried, and how long to wait before the next attempt.

- SNS (``healthyRetryPolicy`` of a DeliveryPolicy): only server-side failures (5xx, throttling,
  timeouts, connection errors) are retried; a client-side failure (a 4xx, a deleted queue, a refused
  permission) goes straight to the dead-letter queue (SNS Developer Guide, "Amazon SNS message
  delivery retries"). The schedule has four phases after the first attempt: ``numNoDelayRetries``
  immediately, ``numMinDelayRetries`` ``minDelayTarget`` apart, a backoff phase from
  ``minDelayTarget`` to ``maxDelayTarget`` along ``backoffFunction``, then ``numMaxDelayRetries``
  ``maxDelayTarget`` apart. AWS draws the four curves but does not publish their formulas; these
  have the documented shape (linear above arithmetic above geometric above exponential). No jitter,
  so tests can rely on the times.
- EventBridge (a target's ``RetryPolicy``): every failure but a missing resource or a refused
  permission is retried, up to ``MaximumRetryAttempts`` (default 185) and while the event is younger
  than ``MaximumEventAgeInSeconds`` (default 86,400), "with an exponential back off and jitter"
  (EventBridge User Guide, "Event retry policy and using dead-letter queues"). Sluice doubles from
  1 s up to 5 minutes, and the jitter is drawn from the message id and the attempt number, so a test
  can compute the exact schedule with :func:`events_delay_ms`.
"""

from __future__ import annotations

import hashlib
import math

from .model import Failure, RetryPolicy

DEFAULT_SNS_RETRY = {"minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
                     "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"}
SNS_COUNTS = ("numRetries", "numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries")
EVENTS_BASE_MS = 1_000
EVENTS_CAP_MS = 300_000
NO_RETRY = RetryPolicy()

# Exhausted-retry conditions, as EventBridge names them in a DLQ message's EXHAUSTED_RETRY_CONDITION.
MAX_ATTEMPTS = "MaximumRetryAttempts"
MAX_AGE = "MaximumEventAgeInSeconds"


def _curve(name: str, t: float) -> float:
    """The backoff curve on [0, 1] -> [0, 1]."""
    if name == "arithmetic":
        return t * t
    if name == "geometric":
        return t * t * t
    if name == "exponential":
        return (math.pow(2, 10 * t) - 1) / 1023
    return t


def sns_delays_ms(policy: dict) -> list[int]:
    """Delay before each retry (ms), in order; its length is numRetries."""
    p = {**DEFAULT_SNS_RETRY, **policy}
    for key in SNS_COUNTS + ("minDelayTarget", "maxDelayTarget"):
        p[key] = int(p[key])  # rows queued before policies were normalized may hold 3.0
    low, high = p["minDelayTarget"] * 1000, p["maxDelayTarget"] * 1000
    backoff = p["numRetries"] - p["numNoDelayRetries"] - p["numMinDelayRetries"] - p["numMaxDelayRetries"]
    delays = [0] * p["numNoDelayRetries"] + [low] * p["numMinDelayRetries"]
    for i in range(1, max(0, backoff) + 1):
        delays.append(int(round(low + (high - low) * _curve(p["backoffFunction"], i / backoff))))
    delays += [high] * p["numMaxDelayRetries"]
    return delays


def events_delay_ms(message_id: str, attempts: int) -> int:
    """EventBridge's wait after ``attempts`` failed attempts: exponential, capped, with "equal jitter"
    (half fixed, half drawn) from a hash, so the same event always gets the same schedule."""
    ceiling = min(EVENTS_CAP_MS, EVENTS_BASE_MS << min(attempts - 1, 20))
    draw = int.from_bytes(hashlib.blake2b(f"{message_id}:{attempts}".encode(), digest_size=4).digest(), "big")
    return ceiling // 2 + draw % (ceiling // 2 + 1)


def retries(policy: RetryPolicy, failure: Failure | str) -> bool:
    """Whether this kind of failure is retried at all under ``policy``."""
    if policy.kind == "sns":
        return failure == "server"
    if policy.kind == "events":
        return failure not in ("missing", "permission")
    return False


def next_delay_ms(policy: RetryPolicy, failure: Failure | str, *, message_id: str, attempts: int, first_attempt_at: int,
                  now: int) -> int | None:
    """ms until the next attempt after ``attempts`` failed ones, or None: give up (dead-letter)."""
    if not retries(policy, failure) or attempts < 1:
        return None
    if policy.kind == "sns":
        delays = sns_delays_ms(policy.sns or DEFAULT_SNS_RETRY)
        return delays[attempts - 1] if attempts <= len(delays) else None
    if attempts > policy.maximum_retry_attempts:
        return None
    delay = events_delay_ms(message_id, attempts)
    if now + delay - first_attempt_at > policy.maximum_event_age_s * 1000:
        return None
    return delay


def exhausted_condition(policy: RetryPolicy, failure: Failure | str, attempts: int) -> str | None:
    """EventBridge's EXHAUSTED_RETRY_CONDITION for a given-up delivery (None: it was never retryable)."""
    if not retries(policy, failure):
        return None
    return MAX_ATTEMPTS if attempts > policy.maximum_retry_attempts else MAX_AGE
