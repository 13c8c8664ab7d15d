"""Every new and edited message in a group is screened, whoever posts it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.adapt import post_from_message
from bot.handlers.context import enforcer, services


async def screen_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.edited_message or update.message
    if message is None or message.from_user is None:
        return
    if message.from_user.id == context.bot.id:
        return  # the bot's own notices and reposts
    post = post_from_message(message, edited=update.edited_message is not None)
    if not post.text:
        return  # photos and documents without a caption: screened by the media feature
    verdict = services(context).screener(post.chat_id).screen(post)
    await enforcer(context).enforce(post, verdict, message.chat.title or "")
