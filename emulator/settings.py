"""Settings: every command-line flag is also a ``SLUICE_*`` environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
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

    @property
    def database_path(self) -> str:
        return ":memory:" if self.in_memory else str(Path(self.data_dir) / "sluice.db")
