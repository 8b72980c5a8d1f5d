"""EventBridge rules through boto3: PutRule (EventPattern and/or ScheduleExpression, State, Description, RoleArn,
Tags), DescribeRule, EnableRule, DisableRule, DeleteRule, ListRules, ListRuleNamesByTarget, rule tags; and the
validation errors of rules, targets and PutEvents, each checked for its code, message and HTTP status.

Sources: EventBridge API Reference (PutRule, DescribeRule, EnableRule, DisableRule, DeleteRule, ListRules,
ListRuleNamesByTarget, PutTargets, PutEvents, Target, RetryPolicy); EventBridge User Guide, "Rules in Amazon
EventBridge", "Creating event patterns" and "Setting a schedule pattern for scheduled rules". Error texts are AWS's
answers as recorded by localstack against AWS (tests/aws/services/events/*.snapshot.json, "recorded" below) or as
quoted from AWS in public issues (named where used). EventBridge speaks JSON 1.1 and models no HTTP status on its
errors, so every error is an HTTP 400 (floci-io/floci#2258 on ResourceNotFoundException).
"""

import json

import pytest

from tests.integration.events_helpers import (
    ACCOUNT,
    LAMBDA_ARN,
    entry,
    error_of,
    make_queue,
    rule_arn,
)

PATTERN = {"source": ["com.example.orders"], "detail-type": ["Order Placed"]}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/events-role"


# --- PutRule / DescribeRule ---------------------------------------------------------------------------------------

def test_put_rule_and_describe_it(client):
    """API Reference, PutRule and DescribeRule: the ARN (rule/<name> on the default bus), State ENABLED by default,
    CreatedBy the account (recorded), no ManagedBy for a rule a user created, no ScheduleExpression when none."""
    events = client("events")
    arn = events.put_rule(Name="orders", EventPattern=json.dumps(PATTERN), Description="Placed orders",
                          RoleArn=ROLE)["RuleArn"]
    assert arn == rule_arn("orders")
    rule = events.describe_rule(Name="orders")
    assert rule["Name"] == "orders" and rule["Arn"] == arn and rule["EventBusName"] == "default"
    assert json.loads(rule["EventPattern"]) == PATTERN
    assert rule["State"] == "ENABLED" and rule["Description"] == "Placed orders" and rule["RoleArn"] == ROLE
    assert rule["CreatedBy"] == ACCOUNT
    assert "ManagedBy" not in rule and "ScheduleExpression" not in rule


def test_put_rule_on_a_custom_bus_by_name_or_arn(client):
    """API Reference, PutRule EventBusName: a name or an ARN; the rule ARN is rule/<bus>/<name> (recorded)."""
    events = client("events")
    bus = events.create_event_bus(Name="shop")["EventBusArn"]
    arn = events.put_rule(Name="orders", EventBusName="shop", EventPattern=json.dumps(PATTERN))["RuleArn"]
    assert arn == rule_arn("orders", "shop")
    assert events.put_rule(Name="refunds", EventBusName=bus, EventPattern=json.dumps(PATTERN))["RuleArn"] == \
        rule_arn("refunds", "shop")
    rule = events.describe_rule(Name="orders", EventBusName=bus)
    assert rule["EventBusName"] == "shop" and rule["Arn"] == arn
    assert error_of(events.describe_rule, Name="orders") == (
        "ResourceNotFoundException", "Rule orders does not exist on EventBus default.", 400)


def test_put_rule_again_updates_it_and_keeps_its_targets(client):
    """API Reference, PutRule: "If you are updating an existing rule, the rule is replaced with what you specify in
    this PutRule command. If you omit arguments in PutRule, the old values for those arguments are not kept";
    the targets stay (recorded: test_update_rule_with_targets)."""
    events, sqs = client("events"), client("sqs")
    _, queue = make_queue(sqs, "q")
    arn = events.put_rule(Name="r", EventPattern=json.dumps(PATTERN), Description="first")["RuleArn"]
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": queue}])
    again = events.put_rule(Name="r", EventPattern=json.dumps({"source": ["other"]}), State="DISABLED")["RuleArn"]
    assert again == arn
    rule = events.describe_rule(Name="r")
    assert json.loads(rule["EventPattern"]) == {"source": ["other"]} and rule["State"] == "DISABLED"
    assert "Description" not in rule
    assert events.list_targets_by_rule(Rule="r")["Targets"] == [{"Id": "t", "Arn": queue}]


