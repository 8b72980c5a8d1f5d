"""Input validation against botocore shapes, and the error each service reports for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.protocol.models import service_model
from api.protocol.validation import Problem, to_error, validate
from emulator.errors import AwsError, SerializationException


def check(service: str, op: str, params: dict, *, json_types: bool = True, model: str | None = None) -> dict:
    shape = service_model(model or service).operation_model(op).input_shape
    return validate(model or service, params, shape, json_types=json_types)


def error(service: str, op: str, params: dict, **kwargs) -> AwsError:
    with pytest.raises(AwsError) as caught:
        check(service, op, params, **kwargs)
    return caught.value


# --- JSON services: AWS's "N validation error(s) detected" -----------------------------------

def test_missing_required_member():
    err = error("dynamodb", "DescribeTable", {})
    assert err.code == "ValidationException" and err.status == 400
    assert err.message == ("1 validation error detected: Value null at 'tableName' failed to satisfy "
                           "constraint: Member must not be null")


def test_length_pattern_and_range_in_one_message():
    err = error("dynamodb", "ListTables", {"ExclusiveStartTableName": "a!", "Limit": 0})
    assert err.code == "ValidationException"
    assert err.message == (
        "3 validation errors detected: "
        "Value 'a!' at 'exclusiveStartTableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3; "
        "Value 'a!' at 'exclusiveStartTableName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9_.-]+; "
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")


def test_enum_constraint_lists_the_values():
    err = error("dynamodb", "GetItem", {"TableName": "tbl", "Key": {}, "ReturnConsumedCapacity": "LOTS"})
    assert err.message == ("1 validation error detected: Value 'LOTS' at 'returnConsumedCapacity' failed to "
                           "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")


def test_nested_list_member_paths():
    err = error("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "ok", "Arn": "arn:x"},
                                                                 {"Id": "", "Arn": "arn:y"}]})
    # An empty id breaks two constraints; AWS reports each.
    assert err.message == ("2 validation errors detected: Value '' at 'targets.2.member.id' failed to satisfy "
                           "constraint: Member must have length greater than or equal to 1; "
                           "Value '' at 'targets.2.member.id' failed to satisfy constraint: "
                           "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")


def test_missing_member_inside_a_list():
    err = error("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "t"}]})
    assert err.message == ("1 validation error detected: Value null at 'targets.1.member.arn' failed to satisfy "
                           "constraint: Member must not be null")


def test_collection_length_shows_the_value_like_java():
    err = error("events", "RemoveTargets", {"Rule": "r", "Ids": []})
    assert err.message == ("1 validation error detected: Value '[]' at 'ids' failed to satisfy constraint: "
                           "Member must have length greater than or equal to 1")


def test_arn_length_constraint():
    shape = service_model("dynamodbstreams").operation_model("GetShardIterator").input_shape
    assert validate("dynamodbstreams", {"StreamArn": "a" * 37, "ShardId": "s" * 28,
                                        "ShardIteratorType": "LATEST"}, shape, json_types=True)
    err = error("dynamodbstreams", "GetShardIterator", {"StreamArn": "a", "ShardId": "s" * 28,
                                                       "ShardIteratorType": "LATEST"})
    assert "Value 'a' at 'streamArn' failed to satisfy constraint: Member must have length greater than or equal to 37" \
        in err.message


def test_values_are_printed_like_java():
    from api.protocol.validation import _java
    assert _java(False) == "false" and _java([True, None]) == "[true, null]" and _java({"a": 1}) == "{a=1}"
    assert _java(b"xyz") == "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"


def test_java_only_patterns_are_not_enforced():
    # \p{Print} is Java regex syntax; Python can't compile it, so Sluice does not reject anything by it.
    shape = service_model("dynamodb").shape_for("AutoScalingPolicyName")
    assert shape.metadata["pattern"] == r"\p{Print}+"
    from api.protocol.validation import Validator
    v = Validator(json_types=True)
    assert v.value("any name", shape, "policyName") == "any name" and v.problems == []


# --- JSON types -------------------------------------------------------------------------------

def test_json_values_are_decoded_to_their_shape_types():
    got = check("dynamodbstreams", "GetRecords", {"ShardIterator": "it", "Limit": 5.0, "Unknown": 1, "Null": None})
    assert got == {"ShardIterator": "it", "Limit": 5}
    got = check("events", "PutEvents", {"Entries": [{"Time": 1709212455.5, "Detail": "{}"}]})
    assert got["Entries"][0]["Time"] == datetime(2024, 2, 29, 13, 14, 15, 500000, tzinfo=UTC)
    got = check("dynamodb", "GetItem", {"TableName": "tbl", "Key": {"k": {"B": "AP8="}}})
    assert got["Key"]["k"]["B"] == b"\x00\xff"


@pytest.mark.parametrize("params", [
    {"ShardIterator": 5},                       # number for a string
    {"ShardIterator": "it", "Limit": "5"},      # string for an integer
    {"ShardIterator": "it", "Limit": 1.5},      # fraction for an integer
    {"ShardIterator": "it", "Limit": True},     # boolean for an integer
    {"ShardIterator": ["it"]},                  # list for a string
])
def test_wrong_json_types_are_serialization_exceptions(params):
    with pytest.raises(SerializationException) as caught:
        check("dynamodbstreams", "GetRecords", params)
    assert caught.value.code == "SerializationException" and caught.value.status == 400


def test_bad_base64_and_timestamps_are_serialization_exceptions():
    with pytest.raises(SerializationException):
        check("dynamodb", "GetItem", {"TableName": "tbl", "Key": {"k": {"B": "not base64!"}}})
    with pytest.raises(SerializationException):
        check("events", "PutEvents", {"Entries": [{"Time": "yesterday"}]})
    with pytest.raises(SerializationException):
        check("events", "PutEvents", {"Entries": [{"Time": True}]})


def test_query_inputs_keep_converted_types():
    got = check("sqs-query", "ReceiveMessage", {"QueueUrl": "u", "MaxNumberOfMessages": 3}, json_types=False)
    assert got == {"QueueUrl": "u", "MaxNumberOfMessages": 3}
    with pytest.raises(SerializationException):  # base64 strings are a JSON-only encoding of blobs
        check("sqs-query", "SendMessage", {"QueueUrl": "u", "MessageBody": "b", "MessageAttributes": {
            "a": {"DataType": "Binary", "BinaryValue": "AP8="}}}, json_types=False)


# --- SQS: MissingParameter / InvalidParameterValue ----------------------------------------------

@pytest.mark.parametrize("model", ["sqs", "sqs-query"])
def test_sqs_missing_parameter(model):
    err = error("sqs", "SendMessage", {"QueueUrl": "u"}, model=model, json_types=model == "sqs")
    assert err.code == "MissingParameter" and err.status == 400
    assert err.message == "The request must contain the parameter MessageBody."


def test_sqs_missing_nested_parameter_names_the_member():
    err = error("sqs", "DeleteMessageBatch", {"QueueUrl": "u", "Entries": [{"Id": "a"}]})
    assert err.code == "MissingParameter"
    assert err.message == "The request must contain the parameter ReceiptHandle."


def test_sqs_invalid_parameter_value():
    err = to_error("sqs", [Problem("DelaySeconds", "abc", "Member must be a valid integer")])
    assert err.code == "InvalidParameterValue" and err.status == 400
    assert err.message == "Value abc for parameter DelaySeconds is invalid. Reason: Member must be a valid integer."


def test_sqs_leaves_names_to_the_service():
    # ReceiveMessage's AttributeNames is modeled as queue attribute names, but SDK users pass message
    # system attribute names there; SQS answers unknown names itself (InvalidAttributeName).
    got = check("sqs", "ReceiveMessage", {"QueueUrl": "u", "AttributeNames": ["SentTimestamp", "All"]})
    assert got["AttributeNames"] == ["SentTimestamp", "All"]
    got = check("sqs", "SetQueueAttributes", {"QueueUrl": "u", "Attributes": {"NoSuchAttribute": "1"}})
    assert got["Attributes"] == {"NoSuchAttribute": "1"}


# --- SNS: ValidationError ---------------------------------------------------------------------

def test_sns_validation_error():
    err = error("sns", "CreateTopic", {}, json_types=False)
    assert err.code == "ValidationError" and err.status == 400
    assert err.message == ("1 validation error detected: Value null at 'name' failed to satisfy constraint: "
                           "Member must not be null")


def test_sns_constraints_and_enums():
    err = error("sns", "ListOriginationNumbers", {"MaxResults": 31}, json_types=False)
    assert err.message == ("1 validation error detected: Value '31' at 'maxResults' failed to satisfy constraint: "
                           "Member must have value less than or equal to 30")
    err = error("sns", "CreateSMSSandboxPhoneNumber", {"PhoneNumber": "+12065550100", "LanguageCode": "xx"},
                json_types=False)
    assert err.code == "ValidationError" and "Member must satisfy enum value set: [en-US, en-GB" in err.message


def test_sns_pattern():
    err = error("sns", "VerifySMSSandboxPhoneNumber", {"PhoneNumber": "+12065550100", "OneTimePassword": "12a45"},
                json_types=False)
    assert err.message == ("1 validation error detected: Value '12a45' at 'oneTimePassword' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern: ^[0-9]+$")


def test_valid_inputs_pass_unchanged():
    params = {"TopicArn": "arn:aws:sns:us-east-1:000000000000:t", "Message": "m",
              "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}}}
    assert check("sns", "Publish", params, json_types=False) == params
