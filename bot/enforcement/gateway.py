"""Telegram calls with their outcome: retried through flood control and outages.

Every call returns an `Attempt` instead of raising, so the enforcer can record
what happened. Flood control (`retry_after`) is waited out; timeouts and
network errors are retried with backoff; a refusal (no rights, a user who never
started the bot, a message too old to delete) is final and says why.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Bot, ChatMember, ChatPermissions, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.enforcement.send_limits import SendLimiter

log = logging.getLogger(__name__)

_ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    detail: str = ""
    message_id: int | None = None
    unreachable: bool = False  # the person never started a private chat with the bot


class TelegramGateway:
    def __init__(
        self,
        bot: Bot,
        *,
        max_attempts: int = 6,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        admin_cache_seconds: float = 300.0,
        limiter: SendLimiter | None = None,
    ) -> None:
        self.bot = bot
        self.limiter = limiter or SendLimiter()
        self._max_attempts = max_attempts
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._admin_cache_seconds = admin_cache_seconds
        self._admins: dict[int, tuple[float, tuple[ChatMember, ...]]] = {}

    async def delete(self, chat_id: int, message_id: int) -> Attempt:
        return await self._call(lambda: self.bot.delete_message(chat_id, message_id))

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        buttons: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Attempt:
        async def call() -> Message:
            return await self.bot.send_message(
                chat_id,
                text,
                reply_markup=buttons,
                reply_to_message_id=reply_to,
                allow_sending_without_reply=True,
            )

        async with self.limiter.turn(chat_id):
            return await self._call(call)

    async def edit(self, chat_id: int, message_id: int, text: str) -> Attempt:
        # Not held by the send limits: an edit answers an admin's button press.
        return await self._call(lambda: self.bot.edit_message_text(text, chat_id, message_id))

    async def mute(self, chat_id: int, user_id: int, until: datetime) -> Attempt:
        silenced = ChatPermissions.no_permissions()
        return await self._call(
            lambda: self.bot.restrict_chat_member(chat_id, user_id, silenced, until_date=until)
        )

    async def unmute(self, chat_id: int, user_id: int) -> Attempt:
        """Lift a mute: the member may post again as everyone else does."""
        everything = ChatPermissions.all_permissions()
        return await self._call(lambda: self.bot.restrict_chat_member(chat_id, user_id, everything))

    async def membership(self, chat_id: int, user_id: int) -> ChatMember | None:
        """The person's membership of the group now; None if Telegram will not say."""
        result: list[ChatMember] = []

        async def call() -> bool:
            result.append(await self.bot.get_chat_member(chat_id, user_id))
            return True

        attempt = await self._call(call)
        return result[0] if attempt.ok and result else None

    async def remove_member(self, chat_id: int, user_id: int) -> Attempt:
        return await self._call(lambda: self.bot.ban_chat_member(chat_id, user_id))

    async def silence(self, chat_id: int, user_id: int) -> Attempt:
        """Restrict until lifted (`unmute`): the member stays, but cannot post."""
        silenced = ChatPermissions.no_permissions()
        return await self._call(lambda: self.bot.restrict_chat_member(chat_id, user_id, silenced))

    async def remove_allowing_return(self, chat_id: int, user_id: int) -> Attempt:
        """Remove from the group (ban, then lift the ban) so they may join again later."""
        banned = await self.remove_member(chat_id, user_id)
        if not banned.ok:
            return banned
        return await self._call(
            lambda: self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
        )

    async def approve_join_request(self, chat_id: int, user_id: int) -> Attempt:
        return await self._call(lambda: self.bot.approve_chat_join_request(chat_id, user_id))

    async def decline_join_request(self, chat_id: int, user_id: int) -> Attempt:
        return await self._call(lambda: self.bot.decline_chat_join_request(chat_id, user_id))

    async def admins(self, chat_id: int, *, fresh: bool = False) -> tuple[ChatMember, ...]:
        """The group's human admins, cached briefly; empty if Telegram will not say."""
        cached = self._admins.get(chat_id)
        if cached and not fresh and time.monotonic() - cached[0] < self._admin_cache_seconds:
            return cached[1]
        result: list[tuple[ChatMember, ...]] = []

        async def call() -> bool:
            members = await self.bot.get_chat_administrators(chat_id)
            result.append(tuple(member for member in members if not member.user.is_bot))
            return True

        attempt = await self._call(call)
        admins = result[0] if attempt.ok and result else ()
        if attempt.ok:
            self._admins[chat_id] = (time.monotonic(), admins)
        return admins

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        admins = await self.admins(chat_id)
        return any(
            member.user.id == user_id and member.status in _ADMIN_STATUSES for member in admins
        )

    async def _call(self, make_call: Callable[[], Awaitable[Any]]) -> Attempt:
        delay = self._first_delay
        last_problem = ""
        for _ in range(self._max_attempts):
            try:
                result = await make_call()
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error.retry_after))
                last_problem = "flood control"
                continue
            except Forbidden as error:
                unreachable = "initiate conversation" in error.message or "blocked" in error.message
                return Attempt(False, error.message, unreachable=unreachable)
            except BadRequest as error:
                return Attempt(False, error.message)
            except NetworkError as error:  # timeouts and outages: worth another try
                last_problem = error.message
                log.warning("Telegram call failed (%s); retrying in %.1f s", error.message, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay)
                continue
            except TelegramError as error:
                return Attempt(False, error.message)
            message_id = result.message_id if isinstance(result, Message) else None
            return Attempt(True, message_id=message_id)
        return Attempt(False, f"gave up after {self._max_attempts} tries: {last_problem}")


def retry_after_seconds(retry_after: object) -> float:
    """Telegram's `retry_after` in seconds (PTB gives an int or a timedelta)."""
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