def test_a_rule_with_both_a_pattern_and_a_schedule(client):
    """API Reference, PutRule: "A rule must contain at least an EventPattern or ScheduleExpression. Rules with
    EventPatterns are triggered when a matching event is observed. Rules with ScheduleExpressions self-trigger based
    on the given schedule. A rule can have both an EventPattern and a ScheduleExpression"."""
    events = client("events")
    events.put_rule(Name="both", EventPattern=json.dumps(PATTERN), ScheduleExpression="rate(5 minutes)")
    rule = events.describe_rule(Name="both")
    assert rule["ScheduleExpression"] == "rate(5 minutes)" and json.loads(rule["EventPattern"]) == PATTERN
    events.put_rule(Name="timer", ScheduleExpression="cron(0 12 * * ? *)")
    timer = events.describe_rule(Name="timer")
    assert timer["ScheduleExpression"] == "cron(0 12 * * ? *)" and "EventPattern" not in timer


@pytest.mark.parametrize("state", ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"])
def test_every_rule_state_is_kept(client, state):
    """API Reference, PutRule State: ENABLED | DISABLED | ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS."""
    events = client("events")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN), State=state)
    assert events.describe_rule(Name="r")["State"] == state
    assert events.list_rules()["Rules"][0]["State"] == state


def test_enable_and_disable_a_rule(client):
    """API Reference, EnableRule and DisableRule (recorded: test_disable_re_enable_rule), on both kinds of bus."""
    events = client("events")
    events.create_event_bus(Name="shop")
    for bus in ({}, {"EventBusName": "shop"}):
        events.put_rule(Name="r", EventPattern=json.dumps(PATTERN), **bus)
        events.disable_rule(Name="r", **bus)
        assert events.describe_rule(Name="r", **bus)["State"] == "DISABLED"
        events.enable_rule(Name="r", **bus)
        assert events.describe_rule(Name="r", **bus)["State"] == "ENABLED"


def test_delete_rule(client):
    """API Reference, DeleteRule: "Before you can delete the rule, you must remove all targets" (recorded answer when
    not); Force is for managed rules; a deleted rule is gone from ListRules."""
    events, sqs = client("events"), client("sqs")
    _, queue = make_queue(sqs, "q")
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": queue}])
    assert error_of(events.delete_rule, Name="r") == (
        "ValidationException", "Rule can't be deleted since it has targets.", 400)
    assert events.describe_rule(Name="r")["Name"] == "r"
    events.remove_targets(Rule="r", Ids=["t"])
    events.delete_rule(Name="r")
    assert events.list_rules()["Rules"] == []
    assert error_of(events.describe_rule, Name="r")[0] == "ResourceNotFoundException"
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))          # the name is free again
    assert events.list_targets_by_rule(Rule="r")["Targets"] == []


# --- ListRules / ListRuleNamesByTarget --------------------------------------------------------------------------

