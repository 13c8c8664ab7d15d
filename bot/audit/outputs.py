"""Where an audit's results go: the terminal summary, CSV, JSON lines and an HTML report.

Each file writer is a `BreachSink`. None of them ever sees a message's
original text: a `Breach` carries only the verdict, whose redacted text is
the one thing shown of what was written.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TextIO

from bot.audit.runner import UNKNOWN_MONTH, AuditSummary, Breach
from bot.cli.check import verdict_to_json
from bot.moderation.taxonomy import ACTION_STRENGTH, Action
from bot.reporting import charts
from bot.reporting import html as page

TOP_AUTHORS = 10
CSV_COLUMNS = ("ref", "chat", "date", "author", "action", "categories", "rules", "redacted")
# A spreadsheet would run a cell starting with these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ACTIONS_STRONGEST_FIRST = sorted(Action, key=ACTION_STRENGTH.__getitem__, reverse=True)


def breach_to_json(breach: Breach) -> dict[str, Any]:
    """One breach as a JSON object: where it is, then the verdict's public JSON shape."""
    document: dict[str, Any] = {"ref": breach.ref}
    if breach.chat is not None:
        document["chat"] = breach.chat
    if breach.message_id is not None:
        document["id"] = breach.message_id
    if breach.line is not None:
        document["line"] = breach.line
    document.update(
        date=_iso(breach.date),
        author=breach.author,
        edited=breach.edited,
        forwarded=breach.forwarded,
    )
    document.update(verdict_to_json(breach.verdict))
    return document


class JsonLinesWriter:
    """One JSON object per breach per line (see `breach_to_json`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, breach: Breach) -> None:
        self._stream.write(json.dumps(breach_to_json(breach), ensure_ascii=False) + "\n")

    def close(self, summary: AuditSummary) -> None:
        self._stream.flush()


class CsvWriter:
    """A row per breach; categories and rules are joined with '; '."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._rows = csv.writer(stream)
        self._rows.writerow(CSV_COLUMNS)

    def write(self, breach: Breach) -> None:
        verdict = breach.verdict
        rules = dict.fromkeys(finding.rule for finding in verdict.findings)
        row = (
            breach.ref,
            breach.chat or "",
            _iso(breach.date) or "",
            breach.author or "",
            verdict.action.value,
            "; ".join(verdict.categories),
            "; ".join(rules),
            verdict.redacted_text,
        )
        self._rows.writerow([spreadsheet_safe(cell) for cell in row])

    def close(self, summary: AuditSummary) -> None:
        self._stream.flush()


