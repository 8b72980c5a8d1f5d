"""The web console end to end: a real server, boto3 on one side, headless Chromium (Playwright) on the other.

Every wait is on a condition (Playwright's auto-waiting ``expect``), never a fixed delay. Screenshots of the
main pages go to the run's pytest temporary directory and are copied to ``bench/results/console/``.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.server import ThreadServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "console"
ACCOUNT, OTHER_ACCOUNT, REGION = "000000000000", "111111111111", "us-east-1"
CONSOLE = "/_sluice/console"


# --- fixtures ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, sluice):
    context = browser.new_context(base_url=sluice.url, viewport={"width": 1360, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("console-screenshots")


@pytest.fixture
def shot(page, screenshots):
    """``shot(name)``: a full-page screenshot into the run's temporary directory and bench/results/console/."""
    def take(name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / path.name)
        return path
    return take


def queue(sqs, name: str, **attributes) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def count(sqs, url: str) -> dict[str, int]:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    return {k: int(v) for k, v in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].items()}


def iso(ms: int) -> str:
    """How the console writes a time in a ``<time datetime>``."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}Z"


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens: every delivery there is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/hook"


# --- overview and clock ----------------------------------------------------------------------------------

def test_overview_shows_every_account_and_region_and_advances_the_fake_clock(page, client, admin, shot):
    for region in ("us-east-1", "eu-west-1"):
        sqs = client("sqs", region=region)
        url, _ = queue(sqs, "orders")
        sqs.send_message(QueueUrl=url, MessageBody="x")
    client("sqs", account=OTHER_ACCOUNT).create_queue(QueueName="billing")
    sns = client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    _, inbox = queue(client("sqs"), "inbox")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox)
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=closed_port_url())
    sns.publish(TopicArn=topic, Message="disk full")
    client("events").put_rule(Name="r", EventPattern=json.dumps({"source": ["shop"]}))

    page.goto(CONSOLE)
    places = page.locator("#places tbody tr")
    expect(places).to_have_count(3)
    expect(places.filter(has_text="eu-west-1")).to_contain_text("1")
    expect(page.locator("#places")).to_contain_text(OTHER_ACCOUNT)
    expect(page.locator(".clock-tag")).to_have_text("fake clock")
    recent = page.locator("#overview-live table.deliveries tbody tr")
    expect(recent.filter(has_text="sns.http")).to_have_class(re.compile(r"\bfailed\b"))  # failures stand out
    expect(recent.filter(has_text="sns.sqs")).not_to_have_class(re.compile(r"\bfailed\b"))

    before = admin.get("/_sluice/clock").json()["now_ms"]
    page.get_by_role("button", name="+20 s").click()
    expect(page.locator("#flash")).to_contain_text("Clock advanced by 20 s")
    assert admin.get("/_sluice/clock").json()["now_ms"] == before + 20_000
    expect(page.locator("#clock-live time")).to_have_attribute("datetime", iso(before + 20_000))
    shot("overview")


@pytest.mark.parametrize("seconds", ["inf", "nan", "-1", "x"])
def test_advancing_the_clock_by_no_finite_forward_amount_is_refused(sluice, seconds):
    answer = httpx.post(f"{sluice.url}{CONSOLE}/clock/advance", data={"seconds": seconds},
                        headers={"hx-request": "true"})
    assert answer.status_code == 200 and answer.headers["X-Console-Result"] == "error"


def test_a_browser_opening_the_root_lands_on_the_console(sluice):
    answer = httpx.get(f"{sluice.url}/", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"] == CONSOLE
    assert httpx.get(f"{sluice.url}/").status_code == 400  # not a browser: still the AWS endpoint's answer


# --- queues -----------------------------------------------------------------------------------------------

def test_a_queue_page_shows_the_url_its_clients_get(sluice, client):
    """Outside the default region a queue's URL names its region: the page shows that URL, not another."""
    url = client("sqs", region="eu-west-1").create_queue(QueueName="far")["QueueUrl"]
    assert "/queue/eu-west-1/" in url
    answer = httpx.get(f"{sluice.url}{CONSOLE}/queues/000000000000/eu-west-1/far")
    assert answer.status_code == 200 and url.replace(sluice.url, "") in answer.text


