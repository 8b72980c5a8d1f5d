"""Resource policies: a small IAM policy evaluator, and the access rule every resource check uses.

What is emulated (IAM User Guide, "Policy evaluation logic" and "IAM JSON policy element reference"):
``Effect`` with an explicit Deny winning over any Allow; ``Principal`` / ``NotPrincipal`` (``"*"``,
``{"AWS": ...}`` as an account id, a root ARN or another ARN of the account, ``{"Service": ...}``);
``Action`` / ``NotAction`` with ``*`` and ``?`` wildcards, case-insensitive; ``Resource`` /
``NotResource`` with wildcards, case-sensitive; ``Condition`` with the string, ARN, numeric, Bool and
Null operators, ``...IfExists``, and ``ForAnyValue:`` / ``ForAllValues:`` on single values.

What is not: identity policies (IAM users, roles and their attached policies), permission boundaries,
SCPs and session policies. So a principal of the resource's own account is always allowed (as if its
identity policy allowed everything), and another account is allowed exactly when the resource policy
allows it. A specific user or role ARN in ``Principal`` matches any caller of that account: Sluice
knows a caller's account (from its access key), not which of the account's users it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

Decision = Literal["Allow", "Deny", "NotApplicable"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes the request: an AWS account's principal, or an AWS service (``sns.amazonaws.com``)."""

    account: str | None = None
    arn: str | None = None
    service: str | None = None

    @classmethod
    def of_account(cls, account: str) -> Principal:
        return cls(account=account, arn=f"arn:aws:iam::{account}:root")

    @classmethod
    def of_service(cls, service: str) -> Principal:
        return cls(service=service)


@dataclass(frozen=True, slots=True)
class Request:
    """The request context a policy is evaluated against (keys compared case-insensitively)."""

    principal: Principal
    action: str                       # "sqs:SendMessage"
    resource: str                     # the resource's ARN
    context: Mapping[str, str] = field(default_factory=dict)  # "aws:SourceArn" -> value


def parse(policy: str | Mapping | None) -> Mapping | None:
    """A policy document (read only); None for no policy (or text that is not a JSON object)."""
    if policy is None or policy == "":
        return None
    if isinstance(policy, Mapping):
        return policy
    return _parse_text(policy)


@lru_cache(maxsize=256)
def _parse_text(text: str) -> Mapping | None:
    """Parsed once per text: every SNS or EventBridge delivery to a queue evaluates the queue's policy."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def evaluate(policy: str | Mapping | None, request: Request) -> Decision:
    """"Deny" if a statement denies, else "Allow" if one allows, else "NotApplicable" (an implicit deny)."""
    doc = parse(policy)
    if doc is None:
        return "NotApplicable"
    statements = doc.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping) or not _applies(statement, request):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return "Deny"
        if effect == "Allow":
            allowed = True
    return "Allow" if allowed else "NotApplicable"


def allows(policy: str | Mapping | None, request: Request) -> bool:
    return evaluate(policy, request) == "Allow"


def decide(owner: str, principal: Principal, policy: str | Mapping | None, action: str, resource: str,
           context: Mapping[str, str] | None = None) -> Decision:
    """The access rule of a resource owned by account ``owner``: "Allow", or why not ("Deny": an explicit
    deny; "NotApplicable": nothing allows it).

    A principal of the owner's account needs no resource policy (identity policies are not emulated:
    they are taken to allow everything); any other account, and every service principal, needs the
    resource policy to allow the request ("Cross-account policy evaluation logic", IAM User Guide).
    """
    if principal.service is None and principal.account == owner:
        return "Allow"
    return evaluate(policy, Request(principal, action, resource, context or {}))


def permitted(owner: str, principal: Principal, policy: str | Mapping | None, action: str, resource: str,
              context: Mapping[str, str] | None = None) -> bool:
    return decide(owner, principal, policy, action, resource, context) == "Allow"


def denial_message(who: str, action: str, resource: str, *, explicit: bool = False) -> str:
    """AWS's AccessDenied text for a principal of another account (the action as the service spells it)."""
    reason = ("with an explicit deny in a resource-based policy" if explicit
              else f"because no resource-based policy allows the {action} action")
    return f"User: {who} is not authorized to perform: {action} on resource: {resource} {reason}"


# --- statement matching ----------------------------------------------------------------------------

