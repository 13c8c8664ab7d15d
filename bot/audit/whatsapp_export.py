"""WhatsApp's "Export chat" text file, from Android or iOS, in any common date locale.

A message starts on a header line and runs until the next one:

    Android  15/01/2024, 09:30 - Jane Smith: text        1/15/24, 9:30 AM - Jane: text
    iOS      [15/01/2024, 09:30:12] Jane Smith: text     ‎[1/15/24, 9:30:12 PM] Jane: text

System lines (the encryption notice, joins, leaves, subject changes, deletions)
are counted but not screened. Media lines ("<Media omitted>", "image omitted",
"<attached: …>", "… (file attached)") become attachments; whatever else the
message says, a caption or a document's own name, is screened.

Whether 03/04/2024 is the 3rd of April or the 4th of March is decided once per
file: a first field above 12 means day-first, a second field above 12 means
month-first, and a file that never says defaults to day-first (UK). The file
is read twice, the first time only as far as the first date that settles it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import BinaryIO

from bot.audit.attachments import AttachmentFiles
from bot.audit.model import (
    ExportedAttachment,
    ExportedMessage,
    ExportError,
    MessageKind,
    Opener,
    ReadNotes,
)

# WhatsApp caps a message at 65,536 characters (at most 4 bytes each in
# UTF-8); anything beyond is not a message but a broken file: the rest of an
# overlong line, or lines past twice that, are skipped and counted.
MAX_MESSAGE_CHARS = 131_072
MAX_LINE_BYTES = 4 * 65_536

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_SPACE = "[ \u00a0\u202f]"
_DATE = r"(?P<d1>\d{1,4})(?P<sep>[/.\-])(?P<d2>\d{1,2})(?P=sep)(?P<d3>\d{4}|\d{2})\.?"
_TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    rf"(?:{_SPACE}?(?P<ampm>[AaPp]\.?{_SPACE}?[Mm]\.?))?"
)
_IOS_HEADER = re.compile(rf"[{_MARKS}]*\[{_DATE},?{_SPACE}{_TIME}\]{_SPACE}?(?P<rest>.*)", re.S)
_ANDROID_HEADER = re.compile(
    rf"[{_MARKS}]*{_DATE},?{_SPACE}{_TIME}{_SPACE}?[-\u2013]{_SPACE}(?P<rest>.*)", re.S
)
_HEADER_START = frozenset("0123456789[" + _MARKS)

_AUTHOR = re.compile(r"(?P<author>[^:\n]{1,200}?):(?: (?P<text>.*)|$)", re.S)

# What happened in the group rather than what someone wrote. On Android these
# lines have no "Name:", on iOS they read "Group: ‎<line>". The actor part
# cannot hold a colon, so "Jane: I added Bob" stays a message.
_SYSTEM_LINE = re.compile(
    r"(?:Messages and calls are end-to-end encrypted|Messages to this group are now secured"
    r"|Your security code with|This group has over|Disappearing messages"
    r"|You're now an admin|You are now an admin"
    r"|[^:\n]{1,200}?'s security code changed"
    r"|[^:\n]{1,200}? (?:added|removed|left|joined|was added|were added|created group"
    r"|created this group|changed the subject|changed the group name|changed this group's"
    r"|changed the group|deleted this group's|removed this group's|changed their phone number"
    r"|changed to \+|is now an admin|are now an admin|pinned a message"
    r"|turned (?:on|off) disappearing|reset this group's invite link|requested to join"
    r"|started a (?:video |voice )?call)\b)"
)
_SERVICE_TEXTS = frozenset(
    {
        "this message was deleted",
        "you deleted this message",
        "this message was deleted by admin",
        "waiting for this message. this may take a while",
        "missed voice call",
        "missed video call",
        "missed group voice call",
        "missed group video call",
        "null",
    }
)
_EDITED = re.compile(rf"[{_MARKS}]*<This message was edited>\s*$")
_MEDIA_OMITTED = re.compile(rf"[{_MARKS}]*<Media omitted>", re.I)
_IOS_OMITTED = re.compile(
    rf"[{_MARKS}]*(?P<kind>image|video|audio|GIF|sticker|document|Contact card|video note)"
    r" omitted",
    re.I,
)
_IOS_ATTACHED = re.compile(rf"[{_MARKS}]*<attached: (?P<name>[^>\n]{{1,500}})>")
_ANDROID_ATTACHED = re.compile(r"(?P<name>[^\n]{1,500}?) \(file attached\)")
# File names WhatsApp makes up itself carry nothing worth screening.
_GENERATED_NAME = re.compile(
    r"(?:IMG|VID|AUD|PTT|STK|DOC|PHOTO|VIDEO)-\d{8}-WA\d+\.\w+"
    r"|\d{8}-(?:PHOTO|VIDEO|AUDIO|GIF|STICKER|CONTACT)-[\d-]+\.\w+",
    re.I,
)
_IOS_SEQUENCE = re.compile(r"^\d{8}-")
_OMITTED_KINDS = {
    "image": "photo",
    "video": "video",
    "video note": "video",
    "gif": "video",
    "audio": "audio",
    "document": "document",
    "contact card": "contact",
}
_EXTENSION_KINDS = {
    **dict.fromkeys(("jpg", "jpeg", "png", "heic", "gif", "bmp"), "photo"),
    **dict.fromkeys(("mp4", "mov", "3gp", "avi", "mkv"), "video"),
    **dict.fromkeys(("opus", "m4a", "mp3", "aac", "ogg", "wav", "amr"), "audio"),
    "vcf": "contact",
}
_STICKER_NAME = re.compile(r"STK-|-STICKER-|\.webp$", re.I)


class Platform(StrEnum):
    ANDROID = "Android"
    IOS = "iOS"


@dataclass(frozen=True, slots=True)
class Header:
    line: int
    platform: Platform
    date: datetime
    rest: str  # what follows the date: "Name: text", or a system line


@dataclass(slots=True)
class _Pending:
    header: Header
    more: list[str] = field(default_factory=list)
    size: int = 0


class WhatsAppExport:
    def __init__(
        self,
        opener: Opener,
        name: str = "_chat.txt",
        chat: str | None = None,
        files: AttachmentFiles | None = None,
    ) -> None:
        self._open = opener
        self._name = name
        self.attachment_files = files
        self._chat = chat
        self._day_first = True
        self._platform: Platform | None = None
        self.notes = ReadNotes()

    @property
    def description(self) -> str:
        platform = self._platform.value if self._platform else "unknown phone"
        order = "day-first" if self._day_first else "month-first"
        return f"WhatsApp export ({platform}, {order} dates), {self._name}"

    def messages(self) -> Iterator[ExportedMessage]:
        try:
            with self._open() as stream:
                self._day_first = is_day_first(self._decoded_lines(stream, count=False))
            with self._open() as stream:
                yield from self._parse(self._decoded_lines(stream))
        except OSError as error:
            raise ExportError(f"cannot read {self._name}: {error.strerror or error}") from None

    def _parse(self, lines: Iterable[tuple[int, str]]) -> Iterator[ExportedMessage]:
        pending: _Pending | None = None
        for number, line in lines:
            header = parse_header(line, number, self._day_first)
            if header is None:
                if pending is None or pending.size + len(line) > MAX_MESSAGE_CHARS:
                    self.notes.skipped_lines += 1
                else:
                    pending.more.append(line)
                    pending.size += len(line) + 1
                continue
            if pending is not None:
                yield message_from_lines(pending.header, pending.more, self._chat)
            if self._platform is None:
                self._platform = header.platform
            pending = _Pending(header, size=len(header.rest))
        if pending is not None:
            yield message_from_lines(pending.header, pending.more, self._chat)

    def _decoded_lines(self, stream: BinaryIO, *, count: bool = True) -> Iterator[tuple[int, str]]:
        """Text lines without their line ending; overlong lines are cut, bad bytes replaced."""
        number = 0
        while raw := stream.readline(MAX_LINE_BYTES):
            number += 1
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                if count:
                    self.notes.skipped_lines += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("utf-8", "replace")
                if count:
                    self.notes.undecodable_lines += 1
            yield number, text.rstrip("\r\n")


def is_day_first(lines: Iterable[tuple[int, str]]) -> bool:
    """Read dates until one can only be day-first or month-first; UK day-first if none can."""
    for _, line in lines:
        match = _match_header(line)
        if match is None or len(match["d1"]) == 4:
            continue
        if int(match["d1"]) > 12:
            return True
        if int(match["d2"]) > 12:
            return False
    return True


def parse_header(line: str, number: int, day_first: bool) -> Header | None:
    """The header at the start of `line`, or None if it continues the previous message."""
    match = _match_header(line)
    if match is None:
        return None
    date = _datetime(match, day_first)
    if date is None:
        return None  # looks like a header but is no real date: keep it as text
    platform = Platform.IOS if match.re is _IOS_HEADER else Platform.ANDROID
    return Header(number, platform, date, match["rest"])


def _match_header(line: str) -> re.Match[str] | None:
    if not line or line[0] not in _HEADER_START:
        return None
    return _ANDROID_HEADER.match(line) or _IOS_HEADER.match(line)


def _datetime(match: re.Match[str], day_first: bool) -> datetime | None:
    first, second, third = int(match["d1"]), int(match["d2"]), int(match["d3"])
    if len(match["d1"]) == 4:
        year, month, day = first, second, third
    elif day_first:
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    if year < 100:
        year += 2000
    hour = int(match["hour"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    try:
        return datetime(year, month, day, hour, int(match["minute"]), int(match["second"] or 0))
    except ValueError:
        return None


def message_from_lines(
    header: Header, more: list[str] | None = None, chat: str | None = None
) -> ExportedMessage:
    """Classify one message (post, system line, media) from its header and following lines.

    In doubt it is a post: a line screened needlessly costs nothing, a post
    mistaken for a system line would go unscreened.
    """
    common = {"ref": f"line {header.line}", "date": header.date, "chat": chat, "line": header.line}
    rest = header.rest
    if header.platform is Platform.ANDROID and _SYSTEM_LINE.match(rest):
        return ExportedMessage(text="", kind=MessageKind.SERVICE, **common)
    split = _AUTHOR.match(rest)
    author = split["author"].strip(_MARKS + " ") if split else None
    first = (split["text"] or "") if split else rest
    if not more and _is_service_text(first, marked=split is None or first[:1] in _MARKS):
        return ExportedMessage(text="", author=author, kind=MessageKind.SERVICE, **common)
    text = "\n".join([first, *more]) if more else first
    text, edited = _without_edited_mark(text)
    text, attachments = _take_attachments(text)
    return ExportedMessage(
        text=text,
        author=author,
        attachments=attachments,
        edited=edited,
        **common,
    )


def _is_service_text(text: str, *, marked: bool) -> bool:
    """A deletion or call notice, or (where iOS marks it, or with no author) a system line."""
    plain = text.strip(_MARKS + " ")
    if plain.rstrip(".").casefold() in _SERVICE_TEXTS:
        return True
    return marked and _SYSTEM_LINE.match(plain) is not None


def _without_edited_mark(text: str) -> tuple[str, bool]:
    match = _EDITED.search(text)
    if match is None:
        return text, False
    return text[: match.start()].rstrip(), True


def _take_attachments(text: str) -> tuple[str, tuple[ExportedAttachment, ...]]:
    """Media markers out of the text, as attachments; a document's own name stays to screen."""
    if "omitted" not in text and "attached" not in text and "Media" not in text:
        return text, ()
    attachments: list[ExportedAttachment] = []
    lines: list[str] = []
    for line in text.split("\n"):
        kept = _take_line_attachments(line, attachments)
        if kept.strip(_MARKS + " "):
            lines.append(kept)
    return "\n".join(lines), tuple(attachments)


