"""Whose number is it? The words around an identifier, shared by the number detectors.

A ten-digit number next to "pt" or "referral" is probably a patient's; the
same number next to "invoice" or "PO" is probably a business reference. The
word lists live in `data/` so they can be read and extended without code.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from pathlib import Path

import regex

_DATA = Path(__file__).parent / "data"
_TOKEN = regex.compile(r"[\p{L}\p{N}]+")
_NEAR = 40


def load_words(file_name: str) -> frozenset[str]:
    """Lower-case words from a data file, one a line, `#` starting a comment."""
    lines = (_DATA / file_name).read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


PATIENT_WORDS = load_words("patient_context_words.txt")
REFERENCE_WORDS = load_words("reference_context_words.txt")


class WordIndex:
    """Where the words of a few vocabularies occur in one message.

    Built once per message (one pass over its words), then asked how far the
    nearest word of a vocabulary is from a span, so many candidate numbers in
    one message cost no more than a few binary searches each.
    """

    def __init__(self, text: str, vocabularies: Mapping[str, frozenset[str]]) -> None:
        self._starts: dict[str, list[int]] = {name: [] for name in vocabularies}
        self._ends: dict[str, list[int]] = {name: [] for name in vocabularies}
        for token in _TOKEN.finditer(text):
            word = token.group().casefold()
            for name, words in vocabularies.items():
                if word in words:
                    self._starts[name].append(token.start())
                    self._ends[name].append(token.end())

    def distance(self, vocabulary: str, start: int, end: int, width: int = _NEAR) -> int | None:
        """Characters between the span and the nearest word of `vocabulary`, if within `width`."""
        starts = self._starts[vocabulary]
        ends = self._ends[vocabulary]
        best: int | None = None
        before = bisect_right(ends, start) - 1
        if before >= 0 and start - ends[before] <= width:
            best = start - ends[before]
        after = bisect_left(starts, end)
        if after < len(starts) and starts[after] - end <= width:
            gap = starts[after] - end
            best = gap if best is None else min(best, gap)
        return best


def patient_side(index: WordIndex, start: int, end: int) -> tuple[bool, bool]:
    """(patient words near, reference words nearer than any patient word)."""
    patient = index.distance("patient", start, end)
    reference = index.distance("reference", start, end)
    reference_wins = reference is not None and (patient is None or reference < patient)
    return patient is not None, reference_wins


def context_index(text: str) -> WordIndex:
    return WordIndex(text, {"patient": PATIENT_WORDS, "reference": REFERENCE_WORDS})


class SpanSet:
    """Non-overlapping spans already reported, for quick "does this overlap?" checks."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in spans:
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self._starts, start)
        if index and self._ends[index - 1] > start:
            return True
        return index < len(self._starts) and self._starts[index] < end

    def add(self, start: int, end: int) -> None:
        """Add a span that overlaps none already held."""
        index = bisect_right(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)