def test_a_message_sent_with_boto3_appears_without_a_reload(page, client, shot):
    sqs = client("sqs")
    url, _ = queue(sqs, "orders")
    page.goto(f"{CONSOLE}/queues/{ACCOUNT}/{REGION}/orders")
    expect(page.locator("#messages")).to_contain_text("The queue is empty")
    page.evaluate("window.notReloaded = true")

    sent = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 7, "items": ["a", "b"]}),
                            MessageAttributes={"tenant": {"DataType": "String", "StringValue": "acme"}})
    row = page.locator(f'#messages tr[data-message-id="{sent["MessageId"]}"]')
    expect(row).to_be_visible()
    expect(row.locator("pre.code")).to_have_text('{\n  "order": 7,\n  "items": [\n    "a",\n    "b"\n  ]\n}')
    expect(row).to_contain_text("tenant")
    expect(page.locator("#count-visible")).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True

    # Peeking changed nothing: the message is still visible and never received.
    [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    expect(page.locator("#count-inflight")).to_have_text("1")
    expect(row.locator(".badge")).to_have_text("in flight")
    sqs.send_message(QueueUrl=url, MessageBody="plain text")
    shot("queue")
    page.goto(f"{CONSOLE}/queues")
    expect(page.locator('#queues tr[data-queue="orders"] .inflight')).to_have_text("1")
    shot("queues")


def test_send_and_purge_from_the_page_take_effect(page, client):
    sqs = client("sqs")
    url, _ = queue(sqs, "jobs")
    page.goto(f"{CONSOLE}/queues/{ACCOUNT}/{REGION}/jobs")
    page.locator("#send-form textarea[name=body]").fill("from the console")
    page.locator("#send-form").get_by_role("button", name="Send").click()
    expect(page.locator("#flash")).to_contain_text("Sent message")
    expect(page.locator("#send-form textarea[name=body]")).to_have_value("")  # the form is ready for the next one
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    assert message["Body"] == "from the console"

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Purge queue").click()
    expect(page.locator("#flash")).to_contain_text("Purged jobs")
    assert count(sqs, url) == {"ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}
    expect(page.locator("#messages")).to_contain_text("The queue is empty")

    page.get_by_role("button", name="Purge queue").click()  # SQS's one purge a minute holds here too
    expect(page.locator("#flash .error")).to_contain_text("PurgeQueueInProgress")


def test_a_dlq_redrive_started_from_the_page_moves_the_messages_back(page, client, shot):
    sqs = client("sqs")
    dlq_url, dlq_arn = queue(sqs, "work-dlq")
    url, _ = queue(sqs, "work", RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    for _ in range(2):  # received once each, then moved to the DLQ by the next receive
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert count(sqs, dlq_url)["ApproximateNumberOfMessages"] == 2

    page.goto(f"{CONSOLE}/queues/{ACCOUNT}/{REGION}/work-dlq")
    expect(page.locator("text=Dead-letter queue of:")).to_contain_text("work")
    expect(page.locator("#messages tr.message")).to_have_count(2)
    page.get_by_role("button", name="Start redrive").click()
    expect(page.locator("#flash")).to_contain_text("Redrive started")
    task = page.locator("#tasks tr.task").first
    expect(task).to_have_attribute("data-status", "COMPLETED")
    expect(task.locator(".moved")).to_have_text("2")
    expect(page.locator("#messages")).to_contain_text("The queue is empty")
    assert count(sqs, dlq_url)["ApproximateNumberOfMessages"] == 0
    assert sorted(m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]) == \
        ["one", "two"]
    shot("queue-dlq-redrive")


# --- topics ---------------------------------------------------------------------------------------------

def test_publish_from_the_page_reaches_subscribers_and_shows_what_was_captured(page, client, shot):
    sqs, sns = client("sqs"), client("sns")
    url, arn = queue(sqs, "inbox")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                  Attributes={"FilterPolicy": json.dumps({"kind": ["order"]})})
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:on-order"
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function)
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=closed_port_url())

    page.goto(f"{CONSOLE}/topics/{ACCOUNT}/{REGION}/orders")
    subscriptions = page.locator("#subscriptions tbody tr")
    expect(subscriptions).to_have_count(3)
    expect(subscriptions.filter(has_text="inbox")).to_contain_text("confirmed")
    expect(subscriptions.filter(has_text="inbox")).to_contain_text('"order"')
    expect(subscriptions.filter(has_text="http")).to_contain_text("pending confirmation")

    form = page.locator("#publish-form")
    form.locator("textarea[name=message]").fill("order 42 placed")
    form.locator("input[name=subject]").fill("new order")
    form.locator("textarea[name=message_attributes]").fill("kind=order")
    form.get_by_role("button", name="Publish").click()
    expect(page.locator("#flash")).to_contain_text("Published message")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Message"] == "order 42 placed" and envelope["Subject"] == "new order"
    expect(page.locator("#captured tbody tr").filter(has_text=function)).to_contain_text("order 42 placed")
    shot("topic")


