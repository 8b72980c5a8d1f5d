import pytest
from botocore.exceptions import ClientError


def test_health_lists_every_service(admin):
    body = admin.get("/_sluice/health").json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"sqs", "sns", "events", "dynamodb", "dynamodbstreams", "sts"}
    assert body["clock"] == "fake"


@pytest.mark.parametrize("service,call,operation", [
    ("events", "list_archives", "ListArchives"),
    ("dynamodb", "list_exports", "ListExports"),
])
def test_unimplemented_operation_is_501(client, service, call, operation):
    with pytest.raises(ClientError) as err:
        getattr(client(service), call)()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert operation in err.value.response["Error"]["Message"]
