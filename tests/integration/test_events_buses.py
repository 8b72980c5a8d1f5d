"""EventBridge event buses through boto3: the default bus, custom buses (CreateEventBus, DescribeEventBus,
UpdateEventBus, DeleteEventBus, ListEventBuses), resource policies (PutPermission, RemovePermission) and tags.

Sources: EventBridge API Reference (CreateEventBus, DescribeEventBus, UpdateEventBus, DeleteEventBus,
ListEventBuses, PutPermission, RemovePermission, TagResource, UntagResource, ListTagsForResource); EventBridge User
Guide, "Event buses in Amazon EventBridge" and "Permissions for event buses in Amazon EventBridge". Error texts are
the ones AWS answered in runs localstack recorded against AWS (tests/aws/services/events/test_events.snapshot.json,
test_events_tags.snapshot.json) or that users quoted from AWS in public issues.
"""

import json
from datetime import datetime

import pytest

from tests.integration.events_helpers import (
    ACCOUNT,
    DEFAULT_BUS_ARN,
    OTHER_ACCOUNT,
    bus_arn,
    error_of,
    make_queue,
)

KMS_KEY = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KMS_KEY = "arn:aws:kms:us-east-1:000000000000:key/0987dcba-09fe-87dc-65ba-ab0987654321"


# --- the default bus ---------------------------------------------------------------------------------------------

def test_the_default_bus_exists_in_every_account_and_region(client):
    """User Guide, "Event buses": "Each account has a default event bus" (per Region); DescribeEventBus without
    Name describes it."""
    for account, region in [(None, "us-east-1"), (OTHER_ACCOUNT, "eu-west-1")]:
        events = client("events", region=region, account=account)
        bus = events.describe_event_bus()
        arn = bus_arn("default", account=account or ACCOUNT, region=region)
        assert (bus["Name"], bus["Arn"]) == ("default", arn)
        assert "Policy" not in bus                       # no resource policy until PutPermission
        assert events.describe_event_bus(Name="default")["Arn"] == arn
        assert events.describe_event_bus(Name=arn)["Arn"] == arn   # Name accepts the ARN too
        names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
        assert names == ["default"]


def test_the_default_bus_cannot_be_deleted(client):
    """API Reference, DeleteEventBus: "You can't delete your account's default event bus." (recorded answer)."""
    events = client("events")
    assert error_of(events.delete_event_bus, Name="default") == (
        "ValidationException", "Cannot delete event bus default.", 400)
    assert events.describe_event_bus()["Name"] == "default"


# --- custom buses ------------------------------------------------------------------------------------------------

def test_create_describe_update_delete_a_custom_bus(client):
    """API Reference CreateEventBus / DescribeEventBus / UpdateEventBus / DeleteEventBus: Description,
    KmsKeyIdentifier and the bus-level DeadLetterConfig are stored and described; CreationTime/LastModifiedTime."""
    events, sqs = client("events"), client("sqs")
    _, dlq_arn = make_queue(sqs, "bus-dlq")
    _, other_dlq_arn = make_queue(sqs, "bus-dlq-2")
    created = events.create_event_bus(Name="orders", Description="Order events", KmsKeyIdentifier=KMS_KEY,
                                      DeadLetterConfig={"Arn": dlq_arn}, Tags=[{"Key": "team", "Value": "shop"}])
    arn = bus_arn("orders")
    assert created["EventBusArn"] == arn
    assert created["Description"] == "Order events" and created["KmsKeyIdentifier"] == KMS_KEY
    assert created["DeadLetterConfig"] == {"Arn": dlq_arn}

    described = events.describe_event_bus(Name="orders")
    assert (described["Name"], described["Arn"], described["Description"]) == ("orders", arn, "Order events")
    assert described["KmsKeyIdentifier"] == KMS_KEY and described["DeadLetterConfig"] == {"Arn": dlq_arn}
    assert isinstance(described["CreationTime"], datetime) and isinstance(described["LastModifiedTime"], datetime)
    assert "ManagedBy" not in described and "Policy" not in described
    assert events.describe_event_bus(Name=arn)["Name"] == "orders"

    updated = events.update_event_bus(Name="orders", Description="All order events", KmsKeyIdentifier=OTHER_KMS_KEY,
                                      DeadLetterConfig={"Arn": other_dlq_arn})
    assert (updated["Arn"], updated["Name"]) == (arn, "orders")
    assert updated["Description"] == "All order events" and updated["KmsKeyIdentifier"] == OTHER_KMS_KEY
    assert updated["DeadLetterConfig"] == {"Arn": other_dlq_arn}
    again = events.describe_event_bus(Name="orders")
    assert again["Description"] == "All order events" and again["KmsKeyIdentifier"] == OTHER_KMS_KEY
    assert again["DeadLetterConfig"] == {"Arn": other_dlq_arn}
    assert again["CreationTime"] == described["CreationTime"]
    assert again["LastModifiedTime"] >= described["LastModifiedTime"]

    events.delete_event_bus(Name="orders")
    assert error_of(events.describe_event_bus, Name="orders") == (
        "ResourceNotFoundException", "Event bus orders does not exist.", 400)
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]
    events.delete_event_bus(Name="orders")          # DeleteEventBus models no ResourceNotFoundException: a no-op
    events.create_event_bus(Name="orders")          # the name is free again
    assert "Description" not in events.describe_event_bus(Name="orders")