def test_list_rules_by_bus_prefix_and_page(client):
    """API Reference, ListRules: NamePrefix, EventBusName (default: the default bus), Limit and NextToken; each rule
    has Name, Arn, EventPattern, State, EventBusName (recorded) and no CreatedBy."""
    events = client("events")
    events.create_event_bus(Name="shop")
    for i in range(5):
        events.put_rule(Name=f"orders-{i}", EventPattern=json.dumps(PATTERN))
    events.put_rule(Name="audit", ScheduleExpression="rate(1 hour)", Description="hourly")
    events.put_rule(Name="orders-shop", EventBusName="shop", EventPattern=json.dumps(PATTERN))

    rules = {r["Name"]: r for r in events.list_rules()["Rules"]}
    assert sorted(rules) == ["audit"] + [f"orders-{i}" for i in range(5)]
    assert rules["orders-2"]["Arn"] == rule_arn("orders-2") and rules["orders-2"]["EventBusName"] == "default"
    assert json.loads(rules["orders-2"]["EventPattern"]) == PATTERN and rules["orders-2"]["State"] == "ENABLED"
    assert rules["audit"]["ScheduleExpression"] == "rate(1 hour)" and rules["audit"]["Description"] == "hourly"
    assert "CreatedBy" not in rules["audit"]
    assert [r["Name"] for r in events.list_rules(EventBusName="shop")["Rules"]] == ["orders-shop"]
    assert sorted(r["Name"] for r in events.list_rules(NamePrefix="orders-")["Rules"]) == \
        [f"orders-{i}" for i in range(5)]

    seen, token, pages = [], None, 0
    while True:
        page = events.list_rules(NamePrefix="orders-", Limit=2, **({"NextToken": token} if token else {}))
        assert len(page["Rules"]) <= 2
        seen += [r["Name"] for r in page["Rules"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == [f"orders-{i}" for i in range(5)] and len(seen) == 5 and pages == 3


def test_list_rule_names_by_target(client):
    """API Reference, ListRuleNamesByTarget: the rules (of one bus) that have the target ARN."""
    events, sqs = client("events"), client("sqs")
    _, queue = make_queue(sqs, "shared")
    _, other = make_queue(sqs, "other")
    events.create_event_bus(Name="shop")
    for name in ("a", "b", "c"):
        events.put_rule(Name=name, EventPattern=json.dumps(PATTERN))
    events.put_rule(Name="d", EventBusName="shop", EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="a", Targets=[{"Id": "1", "Arn": queue}])
    events.put_targets(Rule="b", Targets=[{"Id": "1", "Arn": other}, {"Id": "2", "Arn": queue}])
    events.put_targets(Rule="c", Targets=[{"Id": "1", "Arn": LAMBDA_ARN}])
    events.put_targets(Rule="d", EventBusName="shop", Targets=[{"Id": "1", "Arn": queue}])
    assert sorted(events.list_rule_names_by_target(TargetArn=queue)["RuleNames"]) == ["a", "b"]
    assert events.list_rule_names_by_target(TargetArn=queue, EventBusName="shop")["RuleNames"] == ["d"]
    assert events.list_rule_names_by_target(TargetArn=LAMBDA_ARN)["RuleNames"] == ["c"]
    page = events.list_rule_names_by_target(TargetArn=queue, Limit=1)
    rest = events.list_rule_names_by_target(TargetArn=queue, NextToken=page["NextToken"])
    assert sorted(page["RuleNames"] + rest["RuleNames"]) == ["a", "b"]


# --- tags --------------------------------------------------------------------------------------------------------

def test_rule_tags(client):
    """API Reference, PutRule Tags, TagResource, UntagResource, ListTagsForResource on a rule ARN (recorded: a rule
    created again after deletion has no tags; an unknown rule is "Rule X does not exist on EventBus Y.")."""
    events = client("events")
    events.create_event_bus(Name="shop")
    arn = events.put_rule(Name="r", EventPattern=json.dumps(PATTERN),
                          Tags=[{"Key": "tag1", "Value": "value1"}, {"Key": "tag2", "Value": "value2"}])["RuleArn"]
    tags = events.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("tag1", "value1"), ("tag2", "value2")]
    events.untag_resource(ResourceARN=arn, TagKeys=["tag2"])
    events.tag_resource(ResourceARN=arn, Tags=[{"Key": "tag3", "Value": ""}])
    tags = events.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("tag1", "value1"), ("tag3", "")]

    shop = events.put_rule(Name="r", EventBusName="shop", EventPattern=json.dumps(PATTERN))["RuleArn"]
    events.tag_resource(ResourceARN=shop, Tags=[{"Key": "bus", "Value": "shop"}])
    assert events.list_tags_for_resource(ResourceARN=shop)["Tags"] == [{"Key": "bus", "Value": "shop"}]

    events.delete_rule(Name="r", EventBusName="shop")
    assert error_of(events.list_tags_for_resource, ResourceARN=shop) == (
        "ResourceNotFoundException", "Rule r does not exist on EventBus shop.", 400)
    events.put_rule(Name="r", EventBusName="shop", EventPattern=json.dumps(PATTERN))
    assert events.list_tags_for_resource(ResourceARN=shop)["Tags"] == []
    for call, kwargs in [(events.tag_resource, {"Tags": [{"Key": "k", "Value": "v"}]}),
                         (events.untag_resource, {"TagKeys": ["k"]}), (events.list_tags_for_resource, {})]:
        assert error_of(call, ResourceARN=rule_arn("ghost"), **kwargs) == (
            "ResourceNotFoundException", "Rule ghost does not exist on EventBus default.", 400)


# --- validation errors ---------------------------------------------------------------------------------------------

def _target(arn, **extra):
    return {"Id": "t1", "Arn": arn, **extra}


def _rule(events):
    events.put_rule(Name="r", EventPattern=json.dumps(PATTERN))


def _queue(sqs, name="q", **attributes):
    return make_queue(sqs, name, **attributes)[1]


def _with_targets(events, sqs):
    _rule(events)
    events.put_targets(Rule="r", Targets=[_target(_queue(sqs))])


