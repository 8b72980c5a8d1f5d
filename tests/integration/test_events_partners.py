"""EventBridge partner event sources through boto3: the partner's side (CreatePartnerEventSource,
DescribePartnerEventSource, ListPartnerEventSources, ListPartnerEventSourceAccounts, DeletePartnerEventSource,
PutPartnerEvents) and the customer's (DescribeEventSource, ListEventSources, CreateEventBus with EventSourceName,
ActivateEventSource, DeactivateEventSource), with the events landing on the customer's partner event bus.

Sources: EventBridge API Reference, EventSource (State: ACTIVE "you have already created a matching event bus
for this event source, and that event bus is active"; PENDING "either you haven't yet created a matching event
bus, or that event bus is deactivated"; DELETED "you have created a matching event bus, but the event source has
since been deleted"), CreateEventBus ("If you are creating a partner event bus, this name must match the name of
the partner event source"), CreatePartnerEventSource, PutPartnerEvents; User Guide, "Receiving events from a
SaaS partner with Amazon EventBridge".
"""

from __future__ import annotations

import pytest

from tests.integration.events_helpers import entry, error_of, events_in, rule_to_queue

PARTNER, CUSTOMER, OTHER = "111111111111", "222222222222", "333333333333"
REGION = "us-east-1"
SOURCE = "aws.partner/example.com/orders/1234"
SOURCE_ARN = f"arn:aws:events:{REGION}::event-source/{SOURCE}"


@pytest.fixture
def partner(client):
    return client("events", account=PARTNER)


@pytest.fixture
def customer(client):
    return client("events", account=CUSTOMER)


def partner_bus(customer, sqs):
    """The customer's partner bus for SOURCE, with a rule sending the partner's events to a queue (its url)."""
    created = customer.create_event_bus(Name=SOURCE, EventSourceName=SOURCE)
    assert created["EventBusArn"] == f"arn:aws:events:{REGION}:{CUSTOMER}:event-bus/{SOURCE}"
    _, url, _ = rule_to_queue(customer, sqs, "from-partner", {"source": [SOURCE]}, bus=SOURCE, queue="partner-q")
    return url


def test_the_partner_creates_describes_and_lists_its_sources(partner):
    assert partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)["EventSourceArn"] == SOURCE_ARN
    partner.create_partner_event_source(Name=SOURCE, Account=OTHER)
    partner.create_partner_event_source(Name="aws.partner/example.com/billing", Account=CUSTOMER)
    described = partner.describe_partner_event_source(Name=SOURCE)
    assert (described["Arn"], described["Name"]) == (SOURCE_ARN, SOURCE)
    listed = partner.list_partner_event_sources(NamePrefix="aws.partner/example.com/")["PartnerEventSources"]
    assert [s["Name"] for s in listed] == ["aws.partner/example.com/billing", SOURCE]
    page = partner.list_partner_event_sources(NamePrefix="aws.partner/example.com/", Limit=1)
    assert [s["Name"] for s in page["PartnerEventSources"]] == ["aws.partner/example.com/billing"]
    rest = partner.list_partner_event_sources(NamePrefix="aws.partner/example.com/", NextToken=page["NextToken"])
    assert [s["Name"] for s in rest["PartnerEventSources"]] == [SOURCE]
    accounts = partner.list_partner_event_source_accounts(EventSourceName=SOURCE)["PartnerEventSourceAccounts"]
    assert [(a["Account"], a["State"]) for a in accounts] == [(CUSTOMER, "PENDING"), (OTHER, "PENDING")]
    assert all("CreationTime" in a for a in accounts)