def spreadsheet_safe(cell: str) -> str:
    """Text a spreadsheet shows as text, never evaluates (CSV formula injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


class HtmlReport:
    """A self-contained HTML page: summary, charts and a row per breach (redacted).

    Rows are kept in a temporary file while the audit runs, because the
    summary and charts that head the page are only known at the end.
    """

    HEADERS = ("Date", "Author", "Message", "Action", "Categories", "Redacted text")

    def __init__(self, stream: TextIO, max_rows: int = 10_000) -> None:
        self._stream = stream
        self._max_rows = max_rows
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._written = 0

    def write(self, breach: Breach) -> None:
        if self._written >= self._max_rows:
            return
        self._written += 1
        verdict = breach.verdict
        self._rows.write(
            page.table_row(
                (
                    _readable_date(breach.date),
                    breach.author or "(unknown)",
                    breach.ref,
                    page.badge(verdict.action.value),
                    page.Html(
                        "<br>".join(
                            f"<code>{page.escape(name)}</code>" for name in verdict.categories
                        )
                    ),
                    verdict.redacted_text,
                ),
                classes=("nowrap", None, None, None, None, "text"),
            )
        )

    def close(self, summary: AuditSummary) -> None:
        try:
            write = self._stream.write
            write(page.page_start("StaffGuard audit", summary.source))
            write(_html_summary(summary))
            write(_html_charts(summary))
            write(page.section_start("Breaches"))
            write(self._breaches_note(summary))
            if self._written:
                write(page.table_start(self.HEADERS))
                self._rows.seek(0)
                shutil.copyfileobj(self._rows, self._stream)
                write(page.table_end())
            write(page.section_end())
            write(page.page_end(f"Generated by StaffGuard on {_now()}."))
            self._stream.flush()
        finally:
            self._rows.close()

    def _breaches_note(self, summary: AuditSummary) -> page.Html:
        if not summary.breaches:
            return page.paragraph("No breaches found.")
        if summary.breaches > self._written:
            return page.notice(
                f"The first {self._written:,} of {summary.breaches:,} breaches are listed "
                "here; the --csv and --json outputs list them all.",
                "warning",
            )
        return page.Html("")


def _html_summary(summary: AuditSummary) -> page.Html:
    parts: list[object] = []
    if summary.error:
        parts.append(
            page.notice(
                f"The export broke off: {summary.error}. Only what came before it is counted here.",
                "error",
            )
        )
    parts.append(
        page.notice(
            "Message text is shown redacted: patient and personal data are replaced by "
            "labels such as [NHS number]. Clean messages are not shown."
        )
    )
    if summary.attachments:
        parts.append(page.notice(attachments_line(summary), "warning"))
    parts.append(page.facts(summary_facts(summary)))
    return page.section("Summary", *parts)


def _html_charts(summary: AuditSummary) -> page.Html:
    if not summary.breaches:
        return page.Html("")
    figures = (
        page.figure(
            charts.horizontal_bar_chart(
                summary.by_category.most_common(), title="Breaches by category", label_width=230
            )
        ),
        page.figure(charts.column_chart(month_series(summary.by_month), title="Breaches by month")),
        page.figure(
            charts.horizontal_bar_chart(
                summary.by_author.most_common(TOP_AUTHORS), title="Top authors"
            )
        ),
    )
    return page.section("Charts", page.charts(*figures))


def summary_facts(summary: AuditSummary) -> list[tuple[str, str]]:
    facts = [
        ("Export", summary.source),
        ("Period", _period(summary)),
        ("Messages read", f"{summary.messages_read:,}"),
        ("Messages screened", f"{summary.messages_screened:,}"),
        ("Service messages (not screened)", f"{summary.service_messages:,}"),
        ("Messages with no text", f"{summary.messages_without_text:,}"),
        ("Breaches", f"{summary.breaches:,}" + _by_action(summary)),
    ]
    if summary.not_fully_screened:
        facts.append(("Not fully screened", f"{summary.not_fully_screened:,} (a detector failed)"))
    if summary.skipped_lines:
        facts.append(("Lines outside any message", f"{summary.skipped_lines:,} (skipped)"))
    if summary.undecodable_lines:
        facts.append(
            ("Lines not in UTF-8", f"{summary.undecodable_lines:,} (read as far as possible)")
        )
    return facts


def format_summary(summary: AuditSummary, top: int = TOP_AUTHORS) -> str:
    """The terminal summary: counts, then breaches by category, author and month."""
    lines = [f"{label + ':':34} {value}" for label, value in summary_facts(summary)]
    if summary.attachments:
        lines.append(attachments_line(summary))
    if summary.messages_read and summary.seconds:
        rate = summary.messages_read / summary.seconds
        lines.append(f"{'Time:':34} {summary.seconds:,.1f} s ({rate:,.0f} messages/s)")
    if summary.breaches:
        lines += _ranking("Breaches by category", summary.by_category.most_common())
        lines += _ranking(f"Top {top} authors", summary.by_author.most_common(top))
        lines += _ranking("Breaches by month", month_series(summary.by_month))
    return "\n".join(lines)


def attachments_line(summary: AuditSummary) -> str:
    noun = "attachment" if summary.attachments == 1 else "attachments"
    line = f"{summary.attachments:,} {noun} not screened"
    if summary.attachments_left_out:
        line += f" ({summary.attachments_left_out:,} of them not included in the export)"
    return line + ": photos and documents are not screened yet."


def month_series(by_month: Counter[str]) -> list[tuple[str, int]]:
    """Every month from the first to the last breach, zeros included, oldest first."""
    months = sorted(month for month in by_month if month != UNKNOWN_MONTH)
    series: list[tuple[str, int]] = []
    if months:
        year, month = map(int, months[0].split("-"))
        last = months[-1]
        while (key := f"{year:04d}-{month:02d}") <= last:
            series.append((key, by_month.get(key, 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if by_month.get(UNKNOWN_MONTH):
        series.append((UNKNOWN_MONTH, by_month[UNKNOWN_MONTH]))
    return series


def _ranking(title: str, rows: Iterable[tuple[str, int]]) -> list[str]:
    return ["", f"{title}:", *(f"  {label:40} {count:>8,}" for label, count in rows)]


def _by_action(summary: AuditSummary) -> str:
    counts = [
        f"{action.value} {summary.by_action[action.value]:,}"
        for action in _ACTIONS_STRONGEST_FIRST
        if summary.by_action[action.value]
    ]
    return f" ({', '.join(counts)})" if counts else ""


def _period(summary: AuditSummary) -> str:
    if summary.first_date is None or summary.last_date is None:
        return "unknown"
    return f"{_readable_date(summary.first_date)} to {_readable_date(summary.last_date)}"


def _iso(date: datetime | None) -> str | None:
    return date.isoformat() if date is not None else None


def _readable_date(date: datetime | None) -> str:
    return date.strftime("%Y-%m-%d %H:%M") if date is not None else "(no date)"


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
