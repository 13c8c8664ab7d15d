"""Long polling that acknowledges updates only after they were handled.

python-telegram-bot's own updater confirms a batch of updates on the next
`getUpdates` call, before the handlers have necessarily finished with them; a
bot killed in that moment would lose breaches. Here a batch is confirmed only
once every update in it was handled, so a crash means redelivery, never loss
(the incident log makes redelivery harmless: a message is handled once).

Updates of one chat are handled in order (an edit after its message); chats
are handled concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.enforcement.gateway import retry_after_seconds

log = logging.getLogger(__name__)

UpdateHandler = Callable[[Update], Awaitable[None]]
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
)


class ReliablePoller:
    def __init__(
        self,
        bot: Bot,
        handle: UpdateHandler,
        *,
        poll_timeout: int = 25,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        max_backoff: float = 30.0,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._poll_timeout = poll_timeout
        self._allowed_updates = list(allowed_updates)
        self._max_backoff = max_backoff
        self.offset = 0

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await self._fetch_unless_stopped(stop)
                if updates is None:
                    return
            except InvalidToken:
                raise
            except RetryAfter as error:
                await _sleep_or_stop(stop, retry_after_seconds(error.retry_after))
                continue
            except (NetworkError, TimedOut) as error:
                log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = 1.0
            if updates:
                await self.handle_batch(updates)
                self.offset = updates[-1].update_id + 1

    async def handle_batch(self, updates: Sequence[Update]) -> None:
        by_chat: dict[int | None, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat else None].append(update)
        await asyncio.gather(*(self._handle_in_order(batch) for batch in by_chat.values()))

    async def _handle_in_order(self, updates: list[Update]) -> None:
        for update in updates:
            try:
                await self._handle(update)
            except Exception as error:  # one bad update must not stop the others
                # The type only: an exception's message could quote the user's text.
                log.error(
                    "update %s could not be handled: %s", update.update_id, type(error).__name__
                )

    async def _fetch_unless_stopped(self, stop: asyncio.Event) -> tuple[Update, ...] | None:
        """The next batch, or None when asked to stop first (the batch is not confirmed)."""
        fetch = asyncio.ensure_future(self._fetch())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if fetch.done():
            stopped.cancel()
            return fetch.result()
        fetch.cancel()
        await asyncio.gather(fetch, return_exceptions=True)
        return None

    async def _fetch(self) -> tuple[Update, ...]:
        return await self._bot.get_updates(
            offset=self.offset,
            timeout=self._poll_timeout,
            allowed_updates=self._allowed_updates,
            read_timeout=self._poll_timeout + 10,
        )


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
