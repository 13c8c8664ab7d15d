"""Screening an export: what is screened, what is counted, order kept with worker processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import pytest

from bot.audit import text_screening
from bot.audit.model import ExportedAttachment, ExportedMessage, ExportError, MessageKind, ReadNotes
from bot.audit.runner import AuditSummary, ReportedMessage, run_audit
from bot.audit.text_screening import screen_messages
from bot.moderation import Action, Screener, Verdict
from tests.audit.exports import NHS_NUMBER_TEXT, NINO_TEXT, assert_no_patient_data


@dataclass
class ListExport:
    """An export made of messages in a list, optionally breaking off after them."""

    items: list[ExportedMessage]
    breaks_off: bool = False
    notes: ReadNotes = field(default_factory=ReadNotes)
    description: str = "test export"

    def messages(self) -> Iterator[ExportedMessage]:
        yield from self.items
        if self.breaks_off:
            raise ExportError("test.json is cut short or malformed after 3 messages")


@dataclass
class CollectingSink:
    breaches: list[ReportedMessage] = field(default_factory=list)
    closed_with: AuditSummary | None = None

    def write(self, breach: ReportedMessage) -> None:
        self.breaches.append(breach)

    def close(self, summary: AuditSummary) -> None:
        self.closed_with = summary


def post(ref: int, text: str, author: str = "Jane", month: int = 1) -> ExportedMessage:
    return ExportedMessage(
        ref=f"#{ref}", text=text, author=author, date=datetime(2024, month, 15), message_id=ref
    )


def sample_messages() -> list[ExportedMessage]:
    return [
        post(1, "Handover at 2"),
        post(2, f"Bed 4 {NHS_NUMBER_TEXT} for bloods", month=1),
        ExportedMessage(ref="#3", text="", kind=MessageKind.SERVICE, author="Jane"),
        post(4, f"Payroll query {NINO_TEXT}", author="Bob", month=3),
        ExportedMessage(
            ref="#5",
            text="",
            author="Bob",
            attachments=(ExportedAttachment("photo", True), ExportedAttachment("media", False)),
        ),
        post(6, f"{NHS_NUMBER_TEXT} and {NINO_TEXT}", author="Bob", month=3),
        post(7, "   "),
    ]


def test_every_message_is_counted_and_only_posts_with_text_are_screened():
    sink = CollectingSink()
    summary = run_audit(ListExport(sample_messages()), screener_factory=Screener, sinks=[sink])
    assert summary.messages_read == 7
    assert summary.messages_screened == 4
    assert summary.service_messages == 1
    assert summary.messages_without_text == 2
    assert (summary.attachments, summary.attachments_left_out) == (2, 1)
    assert summary.breaches == 3
    assert summary.by_action == {"remove": 3}
    assert summary.by_category == {"patient.nhs_number": 2, "personal.nino": 2}
    assert summary.by_author == {"Jane": 1, "Bob": 2}
    assert summary.by_month == {"2024-01": 1, "2024-03": 2}
    assert summary.strongest is Action.REMOVE
    assert (summary.first_date, summary.last_date) == (datetime(2024, 1, 15), datetime(2024, 3, 15))
    assert [b.ref for b in sink.breaches] == ["#2", "#4", "#6"]
    assert sink.closed_with is summary
    assert summary.error is None


def test_a_breach_carries_only_the_redacted_text():
    sink = CollectingSink()
    run_audit(ListExport(sample_messages()), screener_factory=Screener, sinks=[sink])
    assert [breach.verdict.redacted_text for breach in sink.breaches] == [
        "Bed 4 NHS no [NHS number] for bloods",
        "Payroll query NI no [NI number]",
        "NHS no [NHS number] and NI no [NI number]",
    ]
    assert [finding.rule for finding in sink.breaches[2].verdict.findings] == [
        "nhs_number.checked",
        "nino",
    ]
    for breach in sink.breaches:
        assert not hasattr(breach, "text")
        assert_no_patient_data(repr(breach))


def test_an_export_that_breaks_off_keeps_what_was_read_and_records_why():
    sink = CollectingSink()
    export = ListExport(sample_messages()[:2], breaks_off=True)
    summary = run_audit(export, screener_factory=Screener, sinks=[sink])
    assert summary.messages_read == 2
    assert summary.breaches == 1
    assert summary.error == "test.json is cut short or malformed after 3 messages"
    assert sink.closed_with is summary


def test_reader_notes_reach_the_summary():
    export = ListExport([post(1, "hi")])
    export.notes.skipped_lines = 4
    export.notes.undecodable_lines = 2
    summary = run_audit(export, screener_factory=Screener)
    assert (summary.skipped_lines, summary.undecodable_lines) == (4, 2)


def test_progress_is_reported_every_so_many_messages():
    seen: list[int] = []
    messages = [post(i, "hello") for i in range(25)]
    run_audit(
        ListExport(messages),
        screener_factory=Screener,
        on_progress=lambda summary: seen.append(summary.messages_read),
        progress_every=10,
    )
    assert seen == [10, 20]


class ExplodingDetector:
    name = "exploding"
    categories = ("patient.name",)

    def find(self, text):
        raise RuntimeError("bug")


def test_a_failing_detector_is_counted_and_the_message_flagged():
    factory = partial(Screener, detectors=[ExplodingDetector()])
    summary = run_audit(ListExport([post(1, "hello")]), screener_factory=factory)
    assert summary.not_fully_screened == 1
    assert summary.by_action == {"flag": 1}


def many_messages(count: int) -> list[ExportedMessage]:
    texts = ["Handover at 2", f"Bed {{}} {NHS_NUMBER_TEXT}", "", f"{NINO_TEXT} pay"]
    items = []
    for index in range(count):
        text = texts[index % len(texts)].replace("{}", str(index))
        kind = MessageKind.SERVICE if index % 7 == 0 else MessageKind.MESSAGE
        items.append(ExportedMessage(ref=f"#{index}", text=text, kind=kind, message_id=index))
    return items


def with_text(messages: list[ExportedMessage], text: str) -> int:
    return sum(message.is_screenable and text in message.text for message in messages)


def breaking_off(messages: list[ExportedMessage]) -> Iterator[ExportedMessage]:
    yield from messages
    raise ExportError("result.json is cut short")


def screened_until_the_break(
    screened: Iterator[tuple[ExportedMessage, Verdict | None]],
) -> list[tuple[ExportedMessage, Verdict | None]]:
    read: list[tuple[ExportedMessage, Verdict | None]] = []
    with pytest.raises(ExportError, match="cut short"):
        read.extend(screened)  # keeps the pairs yielded before the error
    return read


def test_worker_processes_give_the_same_verdicts_in_order_up_to_a_break(monkeypatch):
    # Small chunks: a short export keeps many chunks in flight across the workers.
    monkeypatch.setattr(text_screening, "CHUNK_SIZE", 40)
    monkeypatch.setattr(text_screening, "SCREEN_WHILE_WORKERS_START", False)
    messages = many_messages(703)
    serial = list(screen_messages(messages, Screener, jobs=1))
    parallel = screened_until_the_break(
        screen_messages(breaking_off(messages), Screener, jobs=2, serial_first=100)
    )
    assert [message.ref for message, _ in parallel] == [message.ref for message in messages]
    assert parallel == serial
    found = Counter(
        category for _, verdict in parallel if verdict for category in verdict.categories
    )
    assert found == {
        "patient.nhs_number": with_text(messages, NHS_NUMBER_TEXT),
        "personal.nino": with_text(messages, NINO_TEXT),
    }


def test_messages_screened_here_while_workers_start_are_screened_the_same():
    # The export ends long before the workers are ready: this process screens it all.
    messages = many_messages(703)
    serial = list(screen_messages(messages, Screener, jobs=1))
    assert list(screen_messages(messages, Screener, jobs=2, serial_first=10)) == serial
