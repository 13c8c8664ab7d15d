"""Zip archives: what is inside is screened; bombs, encryption and nesting are refused."""

import dataclasses
import zipfile

from bot.media.limits import DEFAULT_LIMITS
from bot.moderation import Action
from tests.media import samples


def test_images_and_documents_inside_a_zip_are_screened_and_labelled(screen) -> None:
    archive = samples.zipped(
        {
            "photos/board.jpg": samples.encoded(samples.handover_sheet(), "JPEG", quality=85),
            "lists/ward7.xlsx": samples.patient_workbook(),
            "readme.txt": b"Photos from the night shift",
        }
    )
    verdict = screen(archive, "night.zip")
    assert verdict.action is Action.REMOVE
    assert verdict.kind == "zip"
    parts = {item.part for item in verdict.findings}
    assert any(part.startswith("photos/board.jpg, line") for part in parts)
    assert any(part.startswith("lists/ward7.xlsx, sheet Patients, row") for part in parts)
    assert verdict.fully_screened


def test_a_clean_zip_is_allowed(screen) -> None:
    archive = samples.zipped(
        {
            "rota.xlsx": samples.rota_workbook(),
            "cake.jpg": samples.encoded(samples.cake_photo(), "JPEG"),
        }
    )
    verdict = screen(archive, "team.zip")
    assert verdict.action is Action.ALLOW
    assert verdict.parts_screened >= 2


def test_a_file_in_a_zip_named_after_a_patient_is_found_and_never_shown(screen) -> None:
    archive = samples.zipped(
        {
            "Mrs Thornbury DOB 12.03.1948/letter.txt": b"Please see the attached.",
            "rota.xlsx": samples.rota_workbook(),
        }
    )
    verdict = screen(archive, "letters.zip")
    assert verdict.action is Action.REMOVE
    assert {item.finding.category for item in verdict.findings} >= {"patient.dob"}
    shown = " ".join(
        [
            *(item.part for item in verdict.findings),
            *(item.finding.evidence for item in verdict.findings),
        ]
    )
    assert "Thornbury" not in shown
    assert "12.03.1948" not in shown


def test_a_zip_bomb_is_refused_without_unpacking(screen) -> None:
    bomb = samples.zipped({"zeros.txt": b"\x00" * (50 * 1024 * 1024)})
    assert len(bomb) < 100_000
    verdict = screen(bomb, "bomb.zip")
    assert verdict.action is Action.FLAG
    assert "zip bomb" in verdict.unscreened_reason


def test_an_archive_that_unpacks_to_too_much_is_refused(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, max_archive_bytes=10_000)
    archive = samples.zipped(
        {f"{n}.txt": bytes(range(256)) * 20 for n in range(5)}, zipfile.ZIP_STORED
    )
    verdict = screen(archive, "many.zip", limits=limits)
    assert verdict.action is Action.FLAG
    assert "unpacks to too much" in verdict.unscreened_reason


def test_an_archive_with_too_many_files_is_refused(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, max_archive_members=10)
    archive = samples.zipped({f"{n}.txt": b"hello" for n in range(11)})
    verdict = screen(archive, "many.zip", limits=limits)
    assert "too many files" in verdict.unscreened_reason


def test_a_word_document_that_is_a_zip_bomb_is_refused(screen) -> None:
    bomb = samples.zipped({"word/document.xml": b" " * (30 * 1024 * 1024)})
    verdict = screen(bomb, "report.docx")
    assert verdict.kind == "docx"
    assert verdict.action is Action.FLAG
    assert "zip bomb" in verdict.unscreened_reason


def test_encrypted_members_are_reported_and_the_rest_screened(screen) -> None:
    archive = samples.marked_encrypted(samples.zipped({"secret.xlsx": samples.patient_workbook()}))
    verdict = screen(archive, "locked.zip")
    assert verdict.action is Action.FLAG
    assert verdict.unscreened_reason == "secret.xlsx: encrypted (password-protected)"


def test_archives_nested_deeper_than_the_limit_are_not_opened(screen) -> None:
    inner = samples.zipped({"list.csv": samples.patient_csv()})
    once = screen(samples.zipped({"inner.zip": inner}), "once.zip")
    assert once.action is Action.REMOVE
    deep = samples.zipped({"b.zip": samples.zipped({"c.zip": inner})})
    verdict = screen(deep, "deep.zip")
    assert verdict.action is Action.FLAG
    assert "nested too deeply" in verdict.unscreened_reason


def test_a_member_of_an_unknown_kind_is_noted_and_the_rest_screened(screen) -> None:
    archive = samples.zipped(
        {"clip.mp4": bytes(range(256)) * 10, "list.csv": samples.patient_csv()}
    )
    verdict = screen(archive, "mixed.zip")
    assert verdict.action is Action.REMOVE
    assert verdict.unscreened_reason.startswith("clip.mp4: not a kind of file")


def test_a_damaged_archive_is_reported(screen) -> None:
    archive = samples.zipped({"a.txt": b"hello"})
    verdict = screen(archive[:-30], "cut.zip")
    assert verdict.action is Action.FLAG
    assert "damaged archive" in verdict.unscreened_reason
