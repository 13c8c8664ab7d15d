"""Where an audit's results go: the terminal summary, CSV, JSON lines and an HTML report.

Each file writer is a `ReportSink`. None of them ever sees a message's
original text: a `ReportedMessage` carries only the verdict, whose redacted
text is the one thing shown of what was written, and its attachments' names
as the engine redacted them.

The files list every breach and every attachment that was not (fully)
screened; the terminal gives the counts and the first few of each.
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

from bot.audit.media import AttachmentResult
from bot.audit.model import AttachmentStatus
from bot.audit.runner import UNKNOWN_MONTH, AttachmentExample, AuditSummary, ReportedMessage
from bot.cli.check import file_verdict_to_json, verdict_to_json
from bot.moderation.taxonomy import ACTION_STRENGTH, Action
from bot.reporting import charts
from bot.reporting import html as page

TOP_AUTHORS = 10
CSV_COLUMNS = (
    "ref",
    "chat",
    "date",
    "author",
    "action",
    "categories",
    "rules",
    "redacted",
    "attachments",
)
# A spreadsheet would run a cell starting with these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ACTIONS_STRONGEST_FIRST = sorted(Action, key=ACTION_STRENGTH.__getitem__, reverse=True)


def reported_to_json(reported: ReportedMessage) -> dict[str, Any]:
    """One reported message as a JSON object: where it is, then the verdict's public shape.

    `breach` says whether the engine would act on it; `attachments` (when the
    message has any and they were screened) gives each file's outcome.
    """
    document: dict[str, Any] = {"ref": reported.ref}
    if reported.chat is not None:
        document["chat"] = reported.chat
    if reported.message_id is not None:
        document["id"] = reported.message_id
    if reported.line is not None:
        document["line"] = reported.line
    document.update(
        date=_iso(reported.date),
        author=reported.author,
        edited=reported.edited,
        forwarded=reported.forwarded,
        breach=reported.is_breach,
    )
    document.update(verdict_to_json(reported.verdict))
    if reported.attachments:
        document["attachments"] = [attachment_to_json(item) for item in reported.attachments]
    return document


def attachment_to_json(attachment: AttachmentResult) -> dict[str, Any]:
    """The file's name (redacted), type and status, then its verdict's public JSON shape."""
    document: dict[str, Any] = {
        "file": attachment.name,
        "type": attachment.kind,
        "status": attachment.status.value,
    }
    if attachment.reason:
        document["reason"] = attachment.reason
    if attachment.verdict is not None:
        verdict = file_verdict_to_json(attachment.verdict, attachment.name)
        document.update((key, value) for key, value in verdict.items() if key != "unscreened")
    return document


def attachment_outcome(attachment: AttachmentResult) -> str:
    """One line on what became of an attachment: 'name: remove (patient.nhs_number)'."""
    verdict = attachment.verdict
    parts: list[str] = []
    if verdict is not None and attachment.status is not AttachmentStatus.UNREADABLE:
        categories = f" ({', '.join(verdict.categories)})" if verdict.categories else ""
        parts.append(f"{verdict.action.value}{categories}")
    if attachment.is_listed:
        status = "not fully screened" if parts else "not screened"
        parts.append(f"{status}: {attachment.reason or attachment.status.value}")
    return f"{attachment.name}: {', '.join(parts)}"


class JsonLinesWriter:
    """One JSON object per reported message per line (see `reported_to_json`)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, reported: ReportedMessage) -> None:
        self._stream.write(json.dumps(reported_to_json(reported), ensure_ascii=False) + "\n")

    def close(self, summary: AuditSummary) -> None:
        self._stream.flush()


