"""HTTP/S delivery policies: validation, the effective policy, and the exact retry schedule.

A topic's ``DeliveryPolicy`` is ``{"http": {"defaultHealthyRetryPolicy": ..., "defaultThrottlePolicy": ...,
"defaultRequestPolicy": ..., "disableSubscriptionOverrides": bool}}``; a subscription's is
``{"healthyRetryPolicy": ..., "throttlePolicy": ..., "requestPolicy": ...}``. The subscription's wins
unless the topic disables overrides (SNS Developer Guide, "Amazon SNS message delivery retries").

The schedule itself is computed by the delivery layer (``emulator.delivery.retry``), which every
service's retries go through.
"""

from __future__ import annotations

from typing import Any

from .. import jsontext
from ..delivery.retry import DEFAULT_SNS_RETRY, SNS_COUNTS, sns_delays_ms
from .errors import InvalidParameter

DEFAULT_RETRY = DEFAULT_SNS_RETRY
DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"
DEFAULT_TOPIC_POLICY = {"http": {"defaultHealthyRetryPolicy": DEFAULT_RETRY, "disableSubscriptionOverrides": False,
                                 "defaultRequestPolicy": {"headerContentType": DEFAULT_CONTENT_TYPE}}}
BACKOFF_FUNCTIONS = ("linear", "arithmetic", "geometric", "exponential")
CONTENT_TYPES = ("application/json", "application/xml", "text/plain", "text/html", "text/xml",
                 "application/x-www-form-urlencoded")
MAX_TOTAL_SECONDS = 3600
_COUNTS = SNS_COUNTS


def _fail(lead: str, detail: str) -> InvalidParameter:
    return InvalidParameter(f"{lead}DeliveryPolicy: {detail}")


