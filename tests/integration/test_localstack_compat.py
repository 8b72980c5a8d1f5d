"""What a LocalStack user brings along, and what a new user meets on day one, against real servers.

LocalStack: init hooks (run in order at their stage, with the AWS CLI and awslocal pointed at Sluice,
their states at /_localstack/init), /_localstack/health and /info, its environment variables
(SERVICES, PERSISTENCE, GATEWAY_LISTEN, LOCALSTACK_HOST, SQS_ENDPOINT_STRATEGY, DEBUG) and its hosts.
Day one: calls to services Sluice does not emulate answer an error that names them, /_sluice/docs
works offline, the image's health check follows the port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import botocore.loaders
import botocore.parsers
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from api.localstack import ConfigError, overrides, parse_listen
from api.protocol.routing import FOREIGN, FOREIGN_QUERY_VERSIONS
from tests.helpers import wait_until
from tests.server import ROOT, ProcessServer, ThreadServer

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def boto(url: str, service: str, **config):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(**config) if config else None)


@pytest.fixture
def processes():
    started: list[ProcessServer] = []

    def start(*args: str, env: dict | None = None, port_flag: bool = True) -> ProcessServer:
        server = ProcessServer(*args, env=env)
        if not port_flag:  # the port comes from the environment (GATEWAY_LISTEN)
            server.args = list(args)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


# --- init hooks --------------------------------------------------------------------------------

def write(path: Path, text: str, mode: int = 0o755) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    path.chmod(mode)


@pytest.fixture
def init_dir(tmp_path):
    root, marks = tmp_path / "init", tmp_path / "marks"
    marks.mkdir()
    write(root / "boot.d" / "10-boot.sh", f"""
        #!/bin/sh
        echo boot >> {marks}/order
        """)
    write(root / "start.d" / "10-start.py", f"""
        with open("{marks}/order", "a") as f:
            f.write("start\\n")
        """)
    write(root / "ready.d" / "10-resources.sh", f"""
        #!/bin/bash
        set -euo pipefail
        echo ready-1 >> {marks}/order
        awslocal sqs create-queue --queue-name from-init-script
        aws sns create-topic --name init-topic   # AWS_ENDPOINT_URL is set for the AWS CLI and the SDKs
        echo "created the resources"
        """)
    write(root / "ready.d" / "20-fails.sh", f"""
        #!/bin/sh
        echo ready-2 >> {marks}/order
        exit 3
        """)
    write(root / "ready.d" / "30-boto3.py", f"""
        import boto3
        boto3.client("sqs").create_queue(QueueName="from-init-python")
        with open("{marks}/order", "a") as f:
            f.write("ready-3\\n")
        """)
    write(root / "ready.d" / "nested" / "05-later.sh", f"""
        echo ready-nested >> {marks}/order
        """, mode=0o644)  # not executable (a Windows checkout): still run, with bash
    write(root / "shutdown.d" / "10-bye.sh", f"""
        #!/bin/sh
        awslocal sqs list-queues > {marks}/at-shutdown.json
        """)
    write(root / "ready.d" / "notes.txt", "not a script: ignored\n", mode=0o644)
    return root, marks


def test_init_hooks_run_in_order_at_their_stages_and_report_their_states(processes, init_dir):
    root, marks = init_dir
    server = processes("--in-memory", env={"SLUICE_INIT_DIR": str(root)})
    assert (marks / "order").read_text().splitlines()[:2] == ["boot", "start"]  # both before Ready.

    def ready_done() -> bool:
        return httpx.get(f"{server.url}/_localstack/init/ready").json()["completed"]
    wait_until(ready_done, timeout=120, what="the ready.d scripts")

    assert (marks / "order").read_text().splitlines() == ["boot", "start", "ready-1", "ready-2", "ready-3",
                                                          "ready-nested"]
    state = httpx.get(f"{server.url}/_localstack/init").json()
    assert state["completed"] == {"BOOT": True, "START": True, "READY": True, "SHUTDOWN": False}
    assert state["scripts"] == [
        {"stage": "BOOT", "name": "10-boot.sh", "state": "SUCCESSFUL"},
        {"stage": "START", "name": "10-start.py", "state": "SUCCESSFUL"},
        {"stage": "READY", "name": "10-resources.sh", "state": "SUCCESSFUL"},
        {"stage": "READY", "name": "20-fails.sh", "state": "ERROR"},
        {"stage": "READY", "name": "30-boto3.py", "state": "SUCCESSFUL"},
        {"stage": "READY", "name": "05-later.sh", "state": "SUCCESSFUL"},
        {"stage": "SHUTDOWN", "name": "10-bye.sh", "state": "UNKNOWN"},
    ]
    stage = httpx.get(f"{server.url}/_localstack/init/shutdown").json()
    assert stage == {"completed": False, "scripts": [{"stage": "SHUTDOWN", "name": "10-bye.sh", "state": "UNKNOWN"}]}
    assert httpx.get(f"{server.url}/_localstack/init/nonsense").status_code == 404

    # The resources the scripts created are there.
    urls = boto(server.url, "sqs").list_queues()["QueueUrls"]
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["from-init-python", "from-init-script"]
    topics = boto(server.url, "sns").list_topics()["Topics"]
    assert [t["TopicArn"] for t in topics] == ["arn:aws:sns:us-east-1:000000000000:init-topic"]
    output = "".join(server.output)
    assert "10-resources.sh: created the resources" in output  # script output is logged
    assert "20-fails.sh exited with 3" in output

    # shutdown.d runs while Sluice still answers.
    server.kill(signal.SIGTERM)
    assert server.proc.returncode == 0
    listed = json.loads((marks / "at-shutdown.json").read_text())["QueueUrls"]
    assert len(listed) == 2


def test_init_state_without_hooks(sluice):
    state = httpx.get(f"{sluice.url}/_localstack/init").json()
    assert state == {"completed": {"BOOT": True, "START": True, "READY": False, "SHUTDOWN": False}, "scripts": []}


# --- /_localstack/health and /info ------------------------------------------------------------

def test_localstack_health_lists_only_what_sluice_serves(admin):
    from api.operations import implemented
    from api.protocol.models import SERVICES

    body = admin.get("/_localstack/health").json()
    assert set(body) == {"services", "edition", "version"}
    served = {name for name in SERVICES if implemented(name)}
    assert set(body["services"]) == served  # a service with no operation is not "available"
    assert set(body["services"].values()) == {"running"}
    assert "sts" in body["services"] and "dynamodbstreams" not in served - set(body["services"])
    assert admin.head("/_localstack/health").status_code == 200


def test_localstack_info_shape(admin):
    info = admin.get("/_localstack/info").json()
    assert set(info) == {"version", "edition", "is_license_activated", "session_id", "machine_id", "system",
                         "is_docker", "server_time_utc", "uptime"}
    assert info["edition"] == "community" and info["is_license_activated"] is False
    assert info["version"] == admin.get("/_sluice/health").json()["version"]
    assert isinstance(info["uptime"], int) and isinstance(info["is_docker"], bool)
    assert len(info["server_time_utc"]) == 19 and info["server_time_utc"][10] == "T"
    assert admin.get("/_localstack/info").json()["session_id"] == info["session_id"]


# --- environment variables ---------------------------------------------------------------------

def test_services_leaves_the_others_answering_an_error_naming_the_setting(processes):
    server = processes("--in-memory", env={"SERVICES": "sqs"})
    assert boto(server.url, "sqs").create_queue(QueueName="allowed")["QueueUrl"]
    assert boto(server.url, "sts").get_caller_identity()["Account"] == "000000000000"  # STS always answers
    for service, call in (("sns", lambda c: c.list_topics()), ("events", lambda c: c.list_event_buses())):
        with pytest.raises(ClientError) as err:
            call(boto(server.url, service))
        error = err.value.response["Error"]
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert error["Code"] == "NotImplemented"
        assert error["Message"].startswith(f"Service '{service}' is not enabled. Please check your 'SERVICES' "
                                           "configuration variable")
        assert "SERVICES=sqs" in error["Message"]
    health = httpx.get(f"{server.url}/_localstack/health").json()["services"]
    assert health["sqs"] == "running" and health["sns"] == "disabled" and health["sts"] == "running"
    assert httpx.get(f"{server.url}/_sluice/health").json()["services"]["sns"]["state"] == "disabled"


def test_gateway_listen_strategy_host_debug_and_persistence_from_the_environment(processes):
    probe = ProcessServer()  # only for a free port
    server = processes(env={"GATEWAY_LISTEN": f"127.0.0.1:{probe.port}", "SQS_ENDPOINT_STRATEGY": "standard",
                            "LOCALSTACK_HOST": "localstack.test:4566", "DEBUG": "1", "PERSISTENCE": "0",
                            "SLUICE_DATA_DIR": "/nonexistent/not/used"}, port_flag=False)
    url = f"http://127.0.0.1:{probe.port}"
    health = httpx.get(f"{url}/_sluice/health").json()
    assert health["database"] == ":memory:"  # PERSISTENCE=0: nothing kept, as in LocalStack
    sqs = boto(url, "sqs")
    queue = sqs.create_queue(QueueName="strategic")["QueueUrl"]
    assert queue == "http://sqs.us-east-1.localstack.test:4566/000000000000/strategic"
    sqs.send_message(QueueUrl=queue, MessageBody="via the LocalStack URL")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "via the LocalStack URL"
    # DEBUG=1: request and response bodies are logged.
    wait_until(lambda: any("DEBUG sluice.api: request" in line for line in server.output), what="a debug line")


def test_localstack_variables_map_to_settings():
    assert overrides({}) == {}
    assert overrides({"PERSISTENCE": "1"}) == {"data_dir": Path("/var/lib/localstack/state"), "in_memory": False}
    assert overrides({"PERSISTENCE": "0"}) == {"in_memory": True}
    assert overrides({"GATEWAY_LISTEN": ":4510,:443"}) == {"port": 4510}
    assert overrides({"GATEWAY_LISTEN": "[::]:4566"}) == {"port": 4566, "host": "::"}
    assert overrides({"LOCALSTACK_HOST": "ls:4566"}) == {"localstack_host": "ls:4566", "public_url": "http://ls:4566"}
    assert overrides({"LOCALSTACK_HOST": "ls", "SLUICE_PUBLIC_URL": "http://x"}) == {"localstack_host": "ls"}
    assert overrides({"DEBUG": "1", "SERVICES": " sqs,sns "}) == {"log_level": "debug", "services": "sqs,sns"}
    assert overrides({"DEBUG": "0", "SQS_ENDPOINT_STRATEGY": "PATH"}) == {"sqs_endpoint_strategy": "path"}
    for bad in ({"PERSISTENCE": "maybe"}, {"GATEWAY_LISTEN": "0.0.0.0:http"}, {"SQS_ENDPOINT_STRATEGY": "dynamic"}):
        with pytest.raises(ConfigError):
            overrides(bad)
    assert parse_listen("0.0.0.0:4566") == ("0.0.0.0", 4566)


def test_flags_beat_localstack_variables_which_beat_sluice_variables():
    from api.cli import parse_args

    env = {"PERSISTENCE": "1", "GATEWAY_LISTEN": ":5001"}
    assert parse_args(["--in-memory"], env).in_memory is True
    assert parse_args(["--port", "5002"], env).port == 5002
    settings = parse_args([], env)
    assert settings.port == 5001 and str(settings.data_dir) == "/var/lib/localstack/state"
    with pytest.raises(SystemExit):  # a bad value is a usage error, named
        parse_args([], {"SQS_ENDPOINT_STRATEGY": "sideways"})


@pytest.mark.parametrize("strategy,expected", [
    ("off", "http://127.0.0.1:{port}/queue/eu-west-1/000000000000/{name}"),
    ("standard", "http://sqs.eu-west-1.localhost.localstack.cloud:{port}/000000000000/{name}"),
    ("domain", "http://eu-west-1.queue.localhost.localstack.cloud:{port}/000000000000/{name}"),
    ("path", "http://127.0.0.1:{port}/queue/eu-west-1/000000000000/{name}"),
])
def test_sqs_endpoint_strategies_write_localstacks_queue_urls_and_take_them_back(strategy, expected):
    server = ThreadServer(sqs_endpoint_strategy=strategy).start()
    try:
        sqs = boto3.client("sqs", endpoint_url=server.url, region_name="eu-west-1", aws_access_key_id="test",
                           aws_secret_access_key="test")
        url = sqs.create_queue(QueueName="shaped")["QueueUrl"]
        assert url == expected.format(port=server.port, name="shaped")
        assert sqs.get_queue_url(QueueName="shaped")["QueueUrl"] == url
        assert sqs.list_queues()["QueueUrls"] == [url]
        sqs.send_message(QueueUrl=url, MessageBody=strategy)
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == strategy
    finally:
        server.stop()


def test_domain_strategy_leaves_us_east_1_out_of_the_host():
    server = ThreadServer(sqs_endpoint_strategy="domain", localstack_host="ls.internal:4566").start()
    try:
        url = boto(server.url, "sqs").create_queue(QueueName="legacy")["QueueUrl"]
        assert url == "http://queue.ls.internal:4566/000000000000/legacy"
    finally:
        server.stop()


# --- LocalStack's hosts ------------------------------------------------------------------------

def test_localstack_queue_urls_are_accepted(client):
    sqs = client("sqs", region="eu-west-1")
    sqs.create_queue(QueueName="hosted")
    for url in ("http://sqs.eu-west-1.localhost.localstack.cloud:4566/000000000000/hosted",
                "http://eu-west-1.queue.localhost.localstack.cloud:4566/000000000000/hosted",
                "http://localhost.localstack.cloud:4566/queue/eu-west-1/000000000000/hosted"):
        sqs.send_message(QueueUrl=url, MessageBody=url)
    bodies = {m["Body"] for m in sqs.receive_message(QueueUrl="hosted", MaxNumberOfMessages=10)["Messages"]}
    assert len(bodies) == 3


def test_an_unsigned_call_to_a_localstack_host_is_for_that_service_and_region(sluice):
    r = httpx.post(sluice.url, content=b"Action=CreateQueue&QueueName=by-host",
                   headers={**FORM, "Host": "sqs.ap-south-1.localhost.localstack.cloud:4566"})
    assert r.status_code == 200, r.text
    assert "http://sqs.ap-south-1.localhost.localstack.cloud:4566/000000000000/by-host" in r.text
    sqs = boto3.client("sqs", endpoint_url=sluice.url, region_name="ap-south-1", aws_access_key_id="test",
                       aws_secret_access_key="test")
    assert sqs.get_queue_url(QueueName="by-host")["QueueUrl"].endswith("/000000000000/by-host")
    # The same form on SNS's host goes to SNS.
    r = httpx.post(sluice.url, content=b"Action=CreateTopic&Name=by-host",
                   headers={**FORM, "Host": "sns.ap-south-1.localhost.localstack.cloud:4566"})
    assert r.status_code == 200 and "arn:aws:sns:ap-south-1:000000000000:by-host" in r.text
    # And S3's host names a service Sluice does not emulate.
    r = httpx.get(f"{sluice.url}/bucket/key", headers={"Host": "s3.localhost.localstack.cloud:4566"})
    assert r.status_code == 501 and "Amazon S3 (s3)" in r.text


# --- services Sluice does not emulate ------------------------------------------------------------

@pytest.mark.parametrize("service,call,named", [
    ("s3", lambda c: c.list_buckets(), "Amazon S3 (s3)"),
    ("lambda", lambda c: c.list_functions(), "AWS Lambda (lambda)"),
    ("kinesis", lambda c: c.list_streams(), "Amazon Kinesis (kinesis)"),
    ("scheduler", lambda c: c.list_schedules(), "Amazon EventBridge Scheduler (scheduler)"),
    ("iam", lambda c: c.list_users(), "AWS IAM (iam)"),
    ("ec2", lambda c: c.describe_instances(), "Amazon EC2 (ec2)"),
    ("route53", lambda c: c.list_hosted_zones(), "Amazon Route 53 (route53)"),
    ("cloudwatch", lambda c: c.list_metrics(), "Amazon CloudWatch (monitoring)"),
    ("stepfunctions", lambda c: c.list_state_machines(), "AWS Step Functions (states)"),
    ("secretsmanager", lambda c: c.list_secrets(), "AWS Secrets Manager (secretsmanager)"),
    ("appconfig", lambda c: c.list_applications(), "the AWS service signed as 'appconfig'"),
])
def test_a_service_sluice_does_not_emulate_is_named_in_its_own_error_shape(sluice, service, call, named):
    with pytest.raises(ClientError) as err:
        call(boto(sluice.url, service))  # the SDK's default retry mode: a 501 is not retried
    response = err.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert response["Error"]["Code"] == "NotImplemented"
    assert response["Error"]["Message"].startswith(f"Sluice does not emulate {named}. Sluice emulates SQS, SNS")


def test_a_known_target_prefix_is_named_without_a_signature(sluice):
    r = httpx.post(sluice.url, content=b"{}", headers={"X-Amz-Target": "Kinesis_20131202.ListStreams",
                                                      "Content-Type": "application/x-amz-json-1.1"})
    assert r.status_code == 501
    assert r.json() == {"__type": "NotImplemented", "message": r.json()["message"]}
    assert "Amazon Kinesis (kinesis)" in r.json()["message"]


def test_an_unsigned_form_post_names_the_query_service_by_its_version(sluice):
    r = httpx.post(sluice.url, content=b"Action=ListUsers&Version=2010-05-08", headers=FORM)
    assert r.status_code == 501
    assert "<Code>NotImplemented</Code>" in r.text and "Sluice does not emulate AWS IAM (iam)." in r.text
    # A version nobody has is still an invalid action.
    r = httpx.post(sluice.url, content=b"Action=ListUsers&Version=1999-01-01", headers=FORM)
    assert r.status_code == 400 and "<Code>InvalidAction</Code>" in r.text


def test_an_rpc_v2_cbor_client_gets_a_cbor_error(sluice):
    """SDKs that speak Smithy RPCv2 CBOR (CloudWatch, in newer SDKs) parse the error as CBOR."""
    r = httpx.post(f"{sluice.url}/service/GraniteServiceVersion20100801/operation/ListMetrics", content=b"\xa0",
                   headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
                            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/"
                                             "aws4_request, SignedHeaders=host, Signature=00"})
    assert r.status_code == 501 and r.headers["smithy-protocol"] == "rpc-v2-cbor"
    model = botocore.loaders.create_loader().load_service_model("cloudwatch", "service-2")
    from botocore.model import ServiceModel
    shape = ServiceModel(model, "cloudwatch").operation_model("ListMetrics").output_shape
    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"status_code": r.status_code, "headers": dict(r.headers), "body": r.content}, shape)
    assert parsed["Error"]["Code"] == "NotImplemented"
    assert parsed["Error"]["Message"].startswith("Sluice does not emulate Amazon CloudWatch (monitoring).")


# botocore service name of each entry of the table (several share a signing name).
FOREIGN_MODELS = {"s3": "s3", "lambda": "lambda", "kinesis": "kinesis", "firehose": "firehose",
                  "scheduler": "scheduler", "pipes": "pipes", "states": "stepfunctions",
                  "secretsmanager": "secretsmanager", "ssm": "ssm", "kms": "kms", "logs": "logs",
                  "monitoring": "cloudwatch", "iam": "iam", "ec2": "ec2", "cloudformation": "cloudformation",
                  "apigateway": "apigateway", "ses": "ses", "route53": "route53", "ecr": "ecr", "ecs": "ecs",
                  "eks": "eks", "cognito-idp": "cognito-idp", "cognito-identity": "cognito-identity", "acm": "acm",
                  "athena": "athena", "glue": "glue", "elasticache": "elasticache", "rds": "rds",
                  "redshift": "redshift", "es": "opensearch", "elasticmapreduce": "emr", "appsync": "appsync",
                  "elasticloadbalancing": "elbv2", "autoscaling": "autoscaling", "xray": "xray", "dax": "dax",
                  "timestream": "timestream-write", "swf": "swf", "organizations": "organizations",
                  "cloudfront": "cloudfront", "bedrock": "bedrock"}


def test_the_table_of_foreign_services_agrees_with_botocore():
    loader = botocore.loaders.create_loader()
    assert set(FOREIGN) == set(FOREIGN_MODELS)
    for signing, entry in FOREIGN.items():
        metadata = loader.load_service_model(FOREIGN_MODELS[signing], "service-2")["metadata"]
        assert (metadata.get("signingName") or metadata["endpointPrefix"]) == signing, signing
        assert entry.protocol == metadata["protocol"], signing
        assert entry.target_prefix == metadata.get("targetPrefix"), signing
    for version, signing in FOREIGN_QUERY_VERSIONS.items():
        metadata = loader.load_service_model(FOREIGN_MODELS[signing], "service-2")["metadata"]
        assert metadata["apiVersion"] == version and metadata["protocol"] in ("query", "ec2"), signing


# --- /_sluice/docs offline ----------------------------------------------------------------------

def test_docs_load_their_assets_from_sluice_itself(admin):
    page = admin.get("/_sluice/docs")
    assert page.status_code == 200
    assert "/_sluice/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "/_sluice/static/swagger-ui/swagger-ui.css" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    js = admin.get("/_sluice/static/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and len(js.content) > 500_000
    css = admin.get("/_sluice/static/swagger-ui/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert admin.get("/_sluice/static/swagger-ui/favicon-32x32.png").status_code == 200
    assert admin.get("/_sluice/openapi.json").json()["info"]["title"] == "Sluice"


# --- the image's health check and awslocal ------------------------------------------------------

def healthcheck(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "docker" / "healthcheck.py")], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **env}, timeout=30)


def test_the_image_health_check_follows_the_port(sluice):
    assert healthcheck({"SLUICE_PORT": str(sluice.port)}).returncode == 0
    assert healthcheck({"GATEWAY_LISTEN": f"0.0.0.0:{sluice.port}", "SLUICE_PORT": "1"}).returncode == 0
    closed = ProcessServer().port  # a free port: nothing listens there
    down = healthcheck({"SLUICE_PORT": str(closed)})
    assert down.returncode == 1 and "unhealthy" in down.stderr


def test_awslocal_runs_the_aws_cli_against_sluice(sluice):
    awslocal = Path(sys.executable).parent / "awslocal"
    env = {"PATH": os.environ["PATH"], "SLUICE_PORT": str(sluice.port), "HOME": os.environ.get("HOME", "/tmp")}
    out = subprocess.run([str(awslocal), "sqs", "create-queue", "--queue-name", "via-awslocal"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["QueueUrl"] == f"http://localhost:{sluice.port}/000000000000/via-awslocal"
