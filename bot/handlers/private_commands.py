"""Commands in a private chat with the bot: /incidents for admins, /report for managers."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.enforcement.services import Services
from bot.handlers.context import services
from bot.reporting.digest import send_digest, week_summary
from bot.storage.groups import list_groups
from bot.storage.incidents import IncidentFilter, list_incidents
from bot.storage.models import Incident

NEWEST = 10
IN_PRIVATE = "Send me that command in a private chat."
NOT_AN_ADMIN = "You're not an admin of any group I look after, so there are no incidents to show."
MANAGERS_ONLY = "Reports are for the trust's managers (set in STAFFGUARD_MANAGER_USER_IDS)."
REPORT_USAGE = "Usage: /report week"


async def incidents(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The newest incidents in the groups the reader is an admin of, redacted to the facts."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(IN_PRIVATE)
        return
    running = services(context)
    titles = await admin_groups(running, user.id)
    if not titles:
        await message.reply_text(NOT_AN_ADMIN)
        return
    found = await newest_incidents(running, list(titles))
    if not found:
        await message.reply_text("No incidents in your groups.")
        return
    lines = [f"The newest {len(found)} incidents in your groups:"]
    lines += [incident_line(incident, titles[incident.chat_id]) for incident in found]
    await message.reply_text("\n".join(lines))


async def admin_groups(running: Services, user_id: int) -> dict[int, str]:
    """The groups the bot has recorded where `user_id` is an admin now: chat id to title."""
    async with running.database.transaction() as session:
        groups = await list_groups(session)
    return {
        group.chat_id: group.title or str(group.chat_id)
        for group in groups
        if await running.gateway.is_admin(group.chat_id, user_id)
    }


async def newest_incidents(running: Services, chat_ids: list[int]) -> list[Incident]:
    found: list[Incident] = []
    async with running.database.transaction() as session:
        for chat_id in chat_ids:
            found += await list_incidents(session, IncidentFilter(chat_id=chat_id), limit=NEWEST)
    found.sort(key=lambda incident: (incident.occurred_at, incident.id), reverse=True)
    return found[:NEWEST]


def incident_line(incident: Incident, group_title: str) -> str:
    """One incident without any of the message: id, when, where, what was done and why."""
    categories = ", ".join(incident.category_names) or "no category"
    return (
        f"#{incident.id} · {incident.occurred_at:%d %b %H:%M} · {group_title} · "
        f"{incident.action} · {categories} · {incident.status}"
    )


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        await message.reply_text(IN_PRIVATE)
        return
    running = services(context)
    if user.id not in running.settings.manager_user_ids:
        await message.reply_text(MANAGERS_ONLY)
        return
    if [arg.lower() for arg in context.args or []] != ["week"]:
        await message.reply_text(REPORT_USAGE)
        return
    await message.reply_text(await week_summary(running))


async def weekly_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: the week's counts to every manager."""
    await send_digest(services(context))
