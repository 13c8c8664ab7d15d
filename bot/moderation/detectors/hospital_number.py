"""Local patient identifiers: MRN, hospital/unit/K numbers, RiO/EMIS/SystmOne ids, CAD refs.

Unlike an NHS number these have no check digit and no single shape, so the
words before them do the work: "MRN", "hosp no", "RiO", "client ID" followed
by a code with digits in it. A clinical department or service followed by
"no"/"ref"/"ID" labels a patient's record too ("RIS no RX8831062", "ED
attendance no ...", "GUM number ...", "specimen ref ..."); staff and business
labels (ESR, PO, job, asset, bleep) never do. Four weaker routes add to that:

- a code shaped like one already labelled in the same message ("Patient ID
  50293318 ..., not 50293381");
- a bare letter and 6-8 digits ("K0837721") or a Carenotes "CN-448120" with
  patient words around it and no business words nearer;
- a prison number ("A1234BC": a letter, four digits, two letters) with prison
  or patient words in the message;
- the trust's own formats from its policy file (`HospitalNumberFormat`).

A CAD or incident number is an identifier when it is a full reference
("2406-0187"); a short bare "CAD 1183" is only flagged for a person to look at.
Ten-digit numbers that pass the NHS check are left to the NHS number detector.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import regex

from bot.moderation.context import has_context
from bot.moderation.detectors.identifier_context import (
    SpanSet,
    WordIndex,
    context_index,
    patient_side,
)
from bot.moderation.detectors.nhs_number import passes_modulus_11
from bot.moderation.normalise import NormalisedText
from bot.moderation.policy import HospitalNumberFormat
from bot.moderation.types import Match

CATEGORY = "patient.hospital_number"

_NUMBERED = r"[ \t]*(?:no\b\.?|nos\b\.?|num\b\.?|number\b|nbr\b|#|id\b|ref\b\.?|reference\b)"
# A clinical department, service or record system whose "no"/"ref"/"ID" is a
# patient's: "RIS no", "ED attendance no", "GUM number", "specimen ref". Staff and
# business labels (ESR, PO, job, asset, bleep, ext, room, ward) are not here, and a
# phone number after a department ("pharmacy no 0113...") is turned away.
_SERVICE_WORDS = frozenset(
    " ".join(
        (
            "ris pacs radiology imaging x-ray xray xr accession ed a&e ae utc maternity mat",
            "antenatal neonatal nicu scbu gum gu sh hiv clinic opd outpatient outpatients theatre",
            "theatres endoscopy lab laboratory specimen sample pathology path histology histo",
            "cytology microbiology micro pharmacy prescription rx script dental school pupil",
            "referral episode admission encounter attendance spell triage safeguarding mash",
            "oncology haematology chemo dialysis renal prison prisoner noms inmate offender",
            "custody detainee opat camhs iapt",
        )
    ).split()
)
_SERVICE_PHRASES = frozenset(
    {"sexual health", "social care", "school health", "school nursing", "child health"}
    | {"health visiting"}
)
# The last two words before a "no"/"ref": "ED attendance", "sexual health".
_WORDS_BEFORE = regex.compile(
    r"(?:(?<![\p{L}\p{N}&\-])([A-Za-z&\-]+)[ \t]+)?(?<![\p{L}\p{N}&\-])([A-Za-z&\-]+)[ \t]*$"
)
_SERVICE_LOOKBACK = 40
# More "no"/"ref" codes than this in one message is a table or an attack, not a note.
_MAX_SERVICE_LABELS = 40
# Between a label and its code (": ", " is ", "#", "("), then the code itself.
_CODE_AFTER_LABEL = (
    r"(?:[ \t:#=(.\-–—]{1,4}(?:(?:is|was)[ \t:#]{1,3})?)"
    r"(?P<code>(?:[A-Za-z]{1,3}[-/]?)?\d{2,}(?:(?:[-/]|[ \t](?=\d{3}))\d{2,}){0,3}[A-Za-z]{0,2})"
    r"(?![\p{L}\p{N}])"
)
# Record labels: a system name may stand alone ("RiO 1048832"); a generic word
# needs "no"/"ID"/"number" after it ("patient ID", "unit no", "case ref").
_LABEL = regex.compile(
    r"(?i)(?<![\p{L}\p{N}])(?:"
    r"(?P<system>(?:mrn|m\.r\.n\.?|rio|emis(?:[ \t]*web)?|lorenzo|care[ \t]?notes|"
    r"systm[ \t]?one|e-?pcr|upn|nomis)(?:" + _NUMBERED + r")?)"
    r"|(?P<record>(?:hosp(?:ital)?\.?|k|(?:patient|pt|client|service[ \t]+user|resident)['’]?s?|"
    r"s1|pas|pcr|case[ \t]?notes?|(?:medical[ \t]+)?records?|ld[ \t]*reg(?:ister)?|case|"
    r"local[ \t]+(?:patient[ \t]+)?)" + _NUMBERED + r")"
    r"|(?P<unit>unit" + _NUMBERED + r")"
    r"|(?P<cad>cad(?:[ \t]*(?:no\b\.?|num\b\.?|number\b|#|ref\b\.?|inc(?:ident)?\b))?)"
    r"|(?P<incident>inc(?:ident)?(?:[ \t]*(?:no\b\.?|num\b\.?|number\b|#|ref\b\.?|log\b))?)"
    # A bare "no"/"ref"/"ID": a label only after a department word (see `_SERVICE_WORDS`).
    r"|(?P<numbered>no\b\.?|nos\b\.?|num\b\.?|number\b|nbr\b|id\b|ref\b\.?|reference\b|#)"
    r")(?![\p{L}\p{N}])" + _CODE_AFTER_LABEL
)
_MIN_DIGITS = {"system": 5, "record": 4, "service": 4, "unit": 5, "cad": 3, "incident": 6}
_KINDS = ("system", "record", "unit", "cad", "incident", "numbered")
# A label after these is a staff, IT or governance case, not a patient's record.
_NOT_PATIENT_BEFORE = regex.compile(
    r"(?<![\p{L}])(?:(?i:datix|hr|helpdesk|service[ \t]?desk|estates|finance|payroll|esr|"
    r"grievance|disciplinary|staff|employee|po|order|invoice|asset|job|supplier|bleep|ext)|IT|ER)"
    r"(?![\p{L}])"
)
_BLOOD_UNIT = regex.compile(
    r"(?i)(?<![\p{L}])(?:blood|transfusion|bag|donor|donation|platelets?|ffp|cryo|lab)(?![\p{L}])"
)
# IT service-desk tickets: INC000338620, REQ0012345.
_TICKET_PREFIX = regex.compile(r"(?i)(?:inc|req|chg|prb)")
_DATE_OR_TIME = regex.compile(
    r"\d{1,2}[/.\-]\d{1,2}(?:[/.\-]\d{2}(?:\d{2})?)?"  # 12/03, 12.03.2024
    r"|(?:19|20)\d\d[/.\-](?:\d\d|(?:19|20)\d\d)"  # 2024-25, 2024/2025
    r"|(?:19|20)\d\d[/.\-]\d{1,2}[/.\-]\d{1,2}"  # 2024-03-12
)
# Digits first, prefix in a look-behind: much cheaper to scan for than a letter.
_BARE_SHAPE = regex.compile(
    r"(?<=(?<![\p{L}\p{N}])(?P<prefix>[A-Za-z]|[Cc][Nn]-))"
    r"(?:\d{6,8}|(?<=-)\d{5})(?![\p{L}\p{N}])"
)
_PHONE_SHAPE = regex.compile(r"0\d{9,10}")
_THREE_DIGITS = regex.compile(r"\d{3}")
_FIVE_DIGITS = regex.compile(r"\d{5}")
_FOUR_DIGITS = regex.compile(r"\d{4}")
# A prison number (England and Wales): a letter, four digits, two letters ("A1234BC").
_PRISON_NUMBER = regex.compile(r"(?<![\p{L}\p{N}])[A-Z]\d{4}[A-Z]{2}(?![\p{L}\p{N}])")
_PRISON_WORDS = regex.compile(
    r"(?i)(?<![\p{L}])(?:prisoners?|prison|hmp|yoi|inmates?|detainees?|offenders?|cell|wing|"
    r"landing|custody|nomis|seg|segregation|healthcare\s+unit|remand|sentenced)(?![\p{L}])"
)
_CODE_TOKEN = regex.compile(r"(?<![\p{L}\p{N}])(?:[A-Za-z]{1,3}-?)?\d{4,12}(?![\p{L}\p{N}])")
_PATTERN_TIMEOUT_SECONDS = 0.005


@dataclass(frozen=True, slots=True)
class _LocalFormat:
    name: str
    pattern: regex.Pattern[str]
    context: regex.Pattern[str] | None


class HospitalNumberDetector:
    name = "hospital_number"
    categories = (CATEGORY,)

    def __init__(self, formats: Sequence[HospitalNumberFormat] = ()) -> None:
        self._formats = tuple(_compile_format(fmt) for fmt in formats)

    def find(self, text: NormalisedText) -> list[Match]:
        body = text.text
        matches: list[Match] = []
        # Every built-in rule needs three digits in a row; most messages have none.
        built_in = _THREE_DIGITS.search(body) is not None
        if built_in:
            matches.extend(_labelled(body))
            matches.extend(_same_shape(body, matches))
        taken = SpanSet((match.start, match.end) for match in matches)
        for found in _local_formats(body, self._formats):
            if not taken.overlaps(found.start, found.end):
                taken.add(found.start, found.end)
                matches.append(found)
        if built_in and _FIVE_DIGITS.search(body) is not None:
            matches.extend(_bare_shapes(body, taken))
        if built_in and _FOUR_DIGITS.search(body) is not None:
            matches.extend(_prison_numbers(body, taken))
        return matches


def _compile_format(fmt: HospitalNumberFormat) -> _LocalFormat:
    """A trust's format, matching whole tokens only; a bad pattern fails loudly here."""
    try:
        pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{fmt.pattern})(?![\p{{L}}\p{{N}}])")
    except regex.error as error:
        raise ValueError(f"hospital number format {fmt.name!r}: bad pattern ({error})") from None
    context = None
    if fmt.context_words:
        words = "|".join(regex.escape(word) for word in fmt.context_words)
        context = regex.compile(rf"(?i)(?<![\p{{L}}\p{{N}}])(?:{words})(?![\p{{L}}\p{{N}}])")
    return _LocalFormat(fmt.name, pattern, context)


