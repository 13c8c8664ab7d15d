"""What the membership tests share: a gated group, pressing buttons, reading the audit trail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.storage.members import get_agreement, list_member_steps
from bot.storage.models import MemberAgreement
from tests.bot.harness import GROUP, Harness, staff_group

# Short timers, so a test sees reminders and removals in seconds.
QUICK = "membership:\n  remind_after: 1s\n  remove_after: 2s\n  consent_timeout: 2s\n"
NEVER = "membership:\n  remind_after: never\n  remove_after: never\n  consent_timeout: 365d\n"


@asynccontextmanager
async def gated_group(
    tmp_path: Path, policy: str = NEVER, **overrides: Any
) -> AsyncIterator[Harness]:
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(policy)
    async with staff_group(tmp_path, policy_file=policy_file, **overrides) as bot:
        yield bot


def buttons_of(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A message's inline buttons by their label."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["text"]: button for row in rows for button in row}


def bot_messages_with(bot: Harness, chat_id: int, needle: str) -> list[dict[str, Any]]:
    return [m for m in bot.bot_messages_in(chat_id) if needle in m.get("text", "")]


async def message_with(bot: Harness, chat_id: int, needle: str) -> dict[str, Any]:
    """The newest message from the bot in the chat containing `needle` (waiting for it)."""

    def found() -> list[dict[str, Any]]:
        """a message from the bot with the expected text"""
        return bot_messages_with(bot, chat_id, needle)

    return (await bot.until(found))[-1]


async def press(bot: Harness, user_id: int, message: dict[str, Any], label: str) -> str:
    """`user_id` presses the button; returns what the bot answered them."""
    return await press_data(bot, user_id, message, buttons_of(message)[label]["callback_data"])


async def press_data(bot: Harness, user_id: int, message: dict[str, Any], data: str) -> str:
    """Press a button with this data on the message (one it no longer shows, even)."""
    query_id = bot.world.press(user_id, message["chat"]["id"], message["message_id"], data)

    def answered() -> str | None:
        """the bot answers the button press"""
        answer = bot.world.answered_callbacks.get(query_id)
        return None if answer is None else str(answer.get("text", ""))

    await bot.until(lambda: answered() is not None)
    return str(answered())


def status_in_group(bot: Harness, user_id: int) -> str:
    return bot.world.membership(GROUP, user_id).status


async def agreement(bot: Harness, user_id: int, chat_id: int = GROUP) -> MemberAgreement | None:
    async with bot.database.transaction() as session:
        return await get_agreement(session, chat_id, user_id)


async def steps(bot: Harness, user_id: int, chat_id: int = GROUP) -> list[str]:
    """The member's membership steps in the audit trail, oldest first."""
    async with bot.database.transaction() as session:
        events = await list_member_steps(session, chat_id, user_id=user_id)
    return [event.event for event in reversed(events)]


async def until_recorded(bot: Harness, user_id: int, status: str, chat_id: int = GROUP) -> None:
    """Wait until the member's agreement is recorded with `status`."""

    async def recorded() -> bool:
        """the member's agreement reaches the expected status"""
        row = await agreement(bot, user_id, chat_id)
        return row is not None and row.status == status

    await bot.until(recorded)


async def trail_becomes(bot: Harness, user_id: int, expected: list[str]) -> None:
    """Wait for the member's audit trail to read `expected` (the last step is written last)."""

    async def matches() -> bool:
        """the member's audit trail reaches the expected steps"""
        return await steps(bot, user_id) == expected

    try:
        await bot.until(matches, timeout=5)
    except AssertionError:
        assert await steps(bot, user_id) == expected
