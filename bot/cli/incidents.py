"""`staffguard incidents`: list, show, reveal and resolve logged incidents (managers' review).

Message text is shown only redacted, except by `reveal`, which first records
who asked and why in the audit trail and prints the original only once that
record is committed.

None of these commands upgrades the database schema (nor creates a database):
that is the bot's job when it starts, or `alembic upgrade head`'s. A database
behind the code is refused with the command that brings it up to date, so a
manager's look at the log never migrates production by surprise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from difflib import get_close_matches
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.cli.reviewing import (
    add_actor_option,
    add_group_option,
    cli_actor,
    find_group,
    parse_incident_id,
    parse_when,
    parse_whole_number,
    review_errors,
    run_review,
    terminal_safe,
)
from bot.config import load_settings
from bot.moderation.taxonomy import CATEGORIES, Action, is_known_category
from bot.reporting.incident_report import (
    OUTCOME_LABELS,
    IncidentCsvWriter,
    format_seconds,
    incident_json,
    iso_utc,
)
from bot.storage.audit import REVEAL_REASON_MIN_LENGTH, list_audit
from bot.storage.incidents import (
    MAX_PAGE_SIZE,
    IncidentFilter,
    count_incidents,
    get_incident,
    list_incidents,
    list_outcomes,
    set_incident_status,
)
from bot.storage.models import HeldPost, Incident, IncidentStatus
from bot.storage.quarantine import KEYS_SETTING, Quarantine, has_original, reveal_original
from bot.storage.reports import (
    IncidentRecord,
    describe_incidents,
    iter_incident_records,
    poster_names,
)

DEFAULT_PAGE = 50
_ACTIONS = [action.value for action in Action if action is not Action.ALLOW]
_STATUSES = [status.value for status in IncidentStatus]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "incidents",
        help="review logged incidents: list, show, reveal an original, resolve",
        description=(
            "Review the incident log (STAFFGUARD_DATABASE_URL). Message text is shown redacted; "
            "`reveal` shows an original only with a reason, recorded in the audit trail. These "
            "commands never upgrade the database: if it is behind, they say what to run."
        ),
    )
    actions = parser.add_subparsers(dest="incidents_command", required=True, metavar="ACTION")
    _register_list(actions)
    _register_show(actions)
    _register_reveal(actions)
    _register_resolve(actions)


def _register_list(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = actions.add_parser(
        "list",
        help="incidents matching filters, newest first",
        description=(
            "Incidents matching every filter given, newest first: a page of the table, or with "
            "--json / --csv every match (or the first --limit) for other tools."
        ),
    )
    add_group_option(listing)
    listing.add_argument(
        "--since",
        metavar="WHEN",
        help="posted at or after: YYYY-MM-DD, an ISO time (UTC unless it says), or an age: 7d, 12h",
    )
    listing.add_argument(
        "--until",
        metavar="WHEN",
        help="posted before this time; a date alone (YYYY-MM-DD) includes that whole day",
    )
    listing.add_argument("--category", help="a category, e.g. patient.nhs_number")
    listing.add_argument("--action", choices=_ACTIONS, help="the bot's action")
    listing.add_argument("--status", choices=_STATUSES, help="the review status")
    listing.add_argument("--poster", metavar="USER_ID", help="the poster's Telegram user id")
    listing.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help=f"at most N incidents (table: default {DEFAULT_PAGE}, up to {MAX_PAGE_SIZE}; "
        "--json/--csv: default all)",
    )
    listing.add_argument(
        "--offset", type=int, default=0, metavar="N", help="skip the first N (table pages)"
    )
    output = listing.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object per line")
    output.add_argument("--csv", action="store_true", help="CSV with the incident report's columns")
    listing.set_defaults(handler=handle_list)


def _register_show(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    show = actions.add_parser(
        "show", help="one incident in full (redacted): findings, every action's outcome, audit"
    )
    show.add_argument("id", metavar="ID", help="the incident's id")
    show.add_argument("--json", action="store_true", help="as one JSON object")
    show.set_defaults(handler=handle_show)


def _register_reveal(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reveal = actions.add_parser(
        "reveal",
        help="print an incident's original text (decrypted), recording who and why first",
        description=(
            "Decrypts the quarantined original of a removed or held message and prints it, "
            "after recording the viewing (actor and reason) in the audit trail. Needs the keys "
            f"in {KEYS_SETTING}. Only originals still within their retention period are kept."
        ),
    )
    reveal.add_argument("id", metavar="ID", help="the incident's id")
    reveal.add_argument(
        "--reason",
        required=True,
        help=f"why you need the original (at least {REVEAL_REASON_MIN_LENGTH} characters; "
        "kept in the audit trail)",
    )
    add_actor_option(reveal)
    reveal.set_defaults(handler=handle_reveal)


def _register_resolve(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    resolve = actions.add_parser(
        "resolve",
        help="record a review decision: upheld, released (not a breach), escalated, or reopen",
        description=(
            "Sets an incident's review status, with your note in the audit trail. Releasing "
            "(a false positive) also revokes the strike it gave the poster."
        ),
    )
    resolve.add_argument("id", metavar="ID", help="the incident's id")
    resolve.add_argument("--status", required=True, choices=_STATUSES, help="the decision")
    resolve.add_argument("--note", required=True, help="the reason for the decision")
    add_actor_option(resolve)
    resolve.set_defaults(handler=handle_resolve)


# --- list ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    records: list[IncidentRecord]
    total: int
    offset: int


def handle_list(args: argparse.Namespace) -> int:
    filters = _filters(args)
    tool_output = args.json or args.csv
    _check_paging(args.limit, args.offset, tool_output=tool_output)

    async def work(session: AsyncSession) -> Page | None:
        chosen = await _with_group(session, filters, args.group)
        if tool_output:
            await _stream(session, chosen, args.limit, json_lines=args.json)
            return None
        incidents = await list_incidents(
            session, chosen, limit=args.limit or DEFAULT_PAGE, offset=args.offset
        )
        return Page(
            await describe_incidents(session, incidents),
            await count_incidents(session, chosen),
            args.offset,
        )

    page = run_review("incidents list", work)
    if page is not None:
        print_table(page, sys.stdout)
    return int(ExitCode.OK)


def _filters(args: argparse.Namespace) -> IncidentFilter:
    now = datetime.now(UTC)
    since = parse_when(args.since, "--since", now=now) if args.since else None
    until = parse_when(args.until, "--until", now=now, day_end=True) if args.until else None
    if since and until and since >= until:
        raise CliError(f"--since {args.since} is not before --until {args.until}")
    if args.category and not is_known_category(args.category):
        raise CliError(f"unknown category {args.category!r}{_did_you_mean(args.category)}")
    return IncidentFilter(
        since=since,
        until=until,
        category=args.category,
        action=Action(args.action) if args.action else None,
        status=IncidentStatus(args.status) if args.status else None,
        poster_id=parse_whole_number(args.poster, "--poster") if args.poster else None,
    )


def _check_paging(limit: int | None, offset: int, *, tool_output: bool) -> None:
    if offset < 0:
        raise CliError("--offset must not be negative", ExitCode.USAGE)
    if tool_output and offset:
        raise CliError(
            "--offset pages the table; --json and --csv give every match", ExitCode.USAGE
        )
    if limit is None:
        return
    if tool_output and limit < 1:
        raise CliError("--limit must be 1 or more", ExitCode.USAGE)
    if not tool_output and not 1 <= limit <= MAX_PAGE_SIZE:
        raise CliError(f"--limit must be between 1 and {MAX_PAGE_SIZE}", ExitCode.USAGE)


async def _with_group(
    session: AsyncSession, filters: IncidentFilter, group: str | None
) -> IncidentFilter:
    if group is None:
        return filters
    chat_id, _ = await find_group(session, group)
    return replace(filters, chat_id=chat_id)


async def _stream(
    session: AsyncSession, filters: IncidentFilter, limit: int | None, *, json_lines: bool
) -> None:
    csv_rows = None if json_lines else IncidentCsvWriter(sys.stdout)
    async for record in iter_incident_records(session, filters, limit=limit):
        if csv_rows is None:
            sys.stdout.write(json.dumps(incident_json(record), ensure_ascii=False) + "\n")
        else:
            csv_rows.write(record)
    sys.stdout.flush()


def print_table(page: Page, stream: TextIO) -> None:
    if not page.records:
        more = f" beyond the first {page.offset:,}" if page.offset and page.total else ""
        stream.write(f"No incidents match{more} ({page.total:,} in all).\n")
        return
    headers = ("ID", "When (UTC)", "Group", "Poster", "Action", "Status", "Categories", "Removed")
    rows = [_table_cells(record) for record in page.records]
    widths = [
        max(len(header), *(len(row[column]) for row in rows))
        for column, header in enumerate(headers)
    ]
    used = sum(widths) + 2 * len(widths)
    text_width = max(shutil.get_terminal_size((120, 24)).columns - used, 24)
    lines = [_table_line(headers, widths) + "Text (redacted)"]
    for record, cells in zip(page.records, rows, strict=True):
        text = terminal_safe(record.redacted_text, one_line=True)
        lines.append(_table_line(cells, widths) + _clip(text, text_width))
    first, last = page.offset + 1, page.offset + len(page.records)
    lines.append("")
    lines.append(f"Incidents {first:,}–{last:,} of {page.total:,}, newest first.")
    if last < page.total:
        lines.append(f"Next page: add --offset {last}.")
    lines.append("Details: staffguard incidents show ID")
    stream.write("\n".join(lines) + "\n")


def _table_cells(record: IncidentRecord) -> tuple[str, ...]:
    return (
        str(record.id),
        record.occurred_at.strftime("%Y-%m-%d %H:%M"),
        _clip(terminal_safe(record.group_title, one_line=True) or str(record.chat_id), 24),
        "" if record.poster_id is None else str(record.poster_id),
        record.action,
        record.status,
        _clip(", ".join(record.categories), 34),
        _removal_cell(record),
    )


def _removal_cell(record: IncidentRecord) -> str:
    if record.seconds_to_removal is not None:
        return format_seconds(record.seconds_to_removal)
    return "FAILED" if ("delete_message", "failed") in record.outcomes else "–"


def _table_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = (
        cell.rjust(width) if column == 0 else cell.ljust(width)
        for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )
    return "  ".join(padded) + "  "


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


# --- show ------------------------------------------------------------------------------------


def handle_show(args: argparse.Namespace) -> int:
    incident_id = parse_incident_id(args.id)

    async def work(session: AsyncSession) -> dict[str, Any]:
        return await _incident_in_full(session, incident_id)

    shown = run_review("incidents show", work)
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(format_incident(shown))
    return int(ExitCode.OK)


async def _incident_in_full(session: AsyncSession, incident_id: int) -> dict[str, Any]:
    """Everything about one incident a reviewer may see (redacted), as JSON-ready data."""
    incident = await get_incident(session, incident_id)
    (record,) = await describe_incidents(session, [incident])
    shown = incident_json(record)
    shown.update(
        recorded_at=iso_utc(incident.recorded_at),
        status_changed_at=iso_utc(incident.status_changed_at)
        if incident.status_changed_at
        else None,
        message_id=incident.message_id,
        poster_name=await _poster_name(session, incident),
        edited=incident.edited,
        forwarded=incident.forwarded,
        not_screened_by=[name for name in incident.failed_detectors.split(",") if name],
        findings=[
            {
                "category": finding.category,
                "rule": finding.rule,
                "confidence": round(finding.confidence, 3),
                "evidence": finding.evidence,
            }
            for finding in incident.findings
        ],
        attempts=[
            {
                "at": iso_utc(attempt.attempted_at),
                "action": attempt.kind,
                "outcome": attempt.outcome,
                "detail": attempt.detail,
            }
            for attempt in await list_outcomes(session, incident_id)
        ],
        original_kept=await has_original(session, incident_id),
        hold=await _hold(session, incident_id),
        audit=[
            {
                "at": iso_utc(event.at),
                "actor": event.actor,
                "event": event.event,
                "reason": event.reason,
                "detail": json.loads(event.detail or "{}"),
            }
            for event in reversed(await list_audit(session, incident_id=incident_id))
        ],
    )
    return shown


async def _poster_name(session: AsyncSession, incident: Incident) -> str | None:
    if incident.poster_id is None:
        return None
    return (await poster_names(session, [incident.poster_id])).get(incident.poster_id)


async def _hold(session: AsyncSession, incident_id: int) -> dict[str, Any] | None:
    held = await session.get(HeldPost, incident_id)
    if held is None:
        return None
    return {
        "status": held.status,
        "held_at": iso_utc(held.held_at),
        "decided_at": iso_utc(held.decided_at) if held.decided_at else None,
        "decided_by": held.decided_by,
    }


def format_incident(shown: dict[str, Any]) -> str:
    """The terminal view of `_incident_in_full`'s data."""
    lines = [f"Incident {shown['id']}"]
    lines += [f"  {label + ':':16} {value}" for label, value in _facts(shown)]
    lines += ["", "Text (redacted):", _indent(terminal_safe(shown["redacted_text"]))]
    lines += ["", "Findings:", *(_finding_lines(shown["findings"]) or ["  none"])]
    lines += ["", "Actions:", *(_attempt_lines(shown["attempts"]) or ["  none recorded"])]
    lines += ["", "Audit trail:", *(_audit_lines(shown["audit"]) or ["  nothing yet"])]
    return "\n".join(lines) + "\n"