def _labelled(body: str) -> Iterator[Match]:
    departments = 0
    for found in _LABEL.finditer(body):
        kind = _kind(found)
        label_start: int | None = found.start()
        if kind == "numbered":
            # "RIS no ...": the department word before "no" is the label.
            departments += 1
            if departments > _MAX_SERVICE_LABELS:
                continue
            label_start = _service_label_start(body, found.start())
            kind = "service"
        code = found.group("code")
        digits = "".join(char for char in code if char.isdigit())
        if label_start is None or not _acceptable_code(body, label_start, kind, code, digits):
            continue
        judged = _judge_labelled(kind, code, digits)
        if judged is not None:
            rule, confidence, reason = judged
            start, end = found.span("code")
            yield Match(CATEGORY, rule, start, end, confidence, reason)


def _service_label_start(body: str, numbered_start: int) -> int | None:
    """Where the department word before "no"/"ref" starts, if one is there."""
    words = _WORDS_BEFORE.search(body, max(0, numbered_start - _SERVICE_LOOKBACK), numbered_start)
    if words is None:
        return None
    last = words.group(2).lower()
    previous = (words.group(1) or "").lower()
    if previous and f"{previous} {last}" in _SERVICE_PHRASES:
        return words.start(1)
    return words.start(2) if last in _SERVICE_WORDS else None


