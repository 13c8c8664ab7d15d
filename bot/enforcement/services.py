"""What the running bot is made of, passed to handlers and the enforcer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.codeofconduct.policy_file import GroupPolicy, PolicyFile
from bot.config import Settings
from bot.enforcement.gateway import TelegramGateway
from bot.media.pool import MediaScreener
from bot.moderation import Screener
from bot.storage.database import Database
from bot.storage.quarantine import Quarantine

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    database: Database
    quarantine: Quarantine
    policy: PolicyFile
    gateway: TelegramGateway
    bot_username: str
    # Photos and documents are read in worker processes, started on first use.
    media: MediaScreener = field(default_factory=MediaScreener)
    _screeners: dict[int | None, Screener] = field(default_factory=dict)
    _by_policy: dict[str, Screener] = field(default_factory=dict)
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    def group(self, chat_id: int | None) -> GroupPolicy:
        return self.policy.group(chat_id)

    def screener(self, chat_id: int | None) -> Screener:
        """The screener for a group's policy; groups with the same policy share one.

        Building one compiles every rule, so it is done once per distinct policy,
        not once per group.
        """
        screener = self._screeners.get(chat_id)
        if screener is None:
            policy = self.policy.screening_policy(chat_id)
            key = repr(policy)  # a policy's repr spells out every setting
            screener = self._by_policy.get(key)
            if screener is None:
                screener = self._by_policy[key] = Screener(policy)
            self._screeners[chat_id] = screener
        return screener

    def replace_policy(self, policy: PolicyFile) -> None:
        """Run under a new policy from now on (screeners of policies seen before are reused)."""
        self.policy = policy
        self._screeners.clear()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background (a delayed deletion, say), keeping a reference."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed: %s", type(task.exception()).__name__)

    async def close(self) -> None:
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.media.close()
        await self.database.dispose()
