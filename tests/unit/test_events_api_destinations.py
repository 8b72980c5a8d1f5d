"""API destinations' pure parts: the request an invocation makes, and which answers are retried.

User Guide, "API destinations as targets": 401, 407, 409, 429 and 5xx are retried, other statuses are not; API
Reference, HttpParameters: the connection's InvocationHttpParameters take precedence over the target's.
"""

import pytest

from emulator.events.api_destinations import RequestError, build_request, classify

DESTINATION = {"endpoint": "https://example.com/a/*/b/*", "http_method": "PUT"}


def connection(**invocation):
    return {"auth": {"InvocationHttpParameters": invocation} if invocation else {}}


def test_path_parameters_fill_the_stars_in_order_and_are_escaped():
    request = build_request(DESTINATION, connection(), "{}", {"PathParameterValues": ["x/y", "z"]})
    assert request["url"] == "https://example.com/a/x%2Fy/b/z"
    assert request["method"] == "PUT" and request["content"] == "{}"


def test_too_few_path_parameters_cannot_be_sent():
    with pytest.raises(RequestError):
        build_request(DESTINATION, connection(), "{}", {"PathParameterValues": ["only-one"]})


def test_the_connection_wins_over_the_target_and_the_user_agent_is_eventbridges():
    request = build_request(
        {"endpoint": "https://example.com/", "http_method": "POST"},
        connection(HeaderParameters=[{"Key": "X-Id", "Value": "conn"}, {"Key": "User-Agent", "Value": "mine"}],
                   QueryStringParameters=[{"Key": "q", "Value": "conn"}]),
        '{"a":1}', {"HeaderParameters": {"x-id": "target", "content-type": "text/plain"},
                    "QueryStringParameters": {"q": "target", "r": "1"}})
    headers = request["headers"]
    assert headers["X-Id"] == "conn" and "x-id" not in headers
    assert headers["content-type"] == "text/plain" and "Content-Type" not in headers
    assert headers["User-Agent"] == "Amazon/EventBridge/ApiDestinations"
    assert headers["Range"] == "bytes=0-1048575"
    assert request["params"] == {"q": "conn", "r": "1"}


def test_get_and_head_carry_no_body():
    for method in ("GET", "HEAD"):
        request = build_request({"endpoint": "https://example.com/", "http_method": method}, connection(), "{}", None)
        assert request["content"] is None


@pytest.mark.parametrize("status, retried", [(200, None), (204, None), (400, False), (403, False), (404, False),
                                             (401, True), (407, True), (409, True), (429, True), (500, True),
                                             (504, True), (301, False)])
def test_which_statuses_are_retried(status, retried):
    outcome = classify(status)
    if retried is None:
        assert outcome.ok
    else:
        assert not outcome.ok and outcome.retryable is retried and outcome.code == str(status)
        assert outcome.failure == ("server" if retried else "client")
