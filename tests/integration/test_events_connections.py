"""EventBridge connections and API destinations: the control plane (CreateConnection ... ListApiDestinations).

Sources: EventBridge API Reference (CreateConnection, DescribeConnection, UpdateConnection, DeauthorizeConnection,
DeleteConnection, ListConnections, CreateApiDestination ... ListApiDestinations; ConnectionState, ApiDestinationState);
User Guide, "Connections for API destination targets": the authorization parameters are kept in a Secrets Manager
secret (``SecretArn``, ``secret:events!connection/<name>/...``) and never returned.
"""

import re

import pytest

from tests.integration.events_helpers import ACCOUNT, REGION, error_of

CONNECTION_ARN = re.compile(rf"^arn:aws:events:{REGION}:{ACCOUNT}:connection/(?P<name>[\w.-]+)/[0-9a-f-]{{36}}$")
DESTINATION_ARN = re.compile(rf"^arn:aws:events:{REGION}:{ACCOUNT}:api-destination/(?P<name>[\w.-]+)/[0-9a-f-]{{36}}$")
SECRET_ARN = re.compile(rf"^arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:events!connection/(?P<name>[\w.-]+)/"
                        r"[0-9a-f-]{36}-[A-Za-z0-9]{6}$")
API_KEY = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}}
BASIC = {"BasicAuthParameters": {"Username": "user", "Password": "pw"}}
OAUTH = {"OAuthParameters": {"ClientParameters": {"ClientID": "id", "ClientSecret": "shh"},
                             "AuthorizationEndpoint": "http://127.0.0.1:9/token", "HttpMethod": "POST",
                             "OAuthHttpParameters": {"BodyParameters": [
                                 {"Key": "scope", "Value": "events", "IsValueSecret": False},
                                 {"Key": "audience", "Value": "hidden", "IsValueSecret": True}]}}}


@pytest.fixture
def events(client):
    return client("events")


def test_create_then_describe_an_api_key_connection(events):
    created = events.create_connection(Name="c1", Description="d", AuthorizationType="API_KEY", AuthParameters={
        **API_KEY, "InvocationHttpParameters": {"HeaderParameters": [
            {"Key": "x-plain", "Value": "shown", "IsValueSecret": False},
            {"Key": "x-hidden", "Value": "secret", "IsValueSecret": True}]}})
    assert CONNECTION_ARN.match(created["ConnectionArn"]).group("name") == "c1"
    assert created["ConnectionState"] == "CREATING"
    assert "LastAuthorizedTime" not in created and created["CreationTime"]
    described = events.describe_connection(Name="c1")
    assert described["ConnectionArn"] == created["ConnectionArn"]
    assert described["ConnectionState"] == "AUTHORIZED"
    assert (described["Name"], described["Description"], described["AuthorizationType"]) == ("c1", "d", "API_KEY")
    assert SECRET_ARN.match(described["SecretArn"]).group("name") == "c1"
    auth = described["AuthParameters"]
    assert auth["ApiKeyAuthParameters"] == {"ApiKeyName": "x-api-key"}          # never the value
    assert auth["InvocationHttpParameters"]["HeaderParameters"] == [
        {"Key": "x-plain", "Value": "shown", "IsValueSecret": False},
        {"Key": "x-hidden", "IsValueSecret": True}]
    assert described["LastAuthorizedTime"]


def test_secrets_are_never_returned_for_basic_and_oauth(events):
    events.create_connection(Name="b", AuthorizationType="BASIC", AuthParameters=BASIC)
    events.create_connection(Name="o", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=OAUTH)
    assert events.describe_connection(Name="b")["AuthParameters"] == {"BasicAuthParameters": {"Username": "user"}}
    oauth = events.describe_connection(Name="o")["AuthParameters"]["OAuthParameters"]
    assert oauth["ClientParameters"] == {"ClientID": "id"}
    assert (oauth["AuthorizationEndpoint"], oauth["HttpMethod"]) == ("http://127.0.0.1:9/token", "POST")
    assert oauth["OAuthHttpParameters"]["BodyParameters"] == [
        {"Key": "scope", "Value": "events", "IsValueSecret": False}, {"Key": "audience", "IsValueSecret": True}]
    assert "shh" not in str(events.describe_connection(Name="o"))


