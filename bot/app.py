"""The running bot: settings, policy, database and Telegram wired together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.codeofconduct.policy_file import PolicyFile, VerificationMethod, load_policy
from bot.config import Settings
from bot.enforcement.attachment_queue import AttachmentQueue
from bot.enforcement.enforcer import Enforcer
from bot.enforcement.gateway import TelegramGateway
from bot.enforcement.review import Reviewer
from bot.enforcement.send_limits import Rate, SendLimiter, SendRates
from bot.enforcement.services import Services
from bot.handlers import (
    admin_commands,
    buttons,
    commands,
    joining,
    membership,
    messages,
    private_commands,
    verification,
)
from bot.handlers.context import ATTACHMENTS, ENFORCER, REVIEWER, SERVICES
from bot.membership.deadlines import DeadlineSweeper
from bot.membership.gate import Gatekeeper
from bot.membership.mailer import Mailer
from bot.membership.verification import Verifier
from bot.membership.verification_job import sweep_periodically
from bot.policy_reload import reload_when_changed
from bot.polling import ReliablePoller
from bot.retention_job import purge_periodically
from bot.storage.migrate import open_database
from bot.storage.quarantine import Quarantine
from bot.storage.retention import RetentionPolicy
from bot.webhook import serve_webhook

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "create a bot with @BotFather in Telegram (/newbot), then put its token in "
    "STAFFGUARD_TELEGRAM_TOKEN (in the environment or .env)"
)
SCREENING = -1  # handler group that sees every group message before any command
MEMBERS = 1  # after the commands: note who posts
CONNECT_PATIENCE_SECONDS = 120
DIGEST_JOB = "staffguard.digest"


class BotSetupError(Exception):
    """The bot cannot start; the message says what to do about it."""


@dataclass
class RunningBot:
    application: Application  # type: ignore[type-arg]
    services: Services


async def start_bot(settings: Settings) -> RunningBot:
    """Everything checked and connected; raises `BotSetupError` with a clear message."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        raise BotSetupError(f"no Telegram token: {TOKEN_HELP}")
    policy = load_policy(settings.policy_file)
    mailer = Mailer(settings)
    _check_mail_for_verification(policy, mailer)
    database = await open_database(settings)
    application = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .updater(None)
        .build()
    )
    try:
        await _connect(application, settings)
    except BaseException:
        await database.dispose()
        raise
    quarantine = Quarantine.from_settings(settings)
    services = Services(
        settings=settings,
        database=database,
        quarantine=quarantine,
        policy=policy,
        gateway=TelegramGateway(application.bot, limiter=SendLimiter(send_rates(settings))),
        bot_username=application.bot.username,
    )
    services.screener(None)  # compile the rules now, not on the first message
    enforcer = Enforcer(services)
    attachments = AttachmentQueue(services, enforcer, application.bot)
    gatekeeper = Gatekeeper(services)
    verifier = Verifier(services, mailer)
    _register(application, services, enforcer, attachments, gatekeeper)
    verification.register(application, verifier)
    await application.start()
    services.spawn(enforcer.resume())
    services.spawn(attachments.run())
    services.spawn(DeadlineSweeper(gatekeeper).run())
    if settings.policy_file is not None and settings.policy_reload_seconds > 0:
        on_change = gatekeeper.ask_again_after_code_changes  # members re-agree to a new code
        services.spawn(
            reload_when_changed(
                services, settings.policy_file, settings.policy_reload_seconds, on_change
            )
        )
    services.spawn(sweep_periodically(verifier, settings.verification_sweep_seconds))
    services.spawn(purge_periodically(database, RetentionPolicy.from_settings(settings)))
    log.info("StaffGuard is running as @%s", application.bot.username)
    log.info("database: %s", database.url_redacted)
    log.info("%s", quarantine.describe())
    return RunningBot(application, services)


def _check_mail_for_verification(policy: PolicyFile, mailer: Mailer) -> None:
    """A group that verifies staff by email cannot work without a mail server."""
    groups = [policy.group(None), *(policy.group(chat_id) for chat_id in policy.groups)]
    needing = [
        group
        for group in groups
        if group.settings.verification.required
        and VerificationMethod.EMAIL in group.settings.verification.methods
    ]
    if needing and not mailer.configured:
        where = ", ".join(str(group.chat_id or "every group") for group in needing)
        raise BotSetupError(
            f"staff verification by email is required ({where}) but no mail server is set: "
            "set STAFFGUARD_SMTP_HOST and STAFFGUARD_SMTP_SENDER"
        )


