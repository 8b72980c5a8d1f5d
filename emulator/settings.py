"""Settings: every command-line flag is also a ``SLUICE_*`` environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "sluice"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on (0.0.0.0 in a container).")
    port: int = Field(4566, description="Port to listen on.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Directory of the SQLite database.")
    in_memory: bool = Field(False, description="Keep all state in memory (nothing survives a restart).")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    default_account: str = Field("000000000000", description="Account used when the access key id is not 12 digits.")
    default_region: str = Field("us-east-1", description="Region used when the request carries no SigV4 scope.")
    clock: Literal["real", "fake"] = Field("real", description="`fake` freezes time; move it with POST /_sluice/clock/advance.")
    delivery: Literal["inline", "async"] = Field(
        "inline", description="Local fan-out (SNS->SQS, EventBridge->targets) in the publishing transaction, or via the scheduler.")
    public_url: str | None = Field(
        None, description="Base URL written into SNS links (SigningCertURL, SubscribeURL); default: the request's Host.")
    sqs_delete_recently_rule: bool = Field(True, description="Refuse re-creating a queue name within 60 s of deleting it.")
    sqs_purge_rule: bool = Field(True, description="Refuse a second PurgeQueue within 60 s.")
    strict_policies: bool = Field(
        False, description="Fail SNS/EventBridge deliveries that the target's policy does not allow (e.g. a queue "
                           "policy without sns.amazonaws.com), as AWS does; default: deliver, mark the delivery log "
                           "and warn once.")
    services: str | None = Field(
        None, description="Comma-separated services to serve (LocalStack's SERVICES); the others answer an error "
                          "naming this setting. Default: all of them.")
    sqs_endpoint_strategy: Literal["off", "standard", "domain", "path"] = Field(
        "off", description="Form of queue URLs (LocalStack's SQS_ENDPOINT_STRATEGY); `off`: on the endpoint called.")
    localstack_host: str | None = Field(
        None, description="host[:port] written into `standard`/`domain` queue URLs (LocalStack's LOCALSTACK_HOST).")
    init_dir: Path = Field(Path("/etc/localstack/init"),
                           description="Directory of LocalStack-style init hooks (boot.d, start.d, ready.d, shutdown.d).")
    cors_origins: str | None = Field(
        None, description="Comma-separated origins browsers may call from (`*`: any); default: loopback origins.")
    dynamodb_shard_rollover_ms: int = Field(
        4 * 3600 * 1000, ge=0,
        validation_alias=AliasChoices("dynamodb_shard_rollover_ms", "SLUICE_DYNAMODB_SHARD_ROLLOVER_MS",
                                      "SLUICE_DYNAMODB_SHARD_ROLLOVER"),
        description="Age at which a DynamoDB stream's open shard closes and a child shard "
                                          "opens (AWS: about 4 hours); 0 turns rollover off.")
    dynamodb_ttl_delay_ms: int = Field(
        0, ge=0, description="How long after an item's TTL time the sweeper deletes it (AWS: within a few days).")
    dynamodb_table_delay_ms: int = Field(
        0, ge=0, description="How long DynamoDB tables, replicas, insights and Kinesis destinations stay CREATING/"
                             "UPDATING/DELETING (ENABLING...) after a change; 0: ACTIVE at once.")
    # Opt-in SigV4 verification (api/sigv4.py). Credentials: a JSON file (a list of {"AccessKeyId",
    # "SecretAccessKey", "AccountId"}) or an AWS shared-credentials INI file (aws_access_key_id,
    # aws_secret_access_key, aws_account_id per section), and/or one pair from the environment.
    auth: Literal["off", "sigv4"] = Field(
        "off", description="`sigv4`: verify every AWS request's signature against the configured credentials; "
                           "`off`: accept any credentials.")
    credentials: Path | None = Field(None, description="JSON or INI file of the credentials SLUICE_AUTH=sigv4 accepts.")
    access_key_id: str | None = Field(None, description="An access key id SLUICE_AUTH=sigv4 accepts.")
    secret_access_key: SecretStr | None = Field(None, description="The secret of SLUICE_ACCESS_KEY_ID.")
    account_id: str | None = Field(None, description="The account SLUICE_ACCESS_KEY_ID acts in (default: as today).")
    # Slow or abusive connections (api/gateway.py, api/connections.py): how long a client may take.
    body_timeout_s: float = Field(
        30.0, gt=0, description="Seconds a request's body may take to arrive, from its headers; a slower one is "
                                "answered 408 and its connection closed.")
    header_timeout_s: float = Field(
        30.0, gt=0, description="Seconds a connection may take to send a request's headers (from connecting, or "
                                "from its first byte after the previous response); then it is closed.")
    max_connections: int = Field(
        1000, ge=1, description="Connections and requests served at once; more are answered 503 (uvicorn's "
                                "limit_concurrency).")

    @property
    def database_path(self) -> str:
        return ":memory:" if self.in_memory else str(Path(self.data_dir) / "sluice.db")

    @property
    def enabled_services(self) -> frozenset[str] | None:
        """The services SERVICES names (None: every one). STS always answers: SDKs ask it who they are."""
        if self.services is None or not self.services.strip():
            return None
        names = {ALIASES.get(n, n) for n in (part.strip().lower() for part in self.services.split(",")) if n}
        if "dynamodb" in names:
            names.add("dynamodbstreams")  # streams are part of the tables
        return frozenset(names | {"sts"})


# Names LocalStack users write in SERVICES for the services Sluice has.
ALIASES = {"eventbridge": "events", "dynamodb-streams": "dynamodbstreams", "dynamodbstreams": "dynamodbstreams"}
