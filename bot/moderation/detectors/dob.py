"""A patient's date of birth: "DOB 12/02/1958", "d.o.b. 12.11.1937", "born 1 March 1956".

A date is a date of birth when it is labelled as one (DOB, D.O.B, date of birth,
born, b.) or when a full date sits right next to a patient's name, an age or a
patient word. Rota dates, shift swaps, training dates and leave ranges carry no
label and no name beside them, so they are left alone. A baby "born 3/4 weighing
7lb" in a staff congratulations message is good news, not a patient record; a
baby "born 03:42 on 11/10" on the neonatal unit is a patient, and the day and time
are its whole date of birth.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import regex

from bot.moderation.detectors.person_context import cues_for, line_bounds
from bot.moderation.lexicon import first_names, fold_name
from bot.moderation.normalise import DigitRun, NormalisedText
from bot.moderation.types import Match

CATEGORY = "patient.dob"

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# One pass finds every date-like span; each alternative names its parts.
_DATE = regex.compile(
    r"(?<![\p{N}/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"(?![\p{N}]|[/.\-]\p{N})"
    r"|(?<![\p{L}\p{N}])(?P<d2>\d{1,2})(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?P<mon2>" + _MONTH + r")"
    r"\.?,?[ \t]+(?P<y2>\d{4}|['’]\d{2})(?![\p{N}])"
    r"|(?<![\p{L}\p{N}])(?P<mon3>" + _MONTH + r")\.?[ \t]+(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?[ \t]+"
    r"(?P<y3>\d{4})(?![\p{N}])"
    r"|(?<![\p{N}/.\-])(?P<y4>(?:19|20)\d{2})-(?P<m4>\d{2})-(?P<d4>\d{2})(?![\p{N}])"
    r"|(?<![\p{N}/.\-])(?P<d5>\d{1,2})(?P<sep5>[/.])(?P<m5>\d{1,2})(?![\p{N}]|[/.\-]\p{N})"
    # Only with a label: spaces between the parts, or the digits run together.
    r"|(?<![\p{N}])(?P<d6>\d{1,2})[ ](?P<m6>\d{1,2})[ ](?P<y6>\d{4}|\d{2})(?![\p{N}])"
    r"|(?<![\p{N}])(?P<compact>\d{8}|\d{6})(?![\p{N}])",
)
# "born 03:42 on 11/10": the time of birth between the label and the date.
_TIME_OF_BIRTH = r"(?:[01]?\d|2[0-3])[:.]?[0-5]\d(?:[ \t]?(?:am|pm|hrs?|h))?"
_TIME_IN_LABEL = regex.compile(r"(?<![\p{N}])" + _TIME_OF_BIRTH + r"(?![\p{N}])", regex.IGNORECASE)
# A birth on the unit: gestation, the neonatal unit, delivery suite, a cot card.
_NEWBORN = regex.compile(
    r"\b(?:\d{2}\+[0-6]|\d{2}/40|nicu|scbu|snnu|neonatal|nnu|delivery\s+suite|labour\s+ward|"
    r"birth\s+centre|cot\s+card|cot|incubator|apgars?|nipe|heel\s+prick|vitamin\s+k|"
    r"birth\s+weight|neonate|newborn|prem(?:ature)?|preterm|twin\s+\d|midwi\w+)\b",
    regex.IGNORECASE,
)
# A baby being cared for: on the neonatal unit, in a cot, at a premature gestation.
_ON_THE_UNIT = regex.compile(
    r"\b(?:nicu|scbu|snnu|nnu|neonatal\s+unit|transitional\s+care|cot\s*\d+|incubator|"
    r"(?:2\d|3[0-6])\+[0-6])\b",
    regex.IGNORECASE,
)
_BABY_BEFORE = regex.compile(
    r"\b(?:baby|babies|twins?|triplets?|boy|girl|infant|newborn|neonate)\b[^.!?\n]{0,12}$",
    regex.IGNORECASE,
)
# A label just before the date: "DOB", "D.O.B -", "dob:", "date of birth", "born", "b.".
_LABEL_BEFORE = regex.compile(
    r"(?:(?<![\p{L}])d\.?[ ]?o\.?[ ]?b\.?|date[ \t]+of[ \t]+birth|(?<![\p{L}])(?:born|delivered)"
    r"(?:[ \t]+(?:at[ \t]+)?" + _TIME_OF_BIRTH + r")?(?:[ \t]+on)?|"
    r"(?<![\p{L}])b\.)[ \t]*[:;,=#\-–—]*[ \t]*(?:is[ \t]+|was[ \t]+|of[ \t]+)?\(?$",
    regex.IGNORECASE,
)
_LABEL_AFTER = regex.compile(r"[ \t]*[(\[,–\-]?[ \t]*(?:d\.?o\.?b\.?|date of birth)\b", regex.I)
_BORN = regex.compile(r"born|delivered", regex.IGNORECASE)
# Right before an unlabelled date: a patient's name, optionally with a title.
_NAME_BEFORE = regex.compile(
    r"(?:(?P<title>(?:Mrs|Mr|Ms|Miss|Mx)\.?)[ \t]+)?(?P<first>\p{Lu}\p{Ll}+)"
    r"(?:[ \t\-]\p{Lu}[\p{L}'’]+){0,2}[ \t]*[,:(–\-]?[ \t]*$"
)
_AGE_NEAR = regex.compile(
    r"(?<![\p{L}\p{N}])(?:aged?[ \t]*(?P<a1>\d{1,3})|(?P<a2>\d{1,3})[ \t]*"
    r"(?:y/?o|yrs?(?:[ \t]old)?|years?[ \t]old|[MF])(?![\p{L}]))",
    regex.IGNORECASE,
)
_PATIENT_WORD_BEFORE = regex.compile(
    r"(?<![\p{L}])(?:pt|patient|client|resident|service[ \t]user|baby|infant)['’]?s?[ \t]*[:,(–\-]?"
    r"[ \t]*$",
    regex.IGNORECASE,
)
# Before an unlabelled date, these make it an event date, not a birth date.
_EVENT_BEFORE = regex.compile(
    r"(?<![\p{L}])(?:on|from|until|till|to|dated|due|by|since|w/c|wc|admitted|seen|appt|"
    r"appointment|booked|starts?|started|ending|ends|before|after|between|and)[ \t:]*$",
    regex.IGNORECASE,
)
# Staff good news: a colleague's baby, not a patient's birth record.
_CELEBRATION = regex.compile(
    r"congrat|welcome|weigh(?:ing|ed|s)?\b|\d[ \t]*(?:lbs?|oz)\b|"
    r"little[ \t]+(?:girl|boy|one|man|lady)|baby[ \t]+(?:boy|girl)|new[ \t]+arrival|proud|"
    r"(?:his|her|their|our)[ \t]+(?:baby|son|daughter|grandson|granddaughter)|"
    r"mum[ \t]+and[ \t]+baby[ \t]+(?:are[ \t]+)?doing[ \t]+well|"
    r"[\U0001F389\U0001F476\U0001F499\U0001F497\U0001F49C\U0001F49B\U0001F37C\u2764\U0001F973]",
    regex.IGNORECASE,
)
# More dates than this in one message is a table or an attack, not a note about a patient.
_MAX_DATES = 30
# How far before a year a written-out date can start: "14th of September 1949".
_TEXT_DATE_REACH = 22
_STAFF_DATE_CONTEXT = frozenset(
    {"training", "rota", "shift", "swap", "al", "annual leave", "induction", "course", "meeting"}
)


@dataclass(frozen=True, slots=True)
class _FoundDate:
    start: int
    end: int
    day: int
    month: int
    year: int | None  # four-digit year; None when the date has no year
    two_digit_year: bool
    label_only: bool = False  # "12 02 1958" or "120258" is only a date when labelled


class DateOfBirthDetector:
    """Dates of birth, labelled or next to a patient's name or age."""

    name = "patient_dob"
    categories: tuple[str, ...] = (CATEGORY,)

    def __init__(self, today: date | None = None) -> None:
        self._today = today
        self._first_names = first_names()

    def find(self, text: NormalisedText) -> Iterator[Match]:
        dates = list(_dates(text))
        if not dates:  # most messages: no need to ask the clock
            return
        content = text.text
        today = self._today or date.today()
        for found in dates:
            parsed = _parse(found, today)
            if parsed is None:
                continue
            yield from self._judge(content, parsed, today)

    def _judge(self, content: str, found: _FoundDate, today: date) -> Iterator[Match]:
        if found.year is not None and not _is_past_date(found, today):
            return
        before = content[max(0, found.start - 30) : found.start]
        label = _LABEL_BEFORE.search(before)
        if label is not None and not _labels_a_birth(before, label):
            label = None
        if label is not None or _LABEL_AFTER.match(content, found.end, found.end + 20):
            born = label is not None and _BORN.search(label.group()) is not None
            match = self._labelled(content, found, born)
            if match is not None and born and label is not None:
                yield from _time_of_birth(label, max(0, found.start - 30), match.confidence)
            if match is not None:
                yield match
            return
        unlabelled = self._unlabelled(content, found, before, today)
        if unlabelled is not None:
            yield unlabelled

    def _labelled(self, content: str, found: _FoundDate, born: bool) -> Match | None:
        if born and _is_celebration(content, found):
            return None
        if found.year is None:
            if born and _NEWBORN.search(content):
                # A baby born on the unit: the day and time are its whole date of birth.
                return _match(found, "dob_newborn", 0.85, "a newborn's date of birth")
            confidence = 0.45 if born else 0.6
            return _match(found, "dob_label_partial", confidence, "labelled birth date, no year")
        return _match(found, "dob_label", 0.9 if born else 0.95, "labelled date of birth")

    def _unlabelled(
        self, content: str, found: _FoundDate, before: str, today: date
    ) -> Match | None:
        if found.year is None or found.label_only or _EVENT_BEFORE.search(before):
            return None
        recent = today.year - found.year < 2
        if recent and (found.two_digit_year or len(cues_for(content).clinical_terms()) < 2):
            return None  # a recent date is an event (a shift, a start date) unless clearly clinical
        if _staff_date(content, found):
            return None
        if self._name_before(before):
            return _match(found, "dob_beside_name", 0.8, "full date beside a name")
        if _age_matches(content, found, today):
            return _match(found, "dob_beside_age", 0.85, "full date beside an age")
        if _PATIENT_WORD_BEFORE.search(before):
            return _match(found, "dob_beside_patient", 0.75, "full date beside a patient word")
        return None

    def _name_before(self, before: str) -> bool:
        name = _NAME_BEFORE.search(before)
        if name is None:
            return False
        return (
            name.group("title") is not None or fold_name(name.group("first")) in self._first_names
        )


