"""Settings from the environment and `.env` (every one documented in `.env.example`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "STAFFGUARD_"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    telegram_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Where alerts go besides each admin's private chat, and where escalations go.
    moderation_log_chat_id: int | None = None
    senior_manager_chat_id: int | None = None
    # People who may ask the bot for reports (/report) and receive the weekly digest.
    manager_user_ids: list[int] = Field(default_factory=list)
    # Hours between the digests sent to those managers (168: weekly; 0: no digest).
    digest_interval_hours: float = Field(default=168, ge=0, le=8760)
    # How long the short notice in the group stays before the bot deletes it.
    group_notice_seconds: int = Field(default=120, ge=1, le=86400)
    # Minutes after asking admins to delete a message by hand before escalating.
    manual_delete_escalation_minutes: float = Field(default=30, gt=0, le=10080)
    database_url: str = "sqlite+aiosqlite:///staffguard.db"
    policy_file: Path | None = None
    quarantine_keys: list[SecretStr] = Field(default_factory=list)
    quarantine_retention_days: int = Field(default=30, ge=1, le=3650)
    incident_retention_days: int = Field(default=730, ge=1, le=36500)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str) -> str:
        from sqlalchemy.engine import make_url  # here: SQLAlchemy is slow to import
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL (e.g. sqlite+aiosqlite:///staffguard.db)"
            ) from None
        return value

    @field_validator("policy_file")
    @classmethod
    def _policy_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @property
    def telegram_file_base_url(self) -> str:
        base = self.telegram_api_base_url.removesuffix("/bot")
        return f"{base}/file/bot"

    @property
    def database_url_redacted(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def load_settings(**overrides: object) -> Settings:
    """Settings, or a `SettingsError` whose one line names the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = ENV_PREFIX + "_".join(str(part) for part in first["loc"][:1]).upper()
        problem = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {name} is invalid: {problem}") from None
