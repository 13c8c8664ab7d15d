"""NHS numbers, and the Scottish CHI and Northern Irish H&C numbers, however they are typed.

All three are ten digits whose last digit is a modulus-11 check digit, so the
check is the strongest signal: a random ten-digit reference passes it only
about one time in eleven. The words around the number decide the rest:

- "NHS no" (or CHI, H&C) written right before or after it: a finding even if
  the check fails, because a mistyped NHS number is still an NHS number;
- a number that passes the check: a finding, unless a business word (invoice,
  order, asset...) is nearer to it than any patient word, when it is only
  flagged for a person to look at;
- a number that fails the check: a finding only in the usual 3-3-4 grouping
  with patient words around it;
- "NHS no ends in 7730": part of a number, flagged.

Numbers are read from `text.digit_runs` (spaces, dots, dashes, line breaks,
look-alike letters and number words already handled); dictated digits split
by commas ("four one nine nine, three five one, ...") and "double"/"treble"
are joined here.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import regex
from stdnum.gb import nhs

from bot.moderation.detectors.identifier_context import (
    SpanSet,
    WordIndex,
    context_index,
    patient_side,
)
from bot.moderation.normalise import DigitRun, NormalisedText
from bot.moderation.types import Match

CATEGORY = "patient.nhs_number"
NUMBER_LENGTH = 10

# Labels that name the number: "NHS no.", "NHS#", "CHI number", "H&C no".
_LABEL = regex.compile(
    r"(?i)(?<![\p{L}\p{N}])(?:"
    r"(?P<nhs>nhs)(?P<nhs_named>[ \t]*(?:no\b\.?|nos\b\.?|num\b\.?|numbers?\b|nbr\b|n°|#))?"
    r"|(?P<chi>chi|community[ \t]+health[ \t]+index)"
    r"(?:[ \t]*(?:no\b\.?|num\b\.?|number\b|#))?"
    r"|(?P<hc>h[ \t]?(?:&|\+|and)[ \t]?c|health[ \t]+(?:and|&)[ \t]+care)"
    r"(?:[ \t]*(?:no\b\.?|num\b\.?|number\b|#))?"
    r")(?![\p{L}\p{N}])"
)
# Substrings every label contains; a plain `in` test is far cheaper than a regex.
_LABEL_HINTS = ("nhs", "chi", "h&c", "h+c", "h & c", "h + c", "h and c", "health")
# What may stand between a label and its number: "NHS no. is", "NHS: ", "NHS number as".
_STRICT_GAP = regex.compile(
    r"(?i)[\s:#.,=(\[\-–—]*"
    r"(?:(?:is|was|as|of|for|reads|it['’]?s|should[ \t]+be|no|number)\b[\s:#.,=(\[\-–—]*){0,3}"
)
# A label a few words away ("NHS no on the ePCR should be ...").
_LOOSE_GAP = regex.compile(r"[^\d\n]{0,40}")  # keep in step with _LOOSE_REACH
# After the number: "... is her NHS no", "... that's his nhs number".
_AFTER_GAP = regex.compile(
    r"(?i)[\s.,;:)\]\-–—]*"
    r"(?:(?:is|was|that['’]?s|thats|it['’]?s|this[ \t]+is|his|her|their|the|pt['’]?s|"
    r"patient['’]?s|my|mum['’]?s|dad['’]?s|should[ \t]+be|correct)\b[\s.,;:)\]\-–—]*){0,3}"
)
# Between two numbers of one list: "NHS 754 323 1948, 655 979 7112 and 671 049 7461".
_LIST_GAP = regex.compile(r"(?i)[\s,;/&]*(?:(?:and|or)\b[\s,;/&]*)?")
_MAX_LABEL_GAP = 30
_LOOSE_REACH = 40
_USUAL_SHAPES = frozenset({(10,), (3, 3, 4)})

# Dictation: comma pauses between spoken digits, "double nine", "treble five".
_REPEAT_WORD = regex.compile(r"(?i)(?<![\p{L}])(double|treble|triple)[ \t]{1,2}$")
_REPEATS = {"double": 1, "treble": 2, "triple": 2}
_SPOKEN_JOIN = regex.compile(r"[ \t,]{0,3}")
_LOOKBACK = 12

# What a ten-digit number is not: part of a phone number, an amount of money.
_PHONE_BEFORE = regex.compile(
    r"(?i)(?:\+[ \t]?\d{1,3}[ \t.\-]*(?:\(0\)[ \t.\-]*)?"
    r"|(?<![\p{L}])(?:tel|telephone|mob|mobile|phone|ph|fax|landline|whatsapp|ring|call|text)"
    r"[ \t:.]*(?:on|at)?[ \t:]*)$"
)
_MONEY_BEFORE = regex.compile(r"[£$€][ \t]?$")
_REFERENCE_BEFORE = regex.compile(
    r"(?i)(?<![\p{L}])(?:ref|reference|a/c|acct"
    r"|(?:staff|employee|payroll|pay)[ \t]*(?:no\b|number|id))"
    r"[ \t.:#]*(?:no\b\.?|number)?[ \t.:#]*$"
)

_PARTIAL = regex.compile(
    r"(?i)(?<![\p{L}])(?:nhs|chi)[ \t]*(?:no\b\.?|num(?:ber)?\b|#)?[^\d\n]{0,30}?"
    r"(?<![\p{L}])(?:ends?|ending|finishing|finishes|starts?|starting|begins?|beginning)"
    r"(?![\p{L}])(?:[ \t]+(?:in|with|on))?[ \t:]*"
    r"(?P<digits>\d(?:[ \t\-]?\d){2,8})(?![\p{N}])"
    r"|(?<![\p{L}])(?:last|first)[ \t]+(?:\w+[ \t]+){0,2}of[ \t]+(?:\w+[ \t]+){0,2}"
    r"(?:nhs|chi)[ \t]*(?:no\b\.?|num(?:ber)?\b|#)?[ \t]*(?:is|are|=|:)?[ \t:]*"
    r"(?P<tail>\d(?:[ \t\-]?\d){2,8})(?![\p{N}])"
)
_PARTIAL_LENGTHS = frozenset({6, 7, 8, 9, 11, 12})

_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def passes_modulus_11(digits: str) -> bool:
    """The NHS/CHI/H&C check: weights 10..2 on the first nine digits, then the check digit.

    python-stdnum's checksum adds the check digit with weight 1, so a valid
    number sums to a multiple of 11 (and a remainder needing "10" never can).
    """
    return (
        len(digits) == NUMBER_LENGTH
        and digits.isascii()
        and digits.isdigit()
        and (nhs.checksum(digits) == 0)
    )


def has_chi_date(digits: str) -> bool:
    """Whether the first six digits are a DDMMYY date, as a CHI number's are."""
    day, month = int(digits[0:2]), int(digits[2:4])
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]


