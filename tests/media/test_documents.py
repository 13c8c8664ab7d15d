"""Documents: PDF, Word, Excel, CSV and text, each screened part by part."""

import dataclasses

import pytest

from bot.media.limits import DEFAULT_LIMITS
from bot.moderation import Action
from tests.media import samples


def parts_with(verdict, category: str) -> set[str]:
    return {item.part for item in verdict.findings if item.finding.category == category}


def all_shown(verdict) -> str:
    return " ".join(item.finding.evidence for item in verdict.findings) + verdict.redacted_excerpt


# --- spreadsheets --------------------------------------------------------------------------------


def test_a_patient_list_spreadsheet_is_removed_row_by_row(screen) -> None:
    verdict = screen(samples.patient_workbook(), "ward7.xlsx")
    assert verdict.action is Action.REMOVE
    assert verdict.kind == "xlsx"
    assert parts_with(verdict, "patient.nhs_number") == {
        "sheet Patients, row 3",
        "sheet Patients, row 4",
        "sheet Patients, row 5",
    }
    assert "sheet Patients, row 4" in parts_with(verdict, "patient.dob")
    assert "9434765919" not in all_shown(verdict)  # stored as a number, shown as one
    assert "Mary Jones" not in all_shown(verdict)
    assert verdict.fully_screened


def test_values_under_patient_headers_are_found_even_when_ambiguous_alone(screen) -> None:
    # "Pat Lee" and "1/2/33" say little alone; under "Patient" and "D.O.B." in a list they do.
    data = b"Patient,D.O.B.,Bay\r\nPat Lee,1/2/33,Bay 2\r\nKim Ng,3/4/44,Bay 3\r\n"
    verdict = screen(data, "list.csv")
    assert verdict.action is Action.REMOVE
    assert parts_with(verdict, "patient.name") == {"CSV, row 2", "CSV, row 3"}
    assert parts_with(verdict, "patient.dob") == {"CSV, row 2", "CSV, row 3"}
    assert "Pat Lee" not in all_shown(verdict)
    assert "3/4/44" not in all_shown(verdict)


def test_a_staff_rota_spreadsheet_is_allowed(screen) -> None:
    verdict = screen(samples.rota_workbook(), "rota.xlsx")
    assert verdict.action is Action.ALLOW, verdict.findings
    assert verdict.parts_screened >= 1


def test_a_patient_csv_is_removed(screen) -> None:
    verdict = screen(samples.patient_csv(), "export.csv")
    assert verdict.action is Action.REMOVE
    assert verdict.kind == "csv"
    assert parts_with(verdict, "patient.nhs_number") == {"CSV, row 2", "CSV, row 3", "CSV, row 4"}


def test_a_long_patient_list_is_cut_to_the_row_limit_and_still_removed(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, max_rows=100)
    verdict = screen(samples.patient_workbook(extra_rows=500), "big.xlsx", limits=limits)
    assert verdict.action is Action.REMOVE
    assert "row limit" in verdict.unscreened_reason
    assert verdict.more_findings > 0  # many more than are listed for the admins


# --- Word, PDF and text --------------------------------------------------------------------------


def test_a_word_handover_with_a_table_and_a_photo_of_a_list_is_removed(screen) -> None:
    data = samples.handover_docx(with_picture=samples.handover_sheet())
    verdict = screen(data, "handover.docx")
    assert verdict.action is Action.REMOVE
    assert verdict.kind == "docx"
    parts = {item.part for item in verdict.findings}
    assert any(part.startswith("table 1, row") for part in parts)
    assert any(part.startswith("picture image1.png, line") for part in parts)


def test_a_pdf_is_screened_page_by_page(screen) -> None:
    pages = [["Minutes of the ward meeting", "Rota agreed."], ["Bed 3 Jane Doe NHS 943 476 5919"]]
    verdict = screen(samples.text_pdf(pages), "minutes.pdf")
    assert verdict.action is Action.REMOVE
    assert parts_with(verdict, "patient.nhs_number") == {"page 2, line 1"}


