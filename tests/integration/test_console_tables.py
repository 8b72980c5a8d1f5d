"""The console's Tables & streams section end to end: boto3 writes, headless Chromium reads (see test_console.py).

Same server, fixtures and Playwright setup as test_console.py (its fixtures are imported, not copied); every
wait is on a condition. Screenshots go to bench/results/console/ (tables.png, table.png).
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.integration import test_console as console
from tests.integration.test_console import ACCOUNT, CONSOLE, OTHER_ACCOUNT, REGION

# test_console.py's fixtures, shared rather than copied (a test parameter of the same name receives each).
browser, page, screenshots, shot = console.browser, console.page, console.screenshots, console.shot


def orders_table(dynamodb, name: str = "orders", **extra) -> None:
    """A table keyed (customer, order no) with a GSI on status and a stream of both images."""
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "customer", "AttributeType": "S"},
                              {"AttributeName": "no", "AttributeType": "N"},
                              {"AttributeName": "status", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "customer", "KeyType": "HASH"}, {"AttributeName": "no", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-status", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}, **extra)


def order(customer: str, no: int, status: str = "new", **more) -> dict:
    return {"customer": {"S": customer}, "no": {"N": str(no)}, "status": {"S": status}, **more}


def test_the_tables_list_shows_a_table_created_with_boto3(page, client, shot):
    dynamodb = client("dynamodb")
    orders_table(dynamodb)
    dynamodb.update_time_to_live(TableName="orders",
                                 TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    for no in (1, 2):
        dynamodb.put_item(TableName="orders", Item=order("ann", no))
    client("dynamodb", account=OTHER_ACCOUNT).create_table(
        TableName="plain", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])

    page.goto(CONSOLE)
    page.get_by_role("link", name="Tables & streams").click()
    rows = page.locator("#tables tbody tr")
    expect(rows).to_have_count(2)
    row = page.locator('#tables tr[data-table="orders"]')
    expect(row).to_contain_text("ACTIVE")
    expect(row.locator(".items")).to_have_text("2")
    expect(row.locator(".keys")).to_contain_text("customer S · partition")
    expect(row.locator(".keys")).to_contain_text("no N · sort")
    expect(row.locator(".indexes")).to_contain_text("GSI by-status")
    expect(row.locator(".stream")).to_contain_text("on NEW_AND_OLD_IMAGES")
    expect(row.locator(".ttl")).to_contain_text("enabled expires")
    plain = page.locator('#tables tr[data-table="plain"]')
    expect(plain).to_contain_text(OTHER_ACCOUNT)
    expect(plain.locator(".stream")).to_have_text("off")
    shot("tables")

    # The overview's count links to the account's tables only.
    page.goto(CONSOLE)
    page.locator("#places tbody tr").filter(has_text=OTHER_ACCOUNT).get_by_role("link", name="1").last.click()
    expect(page.locator("#tables tbody tr")).to_have_count(1)
    expect(page.locator("#tables")).to_contain_text("plain")


def test_an_item_put_with_boto3_appears_on_the_table_page_without_a_reload(page, client, shot):
    dynamodb = client("dynamodb")
    orders_table(dynamodb)
    page.goto(f"{CONSOLE}/tables/{ACCOUNT}/{REGION}/orders")
    expect(page.locator("#items")).to_contain_text("The table is empty")
    expect(page.locator('#indexes tr[data-index="by-status"]')).to_contain_text("global")
    page.evaluate("window.notReloaded = true")

    dynamodb.put_item(TableName="orders", Item=order("bob", 7, tags={"SS": ["a", "b"]}, total={"N": "12.50"}))
    row = page.locator('#items tr.item[data-pk="bob"][data-sk="7"]')
    expect(row).to_be_visible()
    shown = json.loads(row.locator("pre.code").inner_text())
    assert shown == {"customer": {"S": "bob"}, "no": {"N": "7"}, "status": {"S": "new"},
                     "tags": {"SS": ["a", "b"]}, "total": {"N": "12.5"}}  # wire form, as GetItem answers
    assert page.evaluate("window.notReloaded") is True


def test_items_are_paged_in_key_order_with_a_next_page_link(page, client):
    dynamodb = client("dynamodb")
    orders_table(dynamodb)
    for no in range(30):
        dynamodb.put_item(TableName="orders", Item=order("cat", no))
    page.goto(f"{CONSOLE}/tables/{ACCOUNT}/{REGION}/orders")
    rows = page.locator("#items tr.item")
    expect(rows).to_have_count(25)
    assert [rows.nth(i).get_attribute("data-sk") for i in range(25)] == [str(n) for n in range(25)]
    page.locator("#next-page").click()
    expect(rows).to_have_count(5)
    assert [rows.nth(i).get_attribute("data-sk") for i in range(5)] == [str(n) for n in range(25, 30)]
    expect(page.locator("#next-page")).to_have_count(0)


def test_the_query_form_returns_the_items_the_api_returns(page, client, shot):
    dynamodb = client("dynamodb")
    orders_table(dynamodb)
    for customer, no, status in [("ann", 1, "new"), ("ann", 5, "paid"), ("ann", 9, "paid"), ("ann", 12, "new"),
                                 ("bob", 5, "paid")]:
        dynamodb.put_item(TableName="orders", Item=order(customer, no, status))
    page.goto(f"{CONSOLE}/tables/{ACCOUNT}/{REGION}/orders")
    form = page.locator("#query-form")

    def query(pk: str, op: str = "", sk: str = "", sk2: str = "", index: str = "") -> list[tuple[str, str]]:
        form.locator("select[name=index]").select_option(index)
        form.locator("input[name=pk]").fill(pk)
        form.locator("select[name=op]").select_option(op)
        form.locator("input[name=sk]").fill(sk)
        form.locator("input[name=sk2]").fill(sk2)
        form.get_by_role("button", name="Query").click()
        expect(page.locator("#table-items-live h2")).to_contain_text("Query results")
        page.wait_for_load_state()
        rows = page.locator("#items tr.item")
        return [(rows.nth(i).get_attribute("data-pk") or "", rows.nth(i).get_attribute("data-sk") or "")
                for i in range(rows.count())]

    def api(condition: str, values: dict, index: str | None = None) -> list[tuple[str, str]]:
        answer = dynamodb.query(TableName="orders", KeyConditionExpression=condition, ExpressionAttributeValues=values,
                                ExpressionAttributeNames={"#pk": "status" if index else "customer", "#sk": "no"}
                                if "#sk" in condition else {"#pk": "status" if index else "customer"},
                                **({"IndexName": index} if index else {}))
        return [(i["customer"]["S"], i["no"]["N"]) for i in answer["Items"]]

    ann = {":pk": {"S": "ann"}}
    between = api("#pk = :pk AND #sk BETWEEN :a AND :b", {**ann, ":a": {"N": "2"}, ":b": {"N": "10"}})
    assert between == [("ann", "5"), ("ann", "9")]
    assert query("ann", "between", "2", "10") == between
    assert query("ann", ">=", "9") == api("#pk = :pk AND #sk >= :a", {**ann, ":a": {"N": "9"}}) == \
        [("ann", "9"), ("ann", "12")]
    assert query("ann") == api("#pk = :pk", ann) == [("ann", "1"), ("ann", "5"), ("ann", "9"), ("ann", "12")]
    paid = api("#pk = :pk", {":pk": {"S": "paid"}}, "by-status")
    assert sorted(paid) == [("ann", "5"), ("ann", "9"), ("bob", "5")]
    assert query("paid", index="by-status") == paid
    shot("table")

    # The service's own validation, as the API says it.
    query("ann", "=", "not-a-number")
    expect(page.locator("#items-error")).to_contain_text("ValidationException")


def test_an_update_shows_in_the_stream_with_old_and_new_image_side_by_side(page, client, advance, shot):
    dynamodb = client("dynamodb")
    orders_table(dynamodb)
    dynamodb.put_item(TableName="orders", Item=order("dan", 3))
    page.goto(f"{CONSOLE}/tables/{ACCOUNT}/{REGION}/orders")
    records = page.locator("#records tr.record")
    expect(records).to_have_count(1)
    expect(records.first).to_have_attribute("data-event", "INSERT")
    page.evaluate("window.notReloaded = true")

    dynamodb.update_item(TableName="orders", Key={"customer": {"S": "dan"}, "no": {"N": "3"}},
                         UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                         ExpressionAttributeValues={":s": {"S": "paid"}})
    expect(records).to_have_count(2)
    latest = records.first  # newest first
    expect(latest).to_have_attribute("data-event", "MODIFY")
    expect(latest).to_contain_text("changed: status")
    old = json.loads(latest.locator("td.old-image pre").inner_text())
    new = json.loads(latest.locator("td.new-image pre").inner_text())
    assert old["status"] == {"S": "new"} and new["status"] == {"S": "paid"}
    assert old["customer"] == new["customer"] == {"S": "dan"}
    old_box = latest.locator("td.old-image").bounding_box()
    new_box = latest.locator("td.new-image").bounding_box()
    assert old_box and new_box and old_box["x"] + old_box["width"] <= new_box["x"] + 1  # side by side
    assert abs(old_box["y"] - new_box["y"]) < 1

    # What GetRecords answers for the same record.
    streams = client("dynamodbstreams")
    arn = dynamodb.describe_table(TableName="orders")["Table"]["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    modify = streams.get_records(ShardIterator=iterator)["Records"][1]["dynamodb"]
    expect(latest).to_have_attribute("data-seq", modify["SequenceNumber"])

    # Four hours on, the next write rolls the shard over: the child appears under its parent.
    advance(4 * 3600 + 1)
    dynamodb.delete_item(TableName="orders", Key={"customer": {"S": "dan"}, "no": {"N": "3"}})
    shards = page.locator("#stream tr.shard")
    expect(shards).to_have_count(2)
    expect(shards.nth(1)).to_contain_text(shard["ShardId"])  # its parent
    expect(shards.first).to_contain_text("closed")
    expect(records.first).to_have_attribute("data-event", "REMOVE")
    expect(records.first.locator("td.new-image")).to_have_text("none")
    assert page.evaluate("window.notReloaded") is True
    shot("table-stream")