def _kind(found: regex.Match[str]) -> str:
    for kind in _KINDS:
        if found.group(kind) is not None:
            return kind
    return "record"


def _acceptable_code(body: str, label_start: int, kind: str, code: str, digits: str) -> bool:
    if len(digits) < _MIN_DIGITS[kind]:
        return False
    if _DATE_OR_TIME.fullmatch(code) or _TICKET_PREFIX.match(code):
        return False
    # A ten-digit number passing the NHS check is the NHS number detector's finding.
    if len(digits) == 10 and passes_modulus_11(digits):
        return False
    if kind == "service" and _PHONE_SHAPE.fullmatch(digits):
        return False  # "clinic no 0161 496 0000" is the department's phone
    before = max(0, label_start - 24)
    if kind == "unit" and (" " in code or _BLOOD_UNIT.search(body, before, label_start)):
        return False  # a blood bag's donation number, not the patient's unit number
    return _NOT_PATIENT_BEFORE.search(body, before, label_start) is None


def _judge_labelled(kind: str, code: str, digits: str) -> tuple[str, float, str] | None:
    if kind in ("cad", "incident"):
        full_reference = len(digits) >= 8 or (len(digits) >= 7 and any(c in "-/" for c in code))
        if full_reference:
            return (
                "hospital_number.incident",
                0.8,
                "full CAD/incident reference, which leads to the patient's record",
            )
        if kind == "cad":
            return (
                "hospital_number.cad_short",
                0.4,
                "short CAD number: may lead to a patient, for a person to judge",
            )
        return "hospital_number.incident", 0.6, "incident number"
    return "hospital_number.labelled", 0.9, "code introduced by a patient-record label"


