"""Settings from the environment and `.env` (every one documented in `.env.example`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import regex
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
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
    # Webhook mode (instead of long polling) when a public HTTPS URL is set; Telegram
    # then posts updates there with the secret token, which must be set too.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
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
    # Telegram's limits on the messages a bot sends (deletions are never held back).
    send_rate_overall_per_second: int = Field(default=30, ge=1, le=1000)
    send_rate_group_per_minute: int = Field(default=20, ge=1, le=60000)
    send_rate_private_per_second: int = Field(default=1, ge=1, le=1000)
    database_url: str = "sqlite+aiosqlite:///staffguard.db"
    policy_file: Path | None = None
    # Seconds between looks at the policy file for changes while the bot runs (0: never).
    policy_reload_seconds: float = Field(default=60, ge=0, le=86400)
    quarantine_keys: list[SecretStr] = Field(default_factory=list)
    quarantine_retention_days: int = Field(default=30, ge=1, le=3650)
    incident_retention_days: int = Field(default=730, ge=1, le=36500)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The mail server that sends staff-verification codes to work email addresses.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = ""
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=600)
    # Seconds between looks for overdue join requests, run-out verifications and leavers.
    verification_sweep_seconds: float = Field(default=60, gt=0, le=86400)

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

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not regex.fullmatch(
            r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()
        ):
            raise ValueError("use 16 to 256 characters of letters, digits, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("STAFFGUARD_WEBHOOK_SECRET must be set with STAFFGUARD_WEBHOOK_URL")
        return self

    @model_validator(mode="after")
    def _mail_needs_sender(self) -> Settings:
        if self.smtp_host and not regex.fullmatch(
            r"(?:[^<>]*<)?[^@\s<>]+@[^@\s<>]+>?", self.smtp_sender
        ):
            raise ValueError(
                "STAFFGUARD_SMTP_SENDER must be set with STAFFGUARD_SMTP_HOST "
                "(e.g. StaffGuard <staffguard@trust.nhs.uk>)"
            )
        return self

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
        problem = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule about several settings: the message names them
            raise SettingsError(f"settings are invalid: {problem}") from None
        name = ENV_PREFIX + "_".join(str(part) for part in first["loc"][:1]).upper()
        raise SettingsError(f"setting {name} is invalid: {problem}") from None
