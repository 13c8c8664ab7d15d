"""Admins pressing the buttons on alerts and approval cards."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.enforcement.buttons import parse_callback
from bot.handlers.context import reviewer, services


async def review_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    pressed = parse_callback(query.data)
    if pressed is None:
        await query.answer("That button is no longer in use.")
        return
    result = await reviewer(context).decide(pressed, query.from_user)
    await query.answer(result.answer)
    message = query.message
    if result.summary and message is not None and getattr(message, "text", None):
        text = f"{message.text}\n\n{result.summary}"  # type: ignore[union-attr]
        await services(context).gateway.edit(message.chat.id, message.message_id, text)
