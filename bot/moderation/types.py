"""Platform-neutral types the moderation core takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.moderation.taxonomy import Action


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo or document attached to a post; its bytes are fetched on demand."""

    kind: str  # "photo" | "document"
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """One message as the moderation core sees it, whatever platform it came from."""

    text: str
    chat_id: int | None = None
    message_id: int | None = None
    author_id: int | None = None
    author_name: str | None = None
    sent_at: datetime | None = None
    edited: bool = False
    # Which version of the message this is: 0 as first sent, then e.g. its edit time.
    revision: int = 0
    forwarded: bool = False
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """What a detector reports: a span of the *normalised* text and why it fired."""

    category: str
    rule: str
    start: int
    end: int
    confidence: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """A match mapped back to the original text, with redacted evidence.

    `evidence` never contains the personal data that was found: it is a window
    of the redacted text around the span, so an admin can see why a message was
    removed without seeing the patient's details.
    """

    category: str
    rule: str
    start: int
    end: int
    confidence: float
    evidence: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    findings: tuple[Finding, ...] = ()
    redacted_text: str = ""
    categories: tuple[str, ...] = field(default=())
    # Detectors that raised on this message: it was not fully screened.
    failed_detectors: tuple[str, ...] = ()

    @property
    def is_breach(self) -> bool:
        return self.action is not Action.ALLOW
