"""Join requests to groups that require verified staff, and the private replies that verify."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ChatJoinRequestHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.membership.gate import Person
from bot.membership.verification import Verifier

VERIFIER = "staffguard.verifier"


def register(application: Application, verifier: Verifier) -> None:  # type: ignore[type-arg]
    application.bot_data[VERIFIER] = verifier
    application.add_handler(ChatJoinRequestHandler(join_request))
    application.add_handler(
        CommandHandler("verify", verify_command, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
            private_reply,
        )
    )


def verifier(context: ContextTypes.DEFAULT_TYPE) -> Verifier:
    return context.bot_data[VERIFIER]  # type: ignore[no-any-return]


async def join_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    request = update.chat_join_request
    if request is None or request.from_user.is_bot:
        return
    user = request.from_user
    await verifier(context).join_requested(
        request.chat.id,
        request.chat.title or "",
        Person(user.id, user.full_name, user.username),
        user_chat_id=request.user_chat_id,
        at=request.date,
    )


async def verify_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is None or message.from_user is None:
        return
    user = message.from_user
    reply = await verifier(context).start_again(Person(user.id, user.full_name, user.username))
    await verifier(context).services.gateway.send(message.chat.id, reply)


async def private_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A work email address or a code, from someone asked to verify; anything else is left."""
    message = update.message
    if message is None or message.from_user is None or not message.text:
        return
    user = message.from_user
    person = Person(user.id, user.full_name, user.username)
    reply = await verifier(context).private_text(person, message.text)
    if reply is not None:
        await verifier(context).services.gateway.send(message.chat.id, reply)
