"""Tables as text: header rows, cell values as people read them, and the column detector."""

import datetime as dt

import pytest

from bot.media.limits import DEFAULT_LIMITS, Budget
from bot.media.tables import ColumnDetector, cell_text, header_kind, is_patient_list, table_parts
from bot.moderation import DEFAULT_POLICY, Action, Screener


def rendered(rows: list[list[object]]) -> list:
    return list(table_parts("sheet S", enumerate(rows, start=1), Budget(DEFAULT_LIMITS)))


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("NHS No.", "nhs_number"),
        ("nhs_number", "nhs_number"),
        ("D.O.B", "dob"),
        ("Date of Birth", "dob"),
        ("Patient's name", "patient_name"),
        ("MRN", "hospital_number"),
        ("Post code", "address"),
        ("NOK phone", "contact"),
        ("Band", "staff"),
        ("Mon", None),
    ],
)
def test_headers_are_known_however_they_are_written(header, kind) -> None:
    assert header_kind(header) == kind


@pytest.mark.parametrize(
    ("headers", "titles", "expected"),
    [
        (["Bed", "Name", "NHS number"], [], True),
        (["Name", "DOB"], [], True),
        (["Name", "Diagnosis"], [], True),
        (["Name", "Mon", "Tue"], ["Patients on ward 7"], True),
        (["Name", "Role", "DOB"], [], False),
        (["Name", "Band", "Mon", "Tue"], [], False),
        (["Name", "Mon", "Tue"], ["Rota"], False),
    ],
)
def test_patient_lists_are_told_from_staff_lists(headers, titles, expected) -> None:
    assert is_patient_list(headers, titles) is expected


def test_cells_read_as_a_person_would() -> None:
    assert cell_text(9434765919.0) == "9434765919"
    assert cell_text(dt.datetime(1941, 3, 12)) == "12/03/1941"
    assert cell_text(dt.datetime(2024, 3, 12, 14, 30)) == "12/03/2024 14:30"
    assert cell_text("a | b\nc") == "a / b c"
    assert cell_text(None) == ""
    assert cell_text(2.5) == "2.5"


def test_rows_under_a_header_are_written_header_colon_value() -> None:
    (title, *rest) = rendered(
        [["Ward 7 patients"], [None], ["Bed", "Patient", "DOB"], [4, "Jo Bloggs", "01/02/1950"]]
    )
    text = "\n".join(part.text for part in [title, *rest])
    assert "Bed: 4 | Patient: Jo Bloggs | DOB: 01/02/1950" in text
    data_part = rest[-1]
    assert data_part.table
    assert data_part.patient_list
    assert data_part.label_at(len(data_part.text) - 1) == "sheet S, row 4"


def test_a_table_with_no_header_is_written_bare() -> None:
    (part,) = rendered([[1, 2, 3], [4, 5, 6]])
    assert part.text == "1 | 2 | 3\n4 | 5 | 6"
    assert not part.table


def test_the_column_detector_finds_values_only_in_a_patient_list() -> None:
    text = "Patient: Pat Lee | DOB: 1/2/33 | Bay: 2\nPatient: Kim Ng | DOB: 3/4/44 | Bay: 3"
    in_list = Screener(DEFAULT_POLICY, [ColumnDetector(patient_list=True)]).screen(text)
    assert in_list.action is Action.REMOVE
    assert [finding.rule for finding in in_list.findings] == [
        "column.patient_name",
        "column.dob",
        "column.patient_name",
        "column.dob",
    ]
    assert "Pat Lee" not in in_list.redacted_text
    staff = "Name: Sam Taylor | Role: nurse | DOB: 04/05/1990"
    not_list = Screener(DEFAULT_POLICY, [ColumnDetector(patient_list=False)]).screen(staff)
    assert [finding.rule for finding in not_list.findings] == ["column.dob"]
    assert not_list.action is Action.FLAG  # a birthday in a staff list: a person takes a look


def test_the_column_detector_ignores_free_text_that_merely_has_a_colon() -> None:
    text = "Note: call back | Plan: home tomorrow"
    verdict = Screener(DEFAULT_POLICY, [ColumnDetector(patient_list=True)]).screen(text)
    assert verdict.findings == ()
