"""Which service and operation a request is for, and in which protocol.

JSON services carry ``X-Amz-Target: <prefix>.<Operation>``. Query services (SNS, SQS-query) post a
form with ``Action``; SNS and SQS share action names, so the SigV4 signing name decides, then the
``Version`` field, then whether the path is a queue URL. DynamoDB Streams is signed as ``dynamodb``
but has its own target prefix, which is why targets are routed before signing names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from emulator.errors import AwsError

from .models import raw_model, service_model

TARGET_PREFIXES = {
    "AmazonSQS": "sqs",
    "AWSEvents": "events",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodbstreams",
}
QUERY_VERSIONS = {"2012-11-05": "sqs", "2010-03-31": "sns"}


@dataclass(slots=True)
class Route:
    service: str      # sqs, sns, events, dynamodb, dynamodbstreams
    operation: str
    protocol: str     # json | query

    @property
    def model_name(self) -> str:
        """The service model the codec uses (SQS over the query protocol has its own)."""
        return "sqs-query" if (self.service == "sqs" and self.protocol == "query") else self.service


@cache
def _operations(service: str) -> frozenset[str]:
    return frozenset(raw_model(service)["operations"])


class UnknownOperation(AwsError):
    code = "UnknownOperationException"


class InvalidAction(AwsError):
    code = "InvalidAction"


def route_target(target: str) -> Route:
    prefix, _, operation = target.partition(".")
    service = TARGET_PREFIXES.get(prefix)
    if service is None:
        raise UnknownOperation(f"Unknown service target: {target!r}")
    if operation not in _operations(service):
        raise UnknownOperation(f"Unknown operation {operation!r} for service {service}")
    return Route(service, operation, "json")


def route_query(action: str | None, version: str | None, signing_service: str | None, path: str) -> Route:
    if not action:
        raise AwsError("The request must contain the parameter Action.", code="MissingAction")
    service = None
    if signing_service in ("sqs", "sns"):
        service = signing_service
    elif version in QUERY_VERSIONS:
        service = QUERY_VERSIONS[version]
    elif path not in ("", "/"):
        service = "sqs"  # a form posted to a queue URL
    else:
        owners = [s for s in ("sqs", "sns") if action in _operations(s)]
        if len(owners) == 1:
            service = owners[0]
    if service is None or action not in _operations(service):
        raise InvalidAction(f"The action {action} is not valid for this web service.")
    return Route(service, action, "query")


def operation_model(route: Route):
    return service_model(route.model_name).operation_model(route.operation)
