"""EventBridge management operations through boto3 against the real server: bus and rule lifecycles, targets,
permissions, tags and pagination, with AWS's errors; and the AWS CLI v1 for put-rule and put-events."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import error_of

ACCOUNT = "000000000000"
BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus"
RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
PATTERN = json.dumps({"source": ["my.app"]})


def status_of(call, **kwargs):
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response["ResponseMetadata"]["HTTPStatusCode"]


# --- buses ---------------------------------------------------------------------------------------------

def test_bus_lifecycle(client):
    events = client("events")
    created = events.create_event_bus(Name="orders", Description="order events", KmsKeyIdentifier="alias/k",
                                      DeadLetterConfig={"Arn": QUEUE}, Tags=[{"Key": "team", "Value": "a"}])
    assert created["EventBusArn"] == f"{BUS}/orders"
    assert created["Description"] == "order events" and created["DeadLetterConfig"] == {"Arn": QUEUE}
    described = events.describe_event_bus(Name="orders")
    assert (described["Name"], described["Arn"], described["KmsKeyIdentifier"]) == ("orders", f"{BUS}/orders",
                                                                                      "alias/k")
    assert described["CreationTime"] <= described["LastModifiedTime"] and "Policy" not in described
    assert events.describe_event_bus(Name=f"{BUS}/orders")["Name"] == "orders"  # an ARN works too
    updated = events.update_event_bus(Name="orders", Description="changed")
    assert updated["Description"] == "changed" and updated["KmsKeyIdentifier"] == "alias/k"
    assert events.list_tags_for_resource(ResourceARN=f"{BUS}/orders")["Tags"] == [{"Key": "team", "Value": "a"}]
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert names == ["default", "orders"]
    events.delete_event_bus(Name="orders")
    events.delete_event_bus(Name="orders")  # gone already: no error
    assert [b["Name"] for b in events.list_event_buses()["EventBuses"]] == ["default"]


def test_default_bus_exists_everywhere_and_cannot_be_deleted(client):
    events = client("events", region="eu-west-1", account="222222222222")
    assert events.describe_event_bus()["Arn"] == "arn:aws:events:eu-west-1:222222222222:event-bus/default"
    assert error_of(events.delete_event_bus, Name="default") == ("ValidationException",
                                                                   "Cannot delete event bus default.")


@pytest.mark.parametrize("call,kwargs,code,message", [
    ("create_event_bus", {"Name": "default"}, "ResourceAlreadyExistsException", "Event bus default already exists."),
    ("create_event_bus", {"Name": "a/b"}, "ValidationException", "Event bus name must not contain '/'."),
    ("create_event_bus", {"Name": "p", "EventSourceName": "aws.partner/x.com/y"}, "ResourceNotFoundException",
     "Event source aws.partner/x.com/y does not exist."),
    ("describe_event_bus", {"Name": "nope"}, "ResourceNotFoundException", "Event bus nope does not exist."),
    ("update_event_bus", {"Name": "nope"}, "ResourceNotFoundException", "Event bus nope does not exist."),
    ("put_rule", {"Name": "r", "EventPattern": PATTERN, "EventBusName": "nope"}, "ResourceNotFoundException",
     "Event bus nope does not exist."),
    ("put_permission", {"EventBusName": "nope", "Action": "events:PutEvents", "Principal": "*", "StatementId": "s"},
     "ResourceNotFoundException", "Event bus nope does not exist."),
])
def test_bus_errors(client, call, kwargs, code, message):
    events = client("events")
    assert error_of(getattr(events, call), **kwargs) == (code, message)
    assert status_of(getattr(events, call), **kwargs) == 400


def test_create_existing_bus_and_list_with_prefix_and_pages(client):
    events = client("events")
    for i in range(5):
        events.create_event_bus(Name=f"bus-{i}")
    assert error_of(events.create_event_bus, Name="bus-1") == ("ResourceAlreadyExistsException",
                                                                 "Event bus bus-1 already exists.")
    first = events.list_event_buses(NamePrefix="bus-", Limit=3)
    assert [b["Name"] for b in first["EventBuses"]] == ["bus-0", "bus-1", "bus-2"]
    rest = events.list_event_buses(NamePrefix="bus-", Limit=3, NextToken=first["NextToken"])
    assert [b["Name"] for b in rest["EventBuses"]] == ["bus-3", "bus-4"] and "NextToken" not in rest


def test_permissions_are_reflected_in_the_policy(client):
    events = client("events")
    events.put_permission(Action="events:PutEvents", Principal="111111111111", StatementId="one")
    events.put_permission(Action="events:PutEvents", Principal="*", StatementId="org",
                          Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"})
    policy = json.loads(events.describe_event_bus()["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert policy["Statement"] == [
        {"Sid": "one", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "events:PutEvents", "Resource": f"{BUS}/default"},
        {"Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
         "Resource": f"{BUS}/default", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]
    events.remove_permission(StatementId="one")
    assert [s["Sid"] for s in json.loads(events.describe_event_bus()["Policy"])["Statement"]] == ["org"]
    assert error_of(events.remove_permission, StatementId="one") == (
        "ResourceNotFoundException", "Statement with the provided id does not exist.")
    events.remove_permission(RemoveAllPermissions=True)
    assert "Policy" not in events.describe_event_bus()
    assert error_of(events.remove_permission, StatementId="org") == ("ResourceNotFoundException",
                                                                       "EventBus does not have a policy.")
    whole = {"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Allow", "Principal": "*",
                                                     "Action": "events:PutEvents", "Resource": f"{BUS}/default"}]}
    events.put_permission(Policy=json.dumps(whole))
    assert json.loads(events.describe_event_bus()["Policy"]) == whole


def test_put_permission_errors(client):
    events = client("events")
    assert error_of(events.put_permission, Action="events:PutEvents", StatementId="s") == (
        "ValidationException", "Parameter Principal must be specified.")
    assert error_of(events.put_permission, Action="events:DeleteRule", Principal="*", StatementId="s") == (
        "ValidationException", "Provided value in parameter 'action' is not supported.")
    code, _ = error_of(events.put_permission, Action="events:PutEvents", Principal="111111111111", StatementId="s",
                       Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1"})
    assert code == "InvalidParameterValue"
    code, message = error_of(events.put_permission, Action="events:PutEvents", Principal="bob", StatementId="s")
    assert code == "ValidationException" and "at 'principal' failed to satisfy constraint" in message


# --- rules ---------------------------------------------------------------------------------------------

def test_rule_lifecycle(client):
    events = client("events")
    events.create_event_bus(Name="custom")
    arn = events.put_rule(Name="r1", EventPattern=PATTERN, Description="d", RoleArn="arn:aws:iam::0:role/x",
                          State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", Tags=[{"Key": "k", "Value": "v"}])
    assert arn["RuleArn"] == f"{RULE}/r1"
    on_custom = events.put_rule(Name="r1", EventPattern=PATTERN, EventBusName="custom")["RuleArn"]
    assert on_custom == f"{RULE}/custom/r1"
    described = events.describe_rule(Name="r1")
    assert {k: v for k, v in described.items() if k != "ResponseMetadata"} == {
        "Name": "r1", "Arn": f"{RULE}/r1", "EventPattern": PATTERN, "Description": "d",
        "State": "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "RoleArn": "arn:aws:iam::0:role/x",
        "EventBusName": "default", "CreatedBy": ACCOUNT}
    events.put_rule(Name="r1", ScheduleExpression="rate(5 minutes)")  # replaced whole, tags kept
    described = events.describe_rule(Name="r1")
    assert described["ScheduleExpression"] == "rate(5 minutes)" and described["State"] == "ENABLED"
    assert "EventPattern" not in described and "Description" not in described
    assert events.list_tags_for_resource(ResourceARN=f"{RULE}/r1")["Tags"] == [{"Key": "k", "Value": "v"}]
    events.disable_rule(Name="r1")
    assert events.describe_rule(Name="r1")["State"] == "DISABLED"
    events.enable_rule(Name="r1")
    assert events.describe_rule(Name="r1")["State"] == "ENABLED"
    events.put_targets(Rule="r1", Targets=[{"Id": "q", "Arn": QUEUE}])
    assert error_of(events.delete_rule, Name="r1") == ("ValidationException",
                                                         "Rule can't be deleted since it has targets.")
    events.remove_targets(Rule="r1", Ids=["q"])
    events.delete_rule(Name="r1")
    events.delete_rule(Name="r1")  # no error for a rule that is gone
    assert error_of(events.describe_rule, Name="r1") == ("ResourceNotFoundException",
                                                           "Rule r1 does not exist on EventBus default.")
    assert events.describe_rule(Name="r1", EventBusName="custom")["Arn"] == on_custom


@pytest.mark.parametrize("kwargs,code,message", [
    ({"Name": "r"}, "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."),
    ({"Name": "r", "ScheduleExpression": "rate(1 minutes)"}, "ValidationException",
     "Parameter ScheduleExpression is not valid."),
    ({"Name": "r", "ScheduleExpression": "cron(0 * * * * *)"}, "ValidationException",
     "Parameter ScheduleExpression is not valid."),
    ({"Name": "r", "ScheduleExpression": "rate(1 hour)", "EventBusName": "custom"}, "ValidationException",
     "ScheduleExpression is supported only on the default event bus."),
    ({"Name": "r", "EventPattern": "{"}, "InvalidEventPatternException", None),
    ({"Name": "r", "EventPattern": PATTERN, "State": "ON"}, "ValidationException", None),
    ({"Name": "bad name", "EventPattern": PATTERN}, "ValidationException", None),
    ({"Name": "r", "EventPattern": PATTERN, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
     "ValidationException", "Invalid parameter: Duplicated keys are not allowed."),
])
def test_put_rule_errors(client, kwargs, code, message):
    events = client("events")
    events.create_event_bus(Name="custom")
    got_code, got_message = error_of(events.put_rule, **kwargs)
    assert got_code == code and (message is None or got_message == message)


@pytest.mark.parametrize("call", ["describe_rule", "enable_rule", "disable_rule"])
def test_missing_rule(client, call):
    events = client("events")
    events.create_event_bus(Name="custom")
    assert error_of(getattr(events, call), Name="nope", EventBusName="custom") == (
        "ResourceNotFoundException", "Rule nope does not exist on EventBus custom.")


def test_list_rules_by_bus_prefix_and_pages(client):
    events = client("events")
    events.create_event_bus(Name="custom")
    for name in ("a-1", "a-2", "a-3", "b-1"):
        events.put_rule(Name=name, EventPattern=PATTERN)
    events.put_rule(Name="a-9", EventPattern=PATTERN, EventBusName="custom")
    page = events.list_rules(NamePrefix="a-", Limit=2)
    assert [r["Name"] for r in page["Rules"]] == ["a-1", "a-2"]
    assert page["Rules"][0] == {"Name": "a-1", "Arn": f"{RULE}/a-1", "EventPattern": PATTERN, "State": "ENABLED",
                                "EventBusName": "default"}
    rest = events.list_rules(NamePrefix="a-", Limit=2, NextToken=page["NextToken"])
    assert [r["Name"] for r in rest["Rules"]] == ["a-3"] and "NextToken" not in rest
    assert [r["Name"] for r in events.list_rules(EventBusName="custom")["Rules"]] == ["a-9"]
    assert error_of(events.list_rules, EventBusName="nope")[0] == "ResourceNotFoundException"


# --- targets -------------------------------------------------------------------------------------------

def test_targets_lifecycle_and_rule_names_by_target(client):
    events = client("events")
    for name in ("r1", "r2", "r3"):
        events.put_rule(Name=name, EventPattern=PATTERN)
    out = events.put_targets(Rule="r1", Targets=[
        {"Id": f"t{i}", "Arn": QUEUE, "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600},
         "DeadLetterConfig": {"Arn": f"{QUEUE}-dlq"}} for i in range(5)])
    assert (out["FailedEntryCount"], out["FailedEntries"]) == (0, [])
    events.put_targets(Rule="r1", Targets=[{"Id": "t0", "Arn": QUEUE, "Input": '{"v": 2}'}])  # replaces, no 6th
    code, message = error_of(events.put_targets, Rule="r1", Targets=[{"Id": "t5", "Arn": QUEUE}])
    assert (code, message) == ("LimitExceededException", "The requested resource exceeds the maximum number allowed.")
    listed = events.list_targets_by_rule(Rule="r1", Limit=2)
    assert [t["Id"] for t in listed["Targets"]] == ["t0", "t1"]
    assert listed["Targets"][0] == {"Id": "t0", "Arn": QUEUE, "Input": '{"v": 2}'}
    assert listed["Targets"][1]["RetryPolicy"] == {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 600}
    rest = events.list_targets_by_rule(Rule="r1", NextToken=listed["NextToken"])
    assert [t["Id"] for t in rest["Targets"]] == ["t2", "t3", "t4"]
    events.put_targets(Rule="r3", Targets=[{"Id": "x", "Arn": QUEUE}])
    assert events.list_rule_names_by_target(TargetArn=QUEUE)["RuleNames"] == ["r1", "r3"]
    removed = events.remove_targets(Rule="r1", Ids=["t0", "t1", "never"])
    assert removed["FailedEntryCount"] == 0
    assert [t["Id"] for t in events.list_targets_by_rule(Rule="r1")["Targets"]] == ["t2", "t3", "t4"]
    assert error_of(events.put_targets, Rule="nope", Targets=[{"Id": "x", "Arn": QUEUE}]) == (
        "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")


@pytest.mark.parametrize("target,message", [
    ({"Id": "t", "Arn": "not-an-arn"}, "Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct "
                                       "format."),
    ({"Id": "t", "Arn": "arn:aws:states:us-east-1:000000000000:stateMachine:m"},
     "RoleArn is required for target arn:aws:states:us-east-1:000000000000:stateMachine:m."),
    ({"Id": "t", "Arn": "arn:aws:sqs:us-east-1:000000000000:q.fifo"},
     "Parameter(s) SqsParameters must be specified for target: t."),
    ({"Id": "t", "Arn": "arn:aws:sqs:us-east-1:111111111111:q"},
     "RoleArn is required for target arn:aws:sqs:us-east-1:111111111111:q."),
    ({"Id": "t", "Arn": QUEUE, "RetryPolicy": {"MaximumRetryAttempts": 186}}, "Member must have value less than"),
    ({"Id": "t", "Arn": QUEUE, "RetryPolicy": {"MaximumEventAgeInSeconds": 59}}, "Member must have value greater"),
    ({"Id": "bad id!", "Arn": QUEUE}, "Member must satisfy regular expression pattern"),
])
def test_put_targets_validation(client, target, message):
    events = client("events", parameter_validation=False)  # the server's validation, not botocore's
    events.put_rule(Name="r", EventPattern=PATTERN)
    code, text = error_of(events.put_targets, Rule="r", Targets=[target])
    assert code == "ValidationException" and message in text
    assert events.list_targets_by_rule(Rule="r")["Targets"] == []


# --- tags ----------------------------------------------------------------------------------------------

def test_tags_on_buses_and_rules(client):
    events = client("events")
    events.put_rule(Name="r", EventPattern=PATTERN)
    for arn in (f"{BUS}/default", f"{RULE}/r"):
        events.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        events.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "3"}])
        events.untag_resource(ResourceARN=arn, TagKeys=["b"])
        assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "a", "Value": "3"}]
    assert error_of(events.list_tags_for_resource, ResourceARN=f"{RULE}/nope") == (
        "ResourceNotFoundException", "Rule nope does not exist on EventBus default.")
    assert error_of(events.tag_resource, ResourceARN=f"{BUS}/nope", Tags=[{"Key": "a", "Value": "1"}]) == (
        "ResourceNotFoundException", "Event bus nope does not exist.")


def test_every_eventbridge_operation_has_a_handler():
    from api.operations import implemented
    from api.protocol.models import service_model
    assert set(implemented("events")) == set(service_model("events").operation_names)


# --- the AWS CLI v1 --------------------------------------------------------------------------------------

def _aws(url, *args):
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}
    out = subprocess.run([sys.executable, "-m", "awscli", "--endpoint-url", url, "--output", "json", *args], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout) if out.stdout.strip() else None


def test_cli_put_rule_and_put_events(sluice, client):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName="cli")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = _aws(sluice.url, "events", "put-rule", "--name", "cli-rule", "--event-pattern",
                json.dumps({"source": ["cli.app"]}))
    assert rule["RuleArn"] == f"{RULE}/cli-rule"
    _aws(sluice.url, "events", "put-targets", "--rule", "cli-rule", "--targets", f"Id=q,Arn={arn}")
    out = _aws(sluice.url, "events", "put-events", "--entries",
               json.dumps([{"Source": "cli.app", "DetailType": "hello", "Detail": json.dumps({"from": "cli"})}]))
    assert out["FailedEntryCount"] == 0
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    event = json.loads(message["Body"])
    assert event["id"] == out["Entries"][0]["EventId"] and event["detail"] == {"from": "cli"}
