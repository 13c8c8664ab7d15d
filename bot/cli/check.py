"""`staffguard check`: screen text from the command line (a stable, documented interface)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.cli.errors import CliError, ExitCode
from bot.cli.policy import load_policy_or_fail
from bot.codeofconduct.policy_file import default_policy_file
from bot.media import FacesSetting, FileVerdict, MediaScreener
from bot.moderation import DEFAULT_POLICY, Screener, ScreeningPolicy, Verdict


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check",
        help="screen a message, or JSON lines on stdin, and print the verdict",
        description=(
            "Screen TEXT and print the action, each finding and the redacted text. "
            'With --jsonl, read lines {"id": ..., "text": ...} and write one verdict per line. '
            "With --file, screen a photo or document (image, PDF, DOCX, XLSX, CSV, text, zip)."
        ),
    )
    parser.add_argument("text", nargs="?", help="the message to screen")
    parser.add_argument(
        "--file", type=Path, metavar="PATH", help="screen this image or document instead of TEXT"
    )
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
    if args.file is not None:
        if args.text is not None or args.jsonl or args.input:
            raise CliError("give either --file PATH or TEXT/--jsonl, not both", ExitCode.USAGE)
        return _check_file(args.file, args.policy, args.chat, as_json=args.json)
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


def _check_file(path: Path, policy_path: Path | None, chat_id: int | None, as_json: bool) -> int:
    policy, faces = file_policy(policy_path, chat_id)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    verdict = asyncio.run(_screen_file(data, path.name, policy, faces))
    if as_json:
        print(json.dumps(file_verdict_to_json(verdict, path.name), ensure_ascii=False))
    else:
        print(format_file_verdict(verdict, path.name))
    return int(ExitCode.OK)


def file_policy(
    policy_path: Path | None, chat_id: int | None
) -> tuple[ScreeningPolicy, FacesSetting]:
    """The group's screening policy and faces setting for photos and documents."""
    if policy_path is None:
        if chat_id is not None:
            raise CliError("--chat needs --policy FILE", ExitCode.USAGE)
        return DEFAULT_POLICY, default_policy_file().group().faces
    group = load_policy_or_fail(policy_path).group(chat_id)
    return group.screening_policy, group.faces


async def _screen_file(
    data: bytes, name: str, policy: ScreeningPolicy, faces: FacesSetting
) -> FileVerdict:
    async with MediaScreener(workers=1) as media:
        return await media.screen_file(data, name, policy, faces)


def file_verdict_to_json(verdict: FileVerdict, file_name: str) -> dict[str, Any]:
    """The public JSON shape of a file's verdict: a text verdict's, plus where each finding is."""
    document: dict[str, Any] = {
        "file": file_name,
        "kind": verdict.kind,
        "action": verdict.action.value,
        "categories": list(verdict.categories),
        "findings": [
            {
                "part": found.part,
                "category": found.finding.category,
                "rule": found.finding.rule,
                "start": found.finding.start,
                "end": found.finding.end,
                "confidence": found.finding.confidence,
                "evidence": found.finding.evidence,
            }
            for found in verdict.findings
        ],
        "faces": [{"part": face.part, "box": list(face.box)} for face in verdict.faces],
        "parts_screened": verdict.parts_screened,
        "redacted": verdict.redacted_excerpt,
    }
    if verdict.more_findings:
        document["more_findings"] = verdict.more_findings
    if verdict.unscreened_reason:
        document["unscreened"] = verdict.unscreened_reason
    if verdict.failed_detectors:
        document["failed_detectors"] = list(verdict.failed_detectors)
    return document


def format_file_verdict(verdict: FileVerdict, file_name: str) -> str:
    lines = [
        f"file:     {file_name} ({verdict.kind}; parts screened: {verdict.parts_screened})",
        f"action:   {verdict.action.value}",
    ]
    if verdict.findings:
        lines.append("findings:")
        for found in verdict.findings:
            finding = found.finding
            lines.append(
                f"  - {finding.category}  (rule {finding.rule}, "
                f"confidence {finding.confidence:.2f})  in {found.part}"
            )
            lines.append(f"    evidence: {finding.evidence}")
        if verdict.more_findings:
            lines.append(f"  ... and {verdict.more_findings} more")
    else:
        lines.append("findings: none")
    if verdict.faces:
        where = ", ".join(f"{face.part} at {_box(face.box)}" for face in verdict.faces)
        lines.append(f"faces:    {len(verdict.faces)} ({where}) -> {verdict.faces_action.value}")
    if verdict.unscreened_reason:
        lines.append(f"unscreened: {verdict.unscreened_reason}")
    if verdict.failed_detectors:
        lines.append("not fully screened: " + ", ".join(verdict.failed_detectors))
    if verdict.redacted_excerpt:
        lines.append("redacted:")
        lines.extend(f"  {line}" for line in verdict.redacted_excerpt.splitlines())
    return "\n".join(lines)


def _box(box: tuple[int, int, int, int]) -> str:
    x, y, width, height = box
    return f"{x},{y} {width}x{height}"


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