def _take_line_attachments(line: str, attachments: list[ExportedAttachment]) -> str:
    if _MEDIA_OMITTED.fullmatch(line.strip()):
        attachments.append(ExportedAttachment("media", included=False))
        return ""
    omitted = _IOS_OMITTED.search(line)
    if omitted is not None and not line[omitted.end() :].strip():
        kind = omitted["kind"].casefold()
        if kind != "sticker":
            attachments.append(ExportedAttachment(_OMITTED_KINDS[kind], included=False))
        return line[: omitted.start()]
    android = _ANDROID_ATTACHED.fullmatch(line.strip(_MARKS + " "))
    if android is not None:
        return _attached_file(android["name"], attachments)
    if "<attached: " in line:
        return _IOS_ATTACHED.sub(lambda match: _attached_file(match["name"], attachments), line)
    return line


def _attached_file(name: str, attachments: list[ExportedAttachment]) -> str:
    """Record the file; return its name if a person chose it (it may name a patient)."""
    name = name.strip()
    if _STICKER_NAME.search(name):
        return ""
    extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    kind = _EXTENSION_KINDS.get(extension, "document")
    attachments.append(ExportedAttachment(kind, included=True, path=name))
    if _GENERATED_NAME.fullmatch(name):
        return ""
    return _IOS_SEQUENCE.sub("", name)


def is_whatsapp_text(lines: Iterable[str], limit: int = 200) -> bool:
    """True if any of the first `limit` lines is a WhatsApp header with a real date."""
    for line in islice(lines, limit):
        match = _match_header(line)
        if match is not None and (_datetime(match, True) or _datetime(match, False)):
            return True
    return False
