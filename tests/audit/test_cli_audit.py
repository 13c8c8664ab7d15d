"""`staffguard audit` as an admin runs it: a real process on export files written here.

The processes screen with the default engine. While the patient-data
detectors are not registered yet, a `sitecustomize` on PYTHONPATH adds small
stand-ins (see `stand_in.py`) in every process, worker processes included;
once the real ones find "NHS no 943 476 5919" the stand-ins stay out.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.audit.runner import SERIAL_FIRST, AuditSummary
from bot.cli.audit import Progress, ScreenerFromPolicy
from tests.audit.exports import (
    LRM,
    WHATSAPP_LOCALES,
    telegram_account,
    telegram_chat,
    telegram_message,
    telegram_service,
    whatsapp_text,
    write_zip,
)
from tests.audit.stand_in import NHS_NUMBER_TEXT, NINO_TEXT

REPO = Path(__file__).resolve().parents[2]
SECRETS = ("943 476 5919", "9434765919", "JT 48 61 93 B", "JT486193B")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("site")
    (site / "sitecustomize.py").write_text(
        "from tests.audit.stand_in import install_if_needed\ninstall_if_needed()\n"
    )
    return os.environ | {"PYTHONPATH": f"{site}{os.pathsep}{REPO}"}


@pytest.fixture
def audit(cli_env):
    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "audit", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            cwd=REPO,
            env=cli_env,
        )

    return run


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


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
    result = audit(folder, "--out", html, "--csv", csv_file, "--json", jsonl)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress line when stderr is not a terminal
    out = result.stdout
    assert "Telegram Desktop export (single chat)" in out
    assert "Messages screened:                 4" in out
    assert "Service messages (not screened):   1" in out
    assert "1 attachment not screened" in out
    assert "patient.nhs_number" in out
    assert "personal.nino" in out
    assert "Bob Jones" in out
    assert "2024-02" in out  # the month between two breaches is shown, at 0
    breaches = json_lines(jsonl)
    assert [(b["id"], b["date"], b["author"]) for b in breaches] == [
        (3, "2024-01-15T09:30:00", "Jane Smith"),
        (4, "2024-03-02T17:45:00", "Bob Jones"),
    ]
    assert breaches[0]["action"] == "remove"
    assert "patient.nhs_number" in breaches[0]["categories"]
    assert breaches[1]["edited"] is True
    report = html.read_text(encoding="utf-8")
    assert report.count("<svg") == 3
    assert "<script" not in report
    assert csv_file.read_text(encoding="utf-8").count("\n") >= 3
    assert_no_secrets(
        out, result.stderr, report, csv_file.read_text(), jsonl.read_text(encoding="utf-8")
    )


def test_a_whole_account_export_names_the_chat_of_each_breach(audit, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(
        telegram_account(
            {"Ward 7": [telegram_message(1, "hello")], "Theatres": [telegram_message(8, NINO_TEXT)]}
        )
    )
    jsonl = tmp_path / "b.jsonl"
    result = audit(path, "--json", jsonl)
    assert result.returncode == 0, result.stderr
    assert "whole account" in result.stdout
    (breach,) = json_lines(jsonl)
    assert (breach["chat"], breach["id"], breach["ref"]) == ("Theatres", 8, "Theatres #8")


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
    assert result.returncode == 0, result.stderr
    assert f"WhatsApp export ({locale.platform}" in result.stdout
    assert "Messages screened:                 2" in result.stdout
    assert "Service messages (not screened):   2" in result.stdout
    assert "Lines outside any message:         1" in result.stdout
    (breach,) = json_lines(jsonl)
    assert breach["date"] == "2024-01-25T21:15:00"
    assert breach["author"] == "Bob Jones"
    assert breach["chat"] == "Ward 7"
    assert breach["line"] == 4
    assert "patient.nhs_number" in breach["categories"]
    assert breach["redacted"].startswith("Bed 4\n")
    assert_no_secrets(result.stdout, jsonl.read_text(encoding="utf-8"))


def test_a_whatsapp_ios_zip_with_media_reports_attachments_not_screened(audit, tmp_path):
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
    result = audit(path, "--fail-on", "remove")
    assert result.returncode == 1
    assert "2 attachments not screened (1 of them not included in the export)" in result.stdout
    assert "personal.nino" in result.stdout
    assert_no_secrets(result.stdout)


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
    assert audit(path, *args).returncode == status


def test_a_truncated_telegram_export_reports_what_was_read_then_fails_clearly(audit, tmp_path):
    content = telegram_chat(
        [telegram_message(1, NHS_NUMBER_TEXT), telegram_message(2, f"second {NINO_TEXT}")]
    )
    path = tmp_path / "result.json"
    path.write_text(content[: content.index("second")])
    jsonl = tmp_path / "b.jsonl"
    html = tmp_path / "r.html"
    result = audit(path, "--json", jsonl, "--out", html)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "cut short or malformed after 1 messages" in result.stderr
    assert "cover the 1 messages read before that" in result.stderr
    assert "Messages read:                     1" in result.stdout
    assert len(json_lines(jsonl)) == 1
    assert "The export broke off" in html.read_text(encoding="utf-8")
    assert_no_secrets(result.stdout, result.stderr, html.read_text(encoding="utf-8"))


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
    assert result.returncode == 1  # the number on a continuation line was screened
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
    assert result.returncode == 3
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_export_fails_clearly(audit, tmp_path):
    result = audit(tmp_path / "missing")
    assert result.returncode == 3
    assert "no such file or folder" in result.stderr


def test_an_output_that_cannot_be_written_fails_before_screening(audit, tmp_path):
    folder = telegram_folder(tmp_path)
    result = audit(folder, "--out", tmp_path / "no" / "such" / "dir" / "r.html")
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert result.stdout == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_is_a_clear_error(audit, tmp_path):
    result = audit(telegram_folder(tmp_path), "--json", "/dev/full")
    assert result.returncode == 5
    assert "cannot write the outputs: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_may_not_overwrite_the_export(audit, tmp_path):
    folder = telegram_folder(tmp_path)
    result = audit(folder / "result.json", "--json", folder / "result.json")
    assert result.returncode == 2
    assert "named twice" in result.stderr
    assert (folder / "result.json").read_text().startswith("{")


def test_jobs_screen_in_parallel_with_the_same_results_in_the_same_order(audit, tmp_path):
    count = SERIAL_FIRST + 2_000  # workers start after the first SERIAL_FIRST messages
    texts = ["Handover at 2", NHS_NUMBER_TEXT, f"Pay {NINO_TEXT}", "", "Cake"]
    messages = [telegram_message(i, texts[i % len(texts)]) for i in range(count)]
    path = tmp_path / "result.json"
    path.write_text(telegram_chat(messages))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert audit(path, "--json", one, "--jobs", "1").returncode == 0
    result = audit(path, "--json", two, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert len(json_lines(one)) == count * 2 // 5
    assert one.read_text() == two.read_text()


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
    assert result.returncode == 0, result.stderr
    assert [(b["id"], b["action"], b["categories"]) for b in json_lines(jsonl)] == [
        (2, "signpost", ["personal.nino"])
    ]
    assert audit(path, "--fail-on", "remove").returncode == 1  # the defaults remove both


def test_a_broken_policy_file_fails_before_reading_the_export(audit, tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("categories:\n  conduct.politcal: remove\n")
    result = audit(tmp_path / "missing.json", "--policy", policy)
    assert result.returncode == 4
    assert "politcal" in result.stdout + result.stderr


def test_the_screener_factory_travels_to_worker_processes_intact(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    factory = ScreenerFromPolicy(policy, -1001111)
    copy = pickle.loads(pickle.dumps(factory))
    assert copy().policy == factory().policy
    assert "patient.nhs_number" not in copy().policy.enabled


@pytest.mark.parametrize("jobs", ["-1", "two"])
def test_a_bad_job_count_is_a_usage_error(audit, tmp_path, jobs):
    assert audit(tmp_path, "--jobs", jobs).returncode == 2


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
