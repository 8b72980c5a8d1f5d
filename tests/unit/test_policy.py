"""The resource-policy evaluator (emulator/policy.py).

Each case cites the IAM User Guide page it follows:
- EVAL: "Policy evaluation logic" (reference_policies_evaluation-logic.html)
- XACCT: "Cross-account policy evaluation logic" (reference_policies_evaluation-logic-cross-account.html)
- PRINCIPAL: "AWS JSON policy elements: Principal" (reference_policies_elements_principal.html)
- ACTION: "IAM JSON policy elements: Action" / "NotAction"
- RESOURCE: "IAM JSON policy elements: Resource" / "NotResource"
- OPERATORS: "IAM JSON policy elements: Condition operators" (reference_policies_elements_condition_operators.html)
- MULTI: "Conditions with multiple context keys or values" (reference_policies_multi-value-conditions.html)
"""

from __future__ import annotations

import json

import pytest

from emulator.policy import Principal, Request, allows, evaluate, permitted

A, B, C = "111111111111", "222222222222", "333333333333"
QUEUE = f"arn:aws:sqs:us-east-1:{A}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{A}:events"
RULE = f"arn:aws:events:us-east-1:{A}:rule/to-orders"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(**fields) -> dict:
    return {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE, **fields}


def deny(**fields) -> dict:
    return {**allow(**fields), "Effect": "Deny"}


def request(principal: Principal | None = None, action: str = "sqs:SendMessage", resource: str = QUEUE,
            **context: str) -> Request:
    return Request(principal or Principal.of_account(B), action, resource,
                   {k.replace("_", ":", 1): v for k, v in context.items()})


# --- EVAL: effects ---------------------------------------------------------------------------------

def test_no_policy_is_an_implicit_deny():
    # EVAL: "By default, all requests are implicitly denied".
    assert evaluate(None, request()) == "NotApplicable"
    assert evaluate("", request()) == "NotApplicable"
    assert evaluate("not json", request()) == "NotApplicable"


def test_an_allow_statement_allows():
    # EVAL: "An explicit allow in a ... resource-based policy overrides this default".
    assert evaluate(policy(allow()), request()) == "Allow"


def test_an_explicit_deny_wins_over_an_allow():
    # EVAL: "An explicit deny in any policy overrides any allows".
    assert evaluate(policy(allow(), deny()), request()) == "Deny"
    assert evaluate(policy(deny(), allow()), request()) == "Deny"


def test_a_single_statement_object_is_accepted():
    # RESOURCE / "IAM JSON policy elements: Statement": Statement is one statement or an array of them.
    doc = {"Version": "2012-10-17", "Statement": allow()}
    assert allows(doc, request())


# --- PRINCIPAL -------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["*", {"AWS": "*"}])
def test_a_wildcard_principal_matches_accounts_and_services(spec):
    # PRINCIPAL: "Principal": "*" and {"AWS": "*"} grant everyone (anonymous access); services included.
    assert allows(policy(allow(Principal=spec)), request())
    assert allows(policy(allow(Principal=spec)), request(Principal.of_service("sns.amazonaws.com")))


@pytest.mark.parametrize("spec", [{"AWS": B}, {"AWS": f"arn:aws:iam::{B}:root"}, {"AWS": [C, B]},
                                  {"AWS": f"arn:aws:iam::{B}:role/worker"}])
def test_an_account_principal_matches_that_account(spec):
    # PRINCIPAL, "AWS account principals": an account id is the same as its root ARN, and delegates to the
    # account; a role ARN names a principal of that account (Sluice cannot tell a caller's role: any matches).
    assert allows(policy(allow(Principal=spec)), request())
    assert not allows(policy(allow(Principal=spec)), request(Principal.of_account(C))) or C in str(spec)


def test_an_account_principal_does_not_match_another_account_or_a_service():
    # PRINCIPAL: only the named account's principals are granted.
    doc = policy(allow(Principal={"AWS": B}))
    assert not allows(doc, request(Principal.of_account(C)))
    assert not allows(doc, request(Principal.of_service("sns.amazonaws.com")))


def test_a_service_principal_matches_only_that_service():
    # PRINCIPAL, "AWS service principals": {"Service": "sns.amazonaws.com"}.
    doc = policy(allow(Principal={"Service": ["events.amazonaws.com", "sns.amazonaws.com"]}))
    assert allows(doc, request(Principal.of_service("sns.amazonaws.com")))
    assert not allows(doc, request(Principal.of_service("lambda.amazonaws.com")))
    assert not allows(doc, request(Principal.of_account(B)))


