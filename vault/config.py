"""The vault's settings: where its data lives and which master keys seal it.

`VaultSettings` is the one reader of `AFFINITY_BOT_DATA_DIR`, `DATABASE_URL` and
`VAULT_MASTER_KEYS`; the app's settings (`bot.config.Settings`) nest it, so the vault never
imports the app. The defaults are the ones in docs/vault.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DATA_DIR_ENV = "AFFINITY_BOT_DATA_DIR"
DATABASE_URL_ENV = "DATABASE_URL"
MASTER_KEYS_ENV = "VAULT_MASTER_KEYS"
DEFAULT_DATA_DIR = "./data"
DEFAULT_DATABASE_FILE = "affinity-bot.db"


class InitOnlySettings(BaseSettings):
    """Settings that hold exactly what they are given when built in code (tests, the console):
    the environment is read only by an explicit `from_environ`/`from_env`, so nothing leaks in
    by accident. The bot's `Settings` share this rule."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


class VaultSettings(InitOnlySettings):
    """The vault's part of the configuration, under its environment variable names."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        str_strip_whitespace=True,
        env_ignore_empty=True,
    )

    data_dir: Path = Field(default=Path(DEFAULT_DATA_DIR), validation_alias=DATA_DIR_ENV)
    # None: a SQLite file in the data directory. Hidden from repr: it may embed a password.
    database_url: str | None = Field(default=None, validation_alias=DATABASE_URL_ENV, repr=False)
    master_keys: SecretStr | None = Field(default=None, validation_alias=MASTER_KEYS_ENV)

    @field_validator("data_dir", "database_url", "master_keys", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> VaultSettings:
        """The vault settings in `environ` (default: the process environment)."""
        return cls.model_validate(dict(os.environ if environ is None else environ))


def data_dir(environ: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    """The data directory (`AFFINITY_BOT_DATA_DIR`, default ./data), created if missing."""
    path = VaultSettings.from_environ(environ).data_dir.expanduser()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