def _labels_a_birth(before: str, label: regex.Match[str]) -> bool:
    """ "delivered 07:10 on 2/11" is a birth only when a baby was delivered, not a parcel."""
    if not label.group().lower().startswith("delivered"):
        return True
    return _BABY_BEFORE.search(before, 0, label.start()) is not None


def _time_of_birth(label: regex.Match[str], offset: int, confidence: float) -> Iterator[Match]:
    """The time in "born 03:42 on 11/10" identifies the baby as much as the date does.

    `label` was matched on the text from `offset` on.
    """
    time = _TIME_IN_LABEL.search(label.group())
    if time is None:
        return
    start = offset + label.start() + time.start()
    yield Match(
        CATEGORY, "dob_time_of_birth", start, start + len(time.group()), confidence, "time of birth"
    )


def _dates(text: NormalisedText) -> Iterator[regex.Match[str]]:
    """Date-shaped spans, looked for only around digit runs that could hold a date."""
    content = text.text
    seen: set[int] = set()
    for run in text.digit_runs:
        if len(run.groups) < 2 and not (
            _could_be_year(content, run) or _labelled_compact(content, run)
        ):
            continue
        for found in _DATE.finditer(content, max(0, run.start - _TEXT_DATE_REACH), run.end + 1):
            if len(seen) >= _MAX_DATES:
                return
            if found.start() not in seen:
                seen.add(found.start())
                yield found