def test_not_principal_matches_everyone_else():
    # PRINCIPAL, "NotPrincipal": the statement applies to every principal except those listed.
    doc = policy(deny(Principal=None, NotPrincipal={"AWS": B}), allow())
    doc = doc.replace('"Principal": null, ', "")
    assert allows(doc, request())
    assert evaluate(doc, request(Principal.of_account(C))) == "Deny"


# --- ACTION ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["sqs:SendMessage", "SQS:SendMessage", "sqs:sendmessage", "sqs:*",
                                     "sqs:Send*", "sqs:SendMessag?", "*", ["sqs:ReceiveMessage", "sqs:Send*"]])
def test_actions_match_with_wildcards_case_insensitively(pattern):
    # ACTION: "Action ... values are case-insensitive"; "You can use a wildcard (* or ?)".
    assert allows(policy(allow(Action=pattern)), request())


@pytest.mark.parametrize("pattern", ["sqs:ReceiveMessage", "sns:*", "sqs:Send", "sqs:SendMessag"])
def test_other_actions_do_not_match(pattern):
    assert not allows(policy(allow(Action=pattern)), request())


def test_not_action_matches_every_other_action():
    # ACTION, "NotAction": the statement matches everything except the listed actions.
    doc = policy({k: v for k, v in allow(NotAction="sqs:Delete*").items() if k != "Action"})
    assert allows(doc, request())
    assert not allows(doc, request(action="sqs:DeleteMessage"))


# --- RESOURCE --------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", [QUEUE, "*", f"arn:aws:sqs:*:{A}:*", f"arn:aws:sqs:us-east-1:{A}:ord?rs",
                                     [TOPIC, QUEUE]])
def test_resources_match_with_wildcards(pattern):
    # RESOURCE: wildcards * and ? in ARNs.
    assert allows(policy(allow(Resource=pattern)), request())


def test_resources_are_case_sensitive():
    # RESOURCE: "ARNs are case sensitive" (the resource part).
    assert not allows(policy(allow(Resource=QUEUE.upper().replace("ARN:AWS", "arn:aws"))), request())
    assert not allows(policy(allow(Resource=f"arn:aws:sqs:us-east-1:{A}:other")), request())


def test_not_resource_matches_every_other_resource():
    doc = policy({k: v for k, v in allow(NotResource="arn:aws:sqs:*:*:secret-*").items() if k != "Resource"})
    assert allows(doc, request())
    assert not allows(doc, request(resource=f"arn:aws:sqs:us-east-1:{A}:secret-q"))


# --- OPERATORS -------------------------------------------------------------------------------------

def sourced(condition: dict) -> str:
    return policy(allow(Principal={"Service": "events.amazonaws.com"}, Condition=condition))


EVENTS = Principal.of_service("events.amazonaws.com")


