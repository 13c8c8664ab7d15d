"""Photos and documents screened in the background, from a queue that survives restarts.

Reading a scanned PDF can take many seconds. The handler only queues the
message (file ids, and its caption sealed) before the update is confirmed;
this worker fetches and screens the files in the media pool, merges their
verdicts with the caption's and hands the message to the enforcer, then takes
it off the queue. Text messages never wait behind a file, and a restart picks
up whatever was still queued.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram import Bot

from bot.enforcement.attached_files import file_kind, screen_attachments
from bot.enforcement.enforcer import Enforcer
from bot.enforcement.services import Services
from bot.media.merge import merge_verdicts
from bot.media.verdict import FileVerdict, unscreened
from bot.moderation.taxonomy import Action
from bot.moderation.types import Post, Verdict
from bot.storage.pending import QueuedPost, count_attempt, finish, queue_post, queued_posts

log = logging.getLogger(__name__)

# A message whose screening failed this many times (a file that crashes the
# reader, say) is handed to the admins as unscreened instead of tried again.
MAX_ATTEMPTS = 3
# Between looks at the queue when nothing wakes the worker sooner.
IDLE_SECONDS = 30.0
# After a failure, before the same message is tried again.
RETRY_PAUSE_SECONDS = 5.0


class AttachmentQueue:
    def __init__(self, services: Services, enforcer: Enforcer, bot: Bot, workers: int = 2) -> None:
        self.services = services
        self.enforcer = enforcer
        self.bot = bot
        self._workers = workers
        self._wake = asyncio.Event()
        self._in_progress: set[int] = set()

    async def queue(self, post: Post, caption_verdict: Verdict, group_title: str) -> None:
        """Keep the message for screening; returns once it is safely stored."""
        async with self.services.database.transaction(urgent=True) as session:
            await queue_post(
                session,
                post,
                group_title,
                self.services.quarantine,
                redacted_caption=caption_verdict.redacted_text,
            )
        self._wake.set()

    async def run(self) -> None:
        """Screen queued messages, oldest first, a few at a time, until cancelled."""
        while True:
            self._wake.clear()
            try:
                await self._start_waiting()
            except Exception as error:  # the database may be away for a while
                log.error("attachment queue unavailable: %s", type(error).__name__)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)

    async def _start_waiting(self) -> None:
        free = self._workers - len(self._in_progress)
        if free <= 0:
            return
        async with self.services.database.transaction() as session:
            waiting = await queued_posts(
                session, self.services.quarantine, limit=free, skip=self._in_progress
            )
        for queued in waiting:
            self._in_progress.add(queued.pending_id)
            self.services.spawn(self._screen(queued))

    async def _screen(self, queued: QueuedPost) -> None:
        try:
            async with self.services.database.transaction() as session:
                await count_attempt(session, queued.pending_id)
            verdict = await self._verdict(queued)
            await self.enforcer.enforce(queued.post, verdict, queued.group_title)
            async with self.services.database.transaction() as session:
                await finish(session, queued.pending_id)
        except Exception as error:
            log.error("screening a queued message failed: %s", type(error).__name__)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
        finally:
            self._in_progress.discard(queued.pending_id)
            self._wake.set()

    async def _verdict(self, queued: QueuedPost) -> Verdict:
        post = queued.post
        caption = self.services.screener(post.chat_id).screen(post)
        if caption.action is Action.REMOVE:
            return caption  # the whole message goes; its files need not be read
        files: list[FileVerdict]
        if queued.attempts >= MAX_ATTEMPTS:
            reason = f"screening failed {queued.attempts} times"
            files = [unscreened(file_kind(attachment), reason) for attachment in post.attachments]
        else:
            files = await screen_attachments(self.bot, post, self.services)
        return merge_verdicts(caption, files)