def _facts(shown: dict[str, Any]) -> list[tuple[str, str]]:
    group, poster = shown["group"], shown["poster_id"]
    poster_text = "unknown" if poster is None else f"user {poster}"
    if shown["poster_name"]:
        poster_text = f"{_one_line(shown['poster_name'])} ({poster_text})"
    flags = [name for name in ("edited", "forwarded") if shown[name]]
    status = shown["status"]
    if shown["status_changed_at"]:
        status += f" (since {_readable(shown['status_changed_at'])})"
    facts = [
        (
            "Posted",
            f"{_readable(shown['occurred_at'])}  (recorded {_readable(shown['recorded_at'])})",
        ),
        ("Group", f"{_one_line(group['title']) or 'untitled'} (chat {group['chat_id']})"),
        ("Poster", poster_text),
        ("Message", f"{shown['message_id']}" + (f" ({', '.join(flags)})" if flags else "")),
        ("Action", shown["action"]),
        ("Status", status),
        ("Categories", ", ".join(shown["categories"]) or "none"),
        ("Original", _original_line(shown)),
    ]
    if shown["seconds_to_removal"] is not None:
        facts.append(("Removed after", format_seconds(shown["seconds_to_removal"])))
    if shown["decision"]:
        facts.append(("Decision", _one_line(decision_line(shown["decision"]))))
    if shown["not_screened_by"]:
        facts.append(("Not screened by", ", ".join(shown["not_screened_by"]) + " (they failed)"))
    if shown["hold"]:
        hold = shown["hold"]
        decided = f" by {hold['decided_by']}" if hold["decided_by"] else ""
        facts.append(("Held post", f"{hold['status']}{decided}"))
    return facts


