"""Commands anyone can use: /start (with the guidance for one's own incident), /help, /rules."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.codeofconduct.texts import Evidence
from bot.handlers.context import services
from bot.handlers.joining import gatekeeper
from bot.membership.buttons import code_link_chat
from bot.membership.gate import Person
from bot.moderation.taxonomy import Action, redaction_label
from bot.storage.errors import NotFound
from bot.storage.incidents import get_incident

HELP = (
    "I'm StaffGuard. I keep patient information and breaches of the code of conduct out of "
    "this trust's staff groups.\n\n"
    "/rules - the group rules\n"
    "/help - this message\n\n"
    "If I removed one of your messages, I'll tell you why here. Admins get an alert for each "
    "removal and can release a message that was removed by mistake.\n\n"
    "For group admins, in the group: /policy (this group's settings), /strikes and /pardon "
    "(reply to one of the member's messages, or give their @username once I've seen them "
    "post), /members (who agreed to the rules, who is pending, strikes; I send it to you "
    "privately). In a private chat with me: /incidents (the newest in your groups), "
    "/members, and for managers /report week."
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.chat.type != ChatType.PRIVATE:
        return
    payload = context.args[0] if context.args else ""
    if payload.startswith("inc") and payload[3:].isdigit():
        await message.reply_text(await _guidance_for(context, int(payload[3:]), user.id))
        return
    if (group_id := code_link_chat(payload)) is not None:
        await _rules_for(context, group_id, Person(user.id, user.full_name), message)
        return
    await message.reply_text(HELP)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(HELP)


async def rules(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    chat = message.chat
    group_id = chat.id if chat.type != ChatType.PRIVATE else None
    title = chat.title or "our staff groups"
    await message.reply_text(services(context).group(group_id).texts.code_of_conduct(title))


async def _rules_for(
    context: ContextTypes.DEFAULT_TYPE, group_id: int, person: Person, message: Message
) -> None:
    """From the link on a group's "I agree" message: its rules, with the buttons if pending."""
    keeper = gatekeeper(context)
    if await keeper.send_rules(group_id, person):
        return
    title = await keeper.title(group_id)
    await message.reply_text(services(context).group(group_id).texts.code_of_conduct(title))


async def _guidance_for(context: ContextTypes.DEFAULT_TYPE, incident_id: int, user_id: int) -> str:
    """The guidance for the reader's own incident; nothing about anyone else's."""
    try:
        async with services(context).database.transaction() as session:
            incident = await get_incident(session, incident_id)
    except NotFound:
        return HELP
    if incident.poster_id != user_id:
        return HELP
    group = services(context).group(incident.chat_id)
    evidence = [
        Evidence(redaction_label(finding.category), finding.rule, finding.evidence)
        for finding in incident.findings
    ]
    categories = incident.category_names or ("patient.name",)
    return group.texts.category_notice(
        categories[0], Action(incident.action), "the group", evidence
    )
