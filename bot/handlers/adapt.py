"""Turn a python-telegram-bot `Message` into the moderation core's `Post`."""

from __future__ import annotations

from telegram import Message

from bot.moderation.types import Attachment, Post


def post_from_message(message: Message, *, edited: bool = False) -> Post:
    """Everything the screener needs from a message, and nothing Telegram-specific."""
    author = message.from_user
    return Post(
        text=_screened_text(message),
        chat_id=message.chat_id,
        message_id=message.message_id,
        author_id=author.id if author else None,
        author_name=author.full_name if author else None,
        sent_at=message.date,
        edited=edited or message.edit_date is not None,
        revision=int(message.edit_date.timestamp()) if message.edit_date else 0,
        forwarded=message.forward_origin is not None,
        attachments=_attachments(message),
    )


def _screened_text(message: Message) -> str:
    """The text or caption, and a document's file name: a name can name a patient."""
    text = message.text or message.caption or ""
    name = message.document.file_name if message.document else None
    return "\n".join(part for part in (text, f"[file: {name}]" if name else "") if part)


def _attachments(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        largest = message.photo[-1]
        found.append(Attachment("photo", largest.file_id, size=largest.file_size))
    if message.document:
        document = message.document
        found.append(
            Attachment(
                "document",
                document.file_id,
                file_name=document.file_name,
                mime_type=document.mime_type,
                size=document.file_size,
            )
        )
    return tuple(found)