class CsvWriter:
    """A row per reported message; categories and rules are joined with '; '.

    A message that is no breach but has an attachment not screened has the
    action 'allow'; its `attachments` cell says why, a line per file.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._rows = csv.writer(stream)
        self._rows.writerow(CSV_COLUMNS)

    def write(self, reported: ReportedMessage) -> None:
        verdict = reported.verdict
        rules = dict.fromkeys(finding.rule for finding in verdict.findings)
        row = (
            reported.ref,
            reported.chat or "",
            _iso(reported.date) or "",
            reported.author or "",
            verdict.action.value,
            "; ".join(verdict.categories),
            "; ".join(rules),
            verdict.redacted_text,
            "\n".join(attachment_outcome(item) for item in reported.attachments),
        )
        self._rows.writerow([spreadsheet_safe(cell) for cell in row])

    def close(self, summary: AuditSummary) -> None:
        self._stream.flush()


def spreadsheet_safe(cell: str) -> str:
    """Text a spreadsheet shows as text, never evaluates (CSV formula injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


class HtmlReport:
    """A self-contained HTML page: summary, charts, a row per breach and per file not screened.

    Rows are kept in temporary files while the audit runs, because the
    summary and charts that head the page are only known at the end.
    """

    HEADERS = ("Date", "Author", "Message", "Action", "Categories", "Redacted text")
    UNSCREENED_HEADERS = ("Date", "Author", "Message", "Attachment", "Type", "Why not screened")

    def __init__(self, stream: TextIO, max_rows: int = 10_000) -> None:
        self._stream = stream
        self._max_rows = max_rows
        self._rows = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._unscreened_rows = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._written = 0
        self._unscreened_written = 0

    def write(self, reported: ReportedMessage) -> None:
        if reported.is_breach:
            self._write_breach(reported)
        for attachment in reported.unscreened_attachments:
            self._write_unscreened(reported, attachment)

    def _write_unscreened(self, reported: ReportedMessage, attachment: AttachmentResult) -> None:
        if self._unscreened_written >= self._max_rows:
            return
        self._unscreened_written += 1
        self._unscreened_rows.write(
            page.table_row(
                (
                    _readable_date(reported.date),
                    reported.author or "(unknown)",
                    reported.ref,
                    attachment.name,
                    attachment.kind,
                    attachment.reason or attachment.status.value,
                ),
                classes=("nowrap", None, None, "text", None, None),
            )
        )

    def _write_breach(self, breach: ReportedMessage) -> None:
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
            if summary.attachments_unscreened:
                write(page.section_start("Attachments not screened"))
                write(self._unscreened_note(summary))
                if self._unscreened_written:
                    write(page.table_start(self.UNSCREENED_HEADERS))
                    self._unscreened_rows.seek(0)
                    shutil.copyfileobj(self._unscreened_rows, self._stream)
                    write(page.table_end())
                write(page.section_end())
            write(page.page_end(f"Generated by StaffGuard on {_now()}."))
            self._stream.flush()
        finally:
            self._rows.close()
            self._unscreened_rows.close()

    def _unscreened_note(self, summary: AuditSummary) -> page.Html:
        if not self._unscreened_written:  # --no-media: counted, not listed
            return page.paragraph(attachments_line(summary))
        text = (
            "These photos and files were not (fully) screened: look at them by hand "
            "before relying on this audit."
        )
        if summary.attachments_unscreened > self._unscreened_written:
            text += (
                f" The first {self._unscreened_written:,} of {summary.attachments_unscreened:,} "
                "are listed here; the --csv and --json outputs list them all."
            )
        return page.notice(text, "warning")

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
    for problem in summary.media_problems:
        parts.append(page.notice(f"Photo and document screening: {problem}.", "warning"))
    if summary.attachments_unscreened:
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
    return facts + attachment_facts(summary)


def attachment_facts(summary: AuditSummary) -> list[tuple[str, str]]:
    """How many attachments were screened, and how many were not, by reason."""
    if not summary.attachments:
        return []
    statuses = summary.attachment_statuses
    facts = [
        (
            "Attachments",
            f"{summary.attachments:,} ({statuses[AttachmentStatus.SCREENED]:,} screened, "
            f"{summary.attachments_unscreened:,} not fully)",
        )
    ]
    facts += [
        (f"  {_STATUS_LABELS[status]}", f"{statuses[status]:,}")
        for status in _STATUS_LABELS
        if statuses[status]
    ]
    if summary.attachment_breaches:
        facts.append(("Attachments with breaches", f"{summary.attachment_breaches:,}"))
    return facts


_STATUS_LABELS = {
    AttachmentStatus.PARTLY_SCREENED: "partly screened",
    AttachmentStatus.UNREADABLE: "unreadable",
    AttachmentStatus.MISSING: "not found in the export",
    AttachmentStatus.REFUSED: "refused (outside the export)",
    AttachmentStatus.LEFT_OUT: "left out by the app",
    AttachmentStatus.NOT_SCREENABLE: "videos, voice notes, contacts",
    AttachmentStatus.SKIPPED: "not screened (--no-media)",
}


def format_summary(summary: AuditSummary, top: int = TOP_AUTHORS) -> str:
    """The terminal summary: counts, then breaches by category, author and month.

    Attachments in breaches and those not screened are listed, the first few
    of each (the files list them all).
    """
    lines = [f"{label + ':':34} {value}" for label, value in summary_facts(summary)]
    if summary.messages_read and summary.seconds:
        rate = summary.messages_read / summary.seconds
        lines.append(f"{'Time:':34} {summary.seconds:,.1f} s ({rate:,.0f} messages/s)")
    lines += [f"Warning: photo and document screening: {p}." for p in summary.media_problems]
    if summary.attachments_unscreened:
        lines.append(attachments_line(summary))
    if summary.breaches:
        lines += _ranking("Breaches by category", summary.by_category.most_common())
        lines += _ranking(f"Top {top} authors", summary.by_author.most_common(top))
        lines += _ranking("Breaches by month", month_series(summary.by_month))
    lines += _examples(
        "Attachments with breaches", summary.attachment_breach_examples, summary.attachment_breaches
    )
    unlisted = summary.attachment_statuses[AttachmentStatus.SKIPPED]
    lines += _examples(
        "Attachments not screened",
        summary.unscreened_examples,
        summary.attachments_unscreened - unlisted,
    )
    return "\n".join(lines)


def attachments_line(summary: AuditSummary) -> str:
    """A warning that some attachments were not screened, and where the list is."""
    total = summary.attachments_unscreened
    noun = "attachment was" if total == 1 else "attachments were"
    line = f"{total:,} of {summary.attachments:,} {noun} not (fully) screened"
    if summary.attachment_statuses[AttachmentStatus.SKIPPED]:  # nothing was opened or listed
        return line + " (--no-media)."
    return line + ": look at them by hand (the --csv, --json and --out outputs list them)."


def _examples(title: str, examples: list[AttachmentExample], total: int) -> list[str]:
    if not examples:
        return []
    shown = f"{title} (the first {len(examples)} of {total:,})" if total > len(examples) else title
    return [
        "",
        f"{shown}:",
        *(f"  {item.ref:12} {item.name:40} {item.detail}" for item in examples),
    ]


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
