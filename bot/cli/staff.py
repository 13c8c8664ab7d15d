"""`staffguard staff revoke`: withdraw a leaver's verification everywhere.

The withdrawal is recorded at once; the running bot then removes the person
from every group they were verified for, tells them, and records each removal
(within STAFFGUARD_VERIFICATION_SWEEP_SECONDS). Their work address can no
longer verify anyone.
"""

from __future__ import annotations

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.cli.reviewing import add_actor_option, cli_actor, parse_whole_number, run_review
from bot.config import load_settings
from bot.membership.roster import valid_email
from bot.storage.errors import NotFound
from bot.storage.groups import get_group
from bot.storage.members import record_member_step
from bot.storage.models import AuditAction
from bot.storage.verification import mask_email, revoke_verifications

MIN_REASON_LENGTH = 5


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "staff",
        help="verified staff: withdraw a leaver's verification (removes them from groups)",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    revoke = actions.add_parser(
        "revoke",
        help="withdraw someone's verification in every group and have the bot remove them",
        description=(
            "Withdraw a person's staff verification in every group they were verified for. "
            "The running bot removes them from those groups and tells them; their work "
            "address can no longer be used to verify."
        ),
    )
    who = revoke.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="TELEGRAM_ID", help="their Telegram user id")
    who.add_argument("--email", metavar="ADDRESS", help="the work address they verified with")
    revoke.add_argument(
        "--reason", required=True, help="why, for the audit trail (e.g. 'left the trust')"
    )
    add_actor_option(revoke)
    revoke.set_defaults(handler=handle_revoke)


def handle_revoke(args: argparse.Namespace) -> int:
    reason = " ".join(args.reason.split())
    if len(reason) < MIN_REASON_LENGTH:
        raise CliError(f"--reason must say why (at least {MIN_REASON_LENGTH} characters)")
    user_id = parse_whole_number(args.user, "--user") if args.user else None
    if args.email is not None and not valid_email(args.email.strip()):
        raise CliError("--email must be an email address")
    email = args.email.strip() if args.email else None
    actor = cli_actor(args.actor)
    settings = load_settings()

    async def work(session: AsyncSession) -> list[str]:
        rows = await revoke_verifications(session, reason=reason, user_id=user_id, email=email)
        titles = []
        for row in rows:
            await record_member_step(
                session,
                AuditAction.VERIFICATION_REVOKED,
                row.chat_id,
                row.user_id,
                actor=actor,
                reason=reason,
            )
            try:
                titles.append((await get_group(session, row.chat_id)).title or str(row.chat_id))
            except NotFound:
                titles.append(str(row.chat_id))
        return titles

    titles = run_review("staff revoke", work, settings)
    whom = f"user {user_id}" if user_id is not None else mask_email(email or "")
    if not titles:
        raise CliError(f"no verification in force for {whom}: nothing to withdraw")
    print(
        f"Withdrew the verification of {whom} in {len(titles)} group(s): {', '.join(titles)}. "
        "The bot removes them from those groups within "
        f"{settings.verification_sweep_seconds:g} seconds while it runs."
    )
    return int(ExitCode.OK)