def test_update_event_bus_of_an_unknown_bus(client):
    """API Reference, UpdateEventBus: ResourceNotFoundException for a bus that does not exist."""
    events = client("events")
    code, message, status = error_of(events.update_event_bus, Name="ghost", Description="x")
    assert (code, message, status) == ("ResourceNotFoundException", "Event bus ghost does not exist.", 400)


def test_list_event_buses_by_prefix_and_page(client):
    """API Reference, ListEventBuses: NamePrefix filters, Limit pages, NextToken continues; the default bus is listed."""
    events = client("events")
    names = [f"bus-{i}" for i in range(5)] + ["other"]
    for name in names:
        events.create_event_bus(Name=name)
    everything = events.list_event_buses()["EventBuses"]
    assert sorted(b["Name"] for b in everything) == sorted(["default", *names])
    listed = {b["Name"]: b for b in everything}
    assert listed["bus-3"]["Arn"] == bus_arn("bus-3")
    assert isinstance(listed["bus-3"]["CreationTime"], datetime)

    prefixed = events.list_event_buses(NamePrefix="bus-")["EventBuses"]
    assert sorted(b["Name"] for b in prefixed) == [f"bus-{i}" for i in range(5)]
    assert events.list_event_buses(NamePrefix="bus-3")["EventBuses"][0]["Name"] == "bus-3"
    assert events.list_event_buses(NamePrefix="nothing")["EventBuses"] == []

    seen, token, pages = [], None, 0
    while True:
        kwargs = {"NamePrefix": "bus-", "Limit": 2, **({"NextToken": token} if token else {})}
        page = events.list_event_buses(**kwargs)
        assert len(page["EventBuses"]) <= 2
        seen += [b["Name"] for b in page["EventBuses"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == [f"bus-{i}" for i in range(5)] and len(seen) == 5 and pages == 3


def test_buses_belong_to_one_account_and_region(client):
    """ARNs name the account and the Region: a bus is invisible elsewhere, and its name is free elsewhere."""
    home = client("events")
    home.create_event_bus(Name="shared")
    for other in (client("events", region="us-west-2"), client("events", account=OTHER_ACCOUNT)):
        assert error_of(other.describe_event_bus, Name="shared")[0] == "ResourceNotFoundException"
        assert "shared" not in [b["Name"] for b in other.list_event_buses()["EventBuses"]]
    west = client("events", region="us-west-2")
    assert west.create_event_bus(Name="shared")["EventBusArn"] == bus_arn("shared", region="us-west-2")


@pytest.mark.parametrize("kwargs, code, message", [
    ({"Name": "bad name!"}, "ValidationException",
     "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy "
     "regular expression pattern: [/\\.\\-_A-Za-z0-9]+"),
    ({"Name": "b" * 257}, "ValidationException",
     f"1 validation error detected: Value '{'b' * 257}' at 'name' failed to satisfy constraint: Member must have "
     "length less than or equal to 256"),
    # terraform-provider-aws#35065 quotes AWS.
    ({"Name": "aws.mine"}, "ValidationException", "EventBus name starting with 'aws.' is not valid."),
    ({"Name": "default"}, "ResourceAlreadyExistsException", "Event bus default already exists."),
    ({"Name": "orders", "Description": "d" * 513}, "ValidationException",
     f"1 validation error detected: Value '{'d' * 513}' at 'description' failed to satisfy constraint: Member must "
     "have length less than or equal to 512"),
], ids=["name pattern", "name length", "aws. prefix", "default", "description length"])
def test_create_event_bus_refuses(client, kwargs, code, message):
    """API Reference, CreateEventBus: Name pattern [/\\.\\-_A-Za-z0-9]+, 1-256 characters; "You can't use the name
    default for a custom event bus"; Description at most 512 characters."""
    events = client("events")
    assert error_of(events.create_event_bus, **kwargs) == (code, message, 400)


def test_a_custom_bus_name_cannot_contain_a_slash(client):
    """API Reference, CreateEventBus: "Custom event bus names can't contain the / character" (the / is for partner
    event buses, which need an EventSourceName). AWS's wording is not published: the code is checked."""
    events = client("events")
    code, _, status = error_of(events.create_event_bus, Name="team/orders")
    assert (code, status) == ("ValidationException", 400)
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]


def test_create_event_bus_twice_is_refused(client):
    events = client("events")
    events.create_event_bus(Name="dup")
    assert error_of(events.create_event_bus, Name="dup") == (
        "ResourceAlreadyExistsException", "Event bus dup already exists.", 400)


# --- resource policies -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bus", ["default", "custom"])
def test_put_and_remove_permission_show_in_the_policy(client, bus):
    """API Reference, PutPermission / RemovePermission / DescribeEventBus (Policy). The statements are the ones AWS
    writes (recorded): an account principal becomes arn:aws:iam::<account>:root, "*" stays "*", the Resource is the
    bus ARN; a Condition is written as {Type: {Key: Value}}; Policy replaces the whole policy; RemoveAllPermissions
    leaves no Policy at all."""
    events = client("events")
    name = "default" if bus == "default" else "orders"
    if bus == "custom":
        events.create_event_bus(Name=name)
    arn = bus_arn(name)
    on_bus = {} if bus == "default" else {"EventBusName": name}
    events.put_permission(Action="events:PutEvents", Principal=OTHER_ACCOUNT, StatementId="partner", **on_bus)
    events.put_permission(Action="events:PutEvents", Principal="*", StatementId="org",
                          Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"},
                          **on_bus)
    policy = json.loads(events.describe_event_bus(Name=name)["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert policy["Statement"] == [
        {"Sid": "partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
         "Action": "events:PutEvents", "Resource": arn},
        {"Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": arn,
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}},
    ]

    events.remove_permission(StatementId="partner", **on_bus)
    policy = json.loads(events.describe_event_bus(Name=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["org"]
    assert error_of(events.remove_permission, StatementId="partner", **on_bus) == (
        "ResourceNotFoundException", "Statement with the provided id does not exist.", 400)

    document = {"Version": "2012-10-17", "Statement": [
        {"Sid": "rules", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "events:ListRules", "Resource": "*"}]}
    events.put_permission(Policy=json.dumps(document), **on_bus)
    assert json.loads(events.describe_event_bus(Name=name)["Policy"]) == document

    events.remove_permission(RemoveAllPermissions=True, **on_bus)
    assert "Policy" not in events.describe_event_bus(Name=name)


def test_permissions_of_an_unknown_bus(client):
    events = client("events")
    assert error_of(events.put_permission, EventBusName="ghost", Action="events:PutEvents", Principal=OTHER_ACCOUNT,
                    StatementId="s") == ("ResourceNotFoundException", "Event bus ghost does not exist.", 400)


# --- tags --------------------------------------------------------------------------------------------------------

def test_tags_on_custom_and_default_buses(client):
    """API Reference, TagResource / UntagResource / ListTagsForResource, CreateEventBus Tags (recorded answers:
    a tag key is overwritten in place, untagging a key that is not there succeeds)."""
    events = client("events")
    arn = events.create_event_bus(Name="tagged", Tags=[{"Key": "tag1", "Value": "value1"}])["EventBusArn"]
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "tag1", "Value": "value1"}]
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "tag2", "Value": "value2"}, {"Key": "tag1", "Value": "new"}])
    tags = events.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("tag1", "new"), ("tag2", "value2")]
    events.untag_resource(ResourceARN=arn, TagKeys=["tag2", "not-there"])
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "tag1", "Value": "new"}]

    events.tag_resource(ResourceARN=DEFAULT_BUS_ARN, Tags=[{"Key": "env", "Value": "dev"}])
    assert events.list_tags_for_resource(ResourceARN=DEFAULT_BUS_ARN)["Tags"] == [{"Key": "env", "Value": "dev"}]

    events.delete_event_bus(Name="tagged")
    assert error_of(events.list_tags_for_resource, ResourceARN=arn) == (
        "ResourceNotFoundException", "Event bus tagged does not exist.", 400)
    events.create_event_bus(Name="tagged")           # a new bus of the same name starts untagged (recorded)
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


def test_tags_of_an_unknown_bus(client):
    events = client("events")
    arn = bus_arn("ghost")
    for call, kwargs in [(events.tag_resource, {"Tags": [{"Key": "k", "Value": "v"}]}),
                         (events.untag_resource, {"TagKeys": ["k"]}), (events.list_tags_for_resource, {})]:
        assert error_of(call, ResourceARN=arn, **kwargs) == (
            "ResourceNotFoundException", "Event bus ghost does not exist.", 400)
