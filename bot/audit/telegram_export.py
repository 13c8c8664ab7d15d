"""Telegram Desktop's machine-readable export (`result.json`), streamed with ijson.

Two shapes exist: a single chat (`{"name", "type", "id", "messages": [...]}`)
and a whole account (`{"chats": {"list": [{"name", ..., "messages": [...]}]},
"left_chats": {...}}`). Messages are built one at a time from ijson's events,
so a 1 GB export never has to fit in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import ijson

from bot.audit.attachments import AttachmentFiles
from bot.audit.model import (
    ExportedAttachment,
    ExportedMessage,
    ExportError,
    MessageKind,
    Opener,
    ReadNotes,
)

_SINGLE_CHAT_MESSAGES = "messages.item"
_ACCOUNT_CHAT_PREFIXES = ("chats.list.item", "left_chats.list.item")
_MESSAGE_PREFIXES = frozenset(
    {_SINGLE_CHAT_MESSAGES, *(f"{chat}.messages.item" for chat in _ACCOUNT_CHAT_PREFIXES)}
)
_CHAT_NAME_PREFIXES = frozenset({"name", *(f"{chat}.name" for chat in _ACCOUNT_CHAT_PREFIXES)})
_OPENING = frozenset({"start_map", "start_array"})
_CLOSING = frozenset({"end_map", "end_array"})

# Telegram writes this instead of a path when media was not downloaded.
_NOT_INCLUDED_PREFIX = "(File "
_MEDIA_KINDS = {
    "video_file": "video",
    "video_message": "video",
    "animation": "video",
    "voice_message": "audio",
    "audio_file": "audio",
}
_NOT_ATTACHMENTS = frozenset({"sticker"})


class TelegramExport:
    def __init__(
        self, opener: Opener, name: str = "result.json", files: AttachmentFiles | None = None
    ) -> None:
        self._open = opener
        self._name = name
        self.attachment_files = files
        self._shape = "chat"
        self.notes = ReadNotes()

    @property
    def description(self) -> str:
        scope = "whole account" if self._shape == "account" else "single chat"
        return f"Telegram Desktop export ({scope}), {self._name}"

    def messages(self) -> Iterator[ExportedMessage]:
        read = 0
        try:
            with self._open() as stream:
                for message in self._parse(stream):
                    read += 1
                    yield message
        except ijson.JSONError:
            # ijson's own message quotes the bytes around the fault: never show it.
            raise ExportError(
                f"{self._name} is cut short or malformed after {read:,} messages"
            ) from None
        except OSError as error:
            raise ExportError(f"cannot read {self._name}: {error.strerror or error}") from None

    def _parse(self, stream: Any) -> Iterator[ExportedMessage]:
        events = ijson.parse(stream, use_float=True)
        try:
            first = next(events, None)
        except ijson.JSONError:
            first = None
        if first is None or first[1] != "start_map":
            raise ExportError(f"{self._name} is not a JSON object, so not a Telegram export")
        found_messages = False
        chat_name: str | None = None
        builder: ijson.ObjectBuilder | None = None
        depth = 0
        for prefix, event, value in events:
            if builder is not None:
                builder.event(event, value)
                if event in _OPENING:
                    depth += 1
                elif event in _CLOSING:
                    depth -= 1
                    if depth == 0:
                        yield message_from_json(builder.value, chat_name, self._shape)
                        builder = None
            elif event == "start_map" and prefix in _MESSAGE_PREFIXES:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
            elif event == "string" and prefix in _CHAT_NAME_PREFIXES:
                chat_name = value
            elif event == "start_map" and prefix in _ACCOUNT_CHAT_PREFIXES:
                chat_name = None
            elif event == "start_array" and (prefix == "messages" or prefix.endswith(".messages")):
                found_messages = True
            elif event == "map_key" and prefix == "" and value in ("chats", "left_chats"):
                self._shape = "account"
        if not found_messages:
            raise ExportError(f"{self._name} has no messages or chats: not a Telegram chat export")


def message_from_json(
    document: Any, chat: str | None = None, shape: str = "chat"
) -> ExportedMessage:
    """One exported message; fields of the wrong type are treated as absent."""
    if not isinstance(document, dict):
        return ExportedMessage(ref="?", text="", kind=MessageKind.SERVICE, chat=chat)
    message_id = _int_or_none(document.get("id"))
    ref = f"#{message_id}" if message_id is not None else "#?"
    if shape == "account" and chat:
        ref = f"{chat} {ref}"
    is_service = document.get("type") == "service"
    author = document.get("actor") if is_service else document.get("from")
    return ExportedMessage(
        ref=ref,
        text="" if is_service else _message_text(document),
        date=_date(document.get("date")),
        author=author if isinstance(author, str) else None,
        kind=MessageKind.SERVICE if is_service else MessageKind.MESSAGE,
        attachments=() if is_service else _attachments(document),
        chat=chat,
        message_id=message_id,
        edited="edited" in document,
        forwarded="forwarded_from" in document or "saved_from" in document,
        reply_to=_int_or_none(document.get("reply_to_message_id")),
    )


def plain_text(value: Any) -> str:
    """`text` as a string: either a string, or a list of strings and entity objects."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    parts: list[str] = []
    for item in value:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            parts.append(item["text"])
    return "".join(parts)


def _message_text(document: dict[str, Any]) -> str:
    """The caption or text, plus the words of a poll or a shared contact card."""
    parts = [plain_text(document.get("text"))]
    poll = document.get("poll")
    if isinstance(poll, dict):
        parts.append(plain_text(poll.get("question")))
        answers = poll.get("answers")
        if isinstance(answers, list):
            parts.extend(plain_text(a.get("text")) for a in answers if isinstance(a, dict))
    contact = document.get("contact_information")
    if isinstance(contact, dict):
        fields = ("first_name", "last_name", "phone_number")
        parts.append(" ".join(contact[f] for f in fields if isinstance(contact.get(f), str)))
    return "\n".join(part for part in parts if part)


def _attachments(document: dict[str, Any]) -> tuple[ExportedAttachment, ...]:
    """The photo and the file, each with its path relative to result.json if downloaded."""
    found: list[ExportedAttachment] = []
    photo = document.get("photo")
    if isinstance(photo, str):
        found.append(_attachment("photo", photo))
    file = document.get("file")
    media_type = document.get("media_type")
    if isinstance(file, str) and media_type not in _NOT_ATTACHMENTS:
        kind = (
            _MEDIA_KINDS.get(media_type, "document") if isinstance(media_type, str) else "document"
        )
        found.append(_attachment(kind, file))
    return tuple(found)


def _attachment(kind: str, path: str) -> ExportedAttachment:
    if path.startswith(_NOT_INCLUDED_PREFIX) or not path:
        return ExportedAttachment(kind, included=False)
    return ExportedAttachment(kind, included=True, path=path)


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None
