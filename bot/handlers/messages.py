"""Every new and edited message in a group is screened, whoever posts it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.adapt import post_from_message
from bot.handlers.context import attachment_queue, enforcer, services
from bot.moderation.taxonomy import Action


async def screen_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.edited_message or update.message
    if message is None or message.from_user is None:
        return
    if message.from_user.id == context.bot.id:
        return  # the bot's own notices and reposts
    post = post_from_message(message, edited=update.edited_message is not None)
    if not post.text and not post.attachments:
        return
    verdict = services(context).screener(post.chat_id).screen(post)
    title = message.chat.title or ""
    if post.attachments and verdict.action is not Action.REMOVE:
        # Files can take seconds to read: they are screened from a durable queue,
        # so the next update need not wait for them.
        await attachment_queue(context).queue(post, verdict, title)
        return
    await enforcer(context).enforce(post, verdict, title)