def send_rates(settings: Settings) -> SendRates:
    return SendRates(
        overall=Rate(settings.send_rate_overall_per_second, 1.0),
        group=Rate(settings.send_rate_group_per_minute, 60.0),
        private=Rate(settings.send_rate_private_per_second, 1.0),
    )


async def _connect(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Introduce the bot to Telegram, riding out a short outage; a bad token fails at once."""
    delay = 1.0
    deadline = asyncio.get_running_loop().time() + CONNECT_PATIENCE_SECONDS
    while True:
        try:
            await application.initialize()
            return
        except InvalidToken:
            raise BotSetupError(f"Telegram refused the token: {TOKEN_HELP}") from None
        except NetworkError as error:
            if asyncio.get_running_loop().time() + delay > deadline:
                raise BotSetupError(
                    f"cannot reach the Bot API at {settings.telegram_api_base_url} "
                    f"({error.message})"
                ) from None
            log.warning("Bot API unavailable (%s); retrying in %.0f s", error.message, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 15.0)


async def stop_bot(bot: RunningBot) -> None:
    await bot.application.stop()
    await bot.application.shutdown()
    await bot.services.close()


async def run_until(
    settings: Settings,
    stop: asyncio.Event,
    on_start: Callable[[RunningBot], None] | None = None,
) -> None:
    """Run the bot until `stop` is set: long polling, or a webhook when a public URL is set.

    `on_start` is given the running bot once it is connected (tests and the demo use it).
    """
    bot = await start_bot(settings)
    if on_start is not None:
        on_start(bot)
    try:
        if settings.webhook_url:
            assert settings.webhook_secret is not None  # checked with the settings
            await serve_webhook(
                bot.application.bot,
                bot.application.process_update,
                public_url=settings.webhook_url,
                secret=settings.webhook_secret.get_secret_value(),
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                stop=stop,
            )
        else:
            poller = ReliablePoller(bot.application.bot, bot.application.process_update)
            await poller.run(stop)
    finally:
        await stop_bot(bot)


def _register(
    application: Application,  # type: ignore[type-arg]
    services: Services,
    enforcer: Enforcer,
    attachments: AttachmentQueue,
    gatekeeper: Gatekeeper,
) -> None:
    application.bot_data[SERVICES] = services
    application.bot_data[ENFORCER] = enforcer
    application.bot_data[ATTACHMENTS] = attachments
    application.bot_data[REVIEWER] = Reviewer(services)
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.UpdateType.MESSAGES, messages.screen_group_message
        ),
        group=SCREENING,
    )
    application.add_handler(CommandHandler("start", commands.start))
    application.add_handler(CommandHandler("help", commands.help_command))
    application.add_handler(CommandHandler("rules", commands.rules))
    application.add_handler(CommandHandler("policy", admin_commands.policy))
    application.add_handler(CommandHandler("strikes", admin_commands.strikes))
    application.add_handler(CommandHandler("pardon", admin_commands.pardon))
    application.add_handler(CommandHandler("incidents", private_commands.incidents))
    application.add_handler(CommandHandler("report", private_commands.report))
    application.add_handler(CallbackQueryHandler(buttons.review_button, pattern=r"^sg:"))
    application.add_handler(
        ChatMemberHandler(membership.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.UpdateType.MESSAGE, membership.note_poster
        ),
        group=MEMBERS,
    )
    joining.register(application, gatekeeper)
    _schedule_digest(application, services.settings)
    application.add_error_handler(_log_error)


def _schedule_digest(application: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    hours = settings.digest_interval_hours
    if application.job_queue is None or not settings.manager_user_ids or hours == 0:
        return
    interval = timedelta(hours=hours)
    application.job_queue.run_repeating(
        private_commands.weekly_digest, interval=interval, first=interval, name=DIGEST_JOB
    )


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The type only: an exception's message could quote what someone wrote.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__)