def in_hc_range(digits: str) -> bool:
    return 320 <= int(digits[0:3]) <= 399


@dataclass(slots=True)
class _Sequence:
    """Digits of one number as written: a digit run, possibly joined with its neighbours."""

    digits: list[str]
    groups: list[int]
    positions: list[int]
    ends: list[int]
    separators: list[str]
    spoken: bool

    @classmethod
    def from_run(cls, run: DigitRun) -> _Sequence:
        return cls(
            list(run.digits),
            list(run.groups),
            list(run.positions),
            list(run.ends),
            list(run.separators),
            run.has_words,
        )

    def repeat_first_digit(self, times: int, word_start: int, word_end: int) -> None:
        """'double nine' reads as 99: copies of the first digit, placed on the word."""
        self.digits[0:0] = [self.digits[0]] * times
        self.groups[0:0] = [1] * times
        self.positions[0:0] = [word_start] * times
        self.ends[0:0] = [word_end] * times
        self.separators[0:0] = [" "] * times
        self.spoken = True

    def extend(self, other: _Sequence, separator: str) -> None:
        self.digits.extend(other.digits)
        self.groups.extend(other.groups)
        self.positions.extend(other.positions)
        self.ends.extend(other.ends)
        self.separators.append(separator)
        self.separators.extend(other.separators)
        self.spoken = self.spoken or other.spoken

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.ends[-1]

    def windows(self, length: int) -> Iterator[tuple[int, int, int, int]]:
        """(first group, end group, first digit, end digit) of whole-group windows of `length`."""
        offsets = [0]
        for size in self.groups:
            offsets.append(offsets[-1] + size)
        count = len(self.groups)
        last = 0
        for first in range(count):
            last = max(last, first + 1)
            while last < count and offsets[last] - offsets[first] < length:
                last += 1
            if offsets[last] - offsets[first] == length:
                yield first, last, offsets[first], offsets[last]


