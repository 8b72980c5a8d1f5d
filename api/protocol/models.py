"""botocore service models, loaded once: the only wire schema Sluice has.

SQS speaks two protocols. botocore ships only its JSON model now; the query protocol that the AWS CLI
v1 and older SDKs still send used different member names, flattened lists and legacy error codes.
``sqs_query_model()`` rebuilds that protocol from the JSON model plus the small overlay below, taken
from the last query-protocol SQS model botocore published.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache

import botocore.loaders
from botocore.model import ServiceModel

SERVICES = ("sqs", "sns", "events", "dynamodb", "dynamodbstreams", "sts")
QUERY_SERVICES = ("sqs", "sns", "sts")  # the services (also) spoken over the query protocol


@lru_cache(maxsize=1)
def _loader():
    # The loader alone: a botocore Session would import the whole client stack (~80 ms, ~5 MB at startup).
    return botocore.loaders.create_loader()


@cache
def raw_model(service: str) -> dict:
    return _loader().load_service_model(service, "service-2")


@cache
def service_model(service: str) -> ServiceModel:
    if service == "sqs-query":
        return sqs_query_model()
    return ServiceModel(raw_model(service), service_name=service)


# --- SQS query-protocol overlay --------------------------------------------------------------
# shape -> traits for list/map shapes (flattened, member/key/value names).
_SQS_QUERY_COLLECTIONS = {
    "AWSAccountIdList": {"member": "AWSAccountId"},
    "ActionNameList": {"member": "ActionName"},
    "AttributeNameList": {"member": "AttributeName"},
    "MessageSystemAttributeList": {"member": "MessageSystemAttributeName"},
    "BatchResultErrorEntryList": {"member": "BatchResultErrorEntry"},
    "ChangeMessageVisibilityBatchRequestEntryList": {"member": "ChangeMessageVisibilityBatchRequestEntry"},
    "ChangeMessageVisibilityBatchResultEntryList": {"member": "ChangeMessageVisibilityBatchResultEntry"},
    "DeleteMessageBatchRequestEntryList": {"member": "DeleteMessageBatchRequestEntry"},
    "DeleteMessageBatchResultEntryList": {"member": "DeleteMessageBatchResultEntry"},
    "ListMessageMoveTasksResultEntryList": {"member": "ListMessageMoveTasksResultEntry"},
    "MessageAttributeNameList": {"member": "MessageAttributeName"},
    "MessageList": {"member": "Message"},
    "QueueUrlList": {"member": "QueueUrl"},
    "SendMessageBatchRequestEntryList": {"member": "SendMessageBatchRequestEntry"},
    "SendMessageBatchResultEntryList": {"member": "SendMessageBatchResultEntry"},
    "TagKeyList": {"member": "TagKey"},
    "MessageBodyAttributeMap": {"key": "Name", "value": "Value"},
    "MessageBodySystemAttributeMap": {"key": "Name", "value": "Value"},
    "MessageSystemAttributeMap": {"key": "Name", "value": "Value"},
    "QueueAttributeMap": {"key": "Name", "value": "Value"},
    "TagMap": {"key": "Key", "value": "Value"},
}
# Lists that were not flattened: only their member element name differs.
_SQS_QUERY_WRAPPED_LISTS = {"BinaryList": "BinaryListValue", "StringList": "StringListValue"}
# (structure, member) -> legacy wire name.
_SQS_QUERY_MEMBER_NAMES = {
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("MessageAttributeValue", "StringListValues"): "StringListValue",
    ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("MessageSystemAttributeValue", "StringListValues"): "StringListValue",
    ("MessageSystemAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
    ("TagQueueRequest", "Tags"): "Tag",
    ("ReceiveMessageRequest", "MessageSystemAttributeNames"): "MessageSystemAttributeName",
}
# Legacy query error codes and statuses (JSON clients read them from x-amzn-query-error).
SQS_QUERY_ERRORS = {
    "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
    "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
    "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
    "OverLimit": ("OverLimit", 403),
    "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
    "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
    "QueueNameExists": ("QueueAlreadyExists", 400),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404),
    "TooManyEntriesInBatchRequest": ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
    "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
    "KmsAccessDenied": ("KMS.AccessDeniedException", 400),
    "KmsDisabled": ("KMS.DisabledException", 400),
    "KmsInvalidKeyUsage": ("KMS.InvalidKeyUsageException", 400),
    "KmsInvalidState": ("KMS.InvalidStateException", 400),
    "KmsNotFound": ("KMS.NotFoundException", 400),
    "KmsOptInRequired": ("KMS.OptInRequired", 403),
    "KmsThrottled": ("KMS.ThrottlingException", 400),
    "InvalidSecurity": ("AWS.SimpleQueueService.InvalidSecurity", 403),
    "RequestThrottled": ("RequestThrottled", 403),
}
SQS_QUERY_NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
# The JSON protocol's __type of the SQS errors the model does not define: AWS answers them from its
# generic service framework (Coral), as AWS's own answers show: ``{"__type":
# "com.amazon.coral.service#InvalidParameterValueException", ...}`` with ``x-amzn-query-error:
# InvalidParameterValue;Sender``. Errors the model defines are ``com.amazonaws.sqs#<shape name>``.
_CORAL = "com.amazon.coral.service#"
SQS_JSON_ERROR_TYPES = {
    "InvalidParameterValue": _CORAL + "InvalidParameterValueException",
    "MissingParameter": _CORAL + "MissingRequiredParameterException",
    "InvalidParameterCombination": _CORAL + "InvalidParameterCombinationException",
    "InvalidAction": _CORAL + "UnknownOperationException",
    "UnknownOperationException": _CORAL + "UnknownOperationException",
    "SerializationException": _CORAL + "SerializationException",
    "AccessDenied": _CORAL + "AccessDeniedException",
    "InternalFailure": _CORAL + "InternalFailure",
    "NotImplemented": _CORAL + "NotImplemented",
    "RequestEntityTooLarge": _CORAL + "RequestEntityTooLargeException",
}
# Messages the query protocol words differently from the JSON one.
_SQS_QUERY_MESSAGES = {
    ("QueueDoesNotExist", "The specified queue does not exist."):
        "The specified queue does not exist for this wsdl version.",
}


@lru_cache(maxsize=1)
def _sqs_query_raw() -> dict:
    raw = copy.deepcopy(raw_model("sqs"))
    raw["metadata"] = {**raw["metadata"], "protocol": "query", "protocols": ["query"],
                       "xmlNamespace": SQS_QUERY_NAMESPACE}
    raw["metadata"].pop("awsQueryCompatible", None)
    raw["metadata"].pop("jsonVersion", None)
    raw["metadata"].pop("targetPrefix", None)
    shapes = raw["shapes"]
    for name, traits in _SQS_QUERY_COLLECTIONS.items():
        shape = shapes.get(name)
        if shape is None:
            continue
        shape["flattened"] = True
        for part, wire in traits.items():
            shape[part] = {**shape[part], "locationName": wire}
    for name, wire in _SQS_QUERY_WRAPPED_LISTS.items():
        if name in shapes:
            shapes[name]["member"] = {**shapes[name]["member"], "locationName": wire}
    for (struct, member), wire in _SQS_QUERY_MEMBER_NAMES.items():
        if struct in shapes and member in shapes[struct]["members"]:
            shapes[struct]["members"][member] = {**shapes[struct]["members"][member], "locationName": wire}
    for name, (code, status) in SQS_QUERY_ERRORS.items():
        if name in shapes:
            shapes[name]["error"] = {"code": code, "httpStatusCode": status, "senderFault": True}
    for op_name, op in raw["operations"].items():
        if "output" in op:
            op["output"] = {**op["output"], "resultWrapper": f"{op_name}Result"}
    return raw


@lru_cache(maxsize=1)
def sqs_query_model() -> ServiceModel:
    return ServiceModel(_sqs_query_raw(), service_name="sqs")


@cache
def _query_errors(model_name: str) -> dict[str, tuple[str, int | None]]:
    """Shape name or wire code -> (wire code, modeled HTTP status), from the model's error traits."""
    raw = _sqs_query_raw() if model_name == "sqs-query" else raw_model(model_name)
    table: dict[str, tuple[str, int | None]] = {}
    for name, shape in raw["shapes"].items():
        if shape.get("exception"):
            trait = shape.get("error", {})
            table[name] = (trait.get("code", name), trait.get("httpStatusCode"))
    for code, status in list(table.values()):
        table.setdefault(code, (code, status))
    return table


