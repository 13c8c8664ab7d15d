"""Spreadsheet-like tables (XLSX sheets, CSV, Word tables) as text the detectors can read.

Each row becomes one line, its cells joined by " | ". When the table has a
header row, each cell is written "Header: value", so a detector sees
"NHS number: 943 476 5919 | Patient: John Smith" and has the context a bare
cell lacks. `ColumnDetector` then reads that form: in a table that is a
patient list, every value under a patient-identifier header ("NHS number",
"DOB", "Patient name", "MRN", "Address") is a finding even where the value on
its own would be ambiguous (a bare name, a date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import regex
import yaml

from bot.media.limits import Budget, BudgetExceededError
from bot.media.verdict import TextPart
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

CELL_SEPARATOR = " | "
_BLOCK_ROWS = 40
_BLOCK_CHARS = 3000
_HEADER_SEARCH_ROWS = 10
_MAX_HEADER_CELL = 40
_MAX_CELL_CHARS = 500

# Kinds of column (the keys of data/table_headers.yaml).
NHS_NUMBER = "nhs_number"
HOSPITAL_NUMBER = "hospital_number"
DOB = "dob"
NAME = "name"
PATIENT_NAME = "patient_name"
ADDRESS = "address"
CONTACT = "contact"
CLINICAL = "clinical"
STAFF = "staff"

_HEADERS_FILE = Path(__file__).parent / "data" / "table_headers.yaml"
_PATIENT_TITLE = regex.compile(
    r"\b(?:patients?|handover|admissions?|discharges?|inpatients?|census|caseload"
    r"|clinic\s+list|theatre\s+list|waiting\s+list|referrals?)\b",
    regex.IGNORECASE,
)
_IDENTIFIERS = frozenset({NAME, DOB, ADDRESS})
_DIGITS = regex.compile(r"\d")
_LETTERS = regex.compile(r"\p{L}")


def squeeze(header: str) -> str:
    return "".join(char for char in header.casefold() if char.isalnum())


@cache
def _headers() -> dict[str, str]:
    """Each known header, squeezed, and the kind of column it heads."""
    listed = yaml.safe_load(_HEADERS_FILE.read_text(encoding="utf-8"))
    return {squeeze(str(header)): kind for kind, headers in listed.items() for header in headers}


def header_kind(header: str) -> str | None:
    return _headers().get(squeeze(header))


def is_patient_list(headers: Iterable[str], titles: Iterable[str] = ()) -> bool:
    """A table whose columns (or title) say it lists patients, not staff."""
    kinds = {header_kind(header) for header in headers}
    if kinds & {NHS_NUMBER, HOSPITAL_NUMBER, PATIENT_NAME}:
        return True
    if any(_PATIENT_TITLE.search(title) for title in titles):
        return True
    if STAFF in kinds:
        return False
    identifiers = kinds & _IDENTIFIERS
    return len(identifiers) >= 2 or bool(identifiers and CLINICAL in kinds)


def cell_text(value: object) -> str:
    """A cell as a person would read it: whole numbers without ".0", dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    text = " ".join(str(value).split())[:_MAX_CELL_CHARS]
    return text.replace("|", "/")


@dataclass
class _Table:
    header: list[str] | None = None
    titles: list[str] = field(default_factory=list)  # the cells of rows above the header


def table_parts(
    source: str, rows: Iterable[tuple[int, Sequence[object]]], budget: Budget
) -> Iterator[TextPart]:
    """Blocks of rendered rows, labelled "row N"; `rows` gives (row number, cells)."""
    table = _Table()
    pending: list[tuple[int, list[str]]] = []
    lines: list[str] = []
    labels: list[str] = []
    size = 0
    for number, raw in _paced(rows, budget):
        cells = [cell_text(value) for value in raw]
        if not any(cells):
            continue
        _count(budget, len(cells))
        if table.header is None and len(pending) < _HEADER_SEARCH_ROWS:
            pending.append((number, cells))
            if _is_header(cells):
                table.header = cells
                yield from _flush_pending(source, table, pending, budget)
                pending = []
            continue
        if pending:  # no header among the first rows: render them bare
            yield from _flush_pending(source, table, pending, budget)
            pending = []
        line = render_row(cells, table.header)
        lines.append(line)
        labels.append(f"row {number}")
        size += len(line) + 1
        if len(lines) >= _BLOCK_ROWS or size >= _BLOCK_CHARS:
            yield _part(source, table, lines, labels, budget)
            lines, labels, size = [], [], 0
    if pending:
        yield from _flush_pending(source, table, pending, budget)
    if lines:
        yield _part(source, table, lines, labels, budget)


def _paced(
    rows: Iterable[tuple[int, Sequence[object]]], budget: Budget
) -> Iterator[tuple[int, Sequence[object]]]:
    """The rows, checking the time now and then (a sheet can hold a million empty rows)."""
    for number, cells in rows:
        if number % 2000 == 0:
            budget.check_time()
        yield number, cells


