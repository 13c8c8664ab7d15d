"""`staffguard run`: start the bot."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from bot.app import BotSetupError, run_until
from bot.cli.errors import CliError, ExitCode
from bot.codeofconduct.policy_file import PolicyFileError
from bot.config import Settings, SettingsError, load_settings
from bot.storage.errors import StorageError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("run", help="start the Telegram bot (long polling)")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    logging.getLogger().setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        asyncio.run(_run(settings))
    except BotSetupError as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    except PolicyFileError as error:
        problems = "\n".join(str(problem) for problem in error.problems)
        raise CliError(f"the policy file has problems:\n{problems}", ExitCode.BAD_CONFIG) from None
    except StorageError as error:
        raise CliError(str(error), ExitCode.UNAVAILABLE) from None
    return int(ExitCode.OK)


async def _run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await run_until(settings, stop)
