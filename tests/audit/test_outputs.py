"""The audit's outputs: JSON lines, CSV, the HTML report and the terminal summary."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser

import pytest

from bot.audit.model import AttachmentStatus, ExportedMessage
from bot.audit.outputs import (
    CsvWriter,
    HtmlReport,
    JsonLinesWriter,
    format_summary,
    month_series,
    reported_to_json,
    spreadsheet_safe,
)
from bot.audit.runner import AuditSummary, reported_from, run_audit
from bot.moderation import Screener
from tests.audit.exports import NHS_NUMBER_TEXT, NINO_TEXT, assert_no_patient_data
from tests.audit.test_runner import ListExport


def audit_messages() -> list[ExportedMessage]:
    return [
        ExportedMessage(
            ref="#1", text="Handover at 2", author="Jane", date=datetime(2024, 1, 5), message_id=1
        ),
        ExportedMessage(
            ref="#2",
            text=f"Bed 4 {NHS_NUMBER_TEXT}, bloods\nplease",
            author="<script>alert(1)</script>",
            date=datetime(2024, 1, 15, 9, 30),
            message_id=2,
            edited=True,
        ),
        ExportedMessage(
            ref="line 40",
            text=f"=HYPERLINK(1) {NINO_TEXT}",
            author="Bob",
            date=datetime(2024, 4, 2, 18, 0),
            line=40,
            chat="Ward 7",
        ),
    ]


def run_with(*writers_for_streams):
    streams = [io.StringIO() for _ in writers_for_streams]
    sinks = [make(stream) for make, stream in zip(writers_for_streams, streams, strict=True)]
    summary = run_audit(ListExport(audit_messages()), screener_factory=Screener, sinks=sinks)
    return summary, [stream.getvalue() for stream in streams]


def test_json_lines_hold_one_breach_per_line_in_the_public_verdict_shape():
    _, (output,) = run_with(JsonLinesWriter)
    first, second = (json.loads(line) for line in output.splitlines())
    (finding,) = first.pop("findings")
    assert 0.5 <= finding.pop("confidence") <= 1
    assert finding == {
        "category": "patient.nhs_number",
        "rule": "nhs_number.checked",
        "start": 13,
        "end": 25,
    }
    assert first == {
        "ref": "#2",
        "id": 2,
        "date": "2024-01-15T09:30:00",
        "author": "<script>alert(1)</script>",
        "edited": True,
        "forwarded": False,
        "breach": True,
        "action": "remove",
        "categories": ["patient.nhs_number"],
        "redacted": "Bed 4 NHS no [NHS number], bloods\nplease",
    }
    assert second["line"] == 40
    assert second["chat"] == "Ward 7"
    assert "id" not in second
    assert_no_patient_data(output)


def test_csv_has_a_row_per_breach_and_never_a_live_formula():
    _, (output,) = run_with(CsvWriter)
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [row["ref"] for row in rows] == ["#2", "line 40"]
    assert rows[0]["categories"] == "patient.nhs_number"
    assert rows[0]["rules"] == "nhs_number.checked"
    assert rows[0]["redacted"] == "Bed 4 NHS no [NHS number], bloods\nplease"
    assert (rows[1]["categories"], rows[1]["rules"]) == ("personal.nino", "nino")
    assert rows[1]["redacted"] == "'=HYPERLINK(1) NI no [NI number]"
    assert rows[1]["date"] == "2024-04-02T18:00:00"
    assert_no_patient_data(output)


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+1", "'=1+1"), ("+44", "'+44"), ("-x", "'-x"), ("@SUM", "'@SUM"), ("ok", "ok")],
)
def test_spreadsheet_safe(cell: str, safe: str):
    assert spreadsheet_safe(cell) == safe


def test_the_html_report_is_self_contained_escaped_and_redacted():
    _, (report,) = run_with(HtmlReport)
    assert report.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in report
    assert "<script" not in report.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", report)
    assert report.count("<svg") == 3
    assert report.count("<tr>") == 1 + 2  # header row and a row per breach
    assert "Bed 4 NHS no [NHS number], bloods\nplease" in report
    assert "2024-01-15 09:30" in report
    assert_no_patient_data(report)


def test_the_html_report_lists_at_most_max_rows_and_says_so():
    _, (report,) = run_with(lambda stream: HtmlReport(stream, max_rows=1))
    assert report.count('<td class="text">') == 1
    assert "The first 1 of 2 breaches are listed" in report


def test_the_html_report_without_breaches_says_so_and_draws_no_charts():
    stream = io.StringIO()
    run_audit(
        ListExport(audit_messages()[:1]),
        screener_factory=Screener,
        sinks=[HtmlReport(stream)],
    )
    report = stream.getvalue()
    assert "No breaches found." in report
    assert "<svg" not in report


def test_the_html_report_warns_when_the_export_broke_off():
    stream = io.StringIO()
    export = ListExport(audit_messages(), breaks_off=True)
    run_audit(export, screener_factory=Screener, sinks=[HtmlReport(stream)])
    assert "The export broke off: test.json is cut short" in stream.getvalue()


def test_the_terminal_summary_gives_counts_categories_authors_and_months():
    summary, _ = run_with()
    text = format_summary(summary)
    assert re.search(r"Messages screened:\s+3", text)
    assert re.search(r"Breaches:\s+2 \(remove 2\)", text)
    assert re.search(r"patient\.nhs_number\s+1", text)
    assert re.search(r"<script>alert\(1\)</script>\s+1", text)
    assert re.search(r"2024-02\s+0", text)
    assert_no_patient_data(text)


def test_the_summary_counts_attachments_by_what_became_of_them():
    statuses = Counter(
        {
            AttachmentStatus.SCREENED: 5,
            AttachmentStatus.MISSING: 2,
            AttachmentStatus.LEFT_OUT: 1,
        }
    )
    text = format_summary(AuditSummary(attachments=8, attachment_statuses=statuses))
    assert re.search(r"Attachments:\s+8 \(5 screened, 3 not fully\)", text)
    assert re.search(r"  not found in the export:\s+2", text)
    assert re.search(r"  left out by the app:\s+1", text)
    assert "3 of 8 attachments were not (fully) screened: look at them by hand" in text
    skipped = Counter({AttachmentStatus.SKIPPED: 1})
    text = format_summary(AuditSummary(attachments=1, attachment_statuses=skipped))
    assert re.search(r"  not screened \(--no-media\):\s+1", text)
    assert "1 of 1 attachment was not (fully) screened (--no-media)." in text
    assert "Attachments:" not in format_summary(AuditSummary())


def test_month_series_fills_the_gaps_and_puts_undated_last():
    counts = Counter({"2023-11": 2, "2024-02": 1, "(no date)": 4})
    assert month_series(counts) == [
        ("2023-11", 2),
        ("2023-12", 0),
        ("2024-01", 0),
        ("2024-02", 1),
        ("(no date)", 4),
    ]
    assert month_series(Counter()) == []


def test_reported_to_json_leaves_out_what_a_message_does_not_have():
    message = ExportedMessage(ref="#9", text=NHS_NUMBER_TEXT)
    breach = reported_from(message, Screener().screen(message.text))
    document = reported_to_json(breach)
    assert document["date"] is None
    assert document["author"] is None
    assert {"chat", "id", "line"}.isdisjoint(document)


class NestingChecker(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    VOID = frozenset({"meta", "br", "hr", "img", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.table_parents: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.table_parents.append(list(self.open))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.open.pop() == tag, f"</{tag}> closes the wrong element"


def test_the_html_report_nests_properly_with_the_table_in_the_breaches_section():
    _, (report,) = run_with(HtmlReport)
    checker = NestingChecker()
    checker.feed(report)
    checker.close()
    assert checker.open == []
    (parents,) = checker.table_parents
    assert parents[-2:] == ["main", "section"]
