"""A patient's address: house number and street, a flat, or a full UK postcode.

Outward codes alone ("DN4", "HU5") are areas, not addresses, and are never
findings. A full postcode or a house number on a named street is; how sure
the finding is depends on the words around it: visits, referrals, keysafes,
crews and clinical words say the address is a patient's, while drinks, a base,
a training venue or "send flowers" say it is a place for staff (not reported).
Adjacent parts ("Flat 6, Kestrel Court, Sheffield S2 1QS") become one span.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from bot.moderation.detectors.contact import colleague_address_spans
from bot.moderation.detectors.term_matcher import (
    TermMatcher,
    every_occurrence,
    fold,
    read_sections,
)
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

CATEGORY = "patient.address"

_TERMS = read_sections("address_terms.txt")
_CLINICAL = read_sections("clinical_terms.txt")
_CONTEXT = TermMatcher(
    {
        "strong_patient": _TERMS["strong_patient"],
        "colleague": _TERMS["colleague"],
        "venue": _TERMS["venue"],
        "patient": [
            *_TERMS["patient"],
            *(
                term
                for kind, terms in _CLINICAL.items()
                if kind != "not_clinical"
                for term in terms
            ),
        ],
    }
)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(regex.escape(word) for word in sorted(set(words), key=len, reverse=True))


_SUFFIX = _alternation(_TERMS["street_suffix"])
_BUILDING = _alternation(_TERMS["building"])
# One capitalised word of a street or building name ("Oak", "St", "Hutton-le-Hole").
_NAME_WORD = r"(?:St\.?|[A-Z][a-z'’]+(?:-[A-Za-z][a-z'’]*)*)\s"
_HOUSE_NUMBER = r"\d{1,4}[A-Za-z]?(?:\s?[-–/]\s?\d{1,4}[A-Za-z]?)?"
# Street names that are "The" and one word: "2 The Green".
_THE_STREETS = (
    "Green|Avenue|Close|Crescent|Drive|Grove|Paddock|Paddocks|Croft|Orchard|Meadows|Ridings|"
    "Rise|Oval|Square|Coppice|Glade|Willows|Limes|Laurels|Maltings|Mews|Poplars|Chase|"
    "Spinney|Causeway|Parade|Terrace|Walk|Wynd|Fold|Garth|Nook|Hollies|Beeches|Elms"
)
_LOWER_SUFFIX = "street|road|lane|close|avenue|drive|crescent|terrace|grove|gardens|mews|court|way"
_NOT_STREET_WORDS = frozenset(_TERMS["not_a_street_word"])

# Every part of an address has a number in it, so each is matched where a run
# of digits starts: one pass for the digits, then anchored matches only.
_NUMBER = regex.compile(r"\d+")
# A street line from its house number on; street names are case-sensitive.
_STREET = regex.compile(
    rf"{_HOUSE_NUMBER},?\s{{1,2}}"
    rf"(?:(?P<name>(?:{_NAME_WORD}){{1,3}})(?P<suffix>{_SUFFIX})"
    rf"|(?P<the>The\s(?:{_THE_STREETS}))"
    r"|(?P<gate>[A-Z][a-z]+gate)"
    rf"|(?P<lower_name>(?:st\.?\s)?[a-z]{{3,}}(?:\s[a-z]{{3,}})?)\s(?P<lower_suffix>{_LOWER_SUFFIX}))"
    r"(?![\w'’])"
)
# A flat from its number on: "3 Alder House" after "Flat ".
_FLAT = regex.compile(
    rf"\d{{1,4}}[A-Za-z]?(?!\w)(?:,?\s(?:{_NAME_WORD}){{1,3}}(?:{_BUILDING})(?![\w'’]))?"
)
_FLAT_WORDS = frozenset({"flat", "apt", "apartment"})
_FLOOR_WORD = regex.compile(r"(?i)floor")
_FLOOR_FLAT = regex.compile(
    r"(?i)\b(?:(?:ground|basement|top|first|second|third|fourth|fifth|\d{1,2}(?:st|nd|rd|th))"
    r"[\s-]floor\s(?:flat|apartment|maisonette)|basement\sflat)\b"
)
# "at no. 14", "the lady at number 9", "outside #12"
_HOUSE_NUMBER_WORDS = frozenset({"no", "number", "num", "#"})
_HOUSE_NUMBER_PREPOSITIONS = frozenset({"at", "to", "from", "in", "outside", "opposite"})
_HOUSE_NUMBER_ALONE = regex.compile(r"\d{1,4}[a-zA-Z]?(?!\w|[./-]\d)")
# Outward code (A9, A99, A9A, AA9, AA99, AA9A with the letters each place allows),
# optional space, inward code (digit and two letters, never C I K M O V).
_POSTCODE = regex.compile(
    r"(?i)[A-PR-UWYZ](?:[A-HK-Y]\d[ABEHMNPRVWXY]|\d[A-HJKPSTUW]|[A-HK-Y]\d{1,2}|\d{1,2})"
    r"\s?(?P<inward>\d[ABD-HJLNP-UW-Z]{2})(?![\p{L}\p{N}])"
)
_ORDINAL_ENDINGS = frozenset({"st", "nd", "rd", "th"})
# Characters straight before a number that make it money, a time, a code or a range.
_NOT_HOUSE_EDGE = frozenset("£$€#./:-–+")
_MAX_WORD = 12
# Words right before a number that make it a ward, bed, band or call sign, not a house.
_NOT_A_HOUSE_WORDS = frozenset(_TERMS["not_a_house_before"])
# "Dr" or "St" at the end of a street is a doctor or a saint when a name follows.
_NAME_FOLLOWS = regex.compile(r"\s[A-Z][a-z]")
# What may stand between two parts of one address: commas, spaces, a town name.
_ADDRESS_GAP = regex.compile(r"[\s,]*(?:[A-Z][a-z'’]+(?:[\s-][A-Z][a-z'’]+){0,2}[\s,]+)?")
# A street or a named house just before another part: "Rose Cottage, Low Lane, YO62 4XY".
_PART_BEFORE = regex.compile(
    rf"(?:(?:{_NAME_WORD}){{1,3}}(?:{_SUFFIX})"
    r"|(?:[A-Z][a-z'’]+\s){1,2}(?:Cottage|Farm|House|Lodge|Barn|Hall|Manor|Bungalow|Villa))"
    r"[\s,]+$"
)
_STREET_AFTER = regex.compile(rf",?\s(?:{_NAME_WORD}){{1,3}}(?:{_SUFFIX})(?![\w'’])")
_MAX_GAP = 40
_LOOK_BEHIND = 60


@dataclass(frozen=True, slots=True)
class _Part:
    kind: str  # postcode | street | flat | floor_flat | house_number
    start: int
    end: int
    lower_case: bool = False


@dataclass(slots=True)
class _Address:
    start: int
    end: int
    kinds: set[str]
    lower_case: bool
    first_kind: str


@dataclass(frozen=True, slots=True)
class _Context:
    strong_patient: bool
    patient: bool
    venue: bool
    colleague: bool

    @property
    def for_staff(self) -> bool:
        return (self.venue or self.colleague) and not self.strong_patient

    @property
    def any_patient(self) -> bool:
        return self.strong_patient or self.patient


class AddressDetector:
    name = "address"
    categories = (CATEGORY,)

    def find(self, text: NormalisedText) -> Iterable[Match]:
        content = text.text
        parts = _find_parts(content)
        if not parts:
            return []
        context = _read_context(content)
        if context.for_staff:
            return []
        colleagues = colleague_address_spans(content)
        matches: list[Match] = []
        for address in _join_parts(content, parts):
            if any(start < address.end and address.start < end for start, end in colleagues):
                continue  # a colleague's home address: the contact detector reports it
            match = _judge(address, context)
            if match is not None:
                matches.append(match)
        return _also_elsewhere(content, matches)


def _find_parts(text: str) -> list[_Part]:
    parts: list[_Part] = []
    covered = -1
    for number in _NUMBER.finditer(text):
        if number.start() < covered:
            continue
        part = _part_at(text, number.start())
        if part is not None:
            parts.append(part)
            covered = part.end
    if _FLOOR_WORD.search(text):
        parts.extend(_Part("floor_flat", *match.span()) for match in _FLOOR_FLAT.finditer(text))
    return sorted(parts, key=lambda part: (part.start, -part.end))


def _part_at(text: str, start: int) -> _Part | None:
    """The address part that a run of digits starting at `start` belongs to, if any."""
    letters = _letters_before(text, start)
    if letters:
        return _postcode_at(text, start - letters) if letters <= 2 else None
    word, word_start = _word_before(text, start)
    if word in _HOUSE_NUMBER_WORDS:
        before, _ = _word_before(text, word_start)
        if before in _FLAT_WORDS:  # "Flat no. 3"
            word, word_start = before, _word_before(text, word_start)[1]
        elif before in _HOUSE_NUMBER_PREPOSITIONS:
            rest = _HOUSE_NUMBER_ALONE.match(text, start)
            return _Part("house_number", word_start, rest.end()) if rest else None
    if word in _FLAT_WORDS:
        rest = _FLAT.match(text, start)
        return _Part("flat", word_start, _extend_street(text, rest.end())) if rest else None
    if (start and text[start - 1] in _NOT_HOUSE_EDGE) or word in _NOT_A_HOUSE_WORDS:
        return None
    return _street_at(text, start)


def _word_before(text: str, start: int) -> tuple[str, int]:
    """The word (or "#") just before `start`, past a space and a ".", ":" or "#", lower-cased.

    "no. 14" gives "no", "Bed: 4" gives "bed", "at #12" gives "#"; the second value is
    where that word starts.
    """
    index = start
    if index and text[index - 1] in " \t":
        index -= 1
    if index and text[index - 1] == "#":
        return "#", index - 1
    if index and text[index - 1] in ".:":
        index -= 1
    end = index
    while index and end - index < _MAX_WORD and text[index - 1].isascii():
        if not text[index - 1].isalpha():
            break
        index -= 1
    return text[index:end].lower(), index


def _letters_before(text: str, start: int) -> int:
    """How many ASCII letters are glued to the front of the digits (3 means 3 or more)."""
    count = 0
    while count < 3 and start - count > 0:
        char = text[start - count - 1]
        if not (char.isascii() and char.isalpha()):
            break
        count += 1
    return count


def _postcode_at(text: str, start: int) -> _Part | None:
    if start and text[start - 1].isalnum():
        return None
    match = _POSTCODE.match(text, start)
    if match is None:
        return None
    lower_case = not match.group().isupper()
    if lower_case and match.group("inward")[1:].lower() in _ORDINAL_ENDINGS:
        return None  # "a1 2nd", "m62 1st": a road and an ordinal, not a postcode
    return _Part("postcode", start, match.end(), lower_case)


def _street_at(text: str, start: int) -> _Part | None:
    match = _STREET.match(text, start)
    if match is None:
        return None
    if match.group("suffix") in ("Dr", "St") and _NAME_FOLLOWS.match(text, match.end()):
        return None
    lower_name = match.group("lower_name")
    if lower_name is not None:
        if any(word in _NOT_STREET_WORDS for word in lower_name.split()):
            return None
        return _Part("street", start, match.end(), lower_case=True)
    return _Part("street", start, _extend_street(text, match.end()))


def _extend_street(text: str, end: int) -> int:
    """Take in a street name written straight after a building: "Alder House, Gorse Rd"."""
    following = _STREET_AFTER.match(text, end)
    return following.end() if following else end


def _join_parts(text: str, parts: list[_Part]) -> list[_Address]:
    addresses: list[_Address] = []
    for part in parts:
        last = addresses[-1] if addresses else None
        if last is not None and _adjacent(text, last.end, part.start):
            last.end = max(last.end, part.end)
            last.kinds.add(part.kind)
            last.lower_case = last.lower_case or part.lower_case
            continue
        addresses.append(_Address(part.start, part.end, {part.kind}, part.lower_case, part.kind))
    for address in addresses:
        if address.first_kind == "postcode":
            address.start = _extend_backwards(text, address.start)
    return addresses


def _adjacent(text: str, end: int, start: int) -> bool:
    if start <= end:
        return True
    if start - end > _MAX_GAP:
        return False
    return _ADDRESS_GAP.fullmatch(text, end, start) is not None


def _extend_backwards(text: str, start: int) -> int:
    """Take in up to two street or house-name parts written just before a postcode."""
    for _ in range(2):
        before = _PART_BEFORE.search(text, max(0, start - _LOOK_BEHIND), start)
        if before is None:
            break
        start = before.start()
    return start


def _read_context(text: str) -> _Context:
    kinds = {hit.kind for hit in _CONTEXT.find(fold(text))}
    return _Context(
        strong_patient="strong_patient" in kinds,
        patient="patient" in kinds,
        venue="venue" in kinds,
        colleague="colleague" in kinds,
    )


def _judge(address: _Address, context: _Context) -> Match | None:
    """The finding for one address, or None when it is too weak to report."""
    if address.lower_case and not context.any_patient:
        return None
    kinds = address.kinds
    has_street = bool(kinds & {"street", "flat"})
    if "postcode" in kinds and has_street:
        confidence = 0.95 if context.any_patient else 0.8
        return _match(address, "address.full", confidence, "postcode with a street or flat")
    if "postcode" in kinds:
        confidence = 0.9 if context.any_patient else 0.45
        return _match(address, "address.postcode", confidence, "full UK postcode")
    if "street" in kinds:
        confidence = 0.9 if context.any_patient else 0.45
        return _match(address, "address.street", confidence, "house number and street")
    if not context.any_patient:
        return None
    if "flat" in kinds:
        return _match(address, "address.flat", 0.85, "flat number with patient context")
    if "house_number" in kinds:
        return _match(address, "address.house_number", 0.6, "house number with patient context")
    return _match(address, "address.floor_flat", 0.45, "which flat, with patient context")


def _match(address: _Address, rule: str, confidence: float, reason: str) -> Match:
    return Match(CATEGORY, rule, address.start, address.end, confidence, reason)


def _also_elsewhere(text: str, matches: list[Match]) -> list[Match]:
    """The same address written again (even glued to other text) is redacted too."""
    if not matches:
        return matches
    by_text = {text[match.start : match.end]: match for match in matches}
    extra = every_occurrence(text, [(match.start, match.end) for match in matches])
    found = list(matches)
    for start, end in extra:
        source = by_text[text[start:end]]
        found.append(
            Match(CATEGORY, source.rule, start, end, source.confidence, "the same address again")
        )
    return found