def query_error(service: str, code: str, status: int) -> tuple[str, int]:
    """The code and HTTP status an error carries on the query protocol.

    SNS and STS send its modeled wire codes (``NotFoundException`` -> ``NotFound``, 404); SQS sends its
    legacy codes (``QueueDoesNotExist`` -> ``AWS.SimpleQueueService.NonExistentQueue``), also in the
    ``x-amzn-query-error`` header of its JSON protocol. The model's status wins over the error's.
    """
    if service not in QUERY_SERVICES:
        return code, status
    if service == "sts" and code == "ValidationException":
        return "ValidationError", 400  # STS reports a malformed input as ValidationError, as SNS does
    wire, modeled = _query_errors("sqs-query" if service == "sqs" else service).get(code, (code, None))
    return wire, modeled or status


def sqs_json_error_type(code: str) -> str:
    """The ``__type`` of an SQS error on the JSON protocol (see ``SQS_JSON_ERROR_TYPES``)."""
    return SQS_JSON_ERROR_TYPES.get(code) or f"com.amazonaws.sqs#{code}"


def query_error_message(service: str | None, code: str, message: str) -> str:
    """The message an error carries on the query protocol (SQS words a few differently)."""
    if service == "sqs":
        return _SQS_QUERY_MESSAGES.get((code, message), message)
    return message


def operation_names(service: str) -> list[str]:
    return list(service_model(service).operation_names)