def _same_shape(body: str, labelled: list[Match]) -> Iterator[Match]:
    """Other codes shaped like a labelled record number in the same message."""
    shapes = {
        _shape(body[match.start : match.end])
        for match in labelled
        if match.rule == "hospital_number.labelled"
    }
    if not shapes:
        return
    taken = SpanSet((match.start, match.end) for match in labelled)
    index: WordIndex | None = None
    for token in _CODE_TOKEN.finditer(body):
        start, end = token.span()
        if taken.overlaps(start, end) or _shape(token.group()) not in shapes:
            continue
        if _NOT_PATIENT_BEFORE.search(body, max(0, start - 24), start) is not None:
            continue
        index = index or context_index(body)
        if patient_side(index, start, end)[1]:
            continue
        taken.add(start, end)
        yield Match(
            CATEGORY,
            "hospital_number.same_shape",
            start,
            end,
            0.8,
            "same shape as a labelled patient record number in this message",
        )


def _shape(code: str) -> tuple[str, int]:
    letters = "".join(char for char in code if char.isalpha()).upper()
    return letters, sum(char.isdigit() for char in code)


def _local_formats(body: str, formats: Iterable[_LocalFormat]) -> Iterator[Match]:
    for fmt in formats:
        try:
            for found in fmt.pattern.finditer(body, timeout=_PATTERN_TIMEOUT_SECONDS):
                start, end = found.span()
                if start == end:
                    continue
                if fmt.context is None:
                    yield Match(
                        CATEGORY,
                        f"hospital_number.local.{fmt.name}",
                        start,
                        end,
                        0.85,
                        "matches the trust's local patient number format",
                    )
                elif has_context(fmt.context, body, start, end):
                    yield Match(
                        CATEGORY,
                        f"hospital_number.local.{fmt.name}",
                        start,
                        end,
                        0.9,
                        "the trust's local patient number format, with its context words",
                    )
        except TimeoutError:
            # A trust pattern that backtracks badly must not stall screening.
            continue


def _bare_shapes(body: str, taken: SpanSet) -> Iterator[Match]:
    """'K0837721' with no label: a finding only with patient words around it."""
    index: WordIndex | None = None
    for shape in _BARE_SHAPE.finditer(body):
        start, end = shape.start("prefix"), shape.end()
        if taken.overlaps(start, end):
            continue
        index = index or context_index(body)
        patient_near, reference_nearer = patient_side(index, start, end)
        if patient_near and not reference_nearer:
            taken.add(start, end)
            yield Match(
                CATEGORY,
                "hospital_number.shape",
                start,
                end,
                0.7,
                "letter and 6-8 digits like a hospital number, with patient words nearby",
            )


def _prison_numbers(body: str, taken: SpanSet) -> Iterator[Match]:
    """ "prisoner A1234BC": the prison number shape, with prison or patient words around it."""
    index: WordIndex | None = None
    in_prison: bool | None = None
    for found in _PRISON_NUMBER.finditer(body):
        start, end = found.span()
        if taken.overlaps(start, end):
            continue
        if in_prison is None:
            in_prison = _PRISON_WORDS.search(body) is not None
        if in_prison:
            confidence = 0.85
        else:
            index = index or context_index(body)
            patient_near, reference_nearer = patient_side(index, start, end)
            if not patient_near or reference_nearer:
                continue
            confidence = 0.7
        taken.add(start, end)
        yield Match(
            CATEGORY,
            "hospital_number.prison_number",
            start,
            end,
            confidence,
            "a prison number (letter, four digits, two letters)",
        )