def _labelled_compact(content: str, run: DigitRun) -> bool:
    """ "DOB 120258": six or eight digits run together, right after a birth-date label."""
    if run.groups[0] not in (6, 8):
        return False
    return _LABEL_BEFORE.search(content, max(0, run.start - 30), run.start) is not None


def _could_be_year(content: str, run: DigitRun) -> bool:
    """A four-digit year, or a two-digit one after an apostrophe ("Jan '49")."""
    if run.groups[0] == 4:
        return run.digits[:2] in ("18", "19", "20")
    return run.groups[0] == 2 and content[run.start - 1 : run.start] in ("'", "’")


def _parse(found: regex.Match[str], today: date) -> _FoundDate | None:
    groups = found.groupdict()
    if groups["d"] is not None:
        day, month, year_text = int(groups["d"]), int(groups["m"]), groups["y"]
    elif groups["d2"] is not None:
        day, month, year_text = int(groups["d2"]), _month(groups["mon2"]), groups["y2"]
    elif groups["d3"] is not None:
        day, month, year_text = int(groups["d3"]), _month(groups["mon3"]), groups["y3"]
    elif groups["d4"] is not None:
        day, month, year_text = int(groups["d4"]), int(groups["m4"]), groups["y4"]
    elif groups["d5"] is not None:
        day, month, year_text = int(groups["d5"]), int(groups["m5"]), None
    elif groups["d6"] is not None:
        day, month, year_text = int(groups["d6"]), int(groups["m6"]), groups["y6"]
    else:
        compact = groups["compact"]
        day, month, year_text = int(compact[:2]), int(compact[2:4]), compact[4:]
    label_only = groups["d6"] is not None or groups["compact"] is not None
    if not 1 <= month <= 12 and 1 <= day <= 12:
        day, month = month, day  # written month first
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    year_digits = year_text.lstrip("'’") if year_text else None
    two_digit = year_digits is not None and len(year_digits) == 2
    year = _full_year(year_digits, today) if year_digits else None
    return _FoundDate(found.start(), found.end(), day, month, year, two_digit, label_only)


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _full_year(digits: str, today: date) -> int:
    """A two-digit year is in this century only if that is not in the future."""
    if len(digits) == 4:
        return int(digits)
    two = int(digits)
    this_century = today.year % 100
    return 2000 + two if two <= this_century else 1900 + two


