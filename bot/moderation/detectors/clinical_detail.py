"""Jigsaw identification: details that name no one alone but point at one patient together.

Policy (ambulance trust 6.4.15/6.4.16): beyond names and numbers, a patient
can be identified by a combination of details (a place, an age, a rare
condition, an incident in the news). This detector collects the elements of
such a combination in one message:

- who: an age ("34M", "92yo", "in her 80s", ", 40s,"), a person ("lady", "lad"),
  a role ("the vicar", "the local MP", "the Carlisle United keeper"), or a link to
  the service ("one of ours", "on our caseload");
- what: a condition, medicine, procedure or Mental Health Act section (also
  queried: "?PE", "?sepsis"; or named: "Fabry disease"), or an incident (RTC,
  stabbing, fire, safeguarding) and its time;
- where: a bed, bay or named ward, a unit named in lower case ("on the seg
  unit", "on labour ward"), a named place, road or landmark, a rarity cue ("only
  kid in the village with", "half the village knows"), or the news.

A person, a clinical "what" and a "where" together are a finding, as is an
incident or news story linked to a person or the caseload, a rarity cue with a
condition, or a public role with a condition or treatment (a role qualified by a
proper name, "the Rovers striker", names its club as the place). Each element
is reported with its own tight span, so redaction removes the identifying
pieces and the sentence stays readable.
Messages about teaching or simulation are left alone: their patients are
made up.

Speed: the word lists are one Aho-Corasick pass and numbers one regex pass;
every other pattern is tried only where one of those passes found its first
word or digit (or at a "?"), and nothing past the word lists runs on a message
with no clinical word or queried diagnosis in it (most messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from bot.moderation.detectors.term_matcher import (
    TermHit,
    TermMatcher,
    every_occurrence,
    fold,
    read_sections,
)
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

CATEGORY = "patient.clinical_detail"
RULE = "clinical_detail.jigsaw"

_CLINICAL_KINDS = {
    "condition": "condition",
    "medicine": "condition",
    "procedure": "condition",
    "mental_health_act": "condition",
    "service": "service",
    "outcome": "condition",
    "incident": "incident",
    "not_clinical": "neutral",
}
_CUE_KINDS = (
    "person",
    "patient_word",
    "role",
    "public_role",
    "news",
    "caseload",
    "repeat",
    "time",
    "training",
    "landmark",
)
# First words of the patterns below: found by the same pass as the word lists.
_ANCHORS = {
    "sex": ("male", "female"),
    "rarity_anchor": (
        "only",
        "half",
        "everyone",
        "everybody",
        "the whole",
        "oldest",
        "youngest",
        "rare",
        "one in a million",
        "small village",
        "first case",
    ),
    "caseload_anchor": ("list", "caseload", "books", "register"),
    # "on moor lane": street words typed in lower case, checked for a preposition before
    "street_anchor": (
        "lane",
        "road",
        "rd",
        "street",
        "st",
        "avenue",
        "crescent",
        "terrace",
        "estate",
        "roundabout",
        "bridge",
        "primary",
        "academy",
    ),
    # "on the seg unit", "on labour ward", "in the haem day unit": a named part of a hospital,
    # prison or school, written in lower case.
    "unit_anchor": ("ward", "unit", "suite", "wing", "lounge", "department", "centre", "ed", "a&e"),
    # "Fabry disease", "kidney disease": a condition named by its last word.
    "disease_anchor": (
        "disease",
        "syndrome",
        "palsy",
        "dystrophy",
        "ataxia",
        "sarcoma",
        "lymphoma",
        "myopathy",
        "deficiency",
        "anaemia",
    ),
}


_CUES = read_sections("jigsaw_cues.txt")


def _build_matcher() -> TermMatcher:
    sections: dict[str, list[str]] = {}
    for section, terms in read_sections("clinical_terms.txt").items():
        sections.setdefault(_CLINICAL_KINDS[section], []).extend(terms)
    for kind in _CUE_KINDS:
        sections[kind] = _CUES[kind]
    for kind, words in _ANCHORS.items():
        sections[kind] = list(words)
    return TermMatcher(sections, keep_nested=_ANCHORS)


_MATCHER = _build_matcher()

# How much each kind of element narrows things down.
_WEIGHTS = {
    "age": 2.0,
    "person": 1.0,
    "role": 2.0,
    "patient_word": 0.5,
    "place": 2.0,
    "landmark": 1.5,
    "condition": 2.0,
    "incident": 1.5,
    "news": 2.5,
    "caseload": 1.5,
    "rarity": 2.0,
    "repeat": 1.0,
    "time": 0.5,
}
_PERSON_KINDS = frozenset({"age", "person", "role"})
_WHERE_KINDS = frozenset({"place", "landmark"})
_CLINICAL = frozenset({"condition", "service", "incident"})
_TRIGGERS = frozenset({"condition", "service", "incident", "news", "repeat", "disease_anchor"})
# Kinds that can point at someone; without one, places cannot make a finding.
_SOMEONE = frozenset({"age", "person", "role", "caseload", "repeat", "rarity"})
# Elements that link a message to a patient but say nothing about which one: not redacted.
_LINK_KINDS = frozenset({"caseload", "patient_word", "repeat"})
_ENOUGH = 5.0
_FLAG_CONFIDENCE = 0.4

# --- numbers (on the folded copy), each matched where a digit run starts ---
_NUMBER = regex.compile(r"\d+")
_AFTER_NUMBER = regex.compile(
    r"(?P<age>\d{1,3}\s?(?:yo|y/o|y\.o\.?|yrs?\s?old|years?\sold|yr\sold)"
    r"|\d0s\s(?:male|female|man|woman|lady|gent|gentleman|bloke|lad|guy|chap|m|f)"
    r"|\d{1,2}\s?(?:weeks?|wks?|months?|mths?|days?)\s?old|\d{1,2}/(?:12|52)\s?old)(?!\w)"
    r"|(?P<time>(?:[01]?\d|2[0-3])(?:[:.][0-5]\d)?\s?(?:am|pm))\b"
    r"|(?P<repeat>\d{1,2}(?:st|nd|rd|th)\stime\s"
    r"(?:this\s(?:week|month|year|shift|morning)|today|tonight|in\s\w+))\b"
    r"|(?P<gestation>\d\d(?:\+[0-6])?/40)(?![\w/])"
)
# "34M", "(78 M)": the sex is read from the message as written (capitals matter).
_AGE_SEX = regex.compile(r"\d{1,3}\s?[MF](?!\w)")
_NOT_AGE_AFTER = regex.compile(r"(?i)\s?(?:catheter|cath|foley|tube|ng|fr)\b")
_DECADE = regex.compile(r"\d0s\b")
_BARE_DECADE = regex.compile(r"[1-9]0s(?=[ \t]*(?:[,;)/]|$|\n|\.(?:\s|$)))")
_YEAR_GROUP = regex.compile(r"\d{1,2}\s(?:girl|boy|pupil|student|lad|lass|kid|child)\b")
_CLOCK = regex.compile(r"(?:[01]\d|2[0-3])[:.]?[0-5]\d\b")
_NUMBER_END = regex.compile(r"\d+[a-z]?\b")
_GRAVIDA = regex.compile(r"g\d{1,2}\s?p\d{1,2}\b")
# The word just before a number, glued ("sr4") or one space away ("bed 4").
_WORD_BEFORE = regex.compile(r"([a-z]+)\s?$")
_WORD_BEFORE_SPAN = 14
_BED_WORDS = frozenset(
    {"bed", "bay", "cubicle", "cubical", "cot", "sr", "room", "rm", "resus", "majors", "minors"}
    | {"cell", "ward", "theatre", "pod", "trolley", "incubator", "suite", "landing", "pool"}
)
_AGE_WORDS = frozenset({"aged", "age", "turned"})
_DECADE_WORDS = frozenset({"his", "her", "their", "early", "mid", "late"})
_YEAR_WORDS = frozenset({"year", "yr", "y"})
_NOT_AGE_WORDS = frozenset(
    {"ward", "level", "floor", "room", "bay", "bed", "unit", "size", "grade"}
)
_ROAD_LETTERS = frozenset({"a", "m", "b"})
_ROAD_BEFORE = regex.compile(r"(?i)\b(?:the|on|off|near|along|up|down)\s$")
_JUNCTION_AFTER = regex.compile(r"\sJ\d{1,2}\b")

# --- patterns tried where the word lists found their first word ---
_SEX_FOLLOWS = regex.compile(
    r"\s*(?:[,.;:)!?/]|$|\s?(?:pt|patient|with|in|on|from|who|at|aged|\d))"
)
_RARITY = regex.compile(
    r"(?:only\s(?:kid|child|person|patient|pt|one|family|house|man|woman|lady|girl|boy|baby"
    r"|resident|lad|bloke|gent|case|home|property)\s(?:in|on|at|with|round|around|near|for)"
    r"|half\s(?:of\s)?the\s(?:village|town|street|estate|school|road|close|county|city)"
    r"\s(?:knows?|heard|is\stalking)"
    r"|(?:everyone|everybody|the\swhole\s(?:village|town|street|estate|school))"
    r"\s(?:in\s(?:the\s)?(?:village|town|street|estate|school)\s)?(?:knows|knew|is\stalking)"
    r"|(?:oldest|youngest)\s(?:\w+\s){0,2}(?:on|in|at)\s(?:the|our|my)"
    r"|rare\s(?:condition|disease|syndrome|disorder|cancer|form|type)"
    r"|one\sin\sa\smillion|small\svillage|first\scase\s(?:in|of))\b"
)
_CASELOAD_BEFORE = regex.compile(r"\b(?:on|from|in)\s(?:the|our|my)\s(?:[\w']+\s){0,2}$")
_CASELOAD_LOOKBACK = 40
_LOWER_PLACE_BEFORE = regex.compile(
    r"\b(?:in|at|from|on|near|outside|off|past|behind|opposite|round|around|towards)\s"
    r"(?:the\s)?(?P<name>[a-z][a-z']+(?:\s[a-z][a-z']+)?)\s$"
)
_LOWER_PLACE_LOOKBACK = 30
_NOT_PLACE_NAMES = frozenset(_CUES["not_a_place"]) | {
    "a",
    "an",
    "my",
    "his",
    "her",
    "this",
    "that",
    "same",
    "other",
    "wrong",
    "right",
    "whole",
    "busy",
    "new",
    "old",
    "next",
    "main",
    "one",
    "each",
    "every",
    "any",
    "which",
    "what",
    "our",
    "your",
    "their",
    "its",
    "another",
    "different",
    "nearest",
    "local",
    "emergency",
    "x",
}
# Words before "disease" or "syndrome" that do not name one: "the disease", "rare syndrome".
_NOT_DISEASE_NAMES = frozenset(
    {"the", "a", "an", "this", "that", "his", "her", "their", "of", "with", "any", "no", "rare"}
    | {"same", "underlying", "chronic", "known", "new", "and", "or", "for", "from", "has", "had"}
)
_DISEASE_NAME_BEFORE = regex.compile(r"(?:(?<=\s)|^)([a-z][a-z'’\-]+(?:['’]s)?)\s$")
# "the lady from pharmacy", "the new lad": staff, not patients.
_STAFF_AFTER = regex.compile(
    r"\s(?:from|in|at|on)\s(?:the\s)?(?:pharmacy|estates|it|hr|oh|occupational\shealth|payroll"
    r"|catering|portering|porters|facilities|finance|procurement|medical\srecords|records"
    r"|switchboard|security|maintenance|agency|bank|nhsp|admin|reception|housekeeping|domestics"
    r"|kitchen|canteen|education|comms|infection\scontrol|(?:[a-z]+\s){0,2}team)\b"
)
_STAFF_BEFORE = regex.compile(r"\b(?:new|agency|bank|student|locum|our\snew)\s$")
_STAFF_LOOKBACK = 12
# A role word only names a person as "the vicar", "a local butcher".
_ROLE_DETERMINER = regex.compile(
    r"\b(?:the|a|an|our|local|retired|former|ex|village|school|his|her|old|young)\s$"
)
_ROLE_LOOKBACK = 10
# A proper name right before a role: "the Carlisle United keeper", "the Rovers captain".
_ORGANISATION_BEFORE = regex.compile(r"(?<![\w'’-])(?:[A-Z][\w'’&.-]*\s){1,3}$")
_ORGANISATION_LOOKBACK = 40
_NOT_ORGANISATIONS = frozenset(
    {"the", "a", "an", "our", "my", "his", "her", "their", "this", "that"}
)

# --- named places (on the message as written) ---
_CAPITAL_WORD = r"[A-Z][a-z'’]+(?:-[A-Za-z'’]+)*"
_CAPITAL_RUN = regex.compile(rf"(?<![\w'’-]){_CAPITAL_WORD}(?:\s{_CAPITAL_WORD})*")
# The last word of a run that makes it a place: "Moor Lane", "Brigg Primary".
_PLACE_SUFFIXES = frozenset(_CUES["place_suffix"])
# A lower-case word after a run that makes it a place: "Ash ward", "the Beck estate".
_PLACE_WORD_AFTER = regex.compile(r"\s(?:ward|estate|roundabout|village|flats|area|list)\b")
_PREPOSITIONS = frozenset(
    {"in", "at", "from", "on", "near", "outside", "off", "past", "behind", "opposite", "by"}
    | {"round", "around", "towards", "nr", "the"}
)
# "HMP" and "YOI" come before a prison's name the way "in" comes before a town's.
_PREPOSITION_BEFORE = regex.compile(
    r"(?i)\b(?:in|at|from|on|near|outside|off|past|behind|opposite|by|round|around|towards|nr"
    r"|hmp|yoi)\s(?:the\s)?$"
)
_PREPOSITION_LOOKBACK = 12
# Capitalised words after "in/at/on" that are not places.
_NOT_PLACES = frozenset(_CUES["not_a_place"])
_MAX_PLACE_WORDS = 4
_PRISON_WING = regex.compile(r"\b[A-H][-\s]?[Ww]ing\b")
# "?PE", "?#NOF", "? sepsis": a suspected diagnosis; the "?" opens a word, it does not end one.
_QUERY_OPENERS = frozenset(" \t\n,(;/:")
_MAX_QUERIES = 20
_QUERY = regex.compile(
    r"\?[ \t]?(?P<what>#?[A-Z][A-Z0-9#+/]{1,7}(?![\w])|#?[a-z][a-z\-]{2,24}"
    r"(?:[ \t][a-z]{3,20})?)"
)
_NOT_QUERIED = frozenset({"OK", "NHS", "AM", "PM", "TBC", "ETA", "ASAP", "LOL", "DM", "FYI", "ID"})
_QUERY_LOWER_ENDINGS = regex.compile(
    r"(?:itis|osis|oma|aemia|emia|algia|pathy|ectomy|sepsis|fracture|bleed|stroke|infection"
    r"|obstruction|embolus|embolism|ischaemia|haemorrhage|torsion|abscess|overdose|seizure)\b"
)
_QUERY_WORDS = frozenset(
    term.lower()
    for kind, terms in read_sections("clinical_terms.txt").items()
    if kind != "not_clinical"
    for term in terms
)


@dataclass(frozen=True, slots=True)
class _Element:
    kind: str
    start: int
    end: int


class ClinicalDetailDetector:
    name = "clinical_detail"
    categories = (CATEGORY,)

    def find(self, text: NormalisedText) -> Iterable[Match]:
        content = text.text
        folded = fold(content)
        hits = _MATCHER.find(folded)
        kinds = {hit.kind for hit in hits}
        if "training" in kinds:
            return []
        queries = _queried_conditions(content) if "?" in content else []
        if queries:
            kinds.add("condition")
        has_number = _NUMBER.search(folded) is not None
        if not kinds & _TRIGGERS and not (has_number and "/40" in folded):
            return []
        elements = _term_elements(content, folded, hits) + queries
        if has_number:
            elements.extend(_number_elements(content, folded))
        present = {element.kind for element in elements}
        if not present & _SOMEONE:
            return []  # nothing points at anyone: places cannot change that
        if not content.islower():  # named places need capitals
            elements.extend(_named_places(content))
            if "wing" in folded:
                elements.extend(_found_places(_PRISON_WING, content))
        if not present & _CLINICAL:
            elements = [element for element in elements if element.kind != "time"]
        present = {element.kind for element in elements}
        confidence = _confidence(present, elements)
        if confidence is None:
            return []
        return _matches(content, elements, confidence)


def _term_elements(content: str, folded: str, hits: list[TermHit]) -> list[_Element]:
    elements: list[_Element] = []
    for hit in hits:
        if hit.kind in ("role", "public_role"):
            elements.extend(_role_elements(content, folded, hit))
            continue
        element = _term_element(folded, hit)
        if element is not None:
            elements.append(element)
    return elements


def _role_elements(content: str, folded: str, hit: TermHit) -> list[_Element]:
    """ "the vicar", "a local councillor"; "the Carlisle United keeper" also names the club."""
    start, end = hit.start, hit.end
    if _is_staff(folded, start, end):
        return []
    organisation = _ORGANISATION_BEFORE.search(
        content, max(0, start - _ORGANISATION_LOOKBACK), start
    )
    if organisation is not None and not _starts_with_article(organisation.group()):
        org_end = organisation.end() - 1  # without the space before the role
        return [_Element("role", start, end), _Element("place", organisation.start(), org_end)]
    determiner = _ROLE_DETERMINER.search(folded, max(0, start - _ROLE_LOOKBACK), start)
    if determiner is not None:
        return [_Element("role", start, end)]
    # "a butcher" names someone; "keeper" or "MP" alone is just a word.
    return [_Element("person", start, end)] if hit.kind == "role" else []


def _starts_with_article(run: str) -> bool:
    return run.split()[0].lower() in _NOT_ORGANISATIONS


def _term_element(folded: str, hit: TermHit) -> _Element | None:
    kind, start, end = hit.kind, hit.start, hit.end
    if kind == "neutral":
        return None
    if kind == "person" and _is_staff(folded, start, end):
        return None
    if kind == "sex":
        return _Element("person", start, end) if _SEX_FOLLOWS.match(folded, end) else None
    if kind == "rarity_anchor":
        rarity = _RARITY.match(folded, start)
        return _Element("rarity", start, rarity.end()) if rarity else None
    if kind == "disease_anchor":
        return _named_disease(folded, start, end)
    if kind in ("street_anchor", "unit_anchor"):
        before = _LOWER_PLACE_BEFORE.search(folded, max(0, start - _LOWER_PLACE_LOOKBACK), start)
        if before is None or any(word in _NOT_PLACE_NAMES for word in before["name"].split()):
            return None
        return _Element("place", before.start("name"), end)
    if kind == "caseload_anchor":
        before = _CASELOAD_BEFORE.search(folded, max(0, start - _CASELOAD_LOOKBACK), start)
        return _Element("caseload", before.start(), end) if before else None
    return _Element(kind, start, end)


def _named_disease(folded: str, start: int, end: int) -> _Element | None:
    """ "fabry disease", "kidney disease", "down's syndrome": the word before names it."""
    before = _DISEASE_NAME_BEFORE.search(folded, max(0, start - 24), start)
    if before is None or before.group(1) in _NOT_DISEASE_NAMES:
        return None
    return _Element("condition", before.start(1), end)


def _is_staff(folded: str, start: int, end: int) -> bool:
    if _STAFF_AFTER.match(folded, end):
        return True
    return _STAFF_BEFORE.search(folded, max(0, start - _STAFF_LOOKBACK), start) is not None


def _queried_conditions(content: str) -> list[_Element]:
    """ "?PE", "?sepsis", "? #NOF": a suspected diagnosis, written as a query."""
    elements: list[_Element] = []
    position = content.find("?")
    while position != -1 and len(elements) < _MAX_QUERIES:
        found = _QUERY.match(content, position) if _opens_a_word(content, position) else None
        if found is not None and _names_a_diagnosis(found.group("what")):
            elements.append(_Element("condition", found.start(), found.end()))
        position = content.find("?", position + 1)
    return elements


def _opens_a_word(content: str, position: int) -> bool:
    """A "?" at the start of a word ("?PE"), not at the end of a question ("anyone?")."""
    return position == 0 or content[position - 1] in _QUERY_OPENERS


def _names_a_diagnosis(what: str) -> bool:
    if what.isupper():
        return what.strip("#") not in _NOT_QUERIED
    if what.startswith("#") or _QUERY_LOWER_ENDINGS.search(what):
        return True
    return fold(what) in _QUERY_WORDS


def _number_elements(content: str, folded: str) -> list[_Element]:
    elements: list[_Element] = []
    for number in _NUMBER.finditer(folded):
        element = _number_element(content, folded, number.start())
        if element is not None:
            elements.append(element)
    return elements


def _number_element(content: str, folded: str, start: int) -> _Element | None:
    """What a number is part of, judged by the word before it and the text after it."""
    before = _WORD_BEFORE.search(folded, max(0, start - _WORD_BEFORE_SPAN), start)
    word = before.group(1) if before else ""
    word_start = before.start() if before else start
    glued = before is not None and not before.group().endswith((" ", "\t", "\n"))
    edge = folded[start - 1] if start else " "
    free = edge not in "£$€.:/+" and not glued  # not part of money, a time or another code
    if word in _BED_WORDS:
        number = _NUMBER_END.match(folded, start)
        return _Element("place", word_start, number.end()) if number else None
    if glued:
        return _glued_number(content, folded, start, word, word_start)
    if word in _AGE_WORDS or word in _DECADE_WORDS or word in _YEAR_WORDS or word == "at":
        element = _number_after_word(folded, start, word, word_start)
        if element is not None:
            return element
    if not free:
        return None
    after = _AFTER_NUMBER.match(folded, start)
    if after is not None:
        kind = "condition" if after.lastgroup == "gestation" else after.lastgroup
        return _Element(kind or "age", start, after.end())
    if _is_age_band(folded, start):
        return _Element("age", start, start + 3)
    if word not in _NOT_AGE_WORDS:
        age_sex = _AGE_SEX.match(content, start)
        if age_sex is not None and not _NOT_AGE_AFTER.match(content, age_sex.end()):
            return _Element("age", start, age_sex.end())
    return None


def _is_age_band(folded: str, start: int) -> bool:
    """ ", 40s," or "(70s)": a decade set off on its own is an age band."""
    if _BARE_DECADE.match(folded, start) is None:
        return False
    before = folded[max(0, start - 2) : start].rstrip(" ")
    return before == "" or before[-1] in ",(;:/–-\n"


def _number_after_word(folded: str, start: int, word: str, word_start: int) -> _Element | None:
    """ "aged 92", "turned 104", "in her 80s", "year 9 girl", "at 02:10"."""
    if word in _AGE_WORDS:
        number = _NUMBER_END.match(folded, start)
        return _Element("age", word_start, number.end()) if number else None
    if word in _DECADE_WORDS:
        decade = _DECADE.match(folded, start)
        return _Element("age", word_start, decade.end()) if decade else None
    if word in _YEAR_WORDS:
        year_group = _YEAR_GROUP.match(folded, start)
        return _Element("age", word_start, year_group.end()) if year_group else None
    clock = _CLOCK.match(folded, start)
    return _Element("time", word_start, clock.end()) if clock else None


def _glued_number(
    content: str, folded: str, start: int, word: str, word_start: int
) -> _Element | None:
    """A number glued to letters: a road ("A64"), a year group ("y9"), an obstetric history."""
    if word in _YEAR_WORDS:
        year_group = _YEAR_GROUP.match(folded, start)
        return _Element("age", word_start, year_group.end()) if year_group else None
    if word == "g":
        gravida = _GRAVIDA.match(folded, word_start)
        return _Element("condition", word_start, gravida.end()) if gravida else None
    if word in _ROAD_LETTERS and word_start == start - 1 and content[word_start].isupper():
        number = _NUMBER.match(folded, start)
        if number is None or (word_start and content[word_start - 1].isalnum()):
            return None
        road_before = _ROAD_BEFORE.search(content, max(0, word_start - 8), word_start)
        if road_before or _JUNCTION_AFTER.match(content, number.end()):
            return _Element("place", word_start, number.end())
    return None


def _found_places(pattern: regex.Pattern[str], content: str) -> list[_Element]:
    return [_Element("place", *match.span()) for match in pattern.finditer(content)]


def _named_places(content: str) -> Iterable[_Element]:
    for run in _CAPITAL_RUN.finditer(content):
        words = run.group().split()
        start = run.start()
        if len(words) > 1 and words[0].lower() in _PREPOSITIONS:
            # "In Thorne ..." at the start of a sentence, "The Co-op"
            start += len(words[0]) + 1
            words = words[1:]
            preposition = True
        else:
            lookback = max(0, start - _PREPOSITION_LOOKBACK)
            preposition = _PREPOSITION_BEFORE.search(content, lookback, start) is not None
        place = _place_in_run(content, start, run.end(), words, preposition)
        if place is not None:
            yield _Element("place", *place)


def _place_in_run(
    content: str, start: int, end: int, words: list[str], preposition: bool
) -> tuple[int, int] | None:
    """The span of a place named by a run of capitalised words, if it names one."""
    after = _PLACE_WORD_AFTER.match(content, end)
    if after is not None:
        return end - len(" ".join(words[-2:])), after.end()
    if len(words) > 1 and words[-1] in _PLACE_SUFFIXES:
        return end - len(" ".join(words[-_MAX_PLACE_WORDS:])), end
    if preposition and words[0].lower().strip("'’") not in _NOT_PLACES:
        return start, start + len(" ".join(words[: _MAX_PLACE_WORDS - 1]))
    return None


def _confidence(found: set[str], elements: list[_Element]) -> float | None:
    """How sure the combination identifies someone; None when it does not."""
    # A service ("memory clinic", "dialysis unit") stands in for a condition, except that a
    # public figure at a service may be visiting it rather than being treated there.
    treated = bool(found & {"condition", "incident"})
    present = {"condition" if kind == "service" else kind for kind in found}
    person = bool(present & _PERSON_KINDS)
    where = bool(present & _WHERE_KINDS)
    identifying = (
        (person and bool(present & _CLINICAL) and (where or "rarity" in present))
        or ("role" in present and treated)
        or (
            bool(present & {"news", "incident"})
            and (person or "caseload" in present)
            and (where or "news" in present)
        )
        or ("rarity" in present and "condition" in present)
    )
    score = _score(present, elements)
    if identifying and score >= _ENOUGH:
        return min(0.95, 0.6 + 0.05 * (score - _ENOUGH))
    someone = person or bool(present & {"patient_word", "repeat"})
    if identifying or (where and "repeat" in present and someone):
        return _FLAG_CONFIDENCE
    return None


def _score(present: set[str], elements: list[_Element]) -> float:
    kinds = set(present)
    if kinds & _PERSON_KINDS:
        kinds.discard("patient_word")
    if "place" in kinds:
        kinds.discard("landmark")
    score = sum(_WEIGHTS[kind] for kind in kinds)
    places = {(element.start, element.end) for element in elements if element.kind in _WHERE_KINDS}
    if len(places) > 1:
        score += 0.5  # "Bed 6 on Ash ward": two places narrow it further than one
    return score


def _matches(text: str, elements: list[_Element], confidence: float) -> list[Match]:
    # A flagged "frequent flyer from the X estate" has only the repeat and the place to hide.
    hidden_kinds = _LINK_KINDS if confidence >= 0.5 else _LINK_KINDS - {"repeat"}
    spans = _outermost(
        (element.start, element.end, element.kind)
        for element in elements
        if element.kind not in hidden_kinds
    )
    matches = [
        Match(CATEGORY, RULE, start, end, confidence, f"{kind}, in a combination that identifies")
        for start, end, kind in spans
    ]
    repeats = every_occurrence(text, [(start, end) for start, end, _ in spans])
    matches.extend(
        Match(CATEGORY, RULE, start, end, confidence, "the same detail again")
        for start, end in repeats
    )
    return matches


def _outermost(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans not inside another ("60s male" hides "male"), overlapping ones joined ("the seg"
    and "seg unit" make "the seg unit"), in text order."""
    kept: list[tuple[int, int, str]] = []
    reach = -1
    # The kind breaks ties, so two kinds on one span report the same way on every run
    # (a set's order follows the hash seed).
    for start, end, kind in sorted(set(spans), key=lambda span: (span[0], -span[1], span[2])):
        if end <= reach:
            continue
        if start < reach:
            first_start, _, first_kind = kept.pop()
            start, kind = first_start, first_kind
        kept.append((start, end, kind))
        reach = end
    return kept