def _int(lead: str, path: str, value, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _fail(lead, f"{path} must be an integer")
    value = int(value)
    if value < low:
        raise _fail(lead, f"{path} must be greater than or equal to {low}")
    if high is not None and value > high:
        raise _fail(lead, f"{path} must be less than or equal to {high}")
    return value


def _retry_policy(lead: str, path: str, doc) -> dict:
    if not isinstance(doc, dict):
        raise _fail(lead, f"{path} must be an object")
    policy: dict[str, Any] = dict(DEFAULT_RETRY)   # values as the user wrote them until checked below
    for key, value in doc.items():
        if key not in DEFAULT_RETRY:
            raise _fail(lead, f"{path}.{key} is not a valid field")
        policy[key] = value
    if policy["backoffFunction"] not in BACKOFF_FUNCTIONS:
        raise _fail(lead, f"{path}.backoffFunction must be one of {', '.join(BACKOFF_FUNCTIONS)}")
    policy["numRetries"] = _int(lead, f"{path}.numRetries", policy["numRetries"], 0, 100)
    for key in _COUNTS[1:]:
        policy[key] = _int(lead, f"{path}.{key}", policy[key], 0, None)
    policy["maxDelayTarget"] = _int(lead, f"{path}.maxDelayTarget", policy["maxDelayTarget"], 1, MAX_TOTAL_SECONDS)
    policy["minDelayTarget"] = _int(lead, f"{path}.minDelayTarget", policy["minDelayTarget"], 1,
                                    policy["maxDelayTarget"])
    if sum(policy[k] for k in _COUNTS[1:]) > policy["numRetries"]:
        raise _fail(lead, f"{path}.numRetries must be greater than or equal to the sum of numNoDelayRetries, "
                          "numMinDelayRetries and numMaxDelayRetries")
    if sum(retry_delays_ms(policy)) > MAX_TOTAL_SECONDS * 1000:
        raise _fail(lead, f"{path}: total retry time must be less than or equal to {MAX_TOTAL_SECONDS} seconds")
    return policy


def _throttle(lead: str, path: str, doc) -> dict:
    if not isinstance(doc, dict) or set(doc) - {"maxReceivesPerSecond"}:
        raise _fail(lead, f"{path} must be an object with maxReceivesPerSecond")
    if "maxReceivesPerSecond" in doc:
        return {"maxReceivesPerSecond": _int(lead, f"{path}.maxReceivesPerSecond", doc["maxReceivesPerSecond"], 1,
                                             None)}
    return {}


def _request(lead: str, path: str, doc) -> dict:
    if not isinstance(doc, dict) or set(doc) - {"headerContentType"}:
        raise _fail(lead, f"{path} must be an object with headerContentType")
    ctype = doc.get("headerContentType")
    if ctype is not None and (not isinstance(ctype, str) or ctype.split(";")[0].strip() not in CONTENT_TYPES):
        raise _fail(lead, f"{path}.headerContentType is not supported")
    return dict(doc)


def _parse(lead: str, source: str) -> dict:
    try:
        doc = jsontext.loads(source)
    except (TypeError, ValueError):
        raise _fail(lead, "failed to parse JSON") from None
    if not isinstance(doc, dict):
        raise _fail(lead, "must be a JSON object")
    return doc


def validate_topic_policy(source: str, lead: str = "Invalid parameter: ") -> dict:
    """A topic DeliveryPolicy, normalized; raises InvalidParameter like SetTopicAttributes."""
    doc = _parse(lead, source)
    out = {}
    for protocol, section in doc.items():
        if not isinstance(section, dict):
            raise _fail(lead, f"{protocol} must be an object")
        checked: dict[str, Any] = {}
        for key, value in section.items():
            path = f"{protocol}.{key}"
            if key == "defaultHealthyRetryPolicy":
                checked[key] = _retry_policy(lead, path, value)
            elif key == "defaultThrottlePolicy":
                checked[key] = _throttle(lead, path, value)
            elif key == "defaultRequestPolicy":
                checked[key] = _request(lead, path, value)
            elif key == "disableSubscriptionOverrides":
                if not isinstance(value, bool):
                    raise _fail(lead, f"{path} must be a boolean")
                checked[key] = value
            else:
                raise _fail(lead, f"{path} is not a valid field")
        out[protocol] = checked
    return out


def validate_subscription_policy(source: str, lead: str = "Invalid parameter: ") -> dict:
    """A subscription DeliveryPolicy, normalized; raises InvalidParameter like SetSubscriptionAttributes."""
    doc = _parse(lead, source)
    out = {}
    for key, value in doc.items():
        if key == "healthyRetryPolicy":
            out[key] = _retry_policy(lead, key, value)
        elif key == "throttlePolicy":
            out[key] = _throttle(lead, key, value)
        elif key == "requestPolicy":
            out[key] = _request(lead, key, value)
        else:
            raise _fail(lead, f"{key} is not a valid field")
    return out


def effective_topic_policy(topic_policy: str | None) -> dict:
    """The topic's EffectiveDeliveryPolicy: its DeliveryPolicy over AWS's defaults."""
    http = dict(DEFAULT_TOPIC_POLICY["http"])
    if topic_policy:
        # The validated form: numbers as ints (a stored 3.0 would break the retry schedule), defaults filled.
        http.update(validate_topic_policy(topic_policy).get("http") or {})
    return {"http": http}


def effective_subscription_policy(topic_policy: str | None, subscription_policy: str | None) -> dict:
    """What an HTTP/S subscription's deliveries follow: {healthyRetryPolicy, throttlePolicy?, requestPolicy}."""
    http = effective_topic_policy(topic_policy)["http"]
    out = {"healthyRetryPolicy": dict(http["defaultHealthyRetryPolicy"]),
           "requestPolicy": dict(http.get("defaultRequestPolicy") or {"headerContentType": DEFAULT_CONTENT_TYPE})}
    if http.get("defaultThrottlePolicy"):
        out["throttlePolicy"] = dict(http["defaultThrottlePolicy"])
    if subscription_policy and not http.get("disableSubscriptionOverrides"):
        sub = validate_subscription_policy(subscription_policy)
        if "healthyRetryPolicy" in sub:
            out["healthyRetryPolicy"] = dict(sub["healthyRetryPolicy"])
        if sub.get("throttlePolicy"):
            out["throttlePolicy"] = dict(sub["throttlePolicy"])
        if sub.get("requestPolicy"):
            out["requestPolicy"] = {**out["requestPolicy"], **sub["requestPolicy"]}
    return out


def retry_delays_ms(policy: dict) -> list[int]:
    """Delay before each retry (ms), in order; its length is numRetries."""
    return sns_delays_ms(policy)


def next_delay_ms(policy: dict, attempts: int) -> int | None:
    """ms until the next attempt after ``attempts`` failed attempts, or None when the policy is exhausted."""
    delays = retry_delays_ms(policy)
    return delays[attempts - 1] if 1 <= attempts <= len(delays) else None
