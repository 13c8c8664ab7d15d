"""One normalised copy of a message, with every position mapped back to the original.

Detectors never see the raw text. They see `NormalisedText.text`, where:

- each character is Unicode NFKC (full-width digits become ASCII digits,
  ligatures and compatibility forms are unfolded);
- zero-width, bidi-control and other invisible format characters are gone;
- combining marks are stripped, so "z̴a̴l̴g̴o̴" text reads as its letters.

Number detectors use `digit_runs()`: sequences of digits as staff write them,
with spaces, dots, dashes, slashes or line breaks between groups, look-alike
letters inside digit groups (O for 0, l or I for 1) and number words
("four eight five"). Each digit keeps its position so a finding can be mapped
back to the original characters the poster typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import regex

# Format characters (Cf) cover zero-width spaces and joiners, bidi controls,
# soft hyphens and word joiners; Mn and Me are combining marks.
_INVISIBLE = regex.compile(r"[\p{Cf}\p{Mn}\p{Me}]")

_LOOKALIKE_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})

_NUMBER_WORDS = {
    "zero": "0",
    "nought": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}

# A digit group: digits with look-alike letters among them, standing alone
# (not glued to other letters or digits), or a single number word.
# Stdlib `re`, not `regex`: this scan runs over every message and `re` does it in
# a third of the time. `[^\W_]` is a letter or a number, as `[\p{L}\p{N}]` is.
# The lookahead lists every character a group can start with (ſ is an "s" to
# IGNORECASE): one cheap test rules out most positions before the lookbehind.
_DIGIT_GROUP = re.compile(
    r"(?=[0-9OoIl|ZzNnTtFfSsſEe])(?<![^\W_])"
    r"(?:(?<!\|)(?>[OoIl|]*)[0-9][0-9OoIl|]*+"
    r"|(?i:zero|nought|oh|one|two|three|four|five|six|seven|eight|nine))"
    r"(?![^\W_])"
)
# What may stand between two groups of one number: a few spaces, dots,
# dashes, slashes or a line break, but not words or other punctuation.
_GROUP_SEPARATOR = re.compile(r"[ \t\u00a0.\-/\u2010-\u2015\r\n]{1,3}")
_MAX_SEPARATOR = 3


@dataclass(frozen=True, slots=True)
class DigitRun:
    """A sequence of digit groups that may be one number as a person wrote it.

    `digits` are the folded digits; `groups` the length of each group in the
    order written (an NHS number typed 485 249 6178 has groups (3, 3, 4));
    `positions[i]` is the index in the normalised text of the character that
    gave digit i; `separators[i]` is what stood between group i and i+1.
    """

    digits: str
    groups: tuple[int, ...]
    positions: tuple[int, ...]
    ends: tuple[int, ...]
    separators: tuple[str, ...]
    has_lookalikes: bool
    has_words: bool

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.ends[-1]

    def windows(self, length: int) -> list[tuple[int, int]]:
        """Digit index ranges [a, b) made of whole consecutive groups totalling `length`."""
        found: list[tuple[int, int]] = []
        offsets = [0]
        for size in self.groups:
            offsets.append(offsets[-1] + size)
        for first in range(len(self.groups)):
            for last in range(first, len(self.groups)):
                total = offsets[last + 1] - offsets[first]
                if total == length:
                    found.append((offsets[first], offsets[last + 1]))
                if total >= length:
                    break
        return found

    def span(self, first_digit: int, end_digit: int) -> tuple[int, int]:
        """Normalised-text span covering digits [first_digit, end_digit)."""
        return self.positions[first_digit], self.ends[end_digit - 1]


class NormalisedText:
    """The text detectors read, and the way back to the original positions."""

    __slots__ = ("__dict__", "_origin", "original", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        if _is_plain(original):
            self.text = original
            self._origin: list[int] | None = None
        else:
            self.text, self._origin = _normalise_with_map(original)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the span of the original it came from."""
        if self._origin is None:
            return start, end
        if start >= end:
            position = self._origin[start]
            return position, position
        original_start = self._origin[start]
        # The end maps to just after the original character that produced the last one.
        last = self._origin[end - 1]
        original_end = self._origin[end] if end < len(self.text) else len(self.original)
        return original_start, max(original_end, last + 1)

    @cached_property
    def digit_runs(self) -> tuple[DigitRun, ...]:
        return tuple(_find_digit_runs(self.text))


