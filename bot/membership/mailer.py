"""Emails with staff-verification codes, over SMTP with the configured server.

Sending never raises: a failure is logged by kind only (never the address or
the code) and reported as False, so the person can be told to try again.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage

import aiosmtplib

from bot.config import Settings

log = logging.getLogger(__name__)


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    async def send(self, to: str, subject: str, body: str) -> bool:
        settings = self._settings
        if not settings.smtp_host:
            log.error("cannot send a verification email: STAFFGUARD_SMTP_HOST is not set")
            return False
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=password or None,
                use_tls=settings.smtp_security == "tls",
                start_tls=settings.smtp_security == "starttls",
                timeout=settings.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.error("verification email not sent: %s", type(error).__name__)
            return False
        return True