@pytest.mark.parametrize("condition,ok", [
    ({"ArnEquals": {"aws:SourceArn": RULE}}, True),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:events:*:{A}:rule/*"}}, True),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:events:*:{B}:rule/*"}}, False),
    ({"ArnNotLike": {"aws:SourceArn": f"arn:aws:events:*:{B}:*"}}, True),
    ({"ArnNotEquals": {"aws:SourceArn": RULE}}, False),
    ({"StringEquals": {"aws:SourceAccount": A}}, True),
    ({"StringEquals": {"aws:SourceAccount": B}}, False),
    ({"StringNotEquals": {"aws:SourceAccount": B}}, True),
    ({"StringLike": {"aws:SourceArn": "arn:aws:events:us-east-1:*:rule/to-*"}}, True),
    ({"StringNotLike": {"aws:SourceArn": "*:rule/to-*"}}, False),
    ({"StringEqualsIgnoreCase": {"aws:SourceArn": RULE.upper()}}, True),
    ({"StringEquals": {"aws:SourceArn": RULE.upper()}}, False),
])
def test_string_and_arn_operators(condition, ok):
    # OPERATORS, "String condition operators" and "Amazon Resource Name (ARN) condition operators".
    assert allows(sourced(condition), request(EVENTS, aws_SourceArn=RULE, aws_SourceAccount=A)) is ok


def test_condition_keys_are_case_insensitive_values_are_not():
    # "IAM JSON policy elements: Condition": "Condition key names are not case-sensitive"; SNS's default
    # policy writes AWS:SourceOwner.
    doc = sourced({"StringEquals": {"AWS:SourceOwner": A}})
    assert allows(doc, request(EVENTS, aws_SourceOwner=A))


def test_a_missing_key_fails_a_positive_test_and_passes_a_negated_one():
    # OPERATORS (Important box): "If the key ... is not present in the request context, the values do not
    # match and the condition is false. If the policy condition requires that the key is not matched, such
    # as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
    assert not allows(sourced({"ArnEquals": {"aws:SourceArn": RULE}}), request(EVENTS))
    assert allows(sourced({"ArnNotLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/evil"}}), request(EVENTS))
    assert allows(sourced({"StringNotEquals": {"aws:SourceAccount": B}}), request(EVENTS))


def test_if_exists_is_true_when_the_key_is_missing():
    # OPERATORS, "...IfExists condition operators": "If the policy key is present ..., process the key as
    # specified in the policy. If the key is not present, evaluate the condition element as true."
    doc = sourced({"ArnEqualsIfExists": {"aws:SourceArn": RULE}})
    assert allows(doc, request(EVENTS))
    assert allows(doc, request(EVENTS, aws_SourceArn=RULE))
    assert not allows(doc, request(EVENTS, aws_SourceArn=RULE + "x"))


def test_null_tests_presence():
    # OPERATORS, "Condition operator to check existence of condition keys": Null true = the key is absent.
    assert allows(sourced({"Null": {"aws:SourceArn": "true"}}), request(EVENTS))
    assert not allows(sourced({"Null": {"aws:SourceArn": "true"}}), request(EVENTS, aws_SourceArn=RULE))
    assert allows(sourced({"Null": {"aws:SourceArn": "false"}}), request(EVENTS, aws_SourceArn=RULE))


def test_values_or_keys_and_operators_and():
    # MULTI: several values of one key are ORed (NORed when negated); several keys, and several operators,
    # are ANDed.
    ctx = {"aws_SourceArn": RULE, "aws_SourceAccount": A}
    assert allows(sourced({"StringEquals": {"aws:SourceAccount": [B, A]}}), request(EVENTS, **ctx))
    assert not allows(sourced({"StringNotEquals": {"aws:SourceAccount": [B, A]}}), request(EVENTS, **ctx))
    assert not allows(sourced({"StringEquals": {"aws:SourceAccount": A, "aws:SourceArn": TOPIC}}),
                      request(EVENTS, **ctx))
    assert not allows(sourced({"StringEquals": {"aws:SourceAccount": A}, "ArnEquals": {"aws:SourceArn": TOPIC}}),
                      request(EVENTS, **ctx))
    assert allows(sourced({"StringEquals": {"aws:SourceAccount": A}, "ArnLike": {"aws:SourceArn": "*"}}),
                  request(EVENTS, **ctx))


def test_an_unknown_operator_fails_its_condition():
    # OPERATORS lists the operators; one Sluice does not evaluate (an IP address test) never grants access.
    assert not allows(sourced({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), request(EVENTS))


def test_a_conditional_deny_only_denies_when_it_holds():
    # EVAL: a Deny statement applies only when its conditions match the request.
    doc = policy(allow(), deny(Condition={"StringNotEquals": {"aws:SourceAccount": A}}))
    assert evaluate(doc, request(EVENTS, aws_SourceAccount=A)) == "Allow"
    assert evaluate(doc, request(EVENTS, aws_SourceAccount=B)) == "Deny"


# --- XACCT: the access rule -------------------------------------------------------------------------

def test_the_owner_account_needs_no_resource_policy():
    # XACCT: within one account, an identity-based policy OR a resource-based policy may allow; Sluice does
    # not emulate identity policies, so the owner's principals are allowed.
    assert permitted(A, Principal.of_account(A), None, "sqs:DeleteQueue", QUEUE)


def test_another_account_needs_the_resource_policy():
    # XACCT: "the resource-based policy ... must allow" the principal of the other account.
    assert not permitted(A, Principal.of_account(B), None, "sqs:SendMessage", QUEUE)
    assert permitted(A, Principal.of_account(B), policy(allow(Principal={"AWS": B})), "sqs:SendMessage", QUEUE)
    assert not permitted(A, Principal.of_account(B), policy(allow(Principal={"AWS": B})), "sqs:ReceiveMessage",
                         QUEUE)


def test_a_service_principal_always_needs_the_resource_policy():
    # "Amazon SNS ... to an Amazon SQS queue": the queue's policy must allow sns.amazonaws.com (or "*" with
    # aws:SourceArn), whatever account the topic is in.
    sns = Principal.of_service("sns.amazonaws.com")
    assert not permitted(A, sns, None, "sqs:SendMessage", QUEUE, {"aws:SourceArn": TOPIC})
    doc = policy(allow(Principal={"Service": "sns.amazonaws.com"}, Condition={"ArnEquals": {"aws:SourceArn": TOPIC}}))
    assert permitted(A, sns, doc, "sqs:SendMessage", QUEUE, {"aws:SourceArn": TOPIC})
    assert not permitted(A, sns, doc, "sqs:SendMessage", QUEUE, {"aws:SourceArn": TOPIC + "2"})