def _finding_lines(findings: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {finding['category']}  rule {finding['rule']}  confidence {finding['confidence']:.2f}"
        f"\n      evidence: {_one_line(finding['evidence'])}"
        for finding in findings
    ]


def _attempt_lines(attempts: list[dict[str, Any]]) -> list[str]:
    lines = []
    for attempt in attempts:
        step = OUTCOME_LABELS.get(attempt["action"], attempt["action"])
        line = f"  {_readable(attempt['at'])}  {step:<20} {attempt['outcome']:<8} "
        lines.append((line + _one_line(attempt["detail"])).rstrip())
    return lines


def _audit_lines(events: list[dict[str, Any]]) -> list[str]:
    return [
        f"  {_readable(event['at'])}  {_one_line(event['actor'])}  {event['event']}"
        + (f"  reason: {_one_line(event['reason'])}" if event["reason"] else "")
        for event in events
    ]


def decision_line(decision: dict[str, Any]) -> str:
    when = _readable(decision["at"])
    line = f"{decision['status']} by {decision['actor']} on {when}"
    return f"{line}: {decision['note']}" if decision["note"] else line


def _one_line(text: str) -> str:
    return terminal_safe(text, one_line=True)


def _original_line(shown: dict[str, Any]) -> str:
    if shown["original_kept"]:
        return f"kept encrypted (staffguard incidents reveal {shown['id']} --reason ...)"
    return "not kept (quarantine off when recorded, not a removal, or expired)"


