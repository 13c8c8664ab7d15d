"""Reaching the bot's services from a PTB callback."""

from __future__ import annotations

from telegram.ext import ContextTypes

from bot.enforcement.attachment_queue import AttachmentQueue
from bot.enforcement.enforcer import Enforcer
from bot.enforcement.review import Reviewer
from bot.enforcement.services import Services

SERVICES = "staffguard.services"
ENFORCER = "staffguard.enforcer"
REVIEWER = "staffguard.reviewer"
ATTACHMENTS = "staffguard.attachments"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES]  # type: ignore[no-any-return]


def enforcer(context: ContextTypes.DEFAULT_TYPE) -> Enforcer:
    return context.bot_data[ENFORCER]  # type: ignore[no-any-return]


def reviewer(context: ContextTypes.DEFAULT_TYPE) -> Reviewer:
    return context.bot_data[REVIEWER]  # type: ignore[no-any-return]


def attachment_queue(context: ContextTypes.DEFAULT_TYPE) -> AttachmentQueue:
    return context.bot_data[ATTACHMENTS]  # type: ignore[no-any-return]
