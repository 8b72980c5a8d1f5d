"""Mobile push and SMS: applications, endpoints, SMS attributes, opt-outs, the sandbox, captured messages."""

import json

import pytest
from botocore.exceptions import ClientError


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"], \
        excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def app(client):
    return client("sns").create_platform_application(Name="app", Platform="GCM",
                                                     Attributes={"PlatformCredential": "key"})[
        "PlatformApplicationArn"]


def test_platform_applications(client, app):
    sns = client("sns")
    assert app == "arn:aws:sns:us-east-1:000000000000:app/GCM/app"
    attrs = sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
    assert "PlatformCredential" not in attrs and attrs["Enabled"] == "true"
    sns.set_platform_application_attributes(PlatformApplicationArn=app,
                                            Attributes={"EventEndpointCreated": "arn:aws:sns:us-east-1:000000000000:t"})
    listed = sns.list_platform_applications()["PlatformApplications"]
    assert listed[0]["PlatformApplicationArn"] == app
    assert listed[0]["Attributes"]["EventEndpointCreated"].endswith(":t")
    for kwargs, fragment in [({"Name": "x", "Platform": "NOKIA", "Attributes": {"PlatformCredential": "k"}},
                              "Platform"),
                             ({"Name": "x", "Platform": "GCM", "Attributes": {"Enabled": "true"}}, "PlatformCredential"),
                             ({"Name": "x", "Platform": "APNS", "Attributes": {"PlatformCredential": "k"}},
                              "PlatformPrincipal")]:
        with pytest.raises(ClientError) as err:
            sns.create_platform_application(**kwargs)
        assert error(err)[0] == "InvalidParameter" and fragment in error(err)[1]
    sns.delete_platform_application(PlatformApplicationArn=app)
    with pytest.raises(ClientError) as err:
        sns.get_platform_application_attributes(PlatformApplicationArn=app)
    assert error(err) == ("NotFound", "PlatformApplication does not exist", 404)


def test_platform_endpoints_and_push_capture(client, admin, app):
    sns = client("sns")
    endpoint = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                            CustomUserData="user-7")["EndpointArn"]
    assert endpoint.startswith("arn:aws:sns:us-east-1:000000000000:endpoint/GCM/app/")
    assert sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                        CustomUserData="user-7")["EndpointArn"] == endpoint
    with pytest.raises(ClientError) as err:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="other")
    assert "already exists with the same Token" in error(err)[1]
    assert sns.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"] == \
        {"Enabled": "true", "Token": "device-1", "CustomUserData": "user-7"}
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [e["EndpointArn"] for e in listed] == [endpoint]

    message_id = sns.publish(TargetArn=endpoint, MessageStructure="json",
                             Message=json.dumps({"default": "d", "GCM": json.dumps({"data": {"k": 1}})}))["MessageId"]
    body = admin.get("/_aws/sns/platform-endpoint-messages").json()
    [captured] = body["platform_endpoint_messages"][endpoint]
    assert captured["MessageId"] == message_id and json.loads(captured["Message"]) == {"data": {"k": 1}}
    assert admin.delete("/_aws/sns/platform-endpoint-messages").status_code == 204
    assert admin.get("/_aws/sns/platform-endpoint-messages").json()["platform_endpoint_messages"] == {}

    sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as err:
        sns.publish(TargetArn=endpoint, Message="x")
    assert error(err)[:2] == ("EndpointDisabled", "Endpoint is disabled")
    sns.delete_endpoint(EndpointArn=endpoint)
    with pytest.raises(ClientError) as err:
        sns.get_endpoint_attributes(EndpointArn=endpoint)
    assert error(err) == ("NotFound", "Endpoint does not exist", 404)
    with pytest.raises(ClientError) as err:
        sns.publish(TargetArn=endpoint, Message="x")
    assert error(err)[0] == "InvalidParameter"


def test_sms_publish_attributes_and_opt_out(client, admin):
    sns = client("sns")
    message_id = sns.publish(PhoneNumber="+15555550123", Message="code 1234")["MessageId"]
    body = admin.get("/_aws/sns/sms-messages").json()
    assert body["region"] == "us-east-1"
    [sms] = body["sms_messages"]["+15555550123"]
    assert sms["Message"] == "code 1234" and sms["MessageId"] == message_id
    with pytest.raises(ClientError) as err:
        sns.publish(PhoneNumber="12", Message="x")
    assert error(err)[0] == "InvalidParameter"
    with pytest.raises(ClientError) as err:
        sns.publish(PhoneNumber="+15555550123", TopicArn="arn:aws:sns:us-east-1:000000000000:t", Message="x")
    assert error(err)[0] == "InvalidParameter"

    sns.set_sms_attributes(attributes={"DefaultSMSType": "Promotional", "MonthlySpendLimit": "5"})
    assert sns.get_sms_attributes()["attributes"] == {"DefaultSMSType": "Promotional", "MonthlySpendLimit": "5"}
    assert sns.get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"] == {"MonthlySpendLimit": "5"}
    with pytest.raises(ClientError) as err:
        sns.set_sms_attributes(attributes={"DefaultSMSType": "Loud"})
    assert error(err)[0] == "InvalidParameter"

    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550123")["isOptedOut"] is False
    admin.post("/_sluice/sns/opt-out", json={"phoneNumber": "+15555550123"}).raise_for_status()
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550123")["isOptedOut"] is True
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == ["+15555550123"]
    with pytest.raises(ClientError) as err:
        sns.publish(PhoneNumber="+15555550123", Message="x")
    assert error(err)[0] == "OptedOut"
    sns.opt_in_phone_number(phoneNumber="+15555550123")
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []
    with pytest.raises(ClientError) as err:
        sns.check_if_phone_number_is_opted_out(phoneNumber="nope")
    assert error(err)[0] == "InvalidParameter"


def test_sms_sandbox(client, admin):
    sns = client("sns")
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is False
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550199", LanguageCode="en-US")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [{"PhoneNumber": "+15555550199",
                                                                     "Status": "Pending"}]
    [otp_sms] = admin.get("/_sluice/sns/messages", params={"protocol": "sms", "target": "+15555550199"}).json()
    otp = otp_sms["payload"]["OneTimePassword"]
    with pytest.raises(ClientError) as err:
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword="111111" if otp != "111111" else "222222")
    assert error(err)[0] == "VerificationException"
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword=otp)
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"][0]["Status"] == "Verified"
    sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    with pytest.raises(ClientError) as err:
        sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert error(err)[0] == "ResourceNotFound"
    assert sns.list_origination_numbers()["PhoneNumbers"] == []


def test_every_sns_operation_is_implemented(admin):
    sns = admin.get("/_sluice/health").json()["services"]["sns"]
    assert sns["implemented"] == sns["total"] == 42
