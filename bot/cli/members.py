"""`staffguard members`: a group's members as `/members` shows them, and their steps.

Agreed (to which version of the code, when), pending (since when, and why),
strikes in force, and whether they are verified staff. `--history` adds the
membership steps from the audit trail. Like `staffguard incidents`, it never
upgrades the database.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.cli.reviewing import find_group, review_errors, run_review, terminal_safe
from bot.codeofconduct.policy_file import GroupPolicy, PolicyFileError, load_policy
from bot.config import load_settings
from bot.membership.version import code_version
from bot.membership.view import MemberRow, member_rows, summary
from bot.reporting.incident_report import iso_utc
from bot.storage.members import list_member_steps

HISTORY_LIMIT = 200
HEADERS = ("User", "Name", "State", "Since / agreed (UTC)", "Version", "Strikes", "Verified")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "members",
        help="a group's members: agreed to the code (which version), pending, strikes, verified",
        description=(
            "The members the bot knows in one group, as /members shows them to its admins: "
            "who agreed to the code of conduct (and to which version), who is pending and "
            "since when, strikes in force, and staff verification. Never upgrades the database."
        ),
    )
    parser.add_argument(
        "--chat", required=True, metavar="CHAT_ID|TITLE", help="the group: its chat id or title"
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help=f"also the membership steps from the audit trail (newest {HISTORY_LIMIT})",
    )
    parser.add_argument("--json", action="store_true", help="as one JSON object")
    parser.set_defaults(handler=handle)


@dataclass(frozen=True, slots=True)
class GroupMembers:
    chat_id: int
    title: str
    rows: list[MemberRow]
    history: list[dict[str, Any]]


def handle(args: argparse.Namespace) -> int:
    with review_errors():
        settings = load_settings()
    try:
        policy = load_policy(settings.policy_file)
    except PolicyFileError as error:
        raise CliError(f"the policy file has problems:\n{error}", ExitCode.BAD_CONFIG) from None

    async def work(session: AsyncSession) -> GroupMembers:
        chat_id, title = await find_group(session, args.chat)
        group = policy.group(chat_id)
        rows = await member_rows(
            session, chat_id, strike_window_days=group.settings.strikes.window_days
        )
        history = await _history(session, chat_id) if args.history else []
        return GroupMembers(chat_id, title, rows, history)

    found = run_review("members", work, settings)
    group = policy.group(found.chat_id)
    if args.json:
        print(json.dumps(as_json(found, group, history=args.history), ensure_ascii=False, indent=2))
    else:
        print_members(found, group, sys.stdout)
    return int(ExitCode.OK)


async def _history(session: AsyncSession, chat_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": iso_utc(event.at),
            "step": event.event,
            "actor": event.actor,
            "reason": event.reason,
            "detail": json.loads(event.detail or "{}"),
        }
        for event in await list_member_steps(session, chat_id, limit=HISTORY_LIMIT)
    ]


def as_json(found: GroupMembers, group: GroupPolicy, *, history: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "chat_id": found.chat_id,
        "title": found.title,
        "code_version": code_version(group),
        "strike_window_days": group.settings.strikes.window_days,
        "members": [row.as_json() for row in found.rows],
    }
    if history:
        shown["history"] = found.history
    return shown


def print_members(found: GroupMembers, group: GroupPolicy, stream: TextIO) -> None:
    title = terminal_safe(found.title, one_line=True) or "untitled"
    lines = [
        f"Members of {title} (chat {found.chat_id}): {summary(found.rows)}",
        f"Code of conduct version now: {code_version(group)}. "
        f"Strikes count the last {group.settings.strikes.window_days} days.",
    ]
    if found.rows:
        cells = [_cells(row) for row in found.rows]
        widths = [
            max(len(header), *(len(row[column]) for row in cells))
            for column, header in enumerate(HEADERS)
        ]
        lines += ["", _line(HEADERS, widths), *(_line(row, widths) for row in cells)]
    if found.history:
        lines += ["", "Steps, newest first:"]
        lines += [_history_line(event) for event in found.history]
    stream.write("\n".join(lines) + "\n")


def _cells(row: MemberRow) -> tuple[str, ...]:
    name = terminal_safe(row.name, one_line=True)
    if row.username:
        name = f"{name} (@{terminal_safe(row.username, one_line=True)})".strip()
    when = row.pending_since if row.state == "pending" else row.agreed_at
    state = row.state + (f" ({row.asked_because})" if row.state == "pending" else "")
    return (
        str(row.user_id),
        name[:40],
        state,
        f"{when:%Y-%m-%d %H:%M}" if when else "–",
        row.agreed_version or "–",
        str(row.strikes),
        row.verified.label,
    )


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _history_line(event: dict[str, Any]) -> str:
    detail = event["detail"]
    facts = [f"user {detail.get('user_id')}"]
    facts += [f"{key} {detail[key]}" for key in ("where", "version", "outcome") if key in detail]
    if detail.get("problem"):
        facts.append(f"problem: {detail['problem']}")
    reason = f"  ({event['reason']})" if event["reason"] else ""
    when = event["at"].replace("T", " ").removesuffix("Z")
    return f"  {when}  {event['step']:<24} {', '.join(facts)}  by {event['actor']}{reason}"
