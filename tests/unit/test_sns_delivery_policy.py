"""The HTTP/S retry schedule of SNS delivery policies, and their validation."""

import json

import pytest

from emulator.sns import delivery_policy as dp
from emulator.sns.errors import InvalidParameter


def test_default_policy_is_three_retries_twenty_seconds_apart():
    assert dp.retry_delays_ms(dp.DEFAULT_RETRY) == [20_000, 20_000, 20_000]
    assert [dp.next_delay_ms(dp.DEFAULT_RETRY, n) for n in (1, 2, 3, 4)] == [20_000, 20_000, 20_000, None]


def test_four_phases_in_order():
    policy = {"numRetries": 6, "numNoDelayRetries": 1, "numMinDelayRetries": 1, "numMaxDelayRetries": 1,
              "minDelayTarget": 2, "maxDelayTarget": 10, "backoffFunction": "linear"}
    # immediate, min-delay, 3 backoff steps from 2 s to 10 s, max-delay
    assert dp.retry_delays_ms(policy) == [0, 2000, 4667, 7333, 10_000, 10_000]


@pytest.mark.parametrize("function", dp.BACKOFF_FUNCTIONS)
def test_backoff_rises_from_min_to_max(function):
    policy = {"numRetries": 10, "minDelayTarget": 1, "maxDelayTarget": 60, "backoffFunction": function}
    delays = dp.retry_delays_ms(policy)
    assert len(delays) == 10 and delays[-1] == 60_000 and delays[0] >= 1000
    assert delays == sorted(delays)


def test_backoff_curves_are_ordered_like_the_aws_chart():
    middle = {}
    for function in dp.BACKOFF_FUNCTIONS:
        middle[function] = dp.retry_delays_ms({"numRetries": 10, "minDelayTarget": 1, "maxDelayTarget": 100,
                                               "backoffFunction": function})[4]
    assert middle["linear"] > middle["arithmetic"] > middle["geometric"] > middle["exponential"]


def test_zero_retries_gives_up_after_the_first_attempt():
    assert dp.next_delay_ms({"numRetries": 0}, 1) is None


def test_subscription_policy_overrides_topic_unless_disabled():
    topic = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1,
                                                               "maxDelayTarget": 5}}})
    sub = json.dumps({"healthyRetryPolicy": {"numRetries": 2, "minDelayTarget": 3, "maxDelayTarget": 3}})
    assert dp.effective_subscription_policy(topic, sub)["healthyRetryPolicy"]["numRetries"] == 2
    assert dp.effective_subscription_policy(topic, None)["healthyRetryPolicy"]["numRetries"] == 5
    locked = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 5},
                                  "disableSubscriptionOverrides": True}})
    assert dp.effective_subscription_policy(locked, sub)["healthyRetryPolicy"]["numRetries"] == 5


def test_effective_topic_policy_defaults():
    eff = dp.effective_topic_policy(None)
    assert eff["http"]["defaultHealthyRetryPolicy"] == dp.DEFAULT_RETRY
    assert eff["http"]["defaultRequestPolicy"] == {"headerContentType": "text/plain; charset=UTF-8"}


@pytest.mark.parametrize("policy,fragment", [
    ({"healthyRetryPolicy": {"numRetries": 101}}, "numRetries must be less than or equal to 100"),
    ({"healthyRetryPolicy": {"minDelayTarget": 30, "maxDelayTarget": 20}}, "minDelayTarget"),
    ({"healthyRetryPolicy": {"numRetries": 1, "numNoDelayRetries": 2}}, "sum of"),
    ({"healthyRetryPolicy": {"backoffFunction": "cubic"}}, "backoffFunction"),
    ({"healthyRetryPolicy": {"maxDelayTarget": 3601}}, "maxDelayTarget"),
    ({"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 60, "maxDelayTarget": 60}}, "3600"),
    ({"throttlePolicy": {"maxReceivesPerSecond": 0}}, "maxReceivesPerSecond"),
    ({"nonsense": {}}, "nonsense"),
])
def test_invalid_subscription_policies(policy, fragment):
    with pytest.raises(InvalidParameter) as err:
        dp.validate_subscription_policy(json.dumps(policy))
    assert err.value.message.startswith("Invalid parameter: DeliveryPolicy: ")
    assert fragment in err.value.message


def test_invalid_json_policy():
    with pytest.raises(InvalidParameter):
        dp.validate_topic_policy("{not json")


def test_whole_number_floats_are_normalized_to_ints_in_the_effective_policy():
    sub = json.dumps({"healthyRetryPolicy": {"numRetries": 2.0, "numNoDelayRetries": 1.0, "minDelayTarget": 1.0,
                                             "maxDelayTarget": 1}})
    topic = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 4.0, "minDelayTarget": 2.0,
                                                               "maxDelayTarget": 2.0}}})
    effective = dp.effective_subscription_policy(topic, sub)["healthyRetryPolicy"]
    assert all(type(effective[k]) is int for k in ("numRetries", "numNoDelayRetries", "minDelayTarget"))
    assert [dp.next_delay_ms(effective, n) for n in (1, 2, 3)] == [0, 1000, None]
    topic_only = dp.effective_topic_policy(topic)["http"]["defaultHealthyRetryPolicy"]
    assert type(topic_only["numRetries"]) is int and topic_only["numRetries"] == 4


def test_a_schedule_stored_with_floats_still_computes():
    # An outbox row written before policies were normalized.
    policy = {**dp.DEFAULT_RETRY, "numRetries": 2.0, "numNoDelayRetries": 1.0}
    assert dp.retry_delays_ms(policy) == [0, 20_000]
