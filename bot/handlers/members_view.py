"""/members: a group's members for its admins (agreed, pending, strikes, verified).

In a group, the list goes to the admin privately (it names people and their
strikes); in a private chat, the admin gets a list for each group they run.
"""

from __future__ import annotations

from collections.abc import Iterator

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.enforcement.services import Services
from bot.handlers.admin_commands import admin_only
from bot.handlers.context import services
from bot.handlers.private_commands import admin_groups
from bot.membership.version import code_version
from bot.membership.view import member_rows, row_line, summary
from bot.storage.groups import note_member

TELEGRAM_TEXT_LIMIT = 4096
NOT_AN_ADMIN = "You're not an admin of any group I look after, so there are no members to show."
SENT_PRIVATELY = "I've sent you the member list in a private chat."
START_FIRST = (
    "The member list names people and their strikes, so I send it privately: open a private "
    "chat with me, press Start, then send /members here again."
)


async def members(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        await _in_group(update, context)
        return
    running = services(context)
    titles = await admin_groups(running, user.id)
    if not titles:
        await message.reply_text(NOT_AN_ADMIN)
        return
    for chat_id, title in titles.items():
        for chunk in chunks(await members_text(running, chat_id, title)):
            await message.reply_text(chunk)


async def _members_in_group(
    message: Message, user: User, running: Services, args: list[str]
) -> str:
    text = await members_text(running, message.chat.id, message.chat.title or "this group")
    for chunk in chunks(text):
        attempt = await running.gateway.send(user.id, chunk)
        if not attempt.ok:
            return START_FIRST
    return SENT_PRIVATELY


_in_group = admin_only(_members_in_group)


async def members_text(running: Services, chat_id: int, title: str) -> str:
    group = running.group(chat_id)
    admins = {
        member.user.id: (member.user.full_name, member.user.username)
        for member in await running.gateway.admins(chat_id)
    }
    async with running.database.transaction() as session:
        for user_id, (name, username) in admins.items():
            await note_member(
                session, chat_id, user_id, display_name=name, username=username, is_admin=True
            )
        rows = await member_rows(
            session,
            chat_id,
            strike_window_days=group.settings.strikes.window_days,
            admins=admins,
        )
    lines = [
        f"Members of {title}: {summary(rows)}",
        f"Code of conduct version now: {code_version(group)}. "
        f"Strikes count the last {group.settings.strikes.window_days} days.",
    ]
    return "\n".join(lines + [row_line(row) for row in rows])


def chunks(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> Iterator[str]:
    """The text in messages Telegram accepts, split between lines."""
    current = ""
    for line in text.splitlines():
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            yield current
            candidate = line[:limit]
        current = candidate
    if current:
        yield current
