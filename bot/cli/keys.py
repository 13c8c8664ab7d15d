"""`staffguard keys`: make a quarantine key, and re-seal stored originals with the newest one."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.errors import CliError, ExitCode
from bot.config import Settings, SettingsError, load_settings
from bot.storage.errors import QuarantineKeyError, SchemaOutOfDate, StorageUnavailable
from bot.storage.migrate import open_database
from bot.storage.quarantine import KEYS_SETTING, Quarantine, RotationReport, generate_key
from bot.storage.quarantine import rotate_originals as rotate_stored_originals


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "keys",
        help="quarantine keys: generate a new one, rotate stored originals to the newest",
        description=(
            f"Originals of removed messages are kept encrypted with the keys in {KEYS_SETTING} "
            "(a JSON list, newest first). To rotate: generate a key, put it first in the list, "
            "run `staffguard keys rotate`, then drop the old key."
        ),
    )
    actions = parser.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    generate = actions.add_parser("generate", help="print a new key")
    generate.set_defaults(handler=handle_generate)
    rotate = actions.add_parser(
        "rotate", help="re-encrypt every stored original with the newest key"
    )
    rotate.set_defaults(handler=handle_rotate)


def handle_generate(args: argparse.Namespace) -> int:
    print(generate_key())
    print(f"Put it first in {KEYS_SETTING} (newest first); keep it secret.", file=sys.stderr)
    return int(ExitCode.OK)


def handle_rotate(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        quarantine = Quarantine.from_settings(settings)
        report = asyncio.run(_rotate(settings, quarantine))
    except (SettingsError, QuarantineKeyError, SchemaOutOfDate) as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    except StorageUnavailable as error:
        raise CliError(str(error), ExitCode.UNAVAILABLE) from None
    print(f"re-encrypted {report.resealed} original(s) with the newest key")
    if report.unreadable:
        ids = ", ".join(str(incident_id) for incident_id in report.unreadable)
        print(f"no configured key opens the originals of incident(s) {ids}", file=sys.stderr)
        return int(ExitCode.BAD_CONFIG)
    return int(ExitCode.OK)


async def _rotate(settings: Settings, quarantine: Quarantine) -> RotationReport:
    database = await open_database(settings, upgrade_allowed=False)
    try:
        async with database.transaction() as session:
            return await rotate_stored_originals(session, quarantine, actor="cli:keys rotate")
    finally:
        await database.dispose()
