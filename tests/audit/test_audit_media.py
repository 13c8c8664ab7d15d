"""Photos and documents in an export are screened with the text, with the real media pool.

Each export is written here, with its files drawn by `tests.media.samples`,
and audited once (the media workers take a second to start); the tests then
read what each output says. Patients and numbers are made up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.audit import media as audit_media
from bot.audit.attachments import FolderFiles
from bot.audit.media import MediaSettings
from bot.audit.model import AttachmentStatus, ExportedAttachment, ExportedMessage, ExportError
from bot.audit.runner import ReportedMessage, run_audit
from bot.cli import main
from bot.moderation import Screener
from tests.audit.exports import (
    NHS_NUMBER_TEXT,
    PATIENT_DATA,
    telegram_chat,
    telegram_message,
    write_zip,
)
from tests.audit.test_runner import CollectingSink
from tests.media import samples

NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
SHEET_PATIENTS = samples.PATIENTS[:2]
# What the photos and documents hold, which no output may show.
FILE_SECRETS = (
    *PATIENT_DATA,
    *(patient.nhs_number for patient in samples.PATIENTS),
    *(patient.nhs_number.replace(" ", "") for patient in samples.PATIENTS),
    *(patient.dob for patient in samples.PATIENTS),
    *(patient.name for patient in SHEET_PATIENTS),
)


def assert_no_file_secrets(*outputs: str) -> None:
    for output in outputs:
        for secret in FILE_SECRETS:
            assert secret not in output


def handover_jpeg() -> bytes:
    return samples.encoded(samples.handover_sheet(SHEET_PATIENTS), "JPEG", quality=85)


def cake_jpeg() -> bytes:
    return samples.encoded(samples.cake_photo(), "JPEG", quality=85)


@dataclass
class Audited:
    status: int
    stdout: str
    stderr: str
    records: list[dict]
    rows: list[dict[str, str]]
    report: str
    outputs: list[str] = field(default_factory=list)

    def record(self, ref: str) -> dict:
        (found,) = (record for record in self.records if record["ref"] == ref)
        return found


def audit_with_every_output(export: Path, folder: Path, *options: str) -> Audited:
    jsonl, csv_file, html = folder / "out.jsonl", folder / "out.csv", folder / "out.html"
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        outputs = ["--json", str(jsonl), "--csv", str(csv_file), "--out", str(html)]
        status = main(["audit", str(export), *outputs, "--jobs", "1", *options])
    texts = [path.read_text(encoding="utf-8") for path in (jsonl, csv_file, html)]
    return Audited(
        status=status,
        stdout=stdout.getvalue(),
        stderr=stderr.getvalue(),
        records=[json.loads(line) for line in texts[0].splitlines()],
        rows=list(csv.DictReader(io.StringIO(texts[1]))),
        report=texts[2],
        outputs=[stdout.getvalue(), stderr.getvalue(), *texts],
    )


# --- a Telegram Desktop export folder, and a hostile one -----------------------------------------


def write_telegram_export(root: Path) -> Path:
    """An export folder with photos and files, some missing, some pointing out of it."""
    outside = root / "elsewhere"
    outside.mkdir()
    (outside / "handover.jpg").write_bytes(handover_jpeg())  # must never be read
    folder = root / "ChatExport_2024-05-01"
    for name in ("photos", "files", "video_files"):
        (folder / name).mkdir(parents=True)
    (folder / "photos" / "photo_2@15-01-2024_09-30-00.jpg").write_bytes(handover_jpeg())
    (folder / "photos" / "photo_3@15-01-2024_09-35-00.jpg").write_bytes(cake_jpeg())
    (folder / "files" / "ward list.csv").write_bytes(samples.patient_csv())
    (folder / "video_files" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (folder / "photos" / "photo_9.jpg").symlink_to(outside / "handover.jpg")
    (folder / "photos" / "photo_10.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    cake = "photos/photo_3@15-01-2024_09-35-00.jpg"
    messages = [
        telegram_message(1, "Handover at 2"),
        telegram_message(2, "night list") | {"photo": "photos/photo_2@15-01-2024_09-30-00.jpg"},
        telegram_message(3, "Cake in the staff room") | {"photo": cake},
        telegram_message(4, "") | {"file": "files/ward list.csv", "mime_type": "text/csv"},
        telegram_message(5, "see photo") | {"photo": "photos/photo_5.jpg"},
        telegram_message(6, "") | {"photo": "../elsewhere/handover.jpg"},
        telegram_message(7, "") | {"photo": NOT_INCLUDED},
        telegram_message(8, "") | {"file": "video_files/clip.mp4", "media_type": "video_file"},
        telegram_message(9, "") | {"photo": "photos/photo_9.jpg"},
        telegram_message(10, "") | {"photo": "photos/photo_10.jpg"},
        telegram_message(11, f"Bed 4 {NHS_NUMBER_TEXT}") | {"photo": cake},
        telegram_message(12, "") | {"photo": str(outside / "handover.jpg")},
    ]
    (folder / "result.json").write_text(telegram_chat(messages), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def telegram(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    root = tmp_path_factory.mktemp("telegram")
    return audit_with_every_output(write_telegram_export(root), root, "--fail-on", "remove")


def test_photos_and_files_are_screened_and_their_breaches_reported(telegram):
    assert telegram.status == 1, telegram.stderr  # --fail-on remove
    assert [record["ref"] for record in telegram.records if record["breach"]] == [
        "#2",
        "#4",
        "#10",
        "#11",
    ]
    photo = telegram.record("#2")
    assert photo["action"] == "remove"
    assert {"patient.nhs_number", "patient.dob"} <= set(photo["categories"])
    (attachment,) = photo["attachments"]
    assert attachment["file"] == "photos/photo_2@15-01-2024_09-30-00.jpg"
    assert (attachment["type"], attachment["kind"], attachment["status"]) == (
        "photo",
        "image",
        "screened",
    )
    assert "patient.nhs_number" in attachment["categories"]
    assert {finding["part"] for finding in attachment["findings"]} >= {"image, line 2"}
    rules = [finding["rule"] for finding in photo["findings"]]
    assert "nhs_number.checked (photos/photo_2@15-01-2024_09-30-00.jpg: image, line 2)" in rules
    assert photo["redacted"].startswith(
        "night list\n[photos/photo_2@15-01-2024_09-30-00.jpg: 6 finding(s)] [image] WARD 7"
    )
    document = telegram.record("#4")
    assert document["attachments"][0]["file"] == "files/ward list.csv"
    assert document["attachments"][0]["kind"] == "csv"
    assert "patient.nhs_number" in document["categories"]


def test_a_text_breach_with_a_clean_photo_keeps_the_texts_finding(telegram):
    record = telegram.record("#11")
    assert record["categories"] == ["patient.nhs_number"]
    assert record["redacted"] == "Bed 4 NHS no [NHS number]"
    assert record["attachments"][0]["action"] == "allow"
    assert "#3" not in {record["ref"] for record in telegram.records}  # a clean photo and text


def test_attachments_that_were_not_screened_are_listed_with_the_reason(telegram):
    unscreened = {
        record["ref"]: (attachment["status"], attachment.get("reason"))
        for record in telegram.records
        for attachment in record.get("attachments", [])
        if attachment["status"] != "screened"
    }
    assert unscreened == {
        "#5": ("not found in the export", "not found in the export"),
        "#6": ("refused", "its path leads outside the export"),
        "#7": ("left out of the export", "the app exported the chat without it"),
        "#8": ("not screened", "videos, voice notes and contact cards are not screened"),
        "#9": ("refused", "it is a link leading outside the export"),
        "#10": ("unreadable", "damaged image (OSError)"),
        "#12": ("refused", "its path leads outside the export"),
    }
    # Only the file the engine opened and could not read is flagged, as in a group.
    assert telegram.record("#10")["action"] == "flag"
    assert {telegram.record(ref)["action"] for ref in ("#5", "#6", "#7", "#8", "#9", "#12")} == {
        "allow"
    }


def test_a_file_outside_the_export_is_never_read(telegram):
    for ref in ("#6", "#9", "#12"):
        record = telegram.record(ref)
        assert (record["breach"], record["categories"], record["findings"]) == (False, [], [])
        assert "kind" not in record["attachments"][0]  # no verdict: the engine never saw it


def test_the_terminal_counts_attachments_and_names_those_with_breaches(telegram):
    out = telegram.stdout
    assert "Attachments:                       11 (4 screened, 7 not fully)" in out
    assert "  unreadable:                      1" in out
    assert "  not found in the export:         1" in out
    assert "  refused (outside the export):    3" in out
    assert "  left out by the app:             1" in out
    assert "  videos, voice notes, contacts:   1" in out
    assert "Attachments with breaches:         2" in out
    assert "#2           photos/photo_2@15-01-2024_09-30-00.jpg   remove: patient." in out
    assert "#4           files/ward list.csv" in out
    assert "#9           photos/photo_9.jpg                       refused: it is a link" in out


def test_the_csv_and_html_name_the_attachments(telegram):
    rows = {row["ref"]: row for row in telegram.rows}
    assert set(rows) == {"#2", "#4", "#5", "#6", "#7", "#8", "#9", "#10", "#11", "#12"}
    assert rows["#2"]["attachments"].startswith(
        "photos/photo_2@15-01-2024_09-30-00.jpg: remove (patient."
    )
    assert rows["#5"]["action"] == "allow"
    assert rows["#5"]["attachments"] == "photos/photo_5.jpg: not screened: not found in the export"
    report = telegram.report
    assert "Attachments not screened" in report
    assert report.count("its path leads outside the export") == 2
    assert "[photos/photo_2@15-01-2024_09-30-00.jpg: 6 finding(s)]" in report


def test_no_output_shows_what_the_files_hold(telegram):
    assert_no_file_secrets(*telegram.outputs)


def test_no_media_audits_the_text_alone(tmp_path):
    audited = audit_with_every_output(write_telegram_export(tmp_path), tmp_path, "--no-media")
    assert [record["ref"] for record in audited.records] == ["#11"]
    assert "attachments" not in audited.records[0]
    assert "  not screened (--no-media):       10" in audited.stdout
    assert "  left out by the app:             1" in audited.stdout


# --- a WhatsApp export zip from Android ----------------------------------------------------------


@pytest.fixture(scope="module")
def whatsapp(tmp_path_factory: pytest.TempPathFactory) -> Audited:
    root = tmp_path_factory.mktemp("whatsapp")
    chat = (
        "15/01/2024, 09:30 - Jane Smith: IMG-20240115-WA0001.jpg (file attached)\n"
        "15/01/2024, 09:31 - Jane Smith: IMG-20240115-WA0002.jpg (file attached)\n"
        "look at this\n"
        "15/01/2024, 09:32 - Bob Jones: Discharge list.pdf (file attached)\n"
        "15/01/2024, 09:33 - Bob Jones: ../../../etc/hostname (file attached)\n"
        "15/01/2024, 09:34 - Bob Jones: <Media omitted>\n"
        "15/01/2024, 09:35 - Ann Lee: Thanks all\n"
    )
    patient = samples.PATIENTS[1]
    pdf = samples.text_pdf(
        [["Discharge list", f"{patient.name} NHS {patient.nhs_number} DOB {patient.dob}"]]
    )
    export = write_zip(
        root / "WhatsApp Chat with Ward 7.zip",
        {
            "WhatsApp Chat with Ward 7.txt": chat,
            "IMG-20240115-WA0001.jpg": handover_jpeg(),
            "Discharge list.pdf": pdf,
        },
    )
    return audit_with_every_output(export, root)


def test_a_whatsapp_zips_photos_and_documents_are_screened_in_place(whatsapp):
    assert whatsapp.status == 0, whatsapp.stderr
    breaches = [record for record in whatsapp.records if record["breach"]]
    assert [(record["line"], record["author"]) for record in breaches] == [
        (1, "Jane Smith"),
        (4, "Bob Jones"),
    ]
    photo, document = breaches
    assert photo["attachments"][0]["file"] == "IMG-20240115-WA0001.jpg"
    assert "patient.nhs_number" in photo["categories"]
    assert document["attachments"][0]["file"] == "Discharge list.pdf"
    assert document["attachments"][0]["kind"] == "pdf"
    assert "nhs_number.checked (Discharge list.pdf: page 1, line 2)" in [
        finding["rule"] for finding in document["findings"]
    ]
    assert document["redacted"].startswith("Discharge list.pdf\n[Discharge list.pdf: ")


def test_a_whatsapp_zips_missing_refused_and_omitted_media_are_listed(whatsapp):
    unscreened = {
        record["line"]: (attachment["file"], attachment["status"])
        for record in whatsapp.records
        for attachment in record.get("attachments", [])
        if attachment["status"] != "screened"
    }
    assert unscreened == {
        2: ("IMG-20240115-WA0002.jpg", "not found in the export"),
        5: ("../../../etc/hostname", "refused"),
        6: ("(media)", "left out of the export"),
    }
    assert "Attachments:                       5 (2 screened, 3 not fully)" in whatsapp.stdout
    assert_no_file_secrets(*whatsapp.outputs)


# --- the runner: order kept and memory bounded while files are screened --------------------------


def csv_messages(count: int) -> Iterator[ExportedMessage]:
    """Every third message carries a patient list; every seventh names a file not there."""
    for index in range(count):
        attachments: tuple[ExportedAttachment, ...] = ()
        if index % 3 == 0:
            attachments = (ExportedAttachment("document", True, "list.csv"),)
        elif index % 7 == 0:
            attachments = (ExportedAttachment("document", True, f"gone_{index}.csv"),)
        yield ExportedMessage(
            ref=f"#{index}",
            text="Handover at 2",
            date=datetime(2024, 1, 15),
            attachments=attachments,
        )


@dataclass
class FolderExport:
    items: Iterator[ExportedMessage]
    attachment_files: FolderFiles
    breaks_off: bool = False
    description: str = "test export"

    def __post_init__(self) -> None:
        from bot.audit.model import ReadNotes

        self.notes = ReadNotes()

    def messages(self) -> Iterator[ExportedMessage]:
        yield from self.items
        if self.breaks_off:
            raise ExportError("result.json is cut short")


def test_messages_keep_their_order_while_few_files_and_messages_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(audit_media, "MAX_WAITING_MESSAGES", 4)
    monkeypatch.setattr(audit_media, "FILES_IN_FLIGHT_PER_WORKER", 2)
    (tmp_path / "list.csv").write_bytes(samples.patient_csv())
    sink = CollectingSink()
    export = FolderExport(csv_messages(60), FolderFiles(tmp_path), breaks_off=True)
    summary = run_audit(
        export, screener_factory=Screener, sinks=[sink], media=MediaSettings(workers=1)
    )
    assert summary.error == "result.json is cut short"  # and what came before is all there
    assert summary.messages_read == 60
    expected = [f"#{index}" for index in range(60) if index % 3 == 0 or index % 7 == 0]
    assert [reported.ref for reported in sink.breaches] == expected
    assert summary.attachment_statuses == {
        AttachmentStatus.SCREENED: 20,
        AttachmentStatus.MISSING: len(expected) - 20,
    }
    assert all(_is_list_breach(reported) for reported in sink.breaches if reported.is_breach)
    assert summary.breaches == 20


def _is_list_breach(reported: ReportedMessage) -> bool:
    (attachment,) = reported.attachments
    return attachment.name == "list.csv" and reported.verdict.action.value == "remove"


class FilesThatBreak(FolderFiles):
    """A folder whose reading fails in a way no one foresaw (a bug, say)."""

    def read(self, written: str, max_bytes: int) -> bytes:
        raise RuntimeError("unexpected")


def test_a_file_that_fails_unexpectedly_is_listed_and_the_audit_goes_on(tmp_path, caplog):
    messages = [
        ExportedMessage(
            ref="#1", text="see list", attachments=(ExportedAttachment("document", True, "a.csv"),)
        ),
        ExportedMessage(ref="#2", text=f"Bed 4 {NHS_NUMBER_TEXT}"),
    ]
    sink = CollectingSink()
    export = FolderExport(iter(messages), FilesThatBreak(tmp_path))
    summary = run_audit(export, screener_factory=Screener, sinks=[sink], media=MediaSettings())
    assert [reported.ref for reported in sink.breaches] == ["#1", "#2"]
    (attachment,) = sink.breaches[0].attachments
    assert (attachment.status, attachment.reason) == (
        AttachmentStatus.UNREADABLE,
        "could not be screened (an internal error)",
    )
    assert summary.breaches == 1
    assert "screening an attachment failed: RuntimeError" in caplog.text