def normalise(text: str) -> NormalisedText:
    return NormalisedText(text)


def _is_plain(text: str) -> bool:
    """True when normalising would not change the text (the common, fast case)."""
    if text.isascii():
        return text.isprintable() or not _has_ascii_controls(text)
    return unicodedata.is_normalized("NFKC", text) and _INVISIBLE.search(text) is None


def _has_ascii_controls(text: str) -> bool:
    return _ASCII_CONTROL.search(text) is not None


# Control characters other than tab and line breaks.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Characters that may change: everything outside printable ASCII (tab and line breaks
# are kept as they are). Printable ASCII is already NFKC and visible.
_NEEDS_FOLDING = re.compile(r"[^\t\n\r\x20-\x7e]+")


def _normalise_with_map(original: str) -> tuple[str, list[int]]:
    pieces: list[str] = []
    origin: list[int] = []
    done = 0
    for found in _NEEDS_FOLDING.finditer(original):
        start, end = found.span()
        pieces.append(original[done:start])
        origin.extend(range(done, start))
        for index in range(start, end):
            folded = _fold_character(original[index])
            pieces.append(folded)
            origin.extend([index] * len(folded))
        done = end
    pieces.append(original[done:])
    origin.extend(range(done, len(original)))
    origin.append(len(original))
    return "".join(pieces), origin


def _fold_character(char: str) -> str:
    """The NFKC form of one character, or nothing for invisible and control characters."""
    category = unicodedata.category(char)
    if category in ("Cf", "Mn", "Me") or (category == "Cc" and char not in "\t\n\r"):
        return ""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", char))


def _find_digit_runs(text: str) -> list[DigitRun]:
    runs: list[DigitRun] = []
    builder: _RunBuilder | None = None
    previous_end = -1
    for match in _DIGIT_GROUP.finditer(text):
        start, end = match.span()
        if builder is not None and not _joins(text, previous_end, start):
            runs.append(builder.build())
            builder = None
        if builder is None:
            builder = _RunBuilder()
        else:
            builder.separators.append(text[previous_end:start])
        builder.add(match.group(), start)
        previous_end = end
    if builder is not None:
        runs.append(builder.build())
    return runs


def _joins(text: str, previous_end: int, start: int) -> bool:
    gap = start - previous_end
    if gap < 1 or gap > _MAX_SEPARATOR:
        return False
    return _GROUP_SEPARATOR.fullmatch(text, previous_end, start) is not None


class _RunBuilder:
    __slots__ = ("digits", "ends", "groups", "lookalikes", "positions", "separators", "words")

    def __init__(self) -> None:
        self.digits: list[str] = []
        self.positions: list[int] = []
        self.ends: list[int] = []
        self.groups: list[int] = []
        self.separators: list[str] = []
        self.lookalikes = False
        self.words = False

    def add(self, group: str, start: int) -> None:
        word = _NUMBER_WORDS.get(group.lower())
        if word is not None:
            self.digits.append(word)
            self.positions.append(start)
            self.ends.append(start + len(group))
            self.groups.append(1)
            self.words = True
            return
        folded = group.translate(_LOOKALIKE_DIGITS)
        if folded != group:
            self.lookalikes = True
        end = start + len(group)
        self.digits.append(folded)  # joined in build(): one digit per character
        self.positions.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))
        self.groups.append(len(group))

    def build(self) -> DigitRun:
        return DigitRun(
            digits="".join(self.digits),
            groups=tuple(self.groups),
            positions=tuple(self.positions),
            ends=tuple(self.ends),
            separators=tuple(self.separators),
            has_lookalikes=self.lookalikes,
            has_words=self.words,
        )
