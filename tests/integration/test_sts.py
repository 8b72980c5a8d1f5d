"""STS: who the caller is, and temporary credentials that act in the account they were issued for.

boto3 (query protocol) and the AWS CLI against the real server; the credentials STS hands out are
then used by other clients, which is what matters: after AssumeRole into account B, SQS and SNS act
in B. Nothing is kept on the server: the same credentials work against another server process.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.helpers import error_of
from tests.server import ThreadServer

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ROLE = "arn:aws:iam::111122223333:role/deploy/Publisher"


def clock_s(admin) -> int:
    return admin.get("/_sluice/clock").json()["now_ms"] // 1000


def with_credentials(url: str, service: str, credentials: dict, region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"], config=Config(retries={"max_attempts": 1}))


def jwt(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


# --- GetCallerIdentity -------------------------------------------------------------------------

def test_caller_identity_is_the_default_user_of_the_account_the_key_names(client):
    identity = client("sts").get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:user/sluice"
    assert identity["UserId"].startswith("AIDA") and len(identity["UserId"]) == 21

    other = client("sts", account="210987654321").get_caller_identity()
    assert other["Account"] == "210987654321"
    assert other["Arn"] == "arn:aws:iam::210987654321:user/sluice"
    assert other["UserId"] != identity["UserId"]
    # Stable: the same identity every time.
    assert client("sts").get_caller_identity()["UserId"] == identity["UserId"]


def test_caller_identity_in_another_partition(client):
    identity = client("sts", region="cn-north-1").get_caller_identity()
    assert identity["Arn"] == "arn:aws-cn:iam::000000000000:user/sluice"


# --- AssumeRole --------------------------------------------------------------------------------

def test_assumed_role_credentials_act_in_the_roles_account(client, sluice, admin):
    now = clock_s(admin)
    result = client("sts").assume_role(RoleArn=ROLE, RoleSessionName="ci-run", DurationSeconds=900)
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("LSIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40 and credentials["SessionToken"]
    assert int(credentials["Expiration"].timestamp()) == now + 900  # the server's (fake) clock
    assert result["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111122223333:assumed-role/Publisher/ci-run"
    role_id, _, session = result["AssumedRoleUser"]["AssumedRoleId"].partition(":")
    assert role_id.startswith("AROA") and len(role_id) == 21 and session == "ci-run"

    identity = with_credentials(sluice.url, "sts", credentials).get_caller_identity()
    assert identity["Account"] == "111122223333"
    assert identity["Arn"] == result["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == result["AssumedRoleUser"]["AssumedRoleId"]

    # Every later call of the SDK acts in account B.
    sqs = with_credentials(sluice.url, "sqs", credentials)
    url = sqs.create_queue(QueueName="assumed")["QueueUrl"]
    assert url.endswith("/111122223333/assumed")
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"] == \
        "arn:aws:sqs:us-east-1:111122223333:assumed"
    topic = with_credentials(sluice.url, "sns", credentials).create_topic(Name="assumed")["TopicArn"]
    assert topic == "arn:aws:sns:us-east-1:111122223333:assumed"
    # ... and not in the caller's own account.
    assert "QueueUrls" not in client("sqs").list_queues()


def test_the_same_role_has_the_same_id_and_each_session_new_credentials(client):
    sts = client("sts")
    first = sts.assume_role(RoleArn=ROLE, RoleSessionName="one")
    second = sts.assume_role(RoleArn=ROLE, RoleSessionName="two")
    assert first["Credentials"]["AccessKeyId"] != second["Credentials"]["AccessKeyId"]
    assert first["AssumedRoleUser"]["AssumedRoleId"].split(":")[0] == second["AssumedRoleUser"]["AssumedRoleId"].split(":")[0]
    assert first["Credentials"]["Expiration"] == second["Credentials"]["Expiration"]  # default 1 h, same clock


def test_assumed_role_credentials_need_no_server_state(client, sluice):
    credentials = client("sts").assume_role(RoleArn=ROLE, RoleSessionName="portable")["Credentials"]
    other = ThreadServer(clock="fake").start()  # a different emulator that never saw them
    try:
        identity = with_credentials(other.url, "sts", credentials).get_caller_identity()
        assert identity["Arn"] == "arn:aws:sts::111122223333:assumed-role/Publisher/portable"
        assert with_credentials(other.url, "sqs", credentials).create_queue(QueueName="x")["QueueUrl"].endswith(
            "/111122223333/x")
    finally:
        other.stop()


def test_a_session_token_sent_with_other_keys_is_not_believed(client, sluice):
    credentials = client("sts").assume_role(RoleArn=ROLE, RoleSessionName="stolen")["Credentials"]
    forged = {**credentials, "AccessKeyId": "test"}
    identity = with_credentials(sluice.url, "sts", forged).get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::000000000000:user/sluice"


def test_role_chaining_acts_in_the_last_roles_account(client, sluice):
    first = client("sts").assume_role(RoleArn=ROLE, RoleSessionName="hop1")["Credentials"]
    second = with_credentials(sluice.url, "sts", first).assume_role(
        RoleArn="arn:aws:iam::444455556666:role/Reader", RoleSessionName="hop2")["Credentials"]
    identity = with_credentials(sluice.url, "sts", second).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::444455556666:assumed-role/Reader/hop2"


def test_assume_role_errors(client):
    sts = client("sts", parameter_validation=False)
    code, message = error_of(sts.assume_role, RoleArn="arn:aws:iam::111122223333:user/Someone",
                             RoleSessionName="s1")
    assert (code, message) == ("ValidationError", "Request ARN is invalid")
    code, message = error_of(sts.assume_role, RoleArn=ROLE, RoleSessionName="x")
    assert code == "ValidationError"
    assert message == ("1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: "
                       "Member must have length greater than or equal to 2")
    code, message = error_of(sts.assume_role, RoleArn=ROLE, RoleSessionName="ok-name", DurationSeconds=60)
    assert code == "ValidationError" and "'durationSeconds'" in message and "greater than or equal to 900" in message


def test_errors_are_sts_shaped_xml(sluice):
    r = httpx.post(sluice.url, content=b"Action=AssumeRole&Version=2011-06-15&RoleArn=bad",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert f'<ErrorResponse xmlns="{STS_NS}">' in r.text and "<Code>ValidationError</Code>" in r.text
    assert "<Type>Sender</Type>" in r.text


def test_sts_operations_sluice_does_not_serve_are_501(client):
    with pytest.raises(ClientError) as err:
        client("sts").get_federation_token(Name="someone")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert err.value.response["Error"]["Code"] == "NotImplemented"
    assert "GetFederationToken" in err.value.response["Error"]["Message"]


# --- GetSessionToken, GetAccessKeyInfo ---------------------------------------------------------

def test_session_token_credentials_keep_the_callers_identity(client, sluice, admin):
    now = clock_s(admin)
    credentials = client("sts", account="123456789012").get_session_token(DurationSeconds=3600)["Credentials"]
    assert int(credentials["Expiration"].timestamp()) == now + 3600
    identity = with_credentials(sluice.url, "sts", credentials).get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/sluice"
    assert with_credentials(sluice.url, "sqs", credentials).create_queue(QueueName="mine")["QueueUrl"].endswith(
        "/123456789012/mine")
    default = client("sts").get_session_token()["Credentials"]
    assert int(default["Expiration"].timestamp()) == now + 43200  # AWS's default: 12 hours


def test_access_key_info_is_the_account_sluice_maps_the_key_to(client):
    sts = client("sts")
    issued = sts.assume_role(RoleArn=ROLE, RoleSessionName="key-info")["Credentials"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=issued)["Account"] == "111122223333"
    # LocalStack's documented example of a structured key.
    assert sts.get_access_key_info(AccessKeyId="LSIAQAAAAAAVNCBMPNSG")["Account"] == "000000000042"
    # A production-looking key acts in the default account, and says so.
    assert sts.get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")["Account"] == "000000000000"


def test_a_structured_key_selects_its_account_on_every_service(client):
    sqs = client("sqs", account="LSIAQAAAAAAVNCBMPNSG")
    assert sqs.create_queue(QueueName="structured")["QueueUrl"].endswith("/000000000042/structured")


# --- AssumeRoleWithWebIdentity -----------------------------------------------------------------

def test_web_identity_reads_the_tokens_claims(client, sluice, admin):
    token = jwt({"sub": "system:serviceaccount:ci:runner", "aud": ["sts.amazonaws.com"],
                 "iss": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC", "exp": clock_s(admin) + 600})
    result = client("sts").assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="pod",
                                                         WebIdentityToken=token)
    assert result["SubjectFromWebIdentityToken"] == "system:serviceaccount:ci:runner"
    assert result["Audience"] == "sts.amazonaws.com"
    assert result["Provider"] == "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    assert result["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111122223333:assumed-role/Publisher/pod"
    identity = with_credentials(sluice.url, "sts", result["Credentials"]).get_caller_identity()
    assert identity["Account"] == "111122223333" and identity["Arn"].endswith("/Publisher/pod")


def test_web_identity_through_the_sdks_credential_provider(sluice, tmp_path, monkeypatch):
    """boto3 assumes the role itself from AWS_WEB_IDENTITY_TOKEN_FILE (EKS, GitHub Actions OIDC)."""
    token_file = tmp_path / "token"
    token_file.write_text(jwt({"sub": "repo:org/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "gha")
    monkeypatch.setenv("AWS_ENDPOINT_URL", sluice.url)
    session = boto3.Session(region_name="us-east-1")
    assert session.client("sts").get_caller_identity()["Arn"] == \
        "arn:aws:sts::111122223333:assumed-role/Publisher/gha"
    assert session.client("sqs").create_queue(QueueName="oidc")["QueueUrl"].endswith("/111122223333/oidc")


def test_an_expired_web_identity_token_is_refused(client, admin):
    token = jwt({"sub": "someone", "exp": clock_s(admin) - 1})
    code, _ = error_of(client("sts").assume_role_with_web_identity, RoleArn=ROLE, RoleSessionName="late",
                       WebIdentityToken=token)
    assert code == "ExpiredTokenException"


# --- the AWS CLI ------------------------------------------------------------------------------

def test_aws_cli_v1_gets_the_caller_identity(sluice):
    env = {"AWS_ACCESS_KEY_ID": "555566667777", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "awscli", "sts", "get-caller-identity", "--endpoint-url", sluice.url],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"] == "arn:aws:iam::555566667777:user/sluice"