def _applies(statement: Mapping, request: Request) -> bool:
    if "Principal" in statement and not _principal_matches(statement["Principal"], request.principal):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], request.principal):
        return False
    if "Action" in statement and not _any(statement["Action"], request.action, ignore_case=True):
        return False
    if "NotAction" in statement and _any(statement["NotAction"], request.action, ignore_case=True):
        return False
    if "Resource" in statement and not _any(statement["Resource"], request.resource, ignore_case=False):
        return False
    if "NotResource" in statement and _any(statement["NotResource"], request.resource, ignore_case=False):
        return False
    return _conditions_hold(statement.get("Condition") or {}, request.context)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in items]


def _principal_matches(spec: Any, who: Principal) -> bool:
    """"*" and ``{"AWS": "*"}`` match everyone, AWS services included ("AWS JSON policy elements:
    Principal"); an account id or any ARN of an account matches that account's principals."""
    if spec == "*":
        return True
    if not isinstance(spec, Mapping):
        return False
    for kind, value in spec.items():
        for item in _values(value):
            if item == "*" and kind in ("AWS", "*"):
                return True
            if kind == "Service" and who.service is not None and item.lower() == who.service.lower():
                return True
            if kind == "AWS" and who.account is not None and _account_of(item) == who.account:
                return True
    return False


_ARN_ACCOUNT = re.compile(r"^arn:[^:]*:(?:iam|sts)::(\d{12}):")


def _account_of(principal: str) -> str | None:
    if re.fullmatch(r"\d{12}", principal):
        return principal
    match = _ARN_ACCOUNT.match(principal)
    return match.group(1) if match else None


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` any one character; everything else literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _like(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).match(value) is not None


def _any(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    return any(_like(p, value, ignore_case) for p in _values(patterns))


def _arn_like(pattern: str, value: str) -> bool:
    """ArnEquals / ArnLike: each of the six ``:``-separated parts matched on its own, case-sensitively."""
    want, have = pattern.split(":", 5), value.split(":", 5)
    if len(want) < 6:  # not an ARN pattern ("*"): matched as a whole
        return _like(pattern, value)
    return len(want) == len(have) == 6 and all(_like(w, h) for w, h in zip(want, have, strict=True))


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _compare_numbers(op: str, have: str, want: str) -> bool:
    a, b = _number(have), _number(want)
    if a is None or b is None:
        return False
    return {"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
            "NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}[op]


# Positive operator -> test of one context value against one policy value.
_TESTS = {
    "StringEquals": lambda have, want: have == want,
    "StringEqualsIgnoreCase": lambda have, want: have.lower() == want.lower(),
    "StringLike": lambda have, want: _like(want, have),
    "ArnEquals": lambda have, want: _arn_like(want, have),
    "ArnLike": lambda have, want: _arn_like(want, have),
    "Bool": lambda have, want: have.lower() == want.lower(),
    **{op: (lambda o: lambda have, want: _compare_numbers(o, have, want))(op)
       for op in ("NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
                  "NumericGreaterThanEquals")},
}
# Negated operator -> the positive one it negates (a negated test with several values is their NOR).
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
            "NumericNotEquals": "NumericEquals"}


def _conditions_hold(conditions: Any, context: Mapping[str, str]) -> bool:
    """Operators AND, keys of one operator AND, values of one key OR (NOR when negated)."""
    if not isinstance(conditions, Mapping):
        return False
    lowered = {k.lower(): v for k, v in context.items()}
    for operator, tests in conditions.items():
        if not isinstance(tests, Mapping):
            return False
        for key, wanted in tests.items():
            if not _condition_holds(str(operator), lowered.get(str(key).lower()), _values(wanted)):
                return False
    return True


def _condition_holds(operator: str, have: str | None, wanted: list[str]) -> bool:
    qualifier, _, op = operator.rpartition(":")
    if qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False
    if op == "Null":  # "true": the key must be absent; "false": present
        return any((w.lower() == "true") == (have is None) for w in wanted)
    if_exists = op.endswith("IfExists")
    if if_exists:
        op = op[: -len("IfExists")]
    if have is None:
        # A missing key: a positive test is false, a negated one true; ...IfExists and ForAllValues are true.
        return if_exists or qualifier == "ForAllValues" or op in _NEGATED
    if op in _NEGATED:
        return not any(_TESTS[_NEGATED[op]](have, w) for w in wanted)
    test = _TESTS.get(op)
    if test is None:  # an operator Sluice does not evaluate (dates, IP addresses): the condition fails
        return False
    return any(test(have, w) for w in wanted)
