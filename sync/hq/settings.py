"""HQ's settings: from ``FIELDAPP_HQ_*`` environment variables and an optional TOML file
(``FIELDAPP_HQ_CONFIG`` or ``fieldapp-hq --config``), validated by pydantic-settings.

Precedence, highest first: command-line options, environment variables, the file, the
defaults. Every worker process reads the same settings again from the environment (the
``serve`` command exports what it was given), so nothing lives in one process only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "FIELDAPP_HQ_"
CONFIG_ENV = ENV_PREFIX + "CONFIG"


class HQSettings(BaseSettings):
    """What one HQ node runs with. The SMTP settings stay in ``FIELDAPP_HQ_SMTP_*``
    (sync/hq/mail.py)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    db: str | None = Field(default=None, description="database URL; default a SQLite file")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, gt=0, lt=65536)
    workers: int = Field(default=1, ge=1, le=64, description="server processes")
    certfile: Path | None = Field(default=None, description="TLS certificate (PEM): HTTPS")
    keyfile: Path | None = Field(default=None, description="TLS private key (PEM)")
    blob_dir: Path | None = Field(
        default=None, description="attachments by hash on this path; unset: in the database"
    )
    # Database connections per worker: workers × (pool + overflow) < max_connections.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=20, ge=0, le=200)
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    metrics: bool = True
    # Several workers share their metrics through files here (prometheus multiprocess).
    metrics_dir: Path | None = None
    url: str | None = Field(default=None, description="the address devices use (enrollment)")
    # The snapshot of the shared buckets for first syncs (sync/hq/snapshots.py): how
    # often the builder looks for a change (0: never), and below how many rows the
    # row-by-row pull is as quick.
    snapshot_seconds: float = Field(default=30.0, ge=0)
    # How often the mailer looks for queued report e-mails. A push in this process wakes
    # it at once; with several workers the push lands in another process, so this is
    # how long a customer's report can wait.
    mail_poll_seconds: float = Field(default=10.0, gt=0)
    snapshot_min_rows: int = Field(default=2000, ge=0)

    @model_validator(mode="after")
    def _tls_pair(self) -> HQSettings:
        if (self.certfile is None) != (self.keyfile is None):
            raise ValueError("HTTPS needs both certfile and keyfile.")
        return self

    @property
    def https(self) -> bool:
        return self.certfile is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get(CONFIG_ENV)
        if config:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config)))
        return tuple(sources)


def load_settings(config: Path | None = None, **overrides: Any) -> HQSettings:
    """The settings, with ``overrides`` (command-line options that were given) on top.
    ``config`` names the TOML file (else ``$FIELDAPP_HQ_CONFIG``); a missing file is an
    error, never silently ignored."""
    if config is not None:
        os.environ[CONFIG_ENV] = str(config)
    path = os.environ.get(CONFIG_ENV)
    if path and not Path(path).is_file():
        raise FileNotFoundError(f"No settings file {path}.")
    given = {key: value for key, value in overrides.items() if value is not None}
    return HQSettings(**given)


def export_to_env(settings: HQSettings) -> None:
    """Put the effective settings into the environment, for worker processes."""
    for name in HQSettings.model_fields:
        value = getattr(settings, name)
        key = ENV_PREFIX + name.upper()
        if value is None:
            os.environ.pop(key, None)
        elif isinstance(value, bool):
            os.environ[key] = "1" if value else "0"
        else:
            os.environ[key] = str(value)
