"""`staffguard audit PATH`: screen a chat's history (Telegram or WhatsApp export) and report."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import TextIO

from bot.audit.detect import open_export
from bot.audit.media import MediaSettings
from bot.audit.model import ChatExport, ExportError
from bot.audit.runner import AuditSummary, ReportSink, run_audit
from bot.audit.text_screening import SERIAL_FIRST
from bot.cli.check import build_screener, file_policy
from bot.cli.errors import CliError, ExitCode
from bot.moderation import Action, Screener

_FAIL_ON_CHOICES = [action.value for action in Action if action is not Action.ALLOW]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "audit",
        help="screen a Telegram or WhatsApp chat export and report breaches",
        description=(
            "Screen every message of a chat export with the bot's engine and print a summary: "
            "messages screened, breaches by category, author and month. PATH is Telegram "
            "Desktop's result.json (machine-readable export), a WhatsApp 'Export chat' .txt "
            "or .zip, or the folder holding one. Photos and documents found in the export's "
            "folder or zip are screened too. Outputs show message text only redacted."
        ),
    )
    parser.add_argument("path", type=Path, help="the export file or folder")
    parser.add_argument("--out", type=Path, metavar="REPORT.html", help="write an HTML report")
    parser.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="write a CSV row per breach, and per message with a file not screened",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write a JSON line per breach, and per message with a file not screened",
    )
    parser.add_argument(
        "--fail-on",
        choices=_FAIL_ON_CHOICES,
        metavar="ACTION",
        help=(
            "exit with status 1 if any message's action is at least this strong "
            f"({', '.join(_FAIL_ON_CHOICES)})"
        ),
    )
    parser.add_argument(
        "--jobs",
        type=_job_count,
        default=_job_count("0"),
        metavar="N",
        help=(
            "screen text in N worker processes once an export passes "
            f"{SERIAL_FIRST:,} messages, and photos and documents in N more "
            "(default 0: one per CPU core; 1: no text workers, one for files)"
        ),
    )
    parser.add_argument(
        "--no-media",
        action="store_true",
        help="screen only the text, fast: attachments are counted, not opened",
    )
    parser.add_argument(
        "--policy", type=Path, help="screen under this policy file (default: the defaults)"
    )
    parser.add_argument(
        "--chat", type=int, help="with --policy: screen under this group's settings (chat id)"
    )
    parser.set_defaults(handler=handle)


@dataclass(frozen=True, slots=True)
class ScreenerFromPolicy:
    """Builds the screener in each worker process from the same arguments (picklable)."""

    policy_path: Path | None
    chat_id: int | None

    def __call__(self) -> Screener:
        return build_screener(self.policy_path, self.chat_id)


def handle(args: argparse.Namespace) -> int:
    # Here, not at the top: bot.audit.outputs reuses `check.verdict_to_json`, and
    # importing bot.audit first would otherwise import this module half-made.
    from bot.audit.outputs import format_summary

    screener_factory = ScreenerFromPolicy(args.policy, args.chat)
    screener_factory()  # a bad policy file fails here, before any work
    media = None
    if not args.no_media:
        policy, faces = file_policy(args.policy, args.chat)
        media = MediaSettings(policy, faces, workers=min(args.jobs, os.cpu_count() or 1))
    try:
        export = open_export(args.path)
    except ExportError as error:
        raise CliError(str(error)) from None
    summary = _audit(args, export, screener_factory, media)
    print(format_summary(summary))
    for label, path in (("HTML report", args.out), ("CSV", args.csv), ("JSON lines", args.json)):
        if path is not None:
            print(f"{label + ':':34} {path}")
    return _exit_status(summary, args.fail_on)


def _audit(
    args: argparse.Namespace,
    export: ChatExport,
    screener_factory: ScreenerFromPolicy,
    media: MediaSettings | None,
) -> AuditSummary:
    try:
        with ExitStack() as files:  # closing a file flushes it: a full disk shows here too
            sinks = _open_outputs(args, files)
            return _run(export, screener_factory, sinks, args.jobs, media)
    except OSError as error:  # the readers turn their own into ExportError
        raise CliError(
            f"cannot write the outputs: {error.strerror or error}", ExitCode.UNAVAILABLE
        ) from None


def _run(
    export: ChatExport,
    screener_factory: ScreenerFromPolicy,
    sinks: list[ReportSink],
    jobs: int,
    media: MediaSettings | None,
) -> AuditSummary:
    progress = Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        return run_audit(
            export,
            screener_factory=screener_factory,
            sinks=sinks,
            jobs=jobs,
            media=media,
            on_progress=progress,
        )
    except BrokenProcessPool:
        raise CliError(
            "a screening process stopped unexpectedly (out of memory?): try fewer --jobs",
            ExitCode.UNAVAILABLE,
        ) from None
    finally:
        if progress is not None:
            progress.finish()


def _exit_status(summary: AuditSummary, fail_on: str | None) -> int:
    """A broken export is an error even after its summary; then --fail-on decides."""
    if summary.error:
        raise CliError(
            f"{summary.error}; the summary and outputs cover the "
            f"{summary.messages_read:,} messages read before that"
        )
    if fail_on and summary.strongest.strength >= Action(fail_on).strength:
        return int(ExitCode.BREACHES_FOUND)
    return int(ExitCode.OK)


class Progress:
    """A carriage-return status line on a terminal, at most a few times a second."""

    def __init__(self, stream: TextIO, interval: float = 0.25) -> None:
        self._stream = stream
        self._interval = interval
        self._started = perf_counter()
        self._shown_at = 0.0
        self._width = 0

    def __call__(self, summary: AuditSummary) -> None:
        now = perf_counter()
        if now - self._shown_at < self._interval:
            return
        self._shown_at = now
        rate = summary.messages_read / max(now - self._started, 1e-9)
        line = (
            f"read {summary.messages_read:,} messages, {summary.breaches:,} breaches "
            f"({rate:,.0f} messages/s)"
        )
        self._width = max(self._width, len(line))
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()

    def finish(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()


def _open_outputs(args: argparse.Namespace, files: ExitStack) -> list[ReportSink]:
    """Open every output file first, so a bad path fails before hours of screening."""
    from bot.audit.outputs import CsvWriter, HtmlReport, JsonLinesWriter

    targets = [(args.out, HtmlReport), (args.csv, CsvWriter), (args.json, JsonLinesWriter)]
    chosen = [(path, writer) for path, writer in targets if path is not None]
    _refuse_clashing_paths(args.path, [path for path, _ in chosen])
    sinks: list[ReportSink] = []
    for path, writer in chosen:
        try:
            stream = files.enter_context(path.open("w", encoding="utf-8", newline=""))
        except OSError as error:
            raise CliError(f"cannot write {path}: {error.strerror}", ExitCode.USAGE) from None
        sinks.append(writer(stream))
    return sinks


def _refuse_clashing_paths(source: Path, outputs: list[Path]) -> None:
    seen = {source.resolve()}
    for path in outputs:
        resolved = path.resolve()
        if resolved in seen:
            raise CliError(f"{path} is named twice (input or another output)", ExitCode.USAGE)
        seen.add(resolved)


def _job_count(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU core) or more")
    return jobs or os.cpu_count() or 1