# Each case: (set-up and the call as one function of (events, sqs) returning a thunk, code, message or
# ("prefix", text) / ("contains", text)).
CASES = {
    "PutRule without a pattern or a schedule (aws-cloudformation-user-guide#456 quotes AWS)": (
        lambda e, s: lambda: e.put_rule(Name="r"),
        "ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."),
    "PutRule with a pattern that is not JSON": (
        lambda e, s: lambda: e.put_rule(Name="r", EventPattern="{not json"),
        "InvalidEventPatternException", ("prefix", "Event pattern is not valid. Reason: ")),
    "PutRule with a pattern value that is not an array or object": (
        lambda e, s: lambda: e.put_rule(Name="r", EventPattern=json.dumps({"source": "aws.ec2"})),
        "InvalidEventPatternException", ("prefix", "Event pattern is not valid. Reason: ")),
    "PutRule with an unknown operator": (
        lambda e, s: lambda: e.put_rule(Name="r", EventPattern=json.dumps({"source": [{"bogus": "x"}]})),
        "InvalidEventPatternException", ("prefix", "Event pattern is not valid. Reason: ")),
    "PutRule with rate(0 minutes)": (
        lambda e, s: lambda: e.put_rule(Name="r", ScheduleExpression="rate(0 minutes)"),
        "ValidationException", "Parameter ScheduleExpression is not valid."),
    "PutRule with rate(1 minutes) (UG: singular for 1)": (
        lambda e, s: lambda: e.put_rule(Name="r", ScheduleExpression="rate(1 minutes)"),
        "ValidationException", "Parameter ScheduleExpression is not valid."),
    "PutRule with a cron naming both day fields (UG: one must be ?)": (
        lambda e, s: lambda: e.put_rule(Name="r", ScheduleExpression="cron(0 12 * * * *)"),
        "ValidationException", "Parameter ScheduleExpression is not valid."),
    "PutRule with a five-field cron": (
        lambda e, s: lambda: e.put_rule(Name="r", ScheduleExpression="cron(0 12 * * ?)"),
        "ValidationException", "Parameter ScheduleExpression is not valid."),
    "PutRule with a schedule on a custom bus (recorded)": (
        lambda e, s: (e.create_event_bus(Name="shop"),
                      lambda: e.put_rule(Name="r", EventBusName="shop", ScheduleExpression="rate(1 minute)"))[1],
        "ValidationException", "ScheduleExpression is supported only on the default event bus."),
    "PutRule on a bus that does not exist": (
        lambda e, s: lambda: e.put_rule(Name="r", EventBusName="ghost", EventPattern=json.dumps(PATTERN)),
        "ResourceNotFoundException", "Event bus ghost does not exist."),
    "PutRule with a bad name": (
        lambda e, s: lambda: e.put_rule(Name="bad/name", EventPattern=json.dumps(PATTERN)),
        "ValidationException", "1 validation error detected: Value 'bad/name' at 'name' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"),
    "PutRule with a bad state": (
        lambda e, s: lambda: e.put_rule(Name="r", EventPattern=json.dumps(PATTERN), State="PAUSED"),
        "ValidationException", "1 validation error detected: Value 'PAUSED' at 'state' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ENABLED, DISABLED, "
        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]"),
    "DescribeRule of an unknown rule (recorded)": (
        lambda e, s: lambda: e.describe_rule(Name="missing"),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "DescribeRule of an unknown rule on a custom bus": (
        lambda e, s: (e.create_event_bus(Name="shop"), lambda: e.describe_rule(Name="missing", EventBusName="shop"))[1],
        "ResourceNotFoundException", "Rule missing does not exist on EventBus shop."),
    "EnableRule of an unknown rule": (
        lambda e, s: lambda: e.enable_rule(Name="missing"),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "DisableRule of an unknown rule": (
        lambda e, s: lambda: e.disable_rule(Name="missing"),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "ListRules of an unknown bus": (
        lambda e, s: lambda: e.list_rules(EventBusName="ghost"),
        "ResourceNotFoundException", "Event bus ghost does not exist."),
    "DeleteRule of a rule with targets (recorded)": (
        lambda e, s: (_with_targets(e, s), lambda: e.delete_rule(Name="r"))[1],
        "ValidationException", "Rule can't be deleted since it has targets."),
    "PutTargets to an unknown rule (terraform issues quote AWS)": (
        lambda e, s: lambda: e.put_targets(Rule="missing", Targets=[_target(_queue(s))]),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "ListTargetsByRule of an unknown rule": (
        lambda e, s: lambda: e.list_targets_by_rule(Rule="missing"),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "RemoveTargets of an unknown rule": (
        lambda e, s: lambda: e.remove_targets(Rule="missing", Ids=["t1"]),
        "ResourceNotFoundException", "Rule missing does not exist on EventBus default."),
    "PutTargets beyond five targets (recorded; User Guide quotas: 5 targets per rule)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            {"Id": f"t{i}", "Arn": LAMBDA_ARN} for i in range(6)]))[1],
        "LimitExceededException", "The requested resource exceeds the maximum number allowed."),
    "PutTargets with MaximumRetryAttempts above 185": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            _target(_queue(s), RetryPolicy={"MaximumRetryAttempts": 186})]))[1],
        "ValidationException", "1 validation error detected: Value '186' at "
        "'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value "
        "less than or equal to 185"),
    "PutTargets with MaximumEventAgeInSeconds above 86400": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            _target(_queue(s), RetryPolicy={"MaximumEventAgeInSeconds": 86401})]))[1],
        "ValidationException", "1 validation error detected: Value '86401' at "
        "'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have "
        "value less than or equal to 86400"),
    "PutTargets with a bad target id (recorded)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[{"Id": "!@#$@!#$", "Arn": LAMBDA_ARN}]))[1],
        "ValidationException", "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"),
    "PutTargets with an ARN that is not one (AWS: \"Provided Arn is not in correct format\")": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[_target("not-an-arn")]))[1],
        "ValidationException", ("contains", "Provided Arn is not in correct format")),
    "PutTargets to a service reached by a role, without RoleArn (awsdocs/aws-codepipeline-user-guide#18)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            _target("arn:aws:codepipeline:us-east-1:000000000000:MyPipeline")]))[1],
        "ValidationException", "RoleArn is required for target arn:aws:codepipeline:us-east-1:000000000000:MyPipeline."),
    "PutTargets to a FIFO queue without SqsParameters (hashicorp/terraform#20263 quotes AWS)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            _target(_queue(s, "q.fifo", FifoQueue="true", ContentBasedDeduplication="true"))]))[1],
        "ValidationException", "Parameter(s) SqsParameters must be specified for target: t1."),
    "PutTargets with Input that is not JSON (aws/aws-cli#6711 quotes AWS)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[_target(_queue(s), Input="env:dev")]))[1],
        "ValidationException", ("prefix", "JSON syntax error in input for target t1: ")),
    "PutTargets with both Input and InputPath (recorded)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[
            _target(_queue(s), Input="{}", InputPath="$.detail")]))[1],
        "ValidationException", "Only one of Input, InputPath, or InputTransformer must be provided for target t1."),
    "PutTargets with an undefined placeholder (recorded)": (
        lambda e, s: (_rule(e), lambda: e.put_targets(Rule="r", Targets=[_target(_queue(s), InputTransformer={
            "InputPathsMap": {"src": "$.source"}, "InputTemplate": '"<src> <notdefinedkey>"'})]))[1],
        "ValidationException", "InputTemplate for target t1 contains invalid placeholder notdefinedkey."),
    "PutEvents with 11 entries (recorded)": (
        lambda e, s: lambda: e.put_events(Entries=[entry() for _ in range(11)]),
        "ValidationException", ("contains", "at 'entries' failed to satisfy constraint: Member must have length "
                                            "less than or equal to 10")),
    # The User Guide says entries must total under 256 KB; EventBridge has since raised it to 1 MiB (Shopify's
    # changelog "Amazon EventBridge webhook payload size limit increased to 1 MB"): over both, refused either way.
    "PutEvents entries over the size limit (recorded)": (
        lambda e, s: lambda: e.put_events(Entries=[entry(detail={"blob": "x" * 1_100_000})]),
        "ValidationException", "Total size of the entries in the request is over the limit."),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validation_errors(client, case):
    """Every refusal as AWS answers it: the error code, the message and HTTP 400; nothing is left behind."""
    events, sqs = client("events"), client("sqs")
    setup, code, message = CASES[case]
    call = setup(events, sqs)
    got_code, got_message, status = error_of(call)
    assert (got_code, status) == (code, 400), got_message
    if isinstance(message, tuple):
        how, text = message
        assert got_message.startswith(text) if how == "prefix" else text in got_message, got_message
    else:
        assert got_message == message