def test_partner_side_errors(partner, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    assert error_of(partner.create_partner_event_source, Name=SOURCE, Account=CUSTOMER) == (
        "ResourceAlreadyExistsException", f"Event source {SOURCE} already exists.", 400)
    rival = client("events", account=OTHER)
    assert error_of(rival.create_partner_event_source, Name=SOURCE, Account=OTHER)[0] == \
        "ResourceAlreadyExistsException"
    for call, kwargs in ((rival.describe_partner_event_source, {"Name": SOURCE}),
                         (rival.list_partner_event_source_accounts, {"EventSourceName": SOURCE})):
        assert error_of(call, **kwargs) == ("ResourceNotFoundException", f"Event source {SOURCE} does not exist.",
                                            400)
    assert rival.list_partner_event_sources(NamePrefix="aws.partner/example.com/")["PartnerEventSources"] == []
    # The name must be aws.partner/<partner>/<name> (botocore's EventSourceName pattern, checked by the server).
    loose = client("events", account=PARTNER, parameter_validation=False)
    assert error_of(loose.create_partner_event_source, Name="example.com/orders", Account=CUSTOMER)[0] == \
        "ValidationException"


def test_the_customer_sees_the_source_pending_then_active_with_a_bus(partner, customer, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    described = customer.describe_event_source(Name=SOURCE)
    assert (described["Arn"], described["Name"], described["State"], described["CreatedBy"]) == (
        SOURCE_ARN, SOURCE, "PENDING", "example.com")
    assert [s["Name"] for s in customer.list_event_sources()["EventSources"]] == [SOURCE]
    assert customer.list_event_sources(NamePrefix="aws.partner/other")["EventSources"] == []
    # Another account does not see it.
    assert error_of(client("events", account=OTHER).describe_event_source, Name=SOURCE)[0] == \
        "ResourceNotFoundException"

    partner_bus(customer, client("sqs", account=CUSTOMER))
    assert customer.describe_event_source(Name=SOURCE)["State"] == "ACTIVE"
    accounts = partner.list_partner_event_source_accounts(EventSourceName=SOURCE)["PartnerEventSourceAccounts"]
    assert [(a["Account"], a["State"]) for a in accounts] == [(CUSTOMER, "ACTIVE")]
    assert SOURCE in [b["Name"] for b in customer.list_event_buses()["EventBuses"]]


def test_partner_bus_errors(partner, customer):
    assert error_of(customer.create_event_bus, Name=SOURCE, EventSourceName=SOURCE) == (
        "ResourceNotFoundException", f"Event source {SOURCE} does not exist.", 400)
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    assert error_of(customer.create_event_bus, Name="mine", EventSourceName=SOURCE)[0::2] == (
        "ValidationException", 400)
    customer.create_event_bus(Name=SOURCE, EventSourceName=SOURCE)
    assert error_of(customer.create_event_bus, Name=SOURCE, EventSourceName=SOURCE)[0] == \
        "ResourceAlreadyExistsException"
    # Without EventSourceName an aws.partner/ name is still refused.
    assert error_of(customer.create_event_bus, Name="aws.partner/example.com/x")[0] == "ValidationException"


def test_put_partner_events_land_on_the_customers_partner_bus(partner, customer, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    sqs = client("sqs", account=CUSTOMER)
    url = partner_bus(customer, sqs)
    answer = partner.put_partner_events(Entries=[entry(source=SOURCE, detail_type="Order", detail={"n": 1},
                                                       Resources=["r1"])])
    assert answer["FailedEntryCount"] == 0
    [event] = events_in(sqs, url)
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert (event["source"], event["account"], event["region"], event["detail-type"]) == (
        SOURCE, CUSTOMER, REGION, "Order")
    assert event["detail"] == {"n": 1} and event["resources"] == ["r1"] and event["version"] == "0"


def test_deactivated_sources_deliver_nothing_until_activated(partner, customer, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    sqs = client("sqs", account=CUSTOMER)
    url = partner_bus(customer, sqs)
    customer.deactivate_event_source(Name=SOURCE)
    assert customer.describe_event_source(Name=SOURCE)["State"] == "PENDING"
    answer = partner.put_partner_events(Entries=[entry(source=SOURCE, detail={"n": 1})])
    assert answer["FailedEntryCount"] == 0  # accepted, as AWS accepts events no bus takes
    assert events_in(sqs, url) == []
    customer.activate_event_source(Name=SOURCE)
    assert customer.describe_event_source(Name=SOURCE)["State"] == "ACTIVE"
    partner.put_partner_events(Entries=[entry(source=SOURCE, detail={"n": 2})])
    assert [e["detail"] for e in events_in(sqs, url)] == [{"n": 2}]


def test_put_partner_events_entry_errors(partner, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    unknown = "aws.partner/example.com/unknown"
    answer = partner.put_partner_events(Entries=[
        entry(source=unknown), {"Source": SOURCE, "DetailType": "t"}, entry(source=SOURCE, detail=None) | {
            "Detail": "[1]"}, entry(source=SOURCE)])
    codes = [e.get("ErrorCode") for e in answer["Entries"]]
    assert codes == ["NotAuthorizedForSourceException", "InvalidArgument", "MalformedDetail", None]
    assert answer["FailedEntryCount"] == 3 and "EventId" in answer["Entries"][3]
    # Only the partner that created a source can put events for it.
    rival = client("events", account=OTHER).put_partner_events(Entries=[entry(source=SOURCE)])
    assert rival["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException"


def test_deleting_the_source(partner, customer, client):
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    partner.create_partner_event_source(Name=SOURCE, Account=OTHER)
    sqs = client("sqs", account=CUSTOMER)
    url = partner_bus(customer, sqs)
    partner.delete_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    partner.delete_partner_event_source(Name=SOURCE, Account=CUSTOMER)  # again: no error
    # The customer's bus stays and shows the source DELETED; it can no longer be activated.
    assert customer.describe_event_source(Name=SOURCE)["State"] == "DELETED"
    assert error_of(customer.activate_event_source, Name=SOURCE)[0] == "InvalidStateException"
    partner.put_partner_events(Entries=[entry(source=SOURCE)])
    assert events_in(sqs, url) == []
    # The account without a bus loses the source altogether.
    partner.delete_partner_event_source(Name=SOURCE, Account=OTHER)
    assert error_of(client("events", account=OTHER).describe_event_source, Name=SOURCE)[0] == \
        "ResourceNotFoundException"
    customer.delete_event_bus(Name=SOURCE)
    assert error_of(customer.describe_event_source, Name=SOURCE)[0] == "ResourceNotFoundException"
    assert partner.list_partner_event_sources(NamePrefix="aws.partner/example.com/")["PartnerEventSources"] == []
    assert error_of(partner.describe_partner_event_source, Name=SOURCE)[0] == "ResourceNotFoundException"
    # Created again for the customer: a new, pending source.
    partner.create_partner_event_source(Name=SOURCE, Account=CUSTOMER)
    assert customer.describe_event_source(Name=SOURCE)["State"] == "PENDING"