# --- the delivery log -------------------------------------------------------------------------------------

def test_a_failed_http_delivery_shows_in_the_log_with_its_retry_schedule(page, client, admin, advance, shot):
    sns = client("sns")
    topic = sns.create_topic(Name="hooks")["TopicArn"]
    endpoint = closed_port_url()
    sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)  # its confirmation is refused: retried

    page.goto(f"{CONSOLE}/deliveries?status=failed")
    row = page.locator("table.deliveries tbody tr").first
    expect(row).to_have_attribute("data-status", "retrying")
    expect(row).to_contain_text(endpoint)
    [pending] = admin.get("/_sluice/deliveries/pending").json()
    expect(row.locator("td").last.locator("time")).to_have_attribute("datetime", iso(pending["due_at"]))
    expect(page.locator("#pending tbody tr")).to_contain_text("then it is dropped")
    shot("deliveries")

    row.locator("td").first.get_by_role("link").click()
    expect(page.locator("#attempts tbody tr")).to_have_count(1)
    schedule = page.locator("#retry-schedule table.schedule tbody tr")
    # SNS's default HTTP policy: three retries 20 s apart, then the delivery is dropped (no DLQ).
    expected = [(2, pending["due_at"]), (3, pending["due_at"] + 20_000), (4, pending["due_at"] + 40_000)]
    expect(schedule).to_have_count(len(expected))
    for i, (attempt, due) in enumerate(expected):
        expect(schedule.nth(i).locator("td").first).to_have_text(str(attempt))
        expect(schedule.nth(i).locator("time")).to_have_attribute("datetime", iso(due))
    expect(page.locator("#retry-schedule")).to_contain_text("Then it is dropped")

    advance(20)  # the second attempt fails too: the page follows without a reload
    expect(page.locator("#attempts tbody tr")).to_have_count(2)
    expect(schedule).to_have_count(2)
    expect(schedule.first.locator("td").first).to_have_text("3")
    shot("delivery")


