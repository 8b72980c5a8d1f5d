import pytest
from botocore.exceptions import ClientError


def test_health_lists_every_service(admin):
    body = admin.get("/_sluice/health").json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"sqs", "sns", "events", "dynamodb", "dynamodbstreams", "sts"}
    assert body["clock"] == "fake"


@pytest.mark.parametrize("service,call,operation", [
    ("dynamodb", "list_exports", "ListExports"),  # reads S3, which Sluice does not emulate
    ("dynamodb", "list_imports", "ListImports"),
])
def test_unimplemented_operation_is_501(client, service, call, operation):
    with pytest.raises(ClientError) as err:
        getattr(client(service), call)()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert operation in err.value.response["Error"]["Message"]