@dataclass(frozen=True, slots=True)
class _Candidate:
    digits: str
    start: int
    end: int
    shape: tuple[int, ...]
    separators: tuple[str, ...]
    whole: bool
    spoken: bool

    @property
    def well_formed(self) -> bool:
        """Written the way NHS numbers are: 3-3-4, run together, or digit by digit."""
        if self.shape in _USUAL_SHAPES:
            return True
        return self.whole and (self.spoken or all(size == 1 for size in self.shape))

    def looks_like_date_or_time(self) -> bool:
        if any("/" in separator for separator in self.separators):
            return True
        shape, digits = self.shape, self.digits
        if len(shape) < 3:
            return False
        if shape[0] <= 2 and shape[1] <= 2 and shape[2] in (2, 4):
            day = int(digits[: shape[0]])
            month = int(digits[shape[0] : shape[0] + shape[1]])
            return 1 <= day <= 31 and 1 <= month <= 12
        if shape[:3] == (4, 2, 2):
            return 1 <= int(digits[4:6]) <= 12 and 1 <= int(digits[6:8]) <= 31
        return False


@dataclass(frozen=True, slots=True)
class _Label:
    kind: str  # "nhs" | "chi" | "hc"
    start: int
    end: int
    named: bool  # "NHS no"/"NHS number", not a bare "NHS"


@dataclass(frozen=True, slots=True)
class _Naming:
    """How a candidate is named by the words around it."""

    kind: str
    strict: bool  # right next to the number, not a few words away


class NhsNumberDetector:
    name = "nhs_number"
    categories = (CATEGORY,)

    def find(self, text: NormalisedText) -> list[Match]:
        body = text.text
        runs = text.digit_runs
        lowered = body.lower()
        maybe_labelled = any(hint in lowered for hint in _LABEL_HINTS)
        if not maybe_labelled and sum(len(run.digits) for run in runs) < NUMBER_LENGTH:
            return []
        labels = _labels(body) if maybe_labelled else []
        sequences = _sequences(body, runs)
        judge = _Judge(body, labels)
        matches: list[Match] = []
        for sequence in sequences:
            if len(sequence.digits) >= NUMBER_LENGTH:
                matches.extend(judge.best_in(sequence))
        if labels:
            matches.extend(_partial_numbers(body, sequences, labels, matches))
        return matches


def _labels(body: str) -> list[_Label]:
    found: list[_Label] = []
    for match in _LABEL.finditer(body):
        if match.group("nhs") is not None:
            kind, named = "nhs", match.group("nhs_named") is not None
        else:
            kind, named = ("chi" if match.group("chi") is not None else "hc"), True
        found.append(_Label(kind, match.start(), match.end(), named))
    return found


def _sequences(body: str, runs: tuple[DigitRun, ...]) -> list[_Sequence]:
    """Digit runs, with dictated digits split by commas or 'double' joined back up."""
    sequences: list[_Sequence] = []
    previous_end = -1
    for run in runs:
        current = _Sequence.from_run(run)
        gap_start = max(previous_end, run.start - _LOOKBACK, 0)
        repeat = _REPEAT_WORD.search(body, gap_start, run.start) if run.groups[0] == 1 else None
        join_end = run.start
        if repeat is not None:
            join_end = repeat.start()
            times = _REPEATS[repeat.group(1).casefold()]
            current.repeat_first_digit(times, repeat.start(1), repeat.end(1))
        repeated = repeat is not None
        if sequences and _continues(body, previous_end, join_end, current, sequences[-1], repeated):
            sequences[-1].extend(current, body[previous_end:join_end])
        else:
            sequences.append(current)
        previous_end = run.end
    return sequences


def _continues(
    body: str,
    previous_end: int,
    join_end: int,
    current: _Sequence,
    previous: _Sequence,
    repeated: bool,
) -> bool:
    """Whether a run carries on the dictated number before it (the gap is a comma or so)."""
    if not 0 <= join_end - previous_end <= 3:
        return False
    if not (repeated or (current.spoken and previous.spoken)):
        return False
    return _SPOKEN_JOIN.fullmatch(body, previous_end, join_end) is not None


