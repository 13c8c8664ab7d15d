"""The real bot, over real HTTP, against the repository's Bot API test server."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import RunningBot, run_until
from bot.config import Settings, load_settings
from bot.storage.database import Database
from bot.storage.incidents import IncidentFilter, list_incidents, list_outcomes
from bot.storage.migrate import open_database
from bot.storage.models import Incident
from bot.storage.quarantine import generate_key
from bot.testserver.app import TestServer
from bot.testserver.world import World

TOKEN = "7000000001:TEST-TOKEN"
GROUP = -100500
GROUP_TITLE = "District Nurses East"
ADMIN, POSTER, NEWCOMER = 100, 200, 300
LOG_CHAT, SENIOR_CHAT = -100900, -100901


def staff_world() -> World:
    world = World()
    world.add_group(GROUP, GROUP_TITLE)
    world.add_group(LOG_CHAT, "Moderation log")
    world.add_group(SENIOR_CHAT, "Senior managers")
    world.add_user(ADMIN, "Amira", username="amira", started_bot=True)
    world.add_user(POSTER, "Ben", username="ben", started_bot=True)
    world.add_user(NEWCOMER, "Cara", username="cara")
    world.join(GROUP, ADMIN, "administrator")
    world.join(GROUP, POSTER)
    world.join(GROUP, NEWCOMER)
    return world


@dataclass
class Harness:
    world: World
    settings: Settings
    database: Database
    started: list[RunningBot] = field(default_factory=list)  # empty: not in-process

    @property
    def application(self) -> Any:
        """The bot's PTB application (for its job queue and services)."""
        return self.started[0].application

    async def until(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait for what a person would eventually see; fail with a clear message if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"not seen within {timeout} s: {condition.__doc__ or condition}")

    async def incidents(self) -> list[Incident]:
        async with self.database.transaction() as session:
            return await list_incidents(session, IncidentFilter(chat_id=GROUP), limit=500)

    async def outcomes(self, incident_id: int) -> dict[str, tuple[str, str]]:
        async with self.database.transaction() as session:
            rows = await list_outcomes(session, incident_id)
        return {row.kind: (row.outcome, row.detail) for row in rows}

    async def settled_outcomes(
        self, incident_id: int, last_step: str = "escalate", timeout: float = 10.0
    ) -> dict[str, tuple[str, str]]:
        """The outcomes once the enforcer has reached its last step for the incident."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            outcomes = await self.outcomes(incident_id)
            if last_step in outcomes and outcomes[last_step][0] != "started":
                return outcomes
            await asyncio.sleep(0.05)
        raise AssertionError(f"incident {incident_id} never reached {last_step}")

    def post(self, user_id: int, text: str, **kwargs: Any) -> int:
        return int(self.world.post(GROUP, user_id, text, **kwargs)["message_id"])

    def group_texts(self) -> list[str]:
        return [message.get("text", "") for message in self.world.visible(GROUP)]

    def bot_messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.world.visible(chat_id) if m["from"]["id"] == self.world.bot.id]


# Bursts of dozens of breaches in one group make the tests quick; Telegram's real
# send limits (the defaults) are tested on their own in test_send_limits.py.
UNTHROTTLED = {
    "send_rate_overall_per_second": 1000,
    "send_rate_group_per_minute": 60000,
    "send_rate_private_per_second": 1000,
}


def bot_settings(server: TestServer, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_api_base_url": server.base_url,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'staffguard.db'}",
        "quarantine_keys": [generate_key()],
        "moderation_log_chat_id": LOG_CHAT,
        "senior_manager_chat_id": SENIOR_CHAT,
        "group_notice_seconds": 2,
        **UNTHROTTLED,
    }
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def running_bot(world: World, settings: Settings) -> AsyncIterator[list[RunningBot]]:
    """The bot running against `world`; the list holds it once it has connected."""
    stop = asyncio.Event()
    started: list[RunningBot] = []
    task = asyncio.create_task(run_until(settings, stop, on_start=started.append))
    try:
        yield started
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


@asynccontextmanager
async def staff_group(tmp_path: Path, **overrides: Any) -> AsyncIterator[Harness]:
    world = staff_world()
    async with TestServer(world, TOKEN) as server:
        settings = bot_settings(server, tmp_path, **overrides)
        database = await open_database(settings)
        try:
            async with running_bot(world, settings) as started:
                harness = Harness(world, settings, database, started)
                await harness.until(lambda: world.calls_to("getUpdates"))  # the bot is polling
                yield harness
        finally:
            await database.dispose()
