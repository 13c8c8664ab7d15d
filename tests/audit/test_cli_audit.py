"""`staffguard audit` as an admin runs it, on export files written here, with the real engine.

Most cases call `bot.cli.main` in this process: it is the code the command
runs. Two start the installed `staffguard audit` as a process, for what only
a process shows: its exit status, the progress line on a terminal, a broken
export's error without a traceback, and worker processes for `--jobs`.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pty
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from bot.audit.runner import AuditSummary
from bot.audit.text_screening import SERIAL_FIRST
from bot.cli import main
from bot.cli.audit import Progress, ScreenerFromPolicy
from tests.audit.exports import (
    LRM,
    NHS_NUMBER_TEXT,
    NINO_TEXT,
    WHATSAPP_LOCALES,
    assert_no_patient_data,
    telegram_account,
    telegram_chat,
    telegram_message,
    telegram_service,
    whatsapp_text,
    write_zip,
)

REPO = Path(__file__).resolve().parents[2]
# The command as installed; `python -m bot.cli` where the package is not installed.
STAFFGUARD = Path(sys.executable).with_name("staffguard")
COMMAND = [str(STAFFGUARD)] if STAFFGUARD.exists() else [sys.executable, "-m", "bot.cli"]


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str


Audit = Callable[..., Run]


@pytest.fixture
def audit(capsys: pytest.CaptureFixture[str]) -> Audit:
    """`staffguard audit ARGS` in this process."""

    def run(*args: object) -> Run:
        status = main(["audit", *map(str, args)])
        stdout, stderr = capsys.readouterr()
        return Run(status, stdout, stderr)

    return run


def audit_process(*args: object, stderr: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """`staffguard audit ARGS` as a process of its own."""
    return subprocess.run(
        [*COMMAND, "audit", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=180,
        check=False,
        cwd=REPO,
    )


def json_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def telegram_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "ChatExport_2024-05-01"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff")
    messages = [
        telegram_service(1),
        telegram_message(2, "Handover at 2", date="2024-01-10T08:00:00"),
        telegram_message(3, f"Bed 4 {NHS_NUMBER_TEXT}", date="2024-01-15T09:30:00"),
        telegram_message(4, ["Pay query ", {"type": "bold", "text": NINO_TEXT}], author="Bob Jones")
        | {"date": "2024-03-02T17:45:00", "edited": "2024-03-02T17:46:00"},
        telegram_message(5, "wound photo", date="2024-03-03T10:00:00")
        | {"photo": "photos/photo_1.jpg"},
    ]
    (folder / "result.json").write_text(telegram_chat(messages), encoding="utf-8")
    return folder


def test_a_telegram_export_folder_gives_a_summary_and_three_redacted_outputs(audit, tmp_path):
    folder = telegram_folder(tmp_path)
    html, csv_file, jsonl = tmp_path / "r.html", tmp_path / "r.csv", tmp_path / "r.jsonl"
    result = audit(folder, "--out", html, "--csv", csv_file, "--json", jsonl, "--no-media")
    assert result.status == 0, result.stderr
    assert result.stderr == ""  # no progress line when stderr is not a terminal
    out = result.stdout
    assert "Telegram Desktop export (single chat)" in out
    assert "Messages screened:                 4" in out
    assert "Service messages (not screened):   1" in out
    assert "1 of 1 attachment was not (fully) screened (--no-media)" in out
    assert "Breaches:                          2 (remove 2)" in out
    assert "patient.nhs_number" in out
    assert "personal.nino" in out
    assert "Bob Jones" in out
    assert "2024-02" in out  # the month between two breaches is shown, at 0
    assert f"JSON lines:                        {jsonl}" in out
    breaches = json_lines(jsonl)
    assert [(b["id"], b["date"], b["author"], b["action"]) for b in breaches] == [
        (3, "2024-01-15T09:30:00", "Jane Smith", "remove"),
        (4, "2024-03-02T17:45:00", "Bob Jones", "remove"),
    ]
    assert [(b["categories"], b["redacted"]) for b in breaches] == [
        (["patient.nhs_number"], "Bed 4 NHS no [NHS number]"),
        (["personal.nino"], "Pay query NI no [NI number]"),
    ]
    assert [f["rule"] for b in breaches for f in b["findings"]] == ["nhs_number.checked", "nino"]
    assert breaches[1]["edited"] is True
    report = html.read_text(encoding="utf-8")
    assert report.count("<svg") == 3
    assert "<script" not in report
    assert "Bed 4 NHS no [NHS number]" in report
    spreadsheet = csv_file.read_text(encoding="utf-8")
    assert "Pay query NI no [NI number]" in spreadsheet
    assert spreadsheet.count("\n") >= 3
    assert_no_patient_data(out, report, spreadsheet, jsonl.read_text(encoding="utf-8"))


def test_a_whole_account_export_names_the_chat_of_each_breach(audit, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(
        telegram_account(
            {"Ward 7": [telegram_message(1, "hello")], "Theatres": [telegram_message(8, NINO_TEXT)]}
        )
    )
    jsonl = tmp_path / "b.jsonl"
    result = audit(path, "--json", jsonl)
    assert result.status == 0, result.stderr
    assert "whole account" in result.stdout
    (breach,) = json_lines(jsonl)
    assert (breach["chat"], breach["id"], breach["ref"]) == ("Theatres", 8, "Theatres #8")
    assert breach["redacted"] == "NI no [NI number]"


PICKED_LOCALES = [
    locale
    for locale in WHATSAPP_LOCALES
    if locale.name in {"android-uk-24h", "android-us-12h", "ios-us-12h"}
]


@pytest.mark.parametrize("locale", PICKED_LOCALES, ids=lambda locale: locale.name)
def test_whatsapp_exports_in_each_locale(audit, tmp_path, locale):
    lines = [
        (datetime(2024, 1, 3, 8, 0), "Jane Smith: Morning, handover at 2"),
        (datetime(2024, 1, 3, 8, 1), "Jane Smith added Bob Jones"),
        (datetime(2024, 1, 25, 21, 15), f"Bob Jones: Bed 4\n{NHS_NUMBER_TEXT}\nthanks"),
        (datetime(2024, 2, 1, 7, 5), "Jane Smith: This message was deleted"),
    ]
    path = tmp_path / "WhatsApp Chat with Ward 7.txt"
    path.write_text("garbage before the chat\n" + whatsapp_text(locale, lines), encoding="utf-8")
    jsonl = tmp_path / "b.jsonl"
    result = audit(path, "--json", jsonl)
    assert result.status == 0, result.stderr
    assert f"WhatsApp export ({locale.platform}" in result.stdout
    assert "Messages screened:                 2" in result.stdout
    assert "Service messages (not screened):   2" in result.stdout
    assert "Lines outside any message:         1" in result.stdout
    (breach,) = json_lines(jsonl)
    assert breach["date"] == "2024-01-25T21:15:00"
    assert breach["author"] == "Bob Jones"
    assert breach["chat"] == "Ward 7"
    assert breach["line"] == 4
    assert breach["categories"] == ["patient.nhs_number"]
    assert breach["redacted"] == "Bed 4\nNHS no [NHS number]\nthanks"
    assert_no_patient_data(result.stdout, jsonl.read_text(encoding="utf-8"))


def test_a_whatsapp_ios_zip_audited_without_media_counts_its_attachments(audit, tmp_path):
    chat = (
        f"{LRM}[15/01/2024, 09:30:12] Ward 7: {LRM}Messages and calls are end-to-end encrypted.\n"
        f"[15/01/2024, 09:31:00] Bob: {LRM}<attached: 00000001-PHOTO-2024-01-15-09-31-00.jpg>\n"
        f"[15/01/2024, 09:31:30] Bob: {LRM}image omitted\n"
        f"[15/01/2024, 09:32:00] Bob: {NINO_TEXT}\n"
    )
    path = write_zip(
        tmp_path / "WhatsApp Chat - Ward 7.zip",
        {"_chat.txt": chat, "00000001-PHOTO-2024-01-15-09-31-00.jpg": b"\xff\xd8\xff"},
    )
    result = audit(path, "--fail-on", "remove", "--no-media")
    assert result.status == 1
    assert "2 of 2 attachments were not (fully) screened (--no-media)" in result.stdout
    assert "  left out by the app:             1" in result.stdout
    assert "  not screened (--no-media):       1" in result.stdout
    assert "personal.nino" in result.stdout
    assert_no_patient_data(result.stdout, result.stderr)


@pytest.mark.parametrize(
    ("texts", "fail_on", "status"),
    [
        ([NHS_NUMBER_TEXT], "flag", 1),
        ([NHS_NUMBER_TEXT], None, 0),
        (["Cake in the staff room"], "flag", 0),
    ],
)
def test_fail_on_sets_the_exit_status_for_scripts(audit, tmp_path, texts, fail_on, status):
    path = tmp_path / "result.json"
    path.write_text(telegram_chat([telegram_message(i, t) for i, t in enumerate(texts)]))
    args = ["--fail-on", fail_on] if fail_on else []
    assert audit(path, *args).status == status


def test_a_truncated_telegram_export_reports_what_was_read_then_fails_clearly(tmp_path):
    content = telegram_chat(
        [telegram_message(1, NHS_NUMBER_TEXT), telegram_message(2, f"second {NINO_TEXT}")]
    )
    path = tmp_path / "result.json"
    path.write_text(content[: content.index("second")])
    jsonl = tmp_path / "b.jsonl"
    html = tmp_path / "r.html"
    result = audit_process(path, "--json", jsonl, "--out", html)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "cut short or malformed after 1 messages" in result.stderr
    assert "cover the 1 messages read before that" in result.stderr
    assert "Messages read:                     1" in result.stdout
    (breach,) = json_lines(jsonl)
    assert breach["redacted"] == "NHS no [NHS number]"
    report = html.read_text(encoding="utf-8")
    assert "The export broke off" in report
    assert_no_patient_data(result.stdout, result.stderr, report)


def test_a_whatsapp_file_of_garbage_lines_keeps_them_as_text_or_counts_them(audit, tmp_path):
    path = tmp_path / "_chat.txt"
    path.write_bytes(
        b"\xff\xfe junk\n"
        b"15/01/2024, 09:30 - Bob: start\n"
        b"\x00\x01\x02 more junk \xc3\n"
        + f"{NHS_NUMBER_TEXT}\n".encode()
        + b"15/01/2024, 09:31 - Ann: next\n"
    )
    result = audit(path, "--fail-on", "remove")
    assert result.status == 1  # the number on a continuation line was screened
    assert "Lines outside any message:         1" in result.stdout
    assert "Lines not in UTF-8:                2" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Dear all,\nthe rota is up.\n", "neither a Telegram Desktop export"),
        (b'{"name": "x"}', "no messages or chats"),
    ],
)
def test_files_that_are_not_exports_fail_with_a_clear_message(audit, tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_bytes(content)
    result = audit(path)
    assert result.status == 3
    assert message in result.stderr


def test_a_missing_export_fails_clearly(audit, tmp_path):
    result = audit(tmp_path / "missing")
    assert result.status == 3
    assert "no such file or folder" in result.stderr


def test_an_output_that_cannot_be_written_fails_before_screening(audit, tmp_path):
    folder = telegram_folder(tmp_path)
    result = audit(folder, "--out", tmp_path / "no" / "such" / "dir" / "r.html")
    assert result.status == 2
    assert "cannot write" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_a_clear_error(audit, tmp_path):
    result = audit(telegram_folder(tmp_path), "--json", "/dev/full", "--no-media")
    assert result.status == 5
    assert "cannot write the outputs: No space left on device" in result.stderr


def test_an_output_may_not_overwrite_the_export(audit, tmp_path):
    folder = telegram_folder(tmp_path)
    result = audit(folder / "result.json", "--json", folder / "result.json")
    assert result.status == 2
    assert "named twice" in result.stderr
    assert (folder / "result.json").read_text().startswith("{")


def large_export(path: Path, screened: int) -> Path:
    """Joins that are read but not screened, so worker processes start soon, then posts."""
    joins = [telegram_service(i) for i in range(SERIAL_FIRST)]
    texts = ["Handover at 2", NHS_NUMBER_TEXT, f"Pay {NINO_TEXT}", "", "Cake"]
    posts = [
        telegram_message(i, texts[i % len(texts)])
        for i in range(SERIAL_FIRST, SERIAL_FIRST + screened)
    ]
    path.write_text(telegram_chat(joins + posts))
    return path


def audit_process_on_a_terminal(*args: object) -> tuple[subprocess.CompletedProcess[str], str]:
    """The command with its stderr on a pseudo-terminal, and what it showed there.

    The terminal is read once the process has ended: fine for a few status lines.
    """
    controller, terminal = pty.openpty()
    try:
        result = audit_process(*args, stderr=terminal)
    finally:
        os.close(terminal)
    try:
        return result, read_until_closed(controller)
    finally:
        os.close(controller)


def read_until_closed(controller: int) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: nothing left, and no process holds the terminal open
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_large_export_on_a_terminal_shows_progress_and_the_same_outputs_with_jobs(
    audit, tmp_path
):
    path = large_export(tmp_path / "result.json", screened=1_500)
    serial, parallel = tmp_path / "serial.jsonl", tmp_path / "parallel.jsonl"
    assert audit(path, "--json", serial, "--jobs", "1").status == 0
    result, shown = audit_process_on_a_terminal(
        path, "--json", parallel, "--jobs", "2", "--fail-on", "remove"
    )
    assert result.returncode == 1, shown  # --fail-on remove: breaches were found
    assert shown.startswith("\rread 1,000 messages, 0 breaches (")
    assert "\n" not in shown  # only a status line, rewritten in place
    assert shown.endswith("\r")
    assert shown.rsplit("\r", 2)[1].isspace()  # the last thing shown: the line blanked out
    assert "Messages screened:                 1,200" in result.stdout
    assert len(json_lines(parallel)) == 1_500 * 2 // 5
    assert parallel.read_text() == serial.read_text()
    assert_no_patient_data(result.stdout, shown, parallel.read_text())


POLICY = """\
trust_name: Example NHS Trust
groups:
  "-1001111":
    name: Ward 7 team
    categories:
      patient.nhs_number: false
      personal.nino: signpost