@pytest.mark.parametrize("kind, auth", [("BASIC", API_KEY), ("API_KEY", BASIC), ("OAUTH_CLIENT_CREDENTIALS", {}),
                                        ("BASIC", {**BASIC, **API_KEY})])
def test_the_auth_parameters_must_match_the_authorization_type(events, kind, auth):
    code, _, status = error_of(events.create_connection, Name="x", AuthorizationType=kind, AuthParameters=auth)
    assert (code, status) == ("ValidationException", 400)
    assert events.list_connections()["Connections"] == []


def test_a_name_is_taken_once(events):
    events.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)
    code, message, _ = error_of(events.create_connection, Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)
    assert code == "ResourceAlreadyExistsException" and "c" in message


def test_missing_connections(events):
    for call in (events.describe_connection, events.delete_connection, events.deauthorize_connection):
        code, message, status = error_of(call, Name="nope")
        assert (code, status) == ("ResourceNotFoundException", 400) and "'nope'" in message
    code, _, _ = error_of(events.update_connection, Name="nope", Description="x")
    assert code == "ResourceNotFoundException"


def test_deauthorize_then_update_authorizes_again(events):
    events.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)
    answer = events.deauthorize_connection(Name="c")
    assert answer["ConnectionState"] == "DEAUTHORIZING"
    assert events.describe_connection(Name="c")["ConnectionState"] == "DEAUTHORIZED"
    # The secret is gone: an update must give the password again.
    code, _, _ = error_of(events.update_connection, Name="c",
                          AuthParameters={"BasicAuthParameters": {"Username": "other"}})
    assert code == "ValidationException"
    answer = events.update_connection(Name="c", AuthParameters={"BasicAuthParameters": {"Password": "new"}})
    assert answer["ConnectionState"] == "AUTHORIZING"
    described = events.describe_connection(Name="c")
    assert described["ConnectionState"] == "AUTHORIZED"
    assert described["AuthParameters"]["BasicAuthParameters"] == {"Username": "user"}


def test_update_changes_the_description_and_the_authorization_type(events):
    events.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)
    answer = events.update_connection(Name="c", Description="new", AuthorizationType="API_KEY",
                                      AuthParameters=API_KEY)
    assert answer["ConnectionState"] == "UPDATING" and answer["LastModifiedTime"]
    described = events.describe_connection(Name="c")
    assert (described["Description"], described["AuthorizationType"]) == ("new", "API_KEY")
    assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}


def test_list_connections_by_prefix_state_and_pages(events):
    for name in ("a1", "a2", "a3", "b1"):
        events.create_connection(Name=name, AuthorizationType="BASIC", AuthParameters=BASIC)
    events.deauthorize_connection(Name="a2")
    assert [c["Name"] for c in events.list_connections(NamePrefix="a")["Connections"]] == ["a1", "a2", "a3"]
    assert [c["Name"] for c in events.list_connections(ConnectionState="DEAUTHORIZED")["Connections"]] == ["a2"]
    first = events.list_connections(Limit=3)
    assert [c["Name"] for c in first["Connections"]] == ["a1", "a2", "a3"]
    rest = events.list_connections(Limit=3, NextToken=first["NextToken"])
    assert [c["Name"] for c in rest["Connections"]] == ["b1"] and "NextToken" not in rest
    item = rest["Connections"][0]
    assert set(item) >= {"ConnectionArn", "Name", "ConnectionState", "AuthorizationType", "CreationTime"}


def test_delete_connection(events):
    arn = events.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)["ConnectionArn"]
    answer = events.delete_connection(Name="c")
    assert (answer["ConnectionArn"], answer["ConnectionState"]) == (arn, "DELETING")
    assert error_of(events.describe_connection, Name="c")[0] == "ResourceNotFoundException"


def test_connections_are_per_account_and_region(client):
    events, other = client("events"), client("events", region="eu-west-1")
    events.create_connection(Name="c", AuthorizationType="BASIC", AuthParameters=BASIC)
    assert other.list_connections()["Connections"] == []
    assert error_of(other.describe_connection, Name="c")[0] == "ResourceNotFoundException"


