"""EventBridge global endpoints through boto3: CreateEndpoint / DescribeEndpoint / UpdateEndpoint / DeleteEndpoint /
ListEndpoints, and PutEvents with an EndpointId routed to the primary Region's bus, to the secondary's once the
health check (flipped through the admin API) reports unhealthy, and to both with event replication.

Sources: EventBridge API Reference, CreateEndpoint, Endpoint ("EndpointId: The URL subdomain of the endpoint ...
abcde.veo"; EventBuses "Fixed number of 2 items"; ReplicationConfig "The default state is ENABLED which means you
must supply a RoleArn"), PutEvents (EndpointId); User Guide, "Making applications Regional-fault tolerant with
global endpoints" ("When failover is initiated, the health check reports an unhealthy state ... all custom events
are routed to an event bus in the secondary Region"; "Event replication sends all custom events to the event buses
in the primary and secondary Regions"; "a custom bus in each Region with the same name and in the same account").
botocore's endpoint rules for events: with EndpointId and a custom endpoint_url the call goes to that URL, signed
with SigV4a (which botocore signs only with awscrt installed: ``pip install botocore[crt]``).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
import pytest

from tests.integration.events_helpers import ACCOUNT, bus_arn, entry, error_of, events_in, rule_to_queue

PRIMARY, SECONDARY = "us-east-1", "us-west-2"
HEALTH_CHECK = "arn:aws:route53:::healthcheck/0123abcd-4567-89ef-0123-456789abcdef"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/replication"
ROUTING = {"FailoverConfig": {"Primary": {"HealthCheck": HEALTH_CHECK}, "Secondary": {"Route": SECONDARY}}}
BUSES = [{"EventBusArn": bus_arn("orders", region=PRIMARY)}, {"EventBusArn": bus_arn("orders", region=SECONDARY)}]
PATTERN = {"source": ["com.example.orders"]}


def create(events, name="ep", **extra):
    kwargs = {"Name": name, "RoutingConfig": ROUTING, "EventBuses": BUSES,
              "ReplicationConfig": {"State": "DISABLED"}, **extra}
    return events.create_endpoint(**kwargs)


def endpoint_id_of(events, name="ep") -> str:
    return events.describe_endpoint(Name=name)["EndpointId"]


def test_create_describe_list_update_delete(client):
    events = client("events")
    created = create(events, Description="orders, both Regions")
    assert created["Name"] == "ep" and created["Arn"] == f"arn:aws:events:{PRIMARY}:{ACCOUNT}:endpoint/ep"
    assert created["State"] == "CREATING"  # as AWS answers; ACTIVE from the next call on
    assert created["RoutingConfig"] == ROUTING and created["EventBuses"] == BUSES
    assert created["ReplicationConfig"] == {"State": "DISABLED"}
    assert "EndpointId" not in created  # CreateEndpoint's output has no EndpointId nor EndpointUrl (the model)

    described = events.describe_endpoint(Name="ep")
    endpoint_id = described["EndpointId"]
    assert re.fullmatch(r"[a-z0-9]+\.veo", endpoint_id)
    assert described["EndpointUrl"] == f"https://{endpoint_id}.endpoint.events.amazonaws.com"
    assert described["State"] == "ACTIVE" and described["Description"] == "orders, both Regions"
    assert described["Arn"] == created["Arn"]
    assert described["CreationTime"] == described["LastModifiedTime"]
    assert events.describe_endpoint(Name="ep", HomeRegion=PRIMARY)["Arn"] == created["Arn"]
    assert [e["Name"] for e in events.list_endpoints()["Endpoints"]] == ["ep"]

    updated = events.update_endpoint(Name="ep", ReplicationConfig={"State": "ENABLED"}, RoleArn=ROLE)
    assert updated["State"] == "UPDATING" and updated["ReplicationConfig"] == {"State": "ENABLED"}
    assert updated["RoleArn"] == ROLE and updated["EndpointId"] == endpoint_id
    described = events.describe_endpoint(Name="ep")
    assert described["RoleArn"] == ROLE and described["Description"] == "orders, both Regions"

    events.delete_endpoint(Name="ep")
    assert events.list_endpoints()["Endpoints"] == []
    assert error_of(events.describe_endpoint, Name="ep") == ("ResourceNotFoundException",
                                                             "Endpoint ep does not exist.", 400)


def test_list_by_prefix_pages_and_home_region(client):
    events = client("events")
    for name in ("a-1", "a-2", "a-3", "b-1"):
        create(events, name)
    first = events.list_endpoints(NamePrefix="a-", MaxResults=2)
    assert [e["Name"] for e in first["Endpoints"]] == ["a-1", "a-2"]
    rest = events.list_endpoints(NamePrefix="a-", MaxResults=2, NextToken=first["NextToken"])
    assert [e["Name"] for e in rest["Endpoints"]] == ["a-3"] and "NextToken" not in rest
    assert events.list_endpoints(HomeRegion=SECONDARY)["Endpoints"] == []
    assert client("events", region=SECONDARY).list_endpoints(HomeRegion=PRIMARY)["Endpoints"][0]["Name"] == "a-1"


@pytest.mark.parametrize("kwargs,code", [
    ({"EventBuses": [BUSES[0], {"EventBusArn": bus_arn("other", region=SECONDARY)}]}, "ValidationException"),
    ({"EventBuses": [BUSES[0], {"EventBusArn": bus_arn("orders", region="eu-west-1")}]}, "ValidationException"),
    ({"EventBuses": [BUSES[0], {"EventBusArn": bus_arn("orders", region=SECONDARY, account="111111111111")}]},
     "ValidationException"),
    ({"RoutingConfig": {"FailoverConfig": {"Primary": {"HealthCheck": HEALTH_CHECK},
                                           "Secondary": {"Route": PRIMARY}}}}, "ValidationException"),
    ({"ReplicationConfig": {"State": "ENABLED"}}, "ValidationException"),  # replication needs a RoleArn
    ({"EventBuses": BUSES[:1]}, "ValidationException"),                    # exactly two buses (the model)
])
def test_create_refuses_inconsistent_configurations(client, kwargs, code):
    events = client("events", parameter_validation=False)  # what botocore checks itself, the server checks too
    assert error_of(create, events, **kwargs)[0::2] == (code, 400)
    assert events.list_endpoints()["Endpoints"] == []


def test_replication_is_enabled_by_default_so_a_role_is_needed(client):
    events = client("events")
    kwargs = {"Name": "ep", "RoutingConfig": ROUTING, "EventBuses": BUSES}
    assert error_of(events.create_endpoint, **kwargs)[0] == "ValidationException"
    assert events.create_endpoint(**kwargs, RoleArn=ROLE)["ReplicationConfig"] == {"State": "ENABLED"}


def test_name_taken_and_missing_endpoints(client):
    events = client("events")
    create(events)
    assert error_of(create, events) == ("ResourceAlreadyExistsException", "Endpoint ep already exists.", 400)
    for call in (events.delete_endpoint, events.update_endpoint):
        assert error_of(call, Name="nope") == ("ResourceNotFoundException", "Endpoint nope does not exist.", 400)
    # Another Region's endpoint of the same name is another endpoint.
    assert create(client("events", region="eu-west-1"), EventBuses=[
        {"EventBusArn": bus_arn("orders", region="eu-west-1")}, BUSES[1]])["State"] == "CREATING"


# --- PutEvents through the endpoint ----------------------------------------------------------------------------------

def sigv4a_put_events(url: str, endpoint_id: str, entries: list[dict], *, account: str = ACCOUNT) -> httpx.Response:
    """PutEvents exactly as botocore (with awscrt) sends it for an EndpointId and a custom endpoint_url: to that
    URL, SigV4a-signed (a scope without Region, X-Amz-Region-Set: *), EndpointId in the body."""
    now = datetime.now(UTC)
    headers = {
        "X-Amz-Target": "AWSEvents.PutEvents", "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Date": now.strftime("%Y%m%dT%H%M%SZ"), "X-Amz-Region-Set": "*",
        "Authorization": f"AWS4-ECDSA-P256-SHA256 Credential={account}/{now:%Y%m%d}/events/aws4_request, "
                         "SignedHeaders=content-type;host;x-amz-date;x-amz-region-set;x-amz-target, Signature=3044",
    }
    return httpx.post(url, headers=headers, content=json.dumps({"Entries": entries, "EndpointId": endpoint_id}),
                      timeout=30)


def two_regions(client):
    """The bus "orders" in both Regions, each with a rule sending to a queue of its Region: (url, url)."""
    queues = []
    for region in (PRIMARY, SECONDARY):
        events = client("events", region=region)
        events.create_event_bus(Name="orders")
        _, url, _ = rule_to_queue(events, client("sqs", region=region), "to-q", PATTERN, bus="orders")
        queues.append(url)
    return queues


def test_put_events_goes_to_the_primary_then_fails_over_and_back(client, sluice, admin):
    primary_q, secondary_q = two_regions(client)
    create(client("events"))
    endpoint_id = endpoint_id_of(client("events"))
    sqs_primary, sqs_secondary = client("sqs", region=PRIMARY), client("sqs", region=SECONDARY)

    answer = sigv4a_put_events(sluice.url, endpoint_id, [entry(detail={"n": 1})])
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["Entries"]
    [event] = events_in(sqs_primary, primary_q)
    assert event["id"] == result["EventId"] and event["region"] == PRIMARY and event["detail"] == {"n": 1}
    assert events_in(sqs_secondary, secondary_q) == []

    flipped = admin.post("/_sluice/events/endpoints/ep/health", json={"healthy": False})
    assert flipped.status_code == 200 and flipped.json()["ActiveRegion"] == SECONDARY
    sigv4a_put_events(sluice.url, endpoint_id, [entry(detail={"n": 2})]).raise_for_status()
    [event] = events_in(sqs_secondary, secondary_q)
    assert event["region"] == SECONDARY and event["account"] == ACCOUNT and event["detail"] == {"n": 2}
    assert events_in(sqs_primary, primary_q) == []

    admin.post("/_sluice/events/endpoints/ep/health", json={"healthy": True}).raise_for_status()
    sigv4a_put_events(sluice.url, endpoint_id, [entry(detail={"n": 3})]).raise_for_status()
    assert [e["detail"] for e in events_in(sqs_primary, primary_q)] == [{"n": 3}]


def test_replication_puts_the_event_on_both_buses(client, sluice):
    primary_q, secondary_q = two_regions(client)
    create(client("events"), ReplicationConfig={"State": "ENABLED"}, RoleArn=ROLE)
    endpoint_id = endpoint_id_of(client("events"))
    sigv4a_put_events(sluice.url, endpoint_id, [entry(detail={"n": 1})]).raise_for_status()
    [primary] = events_in(client("sqs", region=PRIMARY), primary_q)
    [replica] = events_in(client("sqs", region=SECONDARY), secondary_q)
    assert primary["region"] == PRIMARY and replica["region"] == SECONDARY
    assert primary["detail"] == replica["detail"] == {"n": 1}


def test_entry_errors_and_an_unknown_endpoint(client, sluice):
    two_regions(client)
    create(client("events"))
    endpoint_id = endpoint_id_of(client("events"))
    answer = sigv4a_put_events(sluice.url, endpoint_id, [{"Source": "a", "DetailType": "t"}, entry()]).json()
    assert answer["FailedEntryCount"] == 1 and answer["Entries"][0]["ErrorCode"] == "InvalidArgument"
    unknown = sigv4a_put_events(sluice.url, "nope1.veo", [entry()])
    assert unknown.status_code == 400 and unknown.json()["__type"].endswith("ResourceNotFoundException")
    # Another account's endpoint (the account comes from the SigV4a scope) is not the caller's.
    other = sigv4a_put_events(sluice.url, endpoint_id, [entry()], account="111111111111")
    assert other.status_code == 400 and other.json()["__type"].endswith("ResourceNotFoundException")


def test_admin_health_errors(client, admin):
    assert admin.post("/_sluice/events/endpoints/nope/health", json={"healthy": False}).status_code == 404
    create(client("events"))
    assert admin.post("/_sluice/events/endpoints/ep/health", json={"healthy": "maybe"}).status_code == 422
    assert admin.post("/_sluice/events/endpoints/ep/health",
                      json={"healthy": False, "account": "12"}).status_code == 422
    moved = admin.post("/_sluice/events/endpoints/ep/health",
                       json={"healthy": False, "account": ACCOUNT, "region": PRIMARY}).json()
    assert moved["EventBusArn"] == bus_arn("orders", region=SECONDARY)


def test_boto3_put_events_with_endpoint_id(client):
    """The real client path: botocore signs PutEvents with an EndpointId with SigV4a, which needs awscrt
    (``pip install botocore[crt]``, in the test extras; without it botocore raises MissingDependencyException
    before sending)."""
    primary_q, _ = two_regions(client)
    events = client("events")
    create(events)
    endpoint_id = endpoint_id_of(events)
    answer = events.put_events(Entries=[entry(detail={"via": "boto3"})], EndpointId=endpoint_id)
    assert answer["FailedEntryCount"] == 0
    assert [e["detail"] for e in events_in(client("sqs"), primary_q)] == [{"via": "boto3"}]