"""


def test_the_group_policy_decides_as_it_would_in_the_group(audit, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    path = tmp_path / "result.json"
    path.write_text(
        telegram_chat([telegram_message(1, NHS_NUMBER_TEXT), telegram_message(2, NINO_TEXT)])
    )
    jsonl = tmp_path / "b.jsonl"
    result = audit(
        path, "--policy", policy, "--chat", "-1001111", "--json", jsonl, "--fail-on", "hold"
    )
    assert result.status == 0, result.stderr
    assert [(b["id"], b["action"], b["categories"]) for b in json_lines(jsonl)] == [
        (2, "signpost", ["personal.nino"])
    ]
    assert audit(path, "--fail-on", "remove").status == 1  # the defaults remove both


def test_a_broken_policy_file_fails_before_reading_the_export(audit, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("categories:\n  conduct.politcal: remove\n")
    result = audit(tmp_path / "missing.json", "--policy", policy)
    assert result.status == 4
    assert "politcal" in result.stdout + result.stderr


def test_the_screener_factory_travels_to_worker_processes_intact(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    factory = ScreenerFromPolicy(policy, -1001111)
    copy = pickle.loads(pickle.dumps(factory))
    assert copy().policy == factory().policy
    assert "patient.nhs_number" not in copy().policy.enabled


@pytest.mark.parametrize("jobs", ["-1", "two"])
def test_a_bad_job_count_is_a_usage_error(capsys, tmp_path, jobs):
    with pytest.raises(SystemExit) as exited:
        main(["audit", str(tmp_path), "--jobs", jobs])
    assert exited.value.code == 2
    assert "argument --jobs" in capsys.readouterr().err


def test_the_progress_line_rewrites_itself_and_is_cleared_at_the_end():
    stream = io.StringIO()
    progress = Progress(stream, interval=0)
    progress(AuditSummary(messages_read=1_000, breaches=2))
    progress(AuditSummary(messages_read=2_000, breaches=3))
    progress.finish()
    written = stream.getvalue()
    assert written.count("\r") == 4  # two updates, then a blank-out
    assert "read 2,000 messages, 3 breaches" in written
    assert written.endswith("\r")
    assert "\n" not in written
