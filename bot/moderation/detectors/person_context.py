"""Whose data is it? Clinical and staff vocabulary found once per message.

The name, date-of-birth and contact detectors all ask the same question about a
span: is the person it belongs to a patient (clinical words, relatives, care
settings nearby) or a colleague (thanks, rota, leave, training)? `cues_for(text)`
scans a message once for both vocabularies (one Aho-Corasick pass) and answers
window queries cheaply.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

import ahocorasick

from bot.moderation.detectors.term_matcher import fold  # the same folds, by str.replace
from bot.moderation.lexicon import clinical_context_words, staff_context_words


def words(text: str) -> frozenset[str]:
    """A word list written as running text, one set of words."""
    return frozenset(text.split())


# Relatives and informal carers: "X's mum", "his wife's number".
RELATIVES = words(
    """
    wife husband partner son daughter mum mam mother dad father brother sister nan nana
    nanna gran grandma grandmother grandad grandpa grandfather grandson granddaughter aunt
    auntie uncle niece nephew cousin carer nok family relative fiance fiancee boyfriend
    girlfriend stepdad stepmum guardian hubby neighbour friend
    """
)

_CLINICAL = 1
_STAFF = 2

Hit = tuple[int, int, int, str]  # start, end, kinds, term


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    """Both vocabularies and their plurals: key -> (kinds, term, key length)."""
    kinds: dict[str, int] = {}
    for kind, entries in ((_CLINICAL, clinical_context_words()), (_STAFF, staff_context_words())):
        for entry in entries:
            term = " ".join(fold(entry).split())
            kinds[term] = kinds.get(term, 0) | kind
    automaton = ahocorasick.Automaton()
    for term, kind in kinds.items():
        automaton.add_word(term, (kind, term, len(term)))
        plural = term + "s"
        if plural not in kinds:
            automaton.add_word(plural, (kind, term, len(plural)))
    automaton.make_automaton()
    return automaton


def whole_word_hits(folded: str) -> list[Hit]:
    """Every whole-word hit in a folded text; where hits overlap, the longest leftmost one."""
    hits: list[Hit] = []
    length = len(folded)
    for last, (kind, term, key_length) in _automaton().iter(folded):
        end = last + 1
        start = end - key_length
        if (start > 0 and folded[start - 1].isalnum()) or (end < length and folded[end].isalnum()):
            continue
        hits.append((start, end, kind, term))
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda hit: (hit[0], -hit[1]))
    kept: list[Hit] = []
    reach = -1
    for hit in hits:
        if hit[0] >= reach:
            kept.append(hit)
            reach = hit[1]
    return kept


class MessageCues:
    """Where the clinical and staff vocabularies occur in one message."""

    __slots__ = (
        "_clinical",
        "_clinical_starts",
        "_staff",
        "_staff_starts",
        "all_clinical",
        "all_staff",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._clinical: list[tuple[int, str]] = []
        self._staff: list[tuple[int, str]] = []
        for start, _, kind, term in whole_word_hits(fold(text)):
            if kind & _CLINICAL:
                self._clinical.append((start, term))
            if kind & _STAFF:
                self._staff.append((start, term))
        self._clinical_starts = [start for start, _ in self._clinical]
        self._staff_starts = [start for start, _ in self._staff]
        self.all_clinical = frozenset(term for _, term in self._clinical)
        self.all_staff = frozenset(term for _, term in self._staff)

    def clinical_terms(self, start: int = 0, end: int | None = None) -> set[str]:
        """Distinct clinical terms starting in [start, end)."""
        if start == 0 and end is None:
            return set(self.all_clinical)
        return _terms_between(self._clinical, self._clinical_starts, start, end)

    def staff_terms(self, start: int = 0, end: int | None = None) -> set[str]:
        """Distinct staff/social terms starting in [start, end)."""
        if start == 0 and end is None:
            return set(self.all_staff)
        return _terms_between(self._staff, self._staff_starts, start, end)


def _terms_between(
    found: list[tuple[int, str]], starts: list[int], start: int, end: int | None
) -> set[str]:
    first = bisect_left(starts, start)
    last = len(starts) if end is None else bisect_left(starts, end)
    return {term for _, term in found[first:last]}


@lru_cache(maxsize=16)
def cues_for(text: str) -> MessageCues:
    """The cues of one message; shared by every detector that screens it."""
    return MessageCues(text)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The line holding a span (a handover list puts one patient on each line)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end
