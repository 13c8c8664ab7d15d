"""A message's photos and documents: fetched from Telegram and screened in the media pool."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.enforcement.services import Services
from bot.media.verdict import FileVerdict, unscreened
from bot.moderation.types import Attachment, Post

log = logging.getLogger(__name__)


async def screen_attachments(bot: Bot, post: Post, services: Services) -> list[FileVerdict]:
    """A verdict per attachment; one that cannot be fetched is unscreened, never skipped."""
    group = services.group(post.chat_id)
    verdicts: list[FileVerdict] = []
    for attachment in post.attachments:
        kind = file_kind(attachment)
        limit = services.media.limits.max_file_bytes
        if attachment.size is not None and attachment.size > limit:
            verdicts.append(unscreened(kind, f"file too large (over {limit // 2**20} MB)"))
            continue
        data = await _download(bot, attachment)
        if data is None:
            verdicts.append(unscreened(kind, "could not be fetched from Telegram"))
            continue
        name = attachment.file_name or ("photo.jpg" if attachment.kind == "photo" else None)
        verdicts.append(
            await services.media.screen_file(data, name, group.screening_policy, group.faces)
        )
    return verdicts


def file_kind(attachment: Attachment) -> str:
    """What a file is taken to be before it is read: a photo is an image."""
    return "image" if attachment.kind == "photo" else "unknown"


async def _download(bot: Bot, attachment: Attachment) -> bytes | None:
    try:
        file = await bot.get_file(attachment.file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as error:
        log.warning("attachment could not be fetched: %s", type(error).__name__)
        return None
