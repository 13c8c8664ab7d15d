"""Long polling that acknowledges updates only after they were handled.

python-telegram-bot's own updater confirms a batch of updates on the next
`getUpdates` call, before the handlers have necessarily finished with them; a
bot killed in that moment would lose breaches. Here an update is confirmed
only once it and every update before it were handled, so a crash means
redelivery, never loss (the incident log makes redelivery harmless: a message
is handled once).

Fetching does not wait for handling: new updates are dispatched as they come,
so a message posted while another is being handled (a breach being recorded
and deleted, say) is not held up by it. Updates still being handled come back
in the next `getUpdates` (they are not confirmed yet) and are skipped; when a
poll brings nothing new, the poller waits for one to finish before asking
again (or after a few milliseconds, backing off while nothing new comes).
Updates of one chat are handled in order (an edit after its message);
chats are handled concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot.enforcement.gateway import retry_after_seconds

log = logging.getLogger(__name__)
# `getUpdates` is called through `do_api_request` on purpose (see `_fetch`); PTB
# suggests `Bot.get_updates`, which would read every update into objects.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)

UpdateHandler = Callable[[Update], Awaitable[None]]
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
)


# While updates are being handled, how long to wait for one to finish before
# asking Telegram again for new ones (doubling up to the most).
_FIRST_PATIENCE = 0.01
_MAX_PATIENCE = 0.5


class ReliablePoller:
    def __init__(
        self,
        bot: Bot,
        handle: UpdateHandler,
        *,
        poll_timeout: int = 25,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        max_backoff: float = 30.0,
        stop_grace_seconds: float = 10.0,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._poll_timeout = poll_timeout
        self._allowed_updates = list(allowed_updates)
        self._max_backoff = max_backoff
        self._stop_grace_seconds = stop_grace_seconds
        self.offset = 0  # every update before this one was handled (and is confirmed)
        self._dispatched = -1  # the newest update handed to a handler
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._chat_tails: dict[int | None, asyncio.Task[None]] = {}
        self._progress = asyncio.Event()
        self._stale = 0  # updates the last poll brought that were being handled already

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self._poll(stop)
            await self._finish_in_flight()
        finally:
            for task in self._in_flight.values():
                task.cancel()

    async def _poll(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        patience = _FIRST_PATIENCE
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
            fresh = updates
            for update in fresh:
                self._dispatch(update)
            if self._in_flight:
                # Updates being handled come back with every poll: ask again when one
                # is done, or after a while, longer while polls bring mostly those.
                await self._until_progress_or(stop, patience)
                mostly_new = len(fresh) > self._stale
                patience = _FIRST_PATIENCE if mostly_new else min(patience * 2, _MAX_PATIENCE)
            else:
                patience = _FIRST_PATIENCE
            self._advance_offset()

    def _dispatch(self, update: Update) -> None:
        self._dispatched = update.update_id
        chat = update.effective_chat
        key = chat.id if chat else None
        task = asyncio.create_task(self._handle_after(self._chat_tails.get(key), update))
        self._in_flight[update.update_id] = task
        self._chat_tails[key] = task
        task.add_done_callback(lambda _: self._handled(update.update_id, key, task))

    async def _handle_after(self, previous: asyncio.Task[None] | None, update: Update) -> None:
        if previous is not None:  # the chat's earlier update first
            await asyncio.wait({previous})
        try:
            await self._handle(update)
        except Exception as error:  # one bad update must not stop the others
            log.error("update %s could not be handled: %s", update.update_id, type(error).__name__)

    def _handled(self, update_id: int, chat: int | None, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return  # stopped before it was handled: not confirmed, delivered again
        del self._in_flight[update_id]
        if self._chat_tails.get(chat) is task:
            del self._chat_tails[chat]
        self._progress.set()

    def _advance_offset(self) -> None:
        pending = min(self._in_flight, default=None)
        self.offset = pending if pending is not None else self._dispatched + 1

    async def _until_progress_or(self, stop: asyncio.Event, seconds: float) -> None:
        self._progress.clear()
        waiters = {asyncio.ensure_future(self._progress.wait()), asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _finish_in_flight(self) -> None:
        """On a stop, let the updates being handled finish (for a while)."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight.values()), timeout=self._stop_grace_seconds)

    async def _fetch_unless_stopped(self, stop: asyncio.Event) -> list[Update] | None:
        """The next updates, or None when asked to stop first."""
        fetch = asyncio.ensure_future(self._fetch())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if fetch.done():
            stopped.cancel()
            return fetch.result()
        fetch.cancel()
        await asyncio.gather(fetch, return_exceptions=True)
        return None

    async def _fetch(self) -> list[Update]:
        """The updates not yet handed to a handler.

        Those still being handled come back too; they are skipped as raw JSON,
        since reading them into objects again on every poll would cost more CPU
        than handling new ones.
        """
        raw = await self._bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self.offset,
                "timeout": self._poll_timeout,
                "allowed_updates": self._allowed_updates,
            },
            read_timeout=self._poll_timeout + 10,
        )
        self._stale = 0
        fresh: list[Update] = []
        for data in raw or ():
            if data["update_id"] <= self._dispatched:
                self._stale += 1
                continue
            update = Update.de_json(data, self._bot)
            if isinstance(self._bot, ExtBot):
                self._bot.insert_callback_data(update)
            fresh.append(update)
        return fresh


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