def _age_matches(content: str, found: _FoundDate, today: date) -> bool:
    """An age within a few words of the date, roughly agreeing with it."""
    window_start = max(0, found.start - 30)
    for age in _AGE_NEAR.finditer(content, window_start, found.end + 30):
        if found.start <= age.start() < found.end:
            continue
        years = int(age.group("a1") or age.group("a2"))
        if found.year is not None and abs(_age_on(today, found) - years) <= 1:
            return True
    return False


def _is_past_date(found: _FoundDate, today: date) -> bool:
    """A real calendar date, not in the future, not before anyone now alive was born."""
    if found.year is None:
        return True
    try:
        written = date(found.year, found.month, found.day)
    except ValueError:
        return False
    return date(1880, 1, 1) <= written <= today


def _age_on(today: date, found: _FoundDate) -> int:
    year = found.year if found.year is not None else today.year
    birthday_to_come = (today.month, today.day) < (found.month, found.day)
    return today.year - year - int(birthday_to_come)


def _staff_date(content: str, found: _FoundDate) -> bool:
    line_start, line_end = line_bounds(content, found.start, found.end)
    staff_terms = cues_for(content).staff_terms(line_start, line_end)
    return not _STAFF_DATE_CONTEXT.isdisjoint(staff_terms)


def _is_celebration(content: str, found: _FoundDate) -> bool:
    """A colleague's baby news, unless the message is clearly about a patient."""
    if _CELEBRATION.search(content) is None or _ON_THE_UNIT.search(content):
        return False
    clinical = cues_for(content).clinical_terms()
    return len(clinical) < 2


def _match(found: _FoundDate, rule: str, confidence: float, reason: str) -> Match:
    return Match(CATEGORY, rule, found.start, found.end, confidence, reason)
