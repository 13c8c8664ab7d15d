"""Messages with photos or documents waiting to be screened, kept across restarts.

The handler queues a message here before its update is confirmed and the
attachment worker takes it off once the message has been enforced, so a slow
file never holds up the next update and a restart loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.moderation.types import Attachment, Post
from bot.storage.models import PendingScreening
from bot.storage.quarantine import Quarantine, QuarantineKeyError


@dataclass(frozen=True, slots=True)
class QueuedPost:
    pending_id: int
    post: Post
    group_title: str
    attempts: int


async def queue_post(
    session: AsyncSession,
    post: Post,
    group_title: str,
    quarantine: Quarantine,
    *,
    redacted_caption: str,
) -> None:
    """Keep the message until its files are screened (once per message revision)."""
    assert post.chat_id is not None
    assert post.message_id is not None
    existing = await session.scalar(
        select(PendingScreening.id).where(
            PendingScreening.chat_id == post.chat_id,
            PendingScreening.message_id == post.message_id,
            PendingScreening.message_revision == post.revision,
        )
    )
    if existing is not None:
        return
    names = [attachment.file_name for attachment in post.attachments]
    sealed = None
    if quarantine.enabled:
        sealed = quarantine.seal(json.dumps({"caption": post.text, "file_names": names}))
    session.add(
        PendingScreening(
            chat_id=post.chat_id,
            message_id=post.message_id,
            message_revision=post.revision,
            group_title=group_title,
            author_id=post.author_id,
            author_name=post.author_name,
            sent_at=post.sent_at,
            edited=post.edited,
            forwarded=post.forwarded,
            attachments=json.dumps([_described(attachment) for attachment in post.attachments]),
            sealed_details=sealed,
            redacted_caption="" if sealed else redacted_caption,
        )
    )
    await session.flush()


async def queued_posts(
    session: AsyncSession, quarantine: Quarantine, *, limit: int, skip: Collection[int] = ()
) -> list[QueuedPost]:
    """The oldest queued messages, but those in `skip` (being screened already)."""
    query = select(PendingScreening).order_by(PendingScreening.id).limit(limit)
    if skip:
        query = query.where(PendingScreening.id.not_in(list(skip)))
    rows = (await session.scalars(query)).all()
    return [_queued(row, quarantine) for row in rows]


async def count_attempt(session: AsyncSession, pending_id: int) -> None:
    """One more try at screening the message (a file that crashes it is not tried forever)."""
    await session.execute(
        update(PendingScreening)
        .where(PendingScreening.id == pending_id)
        .values(attempts=PendingScreening.attempts + 1)
    )


async def finish(session: AsyncSession, pending_id: int) -> None:
    await session.execute(delete(PendingScreening).where(PendingScreening.id == pending_id))


async def count_queued(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(PendingScreening)) or 0


def _described(attachment: Attachment) -> dict[str, object]:
    return {
        "kind": attachment.kind,
        "file_id": attachment.file_id,
        "mime_type": attachment.mime_type,
        "size": attachment.size,
        # The extension only: a file's name may name a patient.
        "extension": PurePath(attachment.file_name or "").suffix.lower()[:16],
    }


def _stand_in_name(extension: str) -> str | None:
    """A file name that keeps only what the file-type check needs."""
    return f"file{extension}" if extension else None


def _queued(row: PendingScreening, quarantine: Quarantine) -> QueuedPost:
    caption, names = row.redacted_caption, None
    if row.sealed_details is not None:
        try:
            details = json.loads(quarantine.open(row.sealed_details))
            caption, names = details["caption"], details["file_names"]
        except QuarantineKeyError:
            caption = ""  # the key was removed: screen the files alone
    described = json.loads(row.attachments)
    attachments = tuple(
        Attachment(
            kind=item["kind"],
            file_id=item["file_id"],
            file_name=names[index] if names else _stand_in_name(item["extension"]),
            mime_type=item["mime_type"],
            size=item["size"],
        )
        for index, item in enumerate(described)
    )
    post = Post(
        text=caption,
        chat_id=row.chat_id,
        message_id=row.message_id,
        author_id=row.author_id,
        author_name=row.author_name,
        sent_at=row.sent_at,
        edited=row.edited,
        revision=row.message_revision,
        forwarded=row.forwarded,
        attachments=attachments,
    )
    return QueuedPost(row.id, post, row.group_title, row.attempts)
