"""Which service and operation a request is for, and in which protocol.

JSON services carry ``X-Amz-Target: <prefix>.<Operation>``. Query services (SNS, SQS-query) post a
form with ``Action``; SNS and SQS share action names, so the SigV4 signing name decides, then the
``Version`` field, then whether the path is a queue URL. DynamoDB Streams is signed as ``dynamodb``
but has its own target prefix, which is why targets are routed before signing names. STS is a query
service too (signing name ``sts``, ``Version=2011-06-15``).

A call to an AWS service Sluice does not emulate (signed for ``s3``, or with a target prefix such as
``Kinesis_20131202``) is answered at once with an error that names the service (``NotEmulated``), in
that service's own protocol so its SDK shows the message; see ``FOREIGN``.
"""

from __future__ import annotations

import re
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
QUERY_VERSIONS = {"2012-11-05": "sqs", "2010-03-31": "sns", "2011-06-15": "sts"}
QUERY_SERVICES = ("sqs", "sns", "sts")
# SigV4 signing names of the services Sluice serves (DynamoDB Streams is signed as dynamodb).
SIGNING_NAMES = frozenset({"sqs", "sns", "events", "dynamodb", "sts"})
TITLES = {"sqs": "Amazon SQS", "sns": "Amazon SNS", "events": "Amazon EventBridge", "dynamodb": "Amazon DynamoDB",
          "dynamodbstreams": "Amazon DynamoDB Streams", "sts": "AWS STS"}


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
        if prefix in _FOREIGN_BY_TARGET:
            raise not_emulated(target=target)
        raise UnknownOperation(f"Unknown service target: {target!r}")
    if operation not in _operations(service):
        raise UnknownOperation(f"Unknown operation {operation!r} for service {service}")
    return Route(service, operation, "json")


def route_query(action: str | None, version: str | None, signing_service: str | None, path: str) -> Route:
    if not action:
        raise AwsError("The request must contain the parameter Action.", code="MissingAction")
    service = None
    if signing_service in QUERY_SERVICES:
        service = signing_service
    elif version in QUERY_VERSIONS:
        service = QUERY_VERSIONS[version]
    elif path not in ("", "/"):
        service = "sqs"  # a form posted to a queue URL
    else:
        owners = [s for s in QUERY_SERVICES if action in _operations(s)]
        if len(owners) == 1:
            service = owners[0]
    if service is None and version in FOREIGN_QUERY_VERSIONS:
        raise not_emulated(FOREIGN_QUERY_VERSIONS[version])
    if service is None or action not in _operations(service):
        raise InvalidAction(f"The action {action} is not valid for this web service.")
    return Route(service, action, "query")


def operation_model(route: Route):
    return service_model(route.model_name).operation_model(route.operation)


# --- services Sluice does not emulate -------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Foreign:
    title: str
    protocol: str              # json | rest-json | query | ec2 | rest-xml | smithy-rpc-v2-cbor (the model's first)
    target_prefix: str | None = None


# By SigV4 signing name: the AWS services users most often point at a local endpoint, with the
# protocol their SDKs speak (from botocore's models; tests/unit/test_foreign_services.py keeps this
# table equal to them). Any other signing name is answered the same way, named by that name.
FOREIGN: dict[str, Foreign] = {
    "s3": Foreign("Amazon S3", "rest-xml"),
    "lambda": Foreign("AWS Lambda", "rest-json"),
    "kinesis": Foreign("Amazon Kinesis", "json", "Kinesis_20131202"),
    "firehose": Foreign("Amazon Data Firehose", "json", "Firehose_20150804"),
    "scheduler": Foreign("Amazon EventBridge Scheduler", "rest-json"),
    "pipes": Foreign("Amazon EventBridge Pipes", "rest-json"),
    "states": Foreign("AWS Step Functions", "json", "AWSStepFunctions"),
    "secretsmanager": Foreign("AWS Secrets Manager", "json", "secretsmanager"),
    "ssm": Foreign("AWS Systems Manager", "json", "AmazonSSM"),
    "kms": Foreign("AWS KMS", "json", "TrentService"),
    "logs": Foreign("Amazon CloudWatch Logs", "json", "Logs_20140328"),
    "monitoring": Foreign("Amazon CloudWatch", "smithy-rpc-v2-cbor", "GraniteServiceVersion20100801"),
    "iam": Foreign("AWS IAM", "query"),
    "ec2": Foreign("Amazon EC2", "ec2"),
    "cloudformation": Foreign("AWS CloudFormation", "query"),
    "apigateway": Foreign("Amazon API Gateway", "rest-json"),
    "ses": Foreign("Amazon SES", "query"),
    "route53": Foreign("Amazon Route 53", "rest-xml"),
    "ecr": Foreign("Amazon ECR", "json", "AmazonEC2ContainerRegistry_V20150921"),
    "ecs": Foreign("Amazon ECS", "json", "AmazonEC2ContainerServiceV20141113"),
    "eks": Foreign("Amazon EKS", "rest-json"),
    "cognito-idp": Foreign("Amazon Cognito user pools", "json", "AWSCognitoIdentityProviderService"),
    "cognito-identity": Foreign("Amazon Cognito identity pools", "json", "AWSCognitoIdentityService"),
    "acm": Foreign("AWS Certificate Manager", "json", "CertificateManager"),
    "athena": Foreign("Amazon Athena", "json", "AmazonAthena"),
    "glue": Foreign("AWS Glue", "json", "AWSGlue"),
    "elasticache": Foreign("Amazon ElastiCache", "query"),
    "rds": Foreign("Amazon RDS", "query"),
    "redshift": Foreign("Amazon Redshift", "query"),
    "es": Foreign("Amazon OpenSearch Service", "rest-json"),
    "elasticmapreduce": Foreign("Amazon EMR", "json", "ElasticMapReduce"),
    "appsync": Foreign("AWS AppSync", "rest-json"),
    "elasticloadbalancing": Foreign("Elastic Load Balancing", "query"),
    "autoscaling": Foreign("Amazon EC2 Auto Scaling", "query"),
    "xray": Foreign("AWS X-Ray", "rest-json"),
    "dax": Foreign("Amazon DynamoDB Accelerator (DAX)", "json", "AmazonDAXV3"),
    "timestream": Foreign("Amazon Timestream", "json", "Timestream_20181101"),
    "swf": Foreign("Amazon SWF", "json", "SimpleWorkflowService"),
    "organizations": Foreign("AWS Organizations", "json", "AWSOrganizationsV20161128"),
    "cloudfront": Foreign("Amazon CloudFront", "rest-xml"),
    "bedrock": Foreign("Amazon Bedrock", "rest-json"),
}
_FOREIGN_BY_TARGET = {f.target_prefix: (name, f) for name, f in FOREIGN.items() if f.target_prefix}
# The query services' API versions: an unsigned form post with one of them is for that service.
FOREIGN_QUERY_VERSIONS = {"2010-05-08": "iam", "2016-11-15": "ec2", "2010-05-15": "cloudformation",
                          "2010-12-01": "ses", "2014-10-31": "rds", "2015-02-02": "elasticache",
                          "2012-12-01": "redshift", "2015-12-01": "elasticloadbalancing", "2011-01-01": "autoscaling"}
