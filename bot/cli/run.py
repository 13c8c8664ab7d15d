"""`staffguard run`: start the bot."""

from __future__ import annotations

import argparse

from bot.cli.errors import CliError, ExitCode
from bot.config import SettingsError, load_settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("run", help="start the Telegram bot")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    print(
        "StaffGuard's screening engine is ready, but the Telegram bot is not built yet "
        '(see issue 5). Try `staffguard check "some text"` meanwhile.'
    )
    print(f"database: {settings.database_url_redacted}")
    return int(ExitCode.OK)
