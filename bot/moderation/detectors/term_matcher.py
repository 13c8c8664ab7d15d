"""Sectioned word lists from `data/`, found in a message in one pass.

A list file holds `[kind]` headers followed by terms, one a line; a line
starting with "# " is a comment (a term may itself start with "#", as "#NOF").
Every term of every kind goes into one Aho-Corasick automaton, so finding all
of them costs one scan of the message whatever the list sizes.
Terms match whole words only, case-insensitively, with hyphens and spaces
treated alike ("co-codamol" finds "co codamol" too).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

DATA_DIR = Path(__file__).parent / "data"

# One-to-one character folds, so positions in the folded copy are positions in the text.
_FOLDS = (("-", " "), ("\u2019", "'"), ("\u2018", "'"), ("\u2010", " "), ("\u2011", " "))


@dataclass(frozen=True, slots=True)
class TermHit:
    kind: str
    start: int
    end: int


def read_sections(file_name: str) -> dict[str, list[str]]:
    """`{kind: [term, ...]}` from a sectioned list file in `data/`."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in (DATA_DIR / file_name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line == "#" or line.startswith("# "):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


def fold(text: str) -> str:
    """Lower-case copy of `text` with the same length (so spans carry over)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters (e.g. "İ") lower-case to two; keep those as they are.
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    for old, new in _FOLDS:
        if old in lowered:
            lowered = lowered.replace(old, new)
    return lowered


class TermMatcher:
    """All terms of several kinds, matched as whole words in one pass."""

    def __init__(
        self, sections: Mapping[str, Iterable[str]], keep_nested: Iterable[str] = ()
    ) -> None:
        # Hits of these kinds are kept even inside a longer hit (anchors for patterns).
        self._keep_nested = frozenset(keep_nested)
        self._automaton = ahocorasick.Automaton()
        for kind, terms in sections.items():
            for term in terms:
                key = fold(term)
                # A term listed under two kinds keeps the first; lists should not overlap.
                if key not in self._automaton:
                    self._automaton.add_word(key, (kind, len(key)))
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, folded: str) -> list[TermHit]:
        """Whole-word hits in a `fold()`ed text, in text order, without hits nested in others."""
        if self._empty:
            return []
        hits: list[TermHit] = []
        size = len(folded)
        for last, (kind, length) in self._automaton.iter(folded):
            start = last - length + 1
            end = last + 1
            if (start == 0 or not folded[start - 1].isalnum()) and (
                end == size or not folded[end].isalnum()
            ):
                hits.append(TermHit(kind, start, end))
        return _drop_nested(hits, self._keep_nested)


def _drop_nested(hits: list[TermHit], keep: frozenset[str]) -> list[TermHit]:
    """Hits not inside a longer hit ("grade 4 sacral" hides "sacral"), in text order."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda hit: (hit.start, -hit.end))
    kept: list[TermHit] = []
    reach = -1
    for hit in hits:
        if hit.end <= reach and hit.kind not in keep:
            continue
        kept.append(hit)
        reach = max(reach, hit.end)
    return kept


def every_occurrence(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Further places where the text of a span is written again, outside every span.

    A detector that found "LS9 7TF" once redacts it wherever else it appears,
    even glued to other characters where its pattern would not match.
    """
    found = sorted(spans)
    covered = _merged(found)
    starts = [start for start, _ in covered]
    extra: list[tuple[int, int]] = []
    for written in dict.fromkeys(text[start:end] for start, end in found):
        if len(written) < 2:
            continue
        position = text.find(written)
        while position != -1:
            stop = position + len(written)
            index = bisect_left(starts, stop)
            # Covered spans are disjoint and sorted, so only the last one starting
            # before `stop` can reach into [position, stop).
            if index == 0 or covered[index - 1][1] <= position:
                covered.insert(index, (position, stop))
                starts.insert(index, position)
                extra.append((position, stop))
            position = text.find(written, stop)
    return extra


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
