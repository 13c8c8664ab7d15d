"""`staffguard check`: screen text from the command line (a stable, documented interface)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.cli.errors import CliError, ExitCode
from bot.cli.policy import load_policy_or_fail
from bot.moderation import Screener, Verdict


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="screen a message, or JSON lines on stdin, and print the verdict",
        description=(
            "Screen TEXT and print the action, each finding and the redacted text. "
            'With --jsonl, read lines {"id": ..., "text": ...} and write one verdict per line.'
        ),
    )
    parser.add_argument("text", nargs="?", help="the message to screen")
    parser.add_argument("--jsonl", action="store_true", help="read JSON lines, write JSON lines")
    parser.add_argument("--json", action="store_true", help="print the verdict for TEXT as JSON")
    parser.add_argument(
        "--input", type=Path, help="read JSON lines from this file instead of stdin"
    )
    parser.add_argument(
        "--policy", type=Path, help="screen under this policy file (default: the defaults)"
    )
    parser.add_argument(
        "--chat", type=int, help="with --policy: screen under this group's settings (chat id)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    screener = build_screener(args.policy, args.chat)
    if args.jsonl or args.input:
        return _check_lines(screener, args.input)
    if args.text is None:
        raise CliError("give the TEXT to screen, or --jsonl to read JSON lines", ExitCode.USAGE)
    verdict = screener.screen(args.text)
    if args.json:
        print(json.dumps(verdict_to_json(verdict), ensure_ascii=False))
    else:
        print(format_verdict(verdict))
    return int(ExitCode.OK)


def build_screener(policy_path: Path | None, chat_id: int | None) -> Screener:
    """A screener under the group's effective policy; the defaults without a policy file."""
    if policy_path is None:
        if chat_id is not None:
            raise CliError("--chat needs --policy FILE", ExitCode.USAGE)
        return Screener()
    return Screener(policy=load_policy_or_fail(policy_path).screening_policy(chat_id))


def verdict_to_json(verdict: Verdict, message_id: Any = None) -> dict[str, Any]:
    """The public JSON shape of a verdict (keep it stable: scripts depend on it)."""
    document: dict[str, Any] = {} if message_id is None else {"id": message_id}
    document.update(
        action=verdict.action.value,
        categories=list(verdict.categories),
        findings=[
            {
                "category": finding.category,
                "rule": finding.rule,
                "start": finding.start,
                "end": finding.end,
                "confidence": finding.confidence,
            }
            for finding in verdict.findings
        ],
        redacted=verdict.redacted_text,
    )
    if verdict.failed_detectors:
        document["failed_detectors"] = list(verdict.failed_detectors)
    return document


def format_verdict(verdict: Verdict) -> str:
    lines = [f"action:   {verdict.action.value}"]
    if verdict.findings:
        lines.append("findings:")
        for finding in verdict.findings:
            lines.append(
                f"  - {finding.category}  (rule {finding.rule}, "
                f"confidence {finding.confidence:.2f})"
            )
            lines.append(f"    evidence: {finding.evidence}")
    else:
        lines.append("findings: none")
    if verdict.failed_detectors:
        lines.append("not fully screened: " + ", ".join(verdict.failed_detectors))
    lines.append(f"redacted: {verdict.redacted_text}")
    return "\n".join(lines)


def _check_lines(screener: Screener, path: Path | None) -> int:
    with _open_input(path) as stream:
        for line_number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            print(json.dumps(_check_line(screener, raw, line_number), ensure_ascii=False))
            sys.stdout.flush()
    return int(ExitCode.OK)


def _check_line(screener: Screener, raw: bytes, line_number: int) -> dict[str, Any]:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"id": None, "line": line_number, "error": "not a JSON object in UTF-8"}
    if not isinstance(document, dict):
        return {"id": None, "line": line_number, "error": "not a JSON object"}
    message_id = document.get("id", line_number)
    text = document.get("text")
    if not isinstance(text, str):
        return {"id": message_id, "line": line_number, "error": "missing string field 'text'"}
    return verdict_to_json(screener.screen(text), message_id)


@contextmanager
def _open_input(path: Path | None) -> Iterator[Iterable[bytes]]:
    """Binary lines from the file named, or stdin; unreadable input is a CliError."""
    if path is None:
        yield sys.stdin.buffer
        return
    try:
        stream = path.open("rb")
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from None
    with stream:
        yield stream
