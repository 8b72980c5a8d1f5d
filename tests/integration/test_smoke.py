import pytest
from botocore.exceptions import ClientError


def test_health_lists_five_services(admin):
    body = admin.get("/_sluice/health").json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"sqs", "sns", "events", "dynamodb", "dynamodbstreams"}
    assert body["clock"] == "fake"


@pytest.mark.parametrize("service,call,kwargs", [
    ("dynamodbstreams", "list_streams", {}),
])
def test_unimplemented_operation_is_501(client, service, call, kwargs):
    with pytest.raises(ClientError) as err:
        getattr(client(service), call)(**kwargs)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "ListStreams" in err.value.response["Error"]["Message"]