class _Judge:
    """Decides, for each ten-digit window, whether it is a number we report and how sure."""

    def __init__(self, body: str, labels: list[_Label]) -> None:
        self._body = body
        self._labels = labels
        self._label_starts = [label.start for label in labels]
        self._label_ends = [label.end for label in labels]
        self._index: WordIndex | None = None
        self._labelled_ends: list[int] = []

    def best_in(self, sequence: _Sequence) -> list[Match]:
        judged = [
            match
            for candidate in _candidates(sequence, self._near_label)
            if (match := self._judge(candidate)) is not None
        ]
        judged.sort(key=lambda match: (-match.confidence, match.start))
        chosen: list[Match] = []
        taken = SpanSet()
        for match in judged:
            if not taken.overlaps(match.start, match.end):
                taken.add(match.start, match.end)
                chosen.append(match)
        return chosen

    def _near_label(self, start: int, end: int) -> bool:
        before = bisect_right(self._label_ends, start)
        if before and start - self._label_ends[before - 1] <= _LOOSE_REACH:
            return True
        after = bisect_left(self._label_starts, end)
        return after < len(self._labels) and self._label_starts[after] - end <= _MAX_LABEL_GAP

    def _judge(self, candidate: _Candidate) -> Match | None:
        naming = self._naming(candidate)
        if naming is None and not self._plausible_unlabelled(candidate):
            return None
        if naming is not None and not naming.strict and candidate.looks_like_date_or_time():
            return None
        if naming is not None:
            judged = _judge_named(candidate, naming)
        else:
            judged = self._judge_unnamed(candidate)
        if judged is None:
            return None
        rule, confidence, reason = judged
        if naming is not None and naming.strict:
            insort(self._labelled_ends, candidate.end)
        return Match(CATEGORY, rule, candidate.start, candidate.end, confidence, reason)

    def _plausible_unlabelled(self, candidate: _Candidate) -> bool:
        body, start = self._body, candidate.start
        if candidate.digits[0] == "0" or candidate.looks_like_date_or_time():
            return False
        lookback = max(0, start - 20)
        return (
            _PHONE_BEFORE.search(body, lookback, start) is None
            and _MONEY_BEFORE.search(body, lookback, start) is None
        )

    def _naming(self, candidate: _Candidate) -> _Naming | None:
        body, labels = self._body, self._labels
        before = bisect_right(self._label_ends, candidate.start)
        if before:
            label = labels[before - 1]
            if candidate.start - label.end <= _MAX_LABEL_GAP and _STRICT_GAP.fullmatch(
                body, label.end, candidate.start
            ):
                return _Naming(label.kind, True)
        if self._follows_labelled_number(candidate.start):
            return _Naming("nhs", True)
        after = bisect_left(self._label_starts, candidate.end)
        if after < len(labels):
            label = labels[after]
            if (
                label.named
                and label.start - candidate.end <= _MAX_LABEL_GAP
                and _AFTER_GAP.fullmatch(body, candidate.end, label.start)
            ):
                return _Naming(label.kind, True)
        for label in reversed(labels[max(0, before - 3) : before]):
            if label.named and _LOOSE_GAP.fullmatch(body, label.end, candidate.start):
                return _Naming(label.kind, False)
        return None

    def _follows_labelled_number(self, start: int) -> bool:
        """The next number of a list whose first number was labelled."""
        index = bisect_right(self._labelled_ends, start)
        if not index:
            return False
        end = self._labelled_ends[index - 1]
        return start - end <= 8 and _LIST_GAP.fullmatch(self._body, end, start) is not None

    def _judge_unnamed(self, candidate: _Candidate) -> tuple[str, float, str] | None:
        digits = candidate.digits
        if self._index is None:
            self._index = context_index(self._body)
        patient_near, reference_nearer = patient_side(self._index, candidate.start, candidate.end)
        lookback = max(0, candidate.start - 16)
        if _REFERENCE_BEFORE.search(self._body, lookback, candidate.start) is not None:
            reference_nearer = True
        if not passes_modulus_11(digits):
            if candidate.shape == (3, 3, 4) and patient_near and not reference_nearer:
                return (
                    "nhs_number.context",
                    0.55,
                    "ten digits grouped 3-3-4 like an NHS number, with patient words nearby "
                    "(check digit fails)",
                )
            return None
        if reference_nearer:
            return (
                "nhs_number.checked",
                0.3,
                "passes the NHS check digit but sits next to a business reference word",
            )
        if digits[0] in "0123":
            # CHI (a date) and H&C (320-399) ranges; English NHS numbers start 4-9.
            if not patient_near or not candidate.well_formed:
                return None
            return (
                _unlabelled_scheme_rule(digits),
                0.6,
                "ten digits passing the modulus-11 check, with patient words nearby",
            )
        if candidate.well_formed:
            confidence = 0.9 if patient_near else 0.8
            return "nhs_number.checked", confidence, "ten digits passing the NHS check digit"
        if candidate.whole and patient_near:
            return (
                "nhs_number.checked",
                0.7,
                "ten digits passing the NHS check digit, unusual grouping, patient words nearby",
            )
        return None


