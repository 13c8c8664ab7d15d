"""People joining, leaving and being added, and their "I agree" / "No, remove me" presses."""

from __future__ import annotations

from datetime import datetime

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from bot.handlers import members_view
from bot.membership.buttons import CALLBACK_PATTERN, Choice, parse_member_button
from bot.membership.gate import Gatekeeper, Person

GATEKEEPER = "staffguard.gatekeeper"
CALLBACK_ANSWER_LIMIT = 200  # Telegram's limit for the text shown on a button press
_ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
_IN = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def register(application: Application, gatekeeper: Gatekeeper) -> None:  # type: ignore[type-arg]
    application.bot_data[GATEKEEPER] = gatekeeper
    application.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    application.add_handler(CallbackQueryHandler(member_button, pattern=CALLBACK_PATTERN))
    application.add_handler(CommandHandler("members", members_view.members))


def gatekeeper(context: ContextTypes.DEFAULT_TYPE) -> Gatekeeper:
    return context.bot_data[GATEKEEPER]  # type: ignore[no-any-return]


async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A join, an add, a leave or a promotion in a group; the bot's own changes are its own."""
    change = update.chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    user = change.new_chat_member.user
    if user.is_bot:
        return  # bots (and the bot itself) are not asked
    keeper = gatekeeper(context)
    chat = change.chat
    was_in, now_in = is_in(change.old_chat_member), is_in(change.new_chat_member)
    member = Person(user.id, user.full_name, user.username)
    was_admin = change.old_chat_member.status in _ADMIN
    is_admin = change.new_chat_member.status in _ADMIN
    if now_in and is_admin != was_admin:
        await keeper.role_changed(chat.id, member, is_admin=is_admin)
    if now_in and is_admin:
        return  # admins are not asked
    if now_in and not was_in:
        adder = added_by(change)
        await keeper.joined(
            chat.id, chat.title or "", member, added_by=adder, at=_joined_at(change.date)
        )
    elif was_in and not now_in and change.from_user.id != context.bot.id:
        await keeper.left(chat.id, user.id)  # a removal by the bot is recorded by the bot


def is_in(member: ChatMember) -> bool:
    """Whether this membership is in the group (a restricted member still is)."""
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in _IN


def added_by(change: ChatMemberUpdated) -> Person | None:
    """Who added the new member, when that was someone else (not a link or a join request)."""
    by, joiner = change.from_user, change.new_chat_member.user
    if by.id == joiner.id or by.is_bot or change.via_join_request or change.invite_link:
        return None
    return Person(by.id, by.full_name)


def _joined_at(date: datetime) -> datetime:
    return date.replace(microsecond=0)


async def member_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = parse_member_button(query.data)
    if pressed is None:
        await query.answer("That button is no longer in use.")
        return
    person = Person(query.from_user.id, query.from_user.full_name)
    keeper = gatekeeper(context)
    if pressed.choice is Choice.AGREE:
        answer = await keeper.agree(pressed.chat_id, person, pressed.version)
    else:
        answer = await keeper.decline(pressed.chat_id, person)
    await query.answer(answer.text[:CALLBACK_ANSWER_LIMIT])
    message = query.message
    private = message is not None and message.chat.type == ChatType.PRIVATE
    if answer.done and private and message is not None:
        # The buttons go (an edit without them), and the chat says what was decided.
        gateway = keeper.services.gateway
        text = getattr(message, "text", None) or ""
        edited = await gateway.edit(
            message.chat.id, message.message_id, f"{text}\n\n{answer.text}".strip()
        )
        if not edited.ok:  # too long with the answer, say
            await gateway.send(message.chat.id, answer.text)
