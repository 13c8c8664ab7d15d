"""How the bot names a group and a member in what it says: as it last saw them."""

from __future__ import annotations

from bot.storage.database import Database
from bot.storage.errors import NotFound
from bot.storage.groups import get_group, get_member


async def group_title(database: Database, chat_id: int) -> str:
    async with database.transaction() as session:
        try:
            return (await get_group(session, chat_id)).title or "the group"
        except NotFound:
            return "the group"


async def member_name(database: Database, chat_id: int, user_id: int, unknown: str) -> str:
    async with database.transaction() as session:
        try:
            member = await get_member(session, chat_id, user_id)
        except NotFound:
            return unknown
    return member.display_name or (f"@{member.username}" if member.username else unknown)
