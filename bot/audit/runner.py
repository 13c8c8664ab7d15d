"""Screen every message of an export with the bot's own engine, and count what it found.

Messages stream through: the export is read lazily, screened in order (in
chunks across worker processes with `jobs` > 1), their attached files
screened in the media worker pool (see `media.py`), and each message to
report is handed to the sinks at once, so memory stays flat however long the
history is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import datetime
from time import perf_counter
from typing import Protocol

from bot.audit.media import (
    AttachmentResult,
    AttachmentScreener,
    MediaSettings,
    with_attachments,
)
from bot.audit.model import (
    AttachmentStatus,
    ChatExport,
    ExportedMessage,
    ExportError,
    MessageKind,
)
from bot.audit.text_screening import (
    SERIAL_FIRST,
    ScreenerFactory,
    VerdictCache,
    screen_messages,
)
from bot.media.merge import merge_verdicts
from bot.moderation import Action, Screener, Verdict
from bot.moderation.taxonomy import strongest

UNKNOWN_AUTHOR = "(unknown)"
UNKNOWN_MONTH = "(no date)"
# The summary keeps this many examples of each kind for the terminal; the files list all.
EXAMPLES_KEPT = 10


@dataclass(frozen=True, slots=True)
class ReportedMessage:
    """A message the outputs list: a breach, or one with attachments not (fully) screened.

    Where it is, and its verdict (text and attachments merged, redacted);
    never the message's own text.
    """

    ref: str
    date: datetime | None
    author: str | None
    verdict: Verdict
    chat: str | None = None
    message_id: int | None = None
    line: int | None = None
    edited: bool = False
    forwarded: bool = False
    attachments: tuple[AttachmentResult, ...] = ()

    @property
    def is_breach(self) -> bool:
        return self.verdict.is_breach

    @property
    def unscreened_attachments(self) -> tuple[AttachmentResult, ...]:
        return tuple(attachment for attachment in self.attachments if attachment.is_listed)


@dataclass(frozen=True, slots=True)
class AttachmentExample:
    """One attachment for the terminal's short lists (name already redacted)."""

    ref: str
    name: str
    detail: str  # the reason it was not screened, or the categories found in it


@dataclass(slots=True)
class AuditSummary:
    source: str = ""
    messages_read: int = 0
    messages_screened: int = 0
    service_messages: int = 0
    messages_without_text: int = 0
    attachments: int = 0
    attachment_statuses: Counter[AttachmentStatus] = field(default_factory=Counter)
    attachment_breaches: int = 0  # attachments the engine found something in
    unscreened_examples: list[AttachmentExample] = field(default_factory=list)
    attachment_breach_examples: list[AttachmentExample] = field(default_factory=list)
    media_problems: list[str] = field(default_factory=list)  # what the media engines lack here
    skipped_lines: int = 0
    undecodable_lines: int = 0
    breaches: int = 0
    not_fully_screened: int = 0
    by_action: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_author: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    first_date: datetime | None = None
    last_date: datetime | None = None
    strongest: Action = Action.ALLOW
    error: str | None = None  # where the export broke off; what came before is counted
    seconds: float = 0.0
    verdicts_reused: int = 0  # texts seen before in this audit, not screened again

    @property
    def attachments_left_out(self) -> int:
        return self.attachment_statuses[AttachmentStatus.LEFT_OUT]

    @property
    def attachments_unscreened(self) -> int:
        """Attachments not (fully) screened, for whatever reason."""
        return self.attachments - self.attachment_statuses[AttachmentStatus.SCREENED]

    def count(
        self,
        message: ExportedMessage,
        verdict: Verdict | None,
        attachments: tuple[AttachmentResult, ...] | None = None,
    ) -> ReportedMessage | None:
        """Add one message; return it if the outputs list it (see `ReportedMessage`).

        `verdict` is the text's (None: no text to screen); `attachments` the
        results for the message's attachments, None when they were not screened.
        """
        self.messages_read += 1
        self._count_date(message.date)
        self._count_attachments(message, attachments)
        if verdict is None:
            if message.is_screenable:
                raise ValueError("a screenable message needs a verdict")
            if message.kind is MessageKind.SERVICE:
                self.service_messages += 1
            else:
                self.messages_without_text += 1
        else:
            self.messages_screened += 1
            if verdict.failed_detectors:
                self.not_fully_screened += 1
        results = attachments or ()
        merged = merged_verdict(verdict, results)
        if merged.is_breach:
            self._count_breach(message, merged)
        elif not any(result.is_listed for result in results):
            return None
        return reported_from(message, merged, results)

    def _count_attachments(
        self, message: ExportedMessage, results: tuple[AttachmentResult, ...] | None
    ) -> None:
        self.attachments += len(message.attachments)
        if results is None:  # not screened: --no-media
            for attachment in message.attachments:
                self.attachment_statuses[
                    AttachmentStatus.SKIPPED if attachment.included else AttachmentStatus.LEFT_OUT
                ] += 1
            return
        for result in results:
            self.attachment_statuses[result.status] += 1
            if result.is_listed and len(self.unscreened_examples) < EXAMPLES_KEPT:
                self.unscreened_examples.append(
                    AttachmentExample(message.ref, result.name, result.status_text)
                )
            if result.found and result.verdict is not None:
                self.attachment_breaches += 1
                if len(self.attachment_breach_examples) < EXAMPLES_KEPT:
                    verdict = result.verdict
                    found = ", ".join(verdict.categories) or f"{len(verdict.faces)} face(s)"
                    self.attachment_breach_examples.append(
                        AttachmentExample(
                            message.ref, result.name, f"{verdict.action.value}: {found}"
                        )
                    )

    def _count_date(self, date: datetime | None) -> None:
        if date is None:
            return
        if self.first_date is None or date < self.first_date:
            self.first_date = date
        if self.last_date is None or date > self.last_date:
            self.last_date = date

    def _count_breach(self, message: ExportedMessage, verdict: Verdict) -> None:
        self.breaches += 1
        self.by_action[verdict.action.value] += 1
        self.by_category.update(verdict.categories)
        self.by_author[message.author or UNKNOWN_AUTHOR] += 1
        self.by_month[message.date.strftime("%Y-%m") if message.date else UNKNOWN_MONTH] += 1
        self.strongest = strongest([self.strongest, verdict.action])