# --- API destinations ---------------------------------------------------------------------------------------

def _connection(events, name="c"):
    return events.create_connection(Name=name, AuthorizationType="API_KEY", AuthParameters=API_KEY)["ConnectionArn"]


def test_api_destination_lifecycle(events):
    connection = _connection(events)
    created = events.create_api_destination(Name="d", ConnectionArn=connection, HttpMethod="POST",
                                            InvocationEndpoint="https://example.com/orders/*",
                                            InvocationRateLimitPerSecond=10, Description="orders")
    assert DESTINATION_ARN.match(created["ApiDestinationArn"]).group("name") == "d"
    assert created["ApiDestinationState"] == "ACTIVE"
    described = events.describe_api_destination(Name="d")
    assert {k: described[k] for k in ("Name", "Description", "ConnectionArn", "InvocationEndpoint", "HttpMethod",
                                      "InvocationRateLimitPerSecond", "ApiDestinationState")} == {
        "Name": "d", "Description": "orders", "ConnectionArn": connection,
        "InvocationEndpoint": "https://example.com/orders/*", "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 10, "ApiDestinationState": "ACTIVE"}
    updated = events.update_api_destination(Name="d", HttpMethod="PUT", InvocationRateLimitPerSecond=5)
    assert updated["ApiDestinationArn"] == created["ApiDestinationArn"]
    described = events.describe_api_destination(Name="d")
    assert (described["HttpMethod"], described["InvocationRateLimitPerSecond"]) == ("PUT", 5)
    assert described["InvocationEndpoint"] == "https://example.com/orders/*"
    events.delete_api_destination(Name="d")
    code, message, _ = error_of(events.describe_api_destination, Name="d")
    assert code == "ResourceNotFoundException" and "'d'" in message


def test_the_rate_limit_defaults_to_300(events):
    events.create_api_destination(Name="d", ConnectionArn=_connection(events), HttpMethod="POST",
                                  InvocationEndpoint="https://example.com/")
    assert events.describe_api_destination(Name="d")["InvocationRateLimitPerSecond"] == 300


def test_an_api_destination_needs_an_existing_connection(events):
    missing = f"arn:aws:events:{REGION}:{ACCOUNT}:connection/gone/00000000-0000-4000-8000-000000000000"
    code, message, _ = error_of(events.create_api_destination, Name="d", ConnectionArn=missing, HttpMethod="POST",
                                InvocationEndpoint="https://example.com/")
    assert code == "ResourceNotFoundException" and "gone" in message
    _connection(events)
    events.create_api_destination(Name="d", ConnectionArn=_connection(events, "c2"), HttpMethod="POST",
                                  InvocationEndpoint="https://example.com/")
    assert error_of(events.update_api_destination, Name="d", ConnectionArn=missing)[0] == "ResourceNotFoundException"
    assert error_of(events.create_api_destination, Name="d", ConnectionArn=_connection(events, "c3"),
                    HttpMethod="POST", InvocationEndpoint="https://example.com/")[0] == "ResourceAlreadyExistsException"


def test_list_api_destinations_by_prefix_and_connection(events):
    one, two = _connection(events, "one"), _connection(events, "two")
    for name, connection in (("x1", one), ("x2", two), ("y1", one)):
        events.create_api_destination(Name=name, ConnectionArn=connection, HttpMethod="POST",
                                      InvocationEndpoint=f"https://example.com/{name}")
    assert [d["Name"] for d in events.list_api_destinations(NamePrefix="x")["ApiDestinations"]] == ["x1", "x2"]
    assert [d["Name"] for d in events.list_api_destinations(ConnectionArn=one)["ApiDestinations"]] == ["x1", "y1"]
    page = events.list_api_destinations(Limit=2)
    assert len(page["ApiDestinations"]) == 2 and page["NextToken"]
    rest = events.list_api_destinations(Limit=2, NextToken=page["NextToken"])
    assert [d["Name"] for d in rest["ApiDestinations"]] == ["y1"]
    assert rest["ApiDestinations"][0]["InvocationEndpoint"] == "https://example.com/y1"
