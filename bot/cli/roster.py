"""`staffguard roster`: the trust's staff roster, which lets staff join verified groups.

`import FILE` replaces the roster with a CSV file (columns `email` and/or
`telegram`); `show` says what is on it. Addresses are stored only as a hash.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.cli.reviewing import add_actor_option, cli_actor, run_review
from bot.membership.roster import RosterError, read_roster
from bot.storage.audit import record_audit
from bot.storage.models import AuditAction
from bot.storage.verification import replace_roster, roster_entries


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "roster",
        help="the staff roster: who may join groups that require verified staff",
        description=(
            "The trust's staff roster. In a group whose policy verifies staff by roster, "
            "a join request from a Telegram account on it is approved at once, and a work "
            "email address on it may be sent a code even outside the allowed domains."
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser(
        "import",
        help="replace the roster with a CSV file",
        description=(
            "Replace the roster with a CSV file whose header row names an `email` column, "
            "a `telegram` column (numeric user id or @username), or both. A file with any "
            "problem imports nothing."
        ),
    )
    importing.add_argument("file", type=Path, help="the CSV file (UTF-8)")
    add_actor_option(importing)
    importing.set_defaults(handler=handle_import)
    showing = actions.add_parser("show", help="how many people the roster holds")
    showing.set_defaults(handler=handle_show)


def handle_import(args: argparse.Namespace) -> int:
    try:
        roster = read_roster(args.file)
    except RosterError as error:
        raise CliError(str(error), ExitCode.BAD_INPUT) from None
    actor = cli_actor(args.actor)

    async def work(session: AsyncSession) -> int:
        before = len(await roster_entries(session))
        await replace_roster(session, roster.people)
        await record_audit(
            session,
            actor=actor,
            action=AuditAction.ROSTER_IMPORTED,
            detail={"people": len(roster.people), "replaced": before},
        )
        return before

    before = run_review("roster import", work)
    print(
        f"Imported {len(roster.people)} people ({roster.emails} work email addresses, "
        f"{roster.accounts} Telegram accounts); they replace the {before} on the roster before."
    )
    return int(ExitCode.OK)


def handle_show(args: argparse.Namespace) -> int:
    entries = run_review("roster show", roster_entries)
    if not entries:
        print("The roster is empty: import one with `staffguard roster import FILE`.")
        return int(ExitCode.OK)
    emails = sum(1 for entry in entries if entry.email_hash)
    accounts = sum(1 for entry in entries if entry.telegram_user_id or entry.telegram_username)
    newest = max(entry.imported_at for entry in entries)
    print(
        f"{len(entries)} people on the roster ({emails} work email addresses, {accounts} "
        f"Telegram accounts), imported {newest:%Y-%m-%d %H:%M} UTC."
    )
    return int(ExitCode.OK)
