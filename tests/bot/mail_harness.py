"""A real SMTP server on loopback (aiosmtpd) that keeps what it is sent, for the bot to email."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP

SENDER = "StaffGuard <staffguard@trust.example>"


@dataclass
class MailServer:
    port: int = 0
    delivered: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook)
        self.delivered.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def settings(self) -> dict[str, Any]:
        """Bot settings that send mail here."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_sender": SENDER,
        }

    def mail_to(self, address: str) -> list[EmailMessage]:
        return [mail for mail in self.delivered if mail["To"] == address]


def code_in(mail: EmailMessage) -> str:
    """The six-digit code in a delivered email's text."""
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found, "no code in the email"
    return found.group(1)


@asynccontextmanager
async def mail_server() -> AsyncIterator[MailServer]:
    mail = MailServer()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(mail, hostname="mail.trust.example"), host="127.0.0.1", port=0
    )
    mail.port = server.sockets[0].getsockname()[1]
    try:
        yield mail
    finally:
        server.close()
        await server.wait_closed()
