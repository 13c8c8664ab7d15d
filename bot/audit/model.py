"""A chat export as the auditor sees it, whichever app wrote it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from bot.audit.attachments import AttachmentFiles

# Opens the export's bytes afresh each time (a reader may need two passes).
Opener = Callable[[], AbstractContextManager[BinaryIO]]


class ExportError(Exception):
    """The export cannot be read (further). The message never quotes message text."""


class MessageKind(StrEnum):
    MESSAGE = "message"  # someone's post: screened
    SERVICE = "service"  # joins, title changes, deletions, notices: counted, not screened


class AttachmentStatus(StrEnum):
    """What became of an attachment in an audit; every status but SCREENED is listed."""

    SCREENED = "screened"
    PARTLY_SCREENED = "partly screened"  # the engine read some of it (a page limit, say)
    UNREADABLE = "unreadable"  # found, but it (or the engine) could not open it
    MISSING = "not found in the export"  # the export names it; the folder or zip lacks it
    REFUSED = "refused"  # its path leads outside the export
    LEFT_OUT = "left out of the export"  # the app exported the chat without it
    NOT_SCREENABLE = "not screened"  # videos, voice notes, contact cards
    SKIPPED = "skipped"  # --no-media


@dataclass(frozen=True, slots=True)
class ExportedAttachment:
    kind: str  # "photo" | "video" | "audio" | "document" | "contact" | "media" (type unknown)
    included: bool  # the file is in the export, rather than left out by the app
    # Where the export says the file is, relative to the chat file, exactly as written
    # (untrusted: it may point anywhere, and a chosen name may hold personal data).
    path: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ExportedMessage:
    """One message of an export, its text in full (callers must never output it)."""

    ref: str  # how a person finds the message again: "#123", "Ward 7 #123", "line 45"
    text: str
    date: datetime | None = None
    author: str | None = None
    kind: MessageKind = MessageKind.MESSAGE
    attachments: tuple[ExportedAttachment, ...] = ()
    chat: str | None = None
    message_id: int | None = None
    line: int | None = None
    edited: bool = False
    forwarded: bool = False
    reply_to: int | None = None

    @property
    def is_screenable(self) -> bool:
        return self.kind is MessageKind.MESSAGE and not self.text.isspace() and self.text != ""


@dataclass(slots=True)
class ReadNotes:
    """What a reader had to leave out or repair, counted while it reads."""

    skipped_lines: int = 0  # lines that belong to no message, or cut from an overlong one
    undecodable_lines: int = 0  # lines with bytes that are not UTF-8 (read with U+FFFD)
    details: list[str] = field(default_factory=list)


class ChatExport(Protocol):
    """A readable export: a description, and its messages in order, read lazily."""

    @property
    def description(self) -> str: ...

    @property
    def notes(self) -> ReadNotes: ...

    @property
    def attachment_files(self) -> AttachmentFiles | None:
        """Where the attached files are (the export's folder or zip), if anywhere."""
        ...

    def messages(self) -> Iterator[ExportedMessage]:
        """Every message in file order; raises `ExportError` where the file breaks off."""
        ...