def _judge_named(candidate: _Candidate, naming: _Naming) -> tuple[str, float, str] | None:
    digits = candidate.digits
    valid = passes_modulus_11(digits)
    if naming.kind == "chi":
        rule, shape_ok, what = "chi_number", has_chi_date(digits), "CHI"
    elif naming.kind == "hc":
        rule, shape_ok, what = "hc_number", in_hc_range(digits), "H&C"
    else:
        rule, shape_ok, what = "nhs_number.checked", True, "NHS"
    if not naming.strict:
        if valid and shape_ok:
            return rule, 0.93, f"passes the check digit, '{what} number' a few words before"
        if candidate.well_formed:
            return _failed_rule(rule), 0.6, f"ten digits a few words after '{what} number'"
        return None
    if valid and shape_ok:
        return rule, 0.97, f"passes the check digit, labelled as a {what} number"
    if valid or shape_ok:
        return _failed_rule(rule), 0.85, f"labelled as a {what} number (check fails)"
    return _failed_rule(rule), 0.75, f"labelled as a {what} number (check and format fail)"


def _unlabelled_scheme_rule(digits: str) -> str:
    if in_hc_range(digits):
        return "hc_number"
    return "chi_number" if has_chi_date(digits) else "nhs_number.checked"


def _failed_rule(rule: str) -> str:
    return "nhs_number.context" if rule == "nhs_number.checked" else rule


def _candidates(
    sequence: _Sequence, near_label: Callable[[int, int], bool]
) -> Iterator[_Candidate]:
    """Ten-digit windows worth judging.

    Inside a longer run only the usual 3-3-4 or run-together shapes can be an
    NHS number on their own; other windows need a label nearby. This keeps
    a message of thousands of spaced digits from costing thousands of checks.
    """
    digits = "".join(sequence.digits)
    groups = sequence.groups
    group_count = len(groups)
    for first, last, digit_start, digit_end in sequence.windows(NUMBER_LENGTH):
        whole = first == 0 and last == group_count
        start, end = sequence.positions[digit_start], sequence.ends[digit_end - 1]
        shape = tuple(groups[first:last])
        if not whole and shape not in _USUAL_SHAPES and not near_label(start, end):
            continue
        yield _Candidate(
            digits=digits[digit_start:digit_end],
            start=start,
            end=end,
            shape=shape,
            separators=tuple(sequence.separators[first : last - 1]),
            whole=whole,
            spoken=sequence.spoken,
        )


def _partial_numbers(
    body: str, sequences: list[_Sequence], labels: list[_Label], found: list[Match]
) -> Iterator[Match]:
    """Part of a number: 'NHS no ends in 7730', or too few/many digits right after 'NHS no'."""
    reported = SpanSet((match.start, match.end) for match in found)
    for match in _PARTIAL.finditer(body):
        group = "digits" if match.group("digits") is not None else "tail"
        start, end = match.span(group)
        if reported.overlaps(start, end):
            continue
        reported.add(start, end)
        yield Match(
            CATEGORY, "nhs_number.partial", start, end, 0.4, "part of an NHS number ('ends in ...')"
        )
    named_ends = [label.end for label in labels if label.named]
    for sequence in sequences:
        start, end = sequence.start, sequence.end
        if len(sequence.digits) not in _PARTIAL_LENGTHS or reported.overlaps(start, end):
            continue
        index = bisect_right(named_ends, start)
        if not index:
            continue
        label_end = named_ends[index - 1]
        if start - label_end <= _MAX_LABEL_GAP and _STRICT_GAP.fullmatch(body, label_end, start):
            reported.add(start, end)
            yield Match(
                CATEGORY,
                "nhs_number.partial",
                start,
                end,
                0.4,
                "digits labelled as an NHS number, but not ten of them",
            )
