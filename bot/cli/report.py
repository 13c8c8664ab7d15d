"""`staffguard report`: the managers' report for a week or month, as HTML (and a CSV).

The HTML page opens anywhere without a network (inline CSS and SVG, no script).
The CSV has a row per incident of the period, in columns that suit a trust's
incident reporting form. Like `staffguard incidents`, it never upgrades the
database schema.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.cli.reviewing import add_group_option, find_group, run_review
from bot.reporting.incident_report import (
    IncidentCsvWriter,
    IncidentReport,
    Period,
    PeriodKind,
    gather_report,
    render_report,
    summary_facts,
)
from bot.storage.incidents import IncidentFilter
from bot.storage.reports import iter_incident_records

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_NOT_IN_FILE_NAMES = re.compile(r"[^a-z0-9]+")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report",
        help="write the managers' incident report (HTML, optional CSV) for a week or month",
        description=(
            "Counts the incidents of a calendar week (Monday to Sunday) or month, in UTC: by "
            "category and group, the trend over recent periods, repeat posters, time from post "
            "to removal, and releases (false positives) by rule. The HTML file is "
            "self-contained; the CSV has a row per incident for a trust's incident form. "
            "No message text appears except redacted, in the CSV."
        ),
    )
    parser.add_argument(
        "--period",
        choices=[kind.value for kind in PeriodKind],
        default=PeriodKind.MONTH.value,
        help="a calendar week or month (default: month)",
    )
    parser.add_argument(
        "--of",
        metavar="DATE",
        help="the period holding DATE (YYYY-MM-DD, YYYY-MM or 'today'); "
        "default: the last complete one",
    )
    add_group_option(parser)
    parser.add_argument(
        "--out",
        type=Path,
        metavar="REPORT.html",
        help="where to write the page (default: staffguard-report-<period>[-<group>].html here)",
    )
    parser.add_argument(
        "--csv", type=Path, metavar="FILE.csv", help="also write a CSV row per incident"
    )
    parser.set_defaults(handler=handle)


@dataclass(frozen=True, slots=True)
class Written:
    report: IncidentReport
    csv_rows: int | None


def handle(args: argparse.Namespace) -> int:
    period = choose_period(PeriodKind(args.period), args.of, datetime.now(UTC))
    html_path = args.out or default_report_path(period, args.group)
    _refuse_same_file(html_path, args.csv)
    with ExitStack() as files:
        html_file = files.enter_context(atomic_output(html_path))
        csv_file = files.enter_context(atomic_output(args.csv)) if args.csv else None

        async def work(session: AsyncSession) -> Written:
            chat_id, title = (None, None)
            if args.group is not None:
                chat_id, title = await find_group(session, args.group)
            report = await gather_report(session, period, chat_id=chat_id, group_title=title)
            rows = None
            if csv_file is not None:
                rows = await _write_csv(session, csv_file, period, chat_id)
            return Written(report, rows)

        written = run_review("report", work)
        _write(html_file, html_path, render_report(written.report))
    _print_summary(written, html_path, args.csv)
    return int(ExitCode.OK)


def default_report_path(period: Period, group: str | None) -> Path:
    """staffguard-report-2025-03.html, or with the group: ...-2025-03-ward-7-nurses.html."""
    slug = _NOT_IN_FILE_NAMES.sub("-", group.casefold()).strip("-") if group else ""
    return Path(f"staffguard-report-{period.key}{'-' + slug if slug else ''}.html")


def choose_period(kind: PeriodKind, of: str | None, now: datetime) -> Period:
    """The period holding `of`, or the last complete one (the week or month before now)."""
    if of is None:
        return Period.last_complete(kind, now)
    text = of.strip().lower()
    if text == "today":
        return Period.containing(kind, now)
    month = _MONTH.fullmatch(text)
    try:
        day = date(int(month[1]), int(month[2]), 1) if month else date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--of: {of!r} is not a date: give YYYY-MM-DD, YYYY-MM or 'today'") from None
    return Period.containing(kind, day)


async def _write_csv(
    session: AsyncSession, stream: TextIO, period: Period, chat_id: int | None
) -> int:
    rows = IncidentCsvWriter(stream)
    filters = IncidentFilter(since=period.start, until=period.end, chat_id=chat_id)
    async for record in iter_incident_records(session, filters):
        rows.write(record)
    return rows.written


@contextmanager
def atomic_output(path: Path) -> Iterator[TextIO]:
    """A file that replaces `path` only when the block succeeds: never a half-written report."""
    folder = path.parent
    try:
        stream = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then renamed)
            "w",
            encoding="utf-8",
            newline="",
            dir=folder,
            prefix=f".{path.name}.",
            suffix=".part",
            delete=False,
        )
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}", ExitCode.USAGE) from None
    finished = False
    try:
        with stream:
            yield stream
        os.replace(stream.name, path)
        finished = True
    except OSError as error:
        raise CliError(
            f"cannot write {path}: {error.strerror or error}", ExitCode.UNAVAILABLE
        ) from None
    finally:
        if not finished:
            Path(stream.name).unlink(missing_ok=True)


def _write(stream: TextIO, path: Path, text: str) -> None:
    try:
        stream.write(text)
    except OSError as error:
        raise CliError(
            f"cannot write {path}: {error.strerror or error}", ExitCode.UNAVAILABLE
        ) from None


def _refuse_same_file(html_path: Path, csv_path: Path | None) -> None:
    if csv_path is not None and csv_path.resolve() == html_path.resolve():
        raise CliError("--out and --csv name the same file", ExitCode.USAGE)


def _print_summary(written: Written, html_path: Path, csv_path: Path | None) -> None:
    report = written.report
    print(f"StaffGuard incident report: {report.period.title}")
    for label, value in summary_facts(report):
        print(f"  {label + ':':20} {value}")
    print(f"  {'HTML report:':20} {html_path}")
    if csv_path is not None:
        print(f"  {'CSV:':20} {csv_path} ({written.csv_rows:,} incidents)")
    sys.stdout.flush()