def _count(budget: Budget, cells: int) -> None:
    budget.rows += 1
    budget.cells += cells
    if budget.rows > budget.limits.max_rows or budget.cells > budget.limits.max_cells:
        raise BudgetExceededError(f"row limit of {budget.limits.max_rows:,} rows reached")


def _flush_pending(
    source: str, table: _Table, pending: list[tuple[int, list[str]]], budget: Budget
) -> Iterator[TextPart]:
    if not pending:
        return
    above_header = pending if table.header is None else pending[:-1]
    table.titles += [cell for _, cells in above_header for cell in cells]
    lines = [CELL_SEPARATOR.join(cell for cell in cells if cell) for _, cells in pending]
    labels = [f"row {number}" for number, _ in pending]
    yield _part(source, table, lines, labels, budget)


def _part(
    source: str, table: _Table, lines: list[str], labels: list[str], budget: Budget
) -> TextPart:
    text = "\n".join(lines)
    budget.take_text(len(text))
    patient_list = is_patient_list(table.header or (), table.titles)
    return TextPart(
        source=source,
        text=text,
        line_labels=tuple(labels),
        table=table.header is not None,
        patient_list=patient_list,
    )


def _is_header(cells: Sequence[str]) -> bool:
    filled = [cell for cell in cells if cell]
    if len(filled) < 2:
        return False
    if any(len(cell) > _MAX_HEADER_CELL or not _LETTERS.search(cell) for cell in filled):
        return False
    digits = sum(len(_DIGITS.findall(cell)) for cell in filled)
    if digits == 0:
        return True
    # "Obs 4h", "Bed 2": a few digits are fine in a row that names known columns.
    return digits <= len(filled) and any(header_kind(cell) for cell in filled)


def render_row(cells: Sequence[str], header: Sequence[str] | None) -> str:
    if header is None:
        return CELL_SEPARATOR.join(cell for cell in cells if cell)
    pieces = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = _header_label(header[index]) if index < len(header) else ""
        pieces.append(f"{name}: {cell}" if name else cell)
    return CELL_SEPARATOR.join(pieces)


def _header_label(header: str) -> str:
    return " ".join(header.replace(":", " ").split())


# --- the column detector -----------------------------------------------------------------------

_CATEGORY = {
    NHS_NUMBER: "patient.nhs_number",
    HOSPITAL_NUMBER: "patient.hospital_number",
    DOB: "patient.dob",
    NAME: "patient.name",
    PATIENT_NAME: "patient.name",
    ADDRESS: "patient.address",
    CONTACT: "patient.contact",
}


class ColumnDetector:
    """Values under patient-identifier headers in rendered table rows.

    Only for table parts (see `TextPart.table`): in a patient list every such
    value is a finding; elsewhere only a date under "DOB" is, and only enough
    to flag it (a staff list with birthdays is unusual, not certainly wrong).
    """

    name = "table_columns"
    categories = tuple(dict.fromkeys(_CATEGORY.values()))

    def __init__(self, patient_list: bool) -> None:
        self.patient_list = patient_list

    def find(self, text: NormalisedText) -> Iterator[Match]:
        for start, cell in _cells(text.text):
            header, colon, value = cell.partition(": ")
            kind = header_kind(header) if colon else None
            if kind not in _CATEGORY:
                continue
            value = value.rstrip()
            confidence = self._confidence(kind, value)
            if confidence:
                value_start = start + len(header) + len(colon)
                yield Match(
                    category=_CATEGORY[kind],
                    rule=f"column.{kind}",
                    start=value_start,
                    end=value_start + len(value),
                    confidence=confidence,
                    reason=f"a value in the column headed {header.strip()!r}",
                )

    def _confidence(self, kind: str, value: str) -> float:
        digits = len(_DIGITS.findall(value))
        if kind == NHS_NUMBER:
            return 0.95 if digits == 10 else (0.8 if digits >= 6 else 0.0)
        if kind == HOSPITAL_NUMBER:
            return 0.9 if digits and len(value) <= 20 else 0.0
        if kind == DOB:
            if not digits:
                return 0.0
            return 0.9 if self.patient_list else 0.45
        if not self.patient_list:
            return 0.0
        if kind in (NAME, PATIENT_NAME):
            return 0.9 if _LETTERS.search(value) and len(value) <= 60 else 0.0
        return 0.85 if kind in (ADDRESS, CONTACT) else 0.0


def _cells(text: str) -> Iterator[tuple[int, str]]:
    """Each cell of each rendered row, with where it starts in `text`."""
    position = 0
    for line in text.split("\n"):
        cell_start = position
        for cell in line.split(CELL_SEPARATOR):
            yield cell_start, cell
            cell_start += len(cell) + len(CELL_SEPARATOR)
        position += len(line) + 1