EMULATED = "SQS, SNS, EventBridge, DynamoDB, DynamoDB Streams and STS"


class NotEmulated(AwsError):
    """A call to an AWS service Sluice does not emulate.

    501 ``NotImplemented``: AWS's own code for functionality a server does not implement (S3 answers
    it), a status no SDK retries (they retry 500, 502, 503, 504 and throttling), so the caller fails
    at once with the message instead of after a back-off, and one that says "not here" rather than
    "your request is wrong" (400) or "this endpoint is broken" (500).
    """

    code = "NotImplemented"
    status = 501
    sender_fault = False

    def __init__(self, message: str, foreign: Foreign, name: str | None):
        super().__init__(message)
        self.foreign = foreign
        self.name = name  # the signing name or target prefix, for the log line


def not_emulated(signing_name: str | None = None, target: str | None = None) -> NotEmulated:
    """The error for a call to a service Sluice does not emulate, named as precisely as the call allows."""
    foreign = FOREIGN.get(signing_name or "")
    name = signing_name
    if foreign is None and target:
        name, foreign = _FOREIGN_BY_TARGET.get(target.partition(".")[0], (None, None))
    if foreign is None:
        foreign = Foreign("", "rest-json")
        what = (f"the AWS service signed as '{signing_name}'" if signing_name
                else f"the service of X-Amz-Target '{target}'")
    else:
        what = f"{foreign.title} ({name})"
    return NotEmulated(f"Sluice does not emulate {what}. Sluice emulates {EMULATED}; point this client at "
                       "AWS or at an emulator of that service.", foreign, name or (target or "").partition(".")[0])


class ServiceDisabled(AwsError):
    """A service Sluice emulates, left out of the SERVICES setting: the same 501 and code as a
    service Sluice does not emulate, with LocalStack's wording so that users who met it there know it."""

    code = "NotImplemented"
    status = 501
    sender_fault = False


def service_disabled(service: str, setting: str) -> ServiceDisabled:
    return ServiceDisabled(f"Service '{service}' is not enabled. Please check your 'SERVICES' configuration "
                           f"variable: Sluice was started with SERVICES={setting}. Add {service} to it to use "
                           f"{TITLES.get(service, service)}.")


# Hosts of LocalStack's form: <service>.<region>.localhost.localstack.cloud, <region>.queue.<host>.
_HOST_SERVICE = re.compile(r"^([a-z0-9-]+)\.((?:[a-z]{2}(?:-[a-z]+)+-\d+)\.)?localhost\.localstack\.cloud(?::\d+)?$")
_QUEUE_HOST = re.compile(r"^(?:([a-z]{2}(?:-[a-z]+)+-\d+)\.)?queue\.localhost\.localstack\.cloud(?::\d+)?$")


def host_scope(host: str) -> tuple[str | None, str | None]:
    """(service, region) a LocalStack-style host names: ``sqs.eu-west-1.localhost.localstack.cloud:4566``
    is SQS in eu-west-1, ``eu-west-1.queue.localhost.localstack.cloud`` too; (None, None) otherwise."""
    host = host.lower()
    match = _QUEUE_HOST.match(host)
    if match:
        return "sqs", match.group(1)
    match = _HOST_SERVICE.match(host)
    if match and match.group(1) not in ("localhost", "www"):
        region = match.group(2)
        return match.group(1), region[:-1] if region else None
    return None, None