def test_a_scanned_pdf_is_read_by_ocr(screen) -> None:
    verdict = screen(samples.scanned_pdf([samples.handover_sheet()]), "scan.pdf")
    assert verdict.action is Action.REMOVE
    assert any(
        part.startswith("page 1 (scanned), line")
        for part in parts_with(verdict, "patient.nhs_number")
    )


def test_a_clean_pdf_and_text_file_are_allowed(screen) -> None:
    pdf = screen(samples.text_pdf([samples.rota_lines()]), "rota.pdf")
    text = screen("\n".join(samples.rota_lines()).encode("utf-8"), "rota.txt")
    assert pdf.action is Action.ALLOW
    assert text.action is Action.ALLOW
    assert text.kind == "text"


def test_a_text_file_in_windows_1252_is_read(screen) -> None:
    data = "Café rota\r\nBed 4 Mr Smith NHS 943 476 5919 – please call\r\n".encode("cp1252")
    verdict = screen(data, "notes.txt")
    assert verdict.action is Action.REMOVE
    assert parts_with(verdict, "patient.nhs_number") == {"text, line 2"}


def test_pages_over_the_limit_are_noted_and_the_rest_screened(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, max_pdf_pages=2)
    pages = [["nothing here"]] * 2 + [["NHS 943 476 5919"]]
    verdict = screen(samples.text_pdf(pages), "long.pdf", limits=limits)
    assert verdict.action is Action.FLAG  # the data was on a page not read: a person must look
    assert verdict.unscreened_reason == "pages 3-3 (the limit is 2)"


# --- files the bot cannot read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (samples.encrypted_pdf(["NHS 943 476 5919"]), "locked.pdf", "encrypted PDF"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 100, "broken.pdf", "damaged PDF"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptedPackage".encode("utf-16-le")
            + b"\x00" * 64,
            "locked.xlsx",
            "encrypted Office document",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old.doc", "old-style Office file"),
        (samples.zipped({"word/document.xml": b"<not xml"}), "broken.docx", "damaged Word"),
        (samples.zipped({"xl/workbook.xml": b"<nope/>"}), "broken.xlsx", "damaged spreadsheet"),
        (bytes(range(256)) * 40, "video.mp4", "not a kind of file the bot can read (.mp4)"),
    ],
)
def test_a_file_that_cannot_be_read_is_flagged_with_the_reason(screen, data, name, reason) -> None:
    verdict = screen(data, name)
    assert verdict.action is Action.FLAG
    assert reason in verdict.unscreened_reason
    assert verdict.findings == ()


def test_a_file_over_the_size_limit_is_not_opened(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, max_file_bytes=1000)
    verdict = screen(b"x" * 2000, "big.txt", limits=limits)
    assert verdict.action is Action.FLAG
    assert verdict.unscreened_reason.startswith("file too large")
    assert verdict.parts_screened == 0


def test_an_empty_file_has_nothing_to_screen(screen) -> None:
    verdict = screen(b"", "empty.txt")
    assert verdict.action is Action.ALLOW
    assert verdict.kind == "empty"


def test_the_time_limit_stops_a_file_part_way_and_flags_it(screen) -> None:
    limits = dataclasses.replace(DEFAULT_LIMITS, seconds_per_file=0.0)
    verdict = screen(samples.patient_workbook(extra_rows=200), "list.xlsx", limits=limits)
    assert verdict.action in (Action.FLAG, Action.REMOVE)
    assert "time limit" in verdict.unscreened_reason


def test_a_utf16_text_export_is_read(screen) -> None:
    data = "Bed,Patient,NHS No\r\n4,John Smith,943 476 5919\r\n".encode("utf-16")
    verdict = screen(data, "export.csv")
    assert verdict.kind == "csv"
    assert verdict.action is Action.REMOVE