def test_live_regions_answer_204_until_something_changes(page, client, sluice):
    sqs = client("sqs")
    url, _ = queue(sqs, "quiet")
    html = httpx.get(f"{sluice.url}{CONSOLE}/queues/{ACCOUNT}/{REGION}/quiet").text
    poll = re.search(r'id="queue-live" class="live" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert httpx.get(f"{sluice.url}{poll}").status_code == 204
    sent = sqs.send_message(QueueUrl=url, MessageBody="now")
    changed = httpx.get(f"{sluice.url}{poll}")
    assert changed.status_code == 200 and sent["MessageId"] in changed.text


# --- event buses ----------------------------------------------------------------------------------------

def test_test_an_event_shows_matching_rules_and_transformed_inputs(page, client, shot):
    sqs, events = client("sqs"), client("events")
    _, arn = queue(sqs, "big-orders")
    rules = {
        "big-orders": {"source": ["shop"], "detail": {"amount": [{"numeric": [">", 10]}]}},
        "small-orders": {"source": ["shop"], "detail": {"amount": [{"numeric": ["<=", 10]}]}},
        "billing": {"source": ["billing"]},
        "paused": {"source": ["shop"]},
    }
    for name, pattern in rules.items():
        events.put_rule(Name=name, EventPattern=json.dumps(pattern),
                        State="DISABLED" if name == "paused" else "ENABLED")
    events.put_targets(Rule="big-orders", Targets=[
        {"Id": "to-queue", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"id": "$.detail.orderId", "amount": "$.detail.amount"},
            "InputTemplate": '{"order": <id>, "amount": <amount>}'}},
        {"Id": "whole", "Arn": arn}])
    events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)")  # a schedule rule matches no event

    page.goto(f"{CONSOLE}/buses/{ACCOUNT}/{REGION}/default")
    expect(page.locator("#rules tbody tr")).to_have_count(5)
    form = page.locator("#test-form")
    form.locator("input[name=source]").fill("shop")
    form.locator("input[name=detail_type]").fill("OrderPlaced")
    form.locator("textarea[name=detail]").fill('{"orderId": "o-1", "amount": 42}')
    form.get_by_role("button", name="Test").click()

    expect(page.locator("#test-summary")).to_have_text("2 of 5 rules match")
    matched = page.locator('#test-rules tr[data-matched="true"]')
    expect(matched).to_have_count(2)
    expect(page.locator('#test-rules tr[data-rule="big-orders"]')).to_have_attribute("data-matched", "true")
    expect(page.locator('#test-rules tr[data-rule="paused"]')).to_contain_text("disabled: would not deliver")
    for name in ("small-orders", "billing", "nightly"):
        expect(page.locator(f'#test-rules tr[data-rule="{name}"]')).to_have_attribute("data-matched", "false")
    big = page.locator('#test-rules tr[data-rule="big-orders"]')
    expect(big.locator('[data-target="to-queue"] pre')).to_have_text('{"order":"o-1","amount":42}')
    whole = json.loads(big.locator('[data-target="whole"] pre').inner_text())
    assert whole["detail"] == {"orderId": "o-1", "amount": 42} and whole["source"] == "shop"
    shot("bus-test-event")

    # Nothing was delivered by the test.
    assert "Messages" not in sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName="big-orders")["QueueUrl"])


def test_disable_and_enable_a_rule_from_the_page(page, client):
    events = client("events")
    events.create_event_bus(Name="shop")
    events.put_rule(Name="audit", EventBusName="shop", EventPattern=json.dumps({"source": ["shop"]}))
    page.goto(f"{CONSOLE}/buses/{ACCOUNT}/{REGION}/shop")
    row = page.locator('#rules tr[data-rule="audit"]')
    row.get_by_role("button", name="Disable").click()
    expect(page.locator("#flash")).to_contain_text("Rule audit disabled")
    assert events.describe_rule(Name="audit", EventBusName="shop")["State"] == "DISABLED"
    expect(row.locator(".rule-state")).to_have_text("DISABLED")
    row.get_by_role("button", name="Enable").click()
    expect(row.locator(".rule-state")).to_have_text("ENABLED")
    assert events.describe_rule(Name="audit", EventBusName="shop")["State"] == "ENABLED"


def test_a_page_of_something_that_does_not_exist_says_so(page):
    answer = page.goto(f"{CONSOLE}/queues/{ACCOUNT}/{REGION}/nope")
    assert answer is not None and answer.status == 404
    expect(page.locator("main")).to_contain_text("There is no queue nope")


def test_pages_use_only_the_vendored_front_end(page: Page, client):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    client("sqs").create_queue(QueueName="q")
    page.goto(f"{CONSOLE}/queues")
    expect(page.locator("#queues")).to_contain_text("q")
    page.wait_for_function("() => window.htmx && htmx.version.startsWith('2.')")
    assert requested and all(url.startswith(page.url.split(CONSOLE)[0]) for url in requested)


def test_services_left_out_by_the_services_setting_leave_the_console_gracefully():
    server = ThreadServer(clock="fake", services="sqs").start()
    try:
        with httpx.Client(base_url=server.url) as http:
            overview = http.get(CONSOLE).text
            assert f'href="{CONSOLE}/queues"' in overview and f'href="{CONSOLE}/topics"' not in overview
            assert "SNS · disabled" in overview
            topics = http.get(f"{CONSOLE}/topics")
            assert topics.status_code == 200 and "SNS is not served by this Sluice" in topics.text
            refused = http.post(f"{CONSOLE}/buses/{ACCOUNT}/{REGION}/default/rules/r/disable",
                                headers={"hx-request": "true"})
            assert "EventBridge is not served by this Sluice" in refused.text
            assert http.get(f"{CONSOLE}/queues").status_code == 200
    finally:
        server.stop()
