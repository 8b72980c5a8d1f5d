"""The console's view of EventBridge archives and replays: a bus's page lists its archives (pattern, retention,
how many events they hold) and the replays from them, live; a running replay can be cancelled from the page.

Real server, boto3 on one side, headless Chromium on the other (the fixtures of test_console.py); every wait is
on a condition."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.integration.events_helpers import bus_arn, clock_ms, entry
from tests.integration.test_console import ACCOUNT, CONSOLE, REGION, browser, page  # noqa: F401 (fixtures)

MINUTE = 60_000


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_a_bus_page_shows_its_archives_and_cancels_a_replay(page, client, admin, advance):  # noqa: F811
    events = client("events")
    events.create_event_bus(Name="shop")
    events.create_archive(ArchiveName="big-orders", EventSourceArn=bus_arn("shop"), RetentionDays=3,
                          EventPattern=json.dumps({"detail": {"big": [True]}}), Description="only the big ones")
    events.create_archive(ArchiveName="all", EventSourceArn=bus_arn("shop"))
    start = (clock_ms(admin) // MINUTE - 30) * MINUTE
    answer = events.put_events(Entries=[entry(detail={"big": m == 0}, Time=_at(start + m * MINUTE),
                                              EventBusName="shop") for m in range(3)])
    assert answer["FailedEntryCount"] == 0

    page.goto(f"{CONSOLE}/buses/{ACCOUNT}/{REGION}/shop")
    big = page.locator('#archives tr[data-archive="big-orders"]')
    expect(big).to_contain_text("only the big ones")
    expect(big).to_contain_text("3 days")
    expect(big.locator(".archive-count")).to_have_text("1")
    expect(page.locator('#archives tr[data-archive="all"] .archive-count')).to_have_text("3")
    expect(page.locator('#archives tr[data-archive="all"]')).to_contain_text("forever")

    events.start_replay(ReplayName="again", EventSourceArn=events.describe_archive(ArchiveName="all")["ArchiveArn"],
                        EventStartTime=_at(start), EventEndTime=_at(start + 10 * MINUTE),
                        Destination={"Arn": bus_arn("shop")})
    advance(0)                                           # the first minute: the replay is RUNNING
    row = page.locator('#replays tr[data-replay="again"]')
    expect(row.locator(".replay-state")).to_have_text("RUNNING")
    row.get_by_role("button", name="Cancel").click()
    expect(page.locator("#flash")).to_contain_text("Replay again cancelling")
    assert events.describe_replay(ReplayName="again")["State"] in ("CANCELLING", "CANCELLED")
    advance(0)
    expect(row.locator(".replay-state")).to_have_text("CANCELLED")
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    assert events.describe_replay(ReplayName="again")["State"] == "CANCELLED"