def _readable(iso: str) -> str:
    return iso.replace("T", " ").removesuffix("Z") + " UTC"


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines() or [""])


# --- reveal and resolve ------------------------------------------------------------------------


def handle_reveal(args: argparse.Namespace) -> int:
    incident_id = parse_incident_id(args.id)
    actor = cli_actor(args.actor)
    reason = args.reason.strip()
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        raise CliError(
            f"--reason must say why you need the original, in at least "
            f"{REVEAL_REASON_MIN_LENGTH} characters (it is kept in the audit trail)"
        )
    with review_errors():
        settings = load_settings()
        quarantine = Quarantine.from_settings(settings)
    if not quarantine.enabled:
        raise CliError(
            f"quarantine is off: {KEYS_SETTING} holds no key, so no original can be shown "
            "(originals are kept, encrypted, only while a key is configured)",
            ExitCode.BAD_CONFIG,
        )

    async def work(session: AsyncSession) -> str:
        return await reveal_original(session, quarantine, incident_id, actor=actor, reason=reason)

    # `run_review` returns once the transaction holding the audit record has committed.
    original = run_review("incidents reveal", work, settings)
    print(
        f"Original of incident {incident_id}, shown to {actor} "
        "(this viewing is in the audit trail):",
        file=sys.stderr,
    )
    print(terminal_safe(original))
    return int(ExitCode.OK)


def handle_resolve(args: argparse.Namespace) -> int:
    incident_id = parse_incident_id(args.id)
    actor = cli_actor(args.actor)
    status = IncidentStatus(args.status)
    note = args.note.strip()
    if not note:
        raise CliError("--note must say why (it is kept in the audit trail)")

    async def work(session: AsyncSession) -> str:
        previous = (await get_incident(session, incident_id)).status
        await set_incident_status(session, incident_id, status, actor=actor, reason=note)
        return previous

    previous = run_review("incidents resolve", work)
    print(f"Incident {incident_id}: {previous} -> {status.value} (recorded as {actor}).")
    if status is IncidentStatus.RELEASED:
        print("Released as not a breach: the strike it gave the poster is revoked.")
    return int(ExitCode.OK)


def _did_you_mean(category: str) -> str:
    started = [name for name in CATEGORIES if name.startswith(category.casefold())]
    close = started or get_close_matches(category, CATEGORIES, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else " (see docs/taxonomy.md)"