class ReportSink(Protocol):
    """Somewhere reported messages go as they are found (a CSV file, an HTML report…)."""

    def write(self, reported: ReportedMessage) -> None: ...

    def close(self, summary: AuditSummary) -> None: ...


def merged_verdict(text: Verdict | None, attachments: tuple[AttachmentResult, ...]) -> Verdict:
    """The message's verdict: its text's and its screened files', each file named."""
    screened = [result for result in attachments if result.verdict is not None]
    base = text if text is not None else Verdict(Action.ALLOW)
    if not screened:
        return base
    return merge_verdicts(
        base,
        [result.verdict for result in screened if result.verdict is not None],
        [result.name for result in screened],
    )


def reported_from(
    message: ExportedMessage, verdict: Verdict, attachments: tuple[AttachmentResult, ...] = ()
) -> ReportedMessage:
    """The message without its original text: only the verdict's redaction."""
    return ReportedMessage(
        ref=message.ref,
        date=message.date,
        author=message.author,
        verdict=verdict,
        chat=message.chat,
        message_id=message.message_id,
        line=message.line,
        edited=message.edited,
        forwarded=message.forwarded,
        attachments=attachments,
    )


def run_audit(
    export: ChatExport,
    *,
    screener_factory: ScreenerFactory = Screener,
    sinks: Sequence[ReportSink] = (),
    jobs: int = 1,
    serial_first: int = SERIAL_FIRST,
    media: MediaSettings | None = None,
    reuse_verdicts: bool = True,
    on_progress: Callable[[AuditSummary], None] | None = None,
    progress_every: int = 1000,
) -> AuditSummary:
    """Screen the whole export; a file that breaks off ends the audit with `summary.error`.

    With `jobs` > 1, messages after the first `serial_first` are screened in
    that many worker processes (see `screen_messages`). With `media`, attached
    files found in the export are screened too; without, they are only counted.
    A repeated short text is screened once (see `VerdictCache`), unless
    `reuse_verdicts` is False: then every text is screened.
    """
    summary = AuditSummary(source=export.description)
    cache = VerdictCache() if reuse_verdicts else None
    started = perf_counter()
    try:
        with ExitStack() as running:  # stops the worker processes whatever happens
            screened = running.enter_context(
                closing(
                    screen_messages(export.messages(), screener_factory, jobs, serial_first, cache)
                )
            )
            results: Iterator[_Counted]
            if media is None:
                results = ((message, verdict, None) for message, verdict in screened)
            else:
                attachments = running.enter_context(
                    AttachmentScreener(export.attachment_files, media, screener_factory())
                )
                running.callback(_note_media_problems, summary, attachments)
                results = running.enter_context(closing(with_attachments(screened, attachments)))
            for message, verdict, files in results:
                reported = summary.count(message, verdict, files)
                if reported is not None:
                    for sink in sinks:
                        sink.write(reported)
                if on_progress is not None and summary.messages_read % progress_every == 0:
                    on_progress(summary)
    except ExportError as error:
        summary.error = str(error)
    summary.seconds = perf_counter() - started
    summary.verdicts_reused = cache.hits if cache is not None else 0
    summary.source = export.description  # readers learn details (platform) as they read
    summary.skipped_lines = export.notes.skipped_lines
    summary.undecodable_lines = export.notes.undecodable_lines
    for sink in sinks:
        sink.close(summary)
    return summary


# A message, its text's verdict, and its attachments' results (None: not screened).
_Counted = tuple[ExportedMessage, Verdict | None, tuple[AttachmentResult, ...] | None]


def _note_media_problems(summary: AuditSummary, attachments: AttachmentScreener) -> None:
    summary.media_problems = list(attachments.problems)
