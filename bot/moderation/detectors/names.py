"""A patient named: title + surname, first or full names in clinical context, initials + age/sex.

Staff groups are full of names, nearly all of them colleagues: thanks, rotas,
leaving dos, birthdays. A name is only reported when the words around it make
it a patient (clinical vocabulary, relatives, care settings, a date of birth or
an age next to it, an address, record number or phone number attached to a full
name) and the staff/social words do not outweigh that. Professional titles (Dr,
Nurse, Sister, CPN...) always mark a colleague, as does a job title in brackets or
apposition ("Mr Oduya (ortho consultant)"), asking after someone ("has anyone heard
from ...") and workplace business (DBS, payslips, "go easy on her"). The name lists are
used to recognise that a capitalised word is a name at all; whose name it is
comes only from context.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from enum import Enum
from itertools import islice
from typing import NamedTuple

import regex

from bot.moderation.detectors.person_context import (
    RELATIVES,
    MessageCues,
    cues_for,
    line_bounds,
    words,
)
from bot.moderation.lexicon import ambiguous_first_names, first_names, fold_name, surnames
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

CATEGORY = "patient.name"

PERSONAL_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "master", "mister", "baby"})
# Titles that mark the person as staff (or at least not as a patient named in a note).
STAFF_TITLES = words(
    """
    dr doctor nurse sister sr prof professor matron cllr councillor rev revd reverend sir
    dame lord sgt pc officer coach
    """
)
# A lower-case word just before a name that makes it a colleague: "nurse Kemi", "our new HCA Tom".
STAFF_ROLE_WORDS = words(
    """
    nurse sister doctor dr cpn hca dn sn rn rmn rgn nic midwife mw paramedic para tech eca
    ecp physio ot salt consultant registrar reg sho f1 fy1 f2 fy2 gp anp acp amhp sw hv
    student manager colleague pharmacist technician receptionist admin coordinator lead
    apprentice porter driver dispatcher handler locum matron secretary phlebotomist
    housekeeper clerk domestic volunteer odp anaesthetist surgeon associate assistant
    therapist dietitian psychologist psychiatrist worker practitioner sonographer
    radiographer chaplain our lovely welcome congrats congratulations thanks thank ta cheers
    hi hey hiya hello morning evening bye dear love sorry happy cc fao attn wish
    """
)
# A word after a capitalised word that makes it a place: "Willow ward", "Fern Road".
PLACE_NOUNS = words(
    """
    ward unit house lodge centre center court close road rd street st lane ln way avenue ave
    drive crescent grove park hospital practice surgery clinic building wing suite team
    station hall school primary academy college university estate farm gardens place square
    terrace row rise view mews walk hill bridge garth fold croft villas cottages parade
    health medical community trust hospice room block tower mill fields vale meadows manor
    bay base library church chapel arms inn hotel pub bar cafe services ltd limited plc
    group foundation appeal fund syndrome disease score scale protocol day award run
    infirmary royal general memorial
    """
)
# Capitalised words that follow a first name but are not its surname.
NOT_SURNAMES = words(
    """
    monday tuesday wednesday thursday friday saturday sunday mon tues tue weds wed thurs thu
    fri sat sun january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec christmas xmas easter the and
    or but from thanks thank please pls hi ok yes no is has was in on at to for re fyi bank
    today tomorrow tonight morning afternoon evening night nights lates earlies ward
    """
)
# A verb or auxiliary right after a word-name at the start of a sentence makes it a name:
# "Grace refused her insulin", "Precious didn't turn up" (not "Will you...", "Hope the...").
_VERB_AFTER_NAME = words(
    """
    is isnt isn't was wasnt wasn't has hasnt hasn't had hadn't did didnt didn't does doesnt
    doesn't wont won't cant can't couldnt couldn't keeps kept needs needed wants wanted
    refused refuses refusing rang called came went fell says said declined missed attended
    absconded died passed collapsed reports reported complains complained presented tested
    started stopped seems looks took takes dna'd dnad self-discharged got gets remains still
    """
)
# Words just before a word-name that make it a date or an ordinary word ("in May", "the Grace").
_NOT_NAME_BEFORE = words(
    """
    the a an in of by from until till since this next last every mid end early late amazing
    saving st
    """
)
_MONTH_NAMES = frozenset({"may", "june", "april", "jan", "august"})
_INITIALS_NOT_NAMES = words(
    """
    AE ED GP DN DNS OT PT HV RN NHS CPN ICU ITU HDU MAU AMU SAU CDU OOH ANP ACP HCA RTC CAD
    EOC HEMS HART CT MRI BP HR RR OD UTI SOB DOB NOK MH LD CAT AL TOIL OK UK SR DR MR MS NI
    IT IV IM SC PO PR NG NBM ECG ROSC CPR DNR ASAP ETA RV RRV ECA ECP PTS QOF CQC SSP OH GCS
    TIA MI AF COPD DVT PE CVA SAH SW YO AM PM BM BMI ST WK WKS DOA ROLE
    """
)

# A capitalised word (title case, hyphenated or O'/Mc names) with an optional possessive.
_CAPITALISED = regex.compile(
    r"(?<![\p{L}\p{N}_@#/])(?:O['’])?\p{Lu}\p{Ll}\p{L}*(?:-\p{Lu}\p{Ll}\p{L}*)?(?![\p{L}\p{N}@])"
)
_LOWER_TITLE = regex.compile(
    r"(?<![\p{L}\p{N}])(?:mrs|mr|ms|miss)\.?[ \t]+([a-z][a-z\-]{1,30})(?![\p{L}\p{N}])"
)
_INITIALS_AGE_SEX = regex.compile(
    r"(?<![\p{L}\p{N}])(?P<initials>\p{Lu}(?:\.\s?)?\p{Lu}(?:(?:\.\s?)?\p{Lu})?\.?)"
    r"(?![\p{L}\p{N}])[ \t,:-]{0,3}\(?[ \t]{0,2}"
    r"(?P<age>\d{1,3})[ \t]{0,2}(?:y/?o|yrs?|years?(?:[ \t]old)?)?[ \t]{0,2}[,/]?[ \t]{0,2}"
    r"(?P<sex>[MF]|male|female)(?![\p{L}\p{N}])"
)
_INITIALS_BED = regex.compile(
    r"(?<![\p{L}\p{N}])(?P<initials>\p{Lu}{2,3})[ \t]+(?:in[ \t]+)?(?i:bed|bay|side[ \t]?room|sr)"
    r"[ \t]*\d{1,2}(?![\p{N}])"
    r"|(?<![\p{L}\p{N}])(?i:bed|bay)[ \t]*\d{1,2}[ \t]*[:\-–(][ \t]*(?P<initials2>\p{Lu}{2,3})"
    r"(?![\p{L}\p{N}])"
)

# Patient evidence right after a name.
_AFTER_RELATIVE = regex.compile(r"['’]s?\s+(\p{Ll}+)(?:\s+(\p{Ll}+))?")
_AFTER_AGE_SEX = regex.compile(
    r"[ \t,(]{1,3}(?:aged?[ \t]*)?\d{1,3}[ \t]*(?:y/?o|yrs?|years?(?:[ \t]old)?|[MF]\b)"
)
_AFTER_DATE = regex.compile(
    r"[ \t,(:–\-]{1,4}(?P<label>(?i:dob|d\.o\.b\.?|born|b\.)[ \t:\-]*)?\d{1,2}[/.\-]\d{1,2}[/.\-]"
    r"(?P<year>\d{4}|\d{2})(?!\d)"
)
_AFTER_EVENT = regex.compile(
    r"\s+(?:has\s+|had\s+|is\s+|was\s+|has\s+been\s+)?(?:dna['’]?d|dnad|absconded|"
    r"self[- ]discharged|passed\s+away|died|refus\w+|declined|fell|collapsed|admitted|"
    r"discharged|sectioned|detained|"
    r"did\s*n['’]?t\s+(?:turn\s+up|attend)|not\s+(?:eating|drinking)|went\s+missing)\b",
    regex.IGNORECASE,
)
_AFTER_WHICH_PATIENT = regex.compile(
    r"\s*[(,–\-]\s*(?:the|our)\s+(?:lady|gent|gentleman|man|woman|boy|girl|baby|one)\b"
    r"|\s+(?:in|on)\s+(?:reception|the\s+waiting\s+room|bed\s*\d|bay\s*\d|side\s*room|resus|majors|"
    r"\p{Lu}\p{L}+\s+ward)",
    regex.IGNORECASE,
)
_AFTER_LIST_ADDRESS = regex.compile(r"\s*[,–\-:]\s*(?:\d+[a-z]?|flat\s+\d+)[ ,]+\p{Lu}", regex.I)
_BEFORE_CARE_ACTION = regex.compile(
    r"(?:\b(?:call|ring|phone|visit|visiting|see|seen|saw|review|reviewed|assess|booked|"
    r"letter\s+(?:for|to)|pics?\s+of|photos?\s+of|picture\s+of|bloods\s+for|meds\s+for|"
    r"referral\s+for|pop\s+in\s+to|pop\s+into|pop\s+round\s+to|call\s+back|ring\s+back|"
    r"patient|pt|client|resident|service\s+user)\s+)$",
    regex.IGNORECASE,
)
_NHS_NUMBER_NEARBY = regex.compile(r"(?i:nhs)\s*(?:no\.?|number|num|#)?\s*[:\-]?\s*\d{3}")
# A record number labelled near the name: "hosp no M3380951", "MRN 1234567", "RiO 104883".
_RECORD_NUMBER_NEARBY = regex.compile(
    r"(?i)\b(?:(?:hosp(?:ital)?|mrn|rio|emis|pas|chi|h&c)\.?[ \t]*(?:no\.?|number|num|#|id)?"
    r"|(?:unit|k)[ \t]*(?:no\.?|number|num|#))[ \t]*[:\-]?[ \t]*[A-Za-z]{0,3}\d{3}"
)
# A personal phone number straight after the name: "ring Ana Costa on 07700 900123".
_AFTER_PHONE = regex.compile(
    r"[ \t]*(?:on|at|[,:\-–(])?[ \t]*(?:mob(?:ile)?|tel|phone)?[:. \t]*(?:\+44[ \t]?|0)\d"
    r"(?:[ \t]?\d){8,9}(?!\d)"
)
_GRUMBLE = regex.compile(
    r"\b(?:not\s+happy|complain\w*|again|keeps\s+ringing|kick\w*\s+off|angry|upset|moaning|"
    r"third\s+time|rude|shouting)\b",
    regex.IGNORECASE,
)

# Colleague evidence around a name.
_SELF_INTRODUCTION = regex.compile(
    r"\b(?:i['’]m|i\s+am|my\s+name\s+is|this\s+is|it['’]s)\s+$", regex.I
)
_VOCATIVE_BEFORE = regex.compile(r"(?:@|\byou\s+|\bu\s+)$", regex.IGNORECASE)
_VOCATIVE_AFTER = regex.compile(
    r"^[,!]?\s*(?:you\b|u\b|ur\b|you['’]re|youre|can\s+you|could\s+you|are\s+you|have\s+you|"
    r"did\s+you|do\s+you|would\s+you|pls\b|please\b)",
    regex.IGNORECASE,
)
_SIGN_OFF_AFTER = regex.compile(r"[\s\W]*$")
_ABSENT_FROM_WORK = regex.compile(
    r"\b(?:she|he)['’]s\s+(?:off|not\s+in|on\s+leave)\b|\bcompassionate\s+leave\b"
    # "she left recovery in tears": the place someone works, left upset.
    r"|\b(?:left|walked\s+out\s+of)\s+(?:recovery|theatres?|the\s+ward|the\s+unit|work|"
    r"(?:her|his|their)\s+shift|early)\s+(?:in\s+tears|crying|upset)\b",
    regex.I,
)
_WISH_WELL = regex.compile(r"\bwish\s+$", regex.IGNORECASE)
# "has anyone heard from Orla?": people ask after colleagues, not patients, this way.
_HEARD_FROM = regex.compile(
    r"\b(?:heard|hear)\s+(?:anything\s+)?from\s+$|\bany(?:one|body)\s+(?:seen|spoken\s+to)\s+$",
    regex.IGNORECASE,
)
# "doing fracture clinic with Mr Quinn": the person someone works alongside.
_WORKING_ALONGSIDE = regex.compile(
    r"\b(?:doing|running|covering|sharing|in|on|at)\s+(?:the\s+)?(?:\S+\s+)?(?:clinic|list|"
    r"theatre|theatres|ward\s+round|round|session|shift|nights|lates|earlies|call|teaching)\s+"
    r"with\s+$|\b(?:scrubbing|assisting|working|teaching|training|on\s+shift)\s+with\s+$",
    regex.IGNORECASE,
)
# A job title in brackets or in apposition after a name: "Mr Oduya (ortho consultant)",
# "Kemi, our new HCA, ...".
STAFF_ROLE_NOUNS = words(
    """
    nurse nic coordinator co-ordinator scrub runner anaesthetist surgeon registrar reg sho
    consultant midwife hca lead manager doctor dr porter assistant practitioner student
    physio physiotherapist pharmacist technician tech radiographer sonographer odp ot salt
    dietitian dietician psychologist psychiatrist therapist matron sister fy1 fy2 f1 f2 ct1
    ct2 st1 st2 st3 st4 st5 st6 st7 st8 spr anp acp cns gp locum paramedic para eca emt
    receptionist secretary clerk admin housekeeper domestic phlebotomist chaplain educator
    mentor preceptor hv dn cpn rn rmn rgn sn mw senco teacher ta headteacher deputy officer
    governor dentist hygienist intern fellow houseman anaesthetics
    """
)
# "orthogeriatrician", "radiologist", "sonographer": specialists named by their ending.
_ROLE_ENDINGS = ("ician", "ologist", "iatrist", "therapist", "grapher", "surgeon", "nurse")
_ROLE_IN_BRACKETS = regex.compile(r"\s*\(([^()\n]{1,40})\)")
# Without a determiner the title must be set off on both sides ("Mr Oduya, ortho
# consultant, is ..."), so "Mr Jones, GP is aware" is not read as one.
_ROLE_IN_APPOSITION = regex.compile(
    r",\s+(?:(?P<determiner>the|our|a|an|new|locum|agency|bank)\s+)?"
    r"(?P<title>(?:[\p{L}&\-]+\s+){0,2}?[\p{L}\d]+)"
    r"(?:\s*[,;)]|(?P<verb>\s*\.|\s+(?:is|was|has|will|said|says)\b))"
)
# In brackets, these say the person in front is a patient: "(pt of Dr Ali)", "(bed 4)".
_PATIENT_IN_BRACKETS = words("pt patient patients lady gent gentleman bed bay cot of for with")
_AFTER_STAFF = regex.compile(
    r"(?:['’]s?)?\s+(?:from|in|at|on)\s+(?:the\s+)?(?:hr|it|estates|payroll|finance|admin|eoc|"
    r"control|records|medical\s+records|reception\s+desk|the\s+desk|desk|office|team|governance|ig|"
    r"oh|occupational\s+health|comms|procurement|facilities|switchboard|audit|training|bank|agency|"
    r"union|unison|rcn|base|station|hub|phones|dispatch)\b"
    r"|(?:\s+(?:is|was|has|will\s+be)|['’]s)\s+(?:been\s+)?(?:running|covering|booking|teaching|"
    r"leading|in\s+charge|doing\s+(?:the|a|an|his|her|their)\s|mentoring|supervising|"
    r"doing\s+(?:\S+\s+)?(?:clinic|list|ward\s+round|session|theatres?|teaching|on\s+call)\b|"
    r"(?:the|our|a)\s+(?:\S+\s+){0,2}?(?:nurse|nic|coordinator|scrub|runner|anaesthetist|surgeon|"
    r"registrar|reg|sho|consultant|midwife|hca|lead|manager|doctor|porter|assistant|practitioner|"
    r"student|physio|pharmacist)\b|off\s+(?:sick|today|tomorrow|next|because|with|after|for|work|till|until)|signed\s+off|"
    r"on\s+(?:al|leave|annual\s+leave|mat\s+leave|nights|lates|earlies|the\s+late|the\s+early|days|"
    r"call|shift|a\s+course|bleep|the\s+bleep|take|the\s+rota))\b"
    r"|\s+on\s+(?:the\s+)?(?:late|early|nights?|lates|earlies|long\s+day|al|leave|bleep|call)\b"
    r"|\s+(?:is\s+|was\s+|will\s+be\s+)?(?:operating|consenting|anaesthetising|on\s+take|"
    r"post[- ]taking|prescribing|running\s+late|in\s+theatre|scrubbed)\b"
    r"|,?\s+(?:will|can|could|to|is\s+going\s+to|has\s+offered\s+to|offered\s+to)\s+(?:do|cover|take|"
    r"pick\s+up|run|lead|sort|teach|check|chase|bring)\b"
    r"|\s+(?:cover|swap|take\s+over|pick\s+up|help\s+(?:with|out)|mentor|supervise|teach|run|lead)\b"
    r"|\s*\((?:hca|rn|sn|rmn|cpn|dn|nurse|midwife|mw|student|dr|doctor|physio|ot|pharmacist|tech|"
    r"porter|admin|reg|sho|f1|fy1|anp|acp|para|paramedic|eca|bank|agency|locum|nic|manager|"
    r"consultant|surgeon|registrar|anaesthetist|matron|sister|gp|ward\s+manager|team\s+leader)\)"
    r"|['’]s?\s+(?:\S+\s+)?(?:list|clinic|session|teaching|caseload|patients|team|registrar|"
    r"secretary|firm)\b(?!\s+(?:appointment|appt|letter|slot|visit|review))"
    r"|\s+(?:\S+\s+){0,5}?(?:his|her|their)\s+(?:\S+\s+){0,2}?(?:clinic|list|session|"
    r"teaching|caseload|patients)\b(?!\s+(?:appointment|appt))",
    regex.IGNORECASE,
)

_WORDS = regex.compile(r"[\p{L}\p{N}]+")
_LIST_MARKER = regex.compile(r"\s*(?:\d{1,2}[.)]|[-•*])\s*")
_PREVIOUS_WORD = regex.compile(r"([\p{L}\p{N}]+)[^\p{L}\p{N}]*$")
_FOLLOWING_WORD = regex.compile(r"\s+([\p{L}\p{N}'’\-]+)")
_NEXT_WORD = regex.compile(r"(?:['’]s?)?\s+(\p{L}+)")
_PLACE_PREPOSITION = regex.compile(
    r"\b(?:in|at|from|near|to|outside|towards|around|round|nr)\s+$", regex.IGNORECASE
)
_SAINT_OR_NUMBER_BEFORE = regex.compile(r"(?:\bSt\.?|\d[a-zA-Z]?)\s+$")
_BED_WORDS = ("bed", "bay", "side", " sr")
# A digit then M/F or an age unit: the only way "JT 84M" can be in a message.
_AGE_SEX_HINT = re.compile(r"\d[ \t)]{0,2}(?:[MFmf]|y|Y)")
# A long handover list can name many patients; beyond this a message is not a real list.
_MAX_CANDIDATES = 60
_MAX_CAPITALISED_WORDS = 300
_LOCAL_WIDTH = 80
_STRONG_SOCIAL = frozenset(
    {
        "thanks",
        "thank you",
        "thank",
        "thx",
        "cheers",
        "congrats",
        "congratulations",
        "welcome",
        "leaving",
        "leaving do",
        "farewell",
        "retirement",
        "birthday",
        "bday",
        "b'day",
        "good luck",
        "well done",
        "shout out",
        "shoutout",
        "kudos",
        "great work",
        "amazing work",
        "hard work",
    }
)
# Staff business that only ever concerns a colleague: vetting, pay, regulators, gossip.
_STRONG_STAFF = (
    _STRONG_SOCIAL
    | words(
        """
    dbs payslip p60 gmc nmc hcpc disciplinary grievance
    """
    )
    | frozenset(
        {"dbs check", "go easy on", "working with", "not announcing", "fitness to practise"}
    )
)


class NameKind(Enum):
    TITLE = "title_surname"
    FULL = "full_name"
    FIRST = "first_name"
    WORD_NAME = "first_name_common_word"


class _Word(NamedTuple):
    start: int
    end: int
    text: str
    possessive: bool


class _Candidate(NamedTuple):
    start: int
    end: int
    kind: NameKind
    sentence_start: bool


class PatientNameDetector:
    """Patients named in title + surname, first/full name, initials + age/sex, handover lists."""

    name = "patient_name"
    categories: tuple[str, ...] = (CATEGORY,)

    def __init__(self) -> None:
        self._first_names = first_names()
        self._word_names = ambiguous_first_names()
        self._surnames = surnames()

    def find(self, text: NormalisedText) -> Iterator[Match]:
        content = text.text
        yield from self._initials(content)
        candidates = list(self._candidates(content))
        if not candidates:
            return
        cues = cues_for(content)
        for candidate in candidates[:_MAX_CANDIDATES]:
            match = self._assess(content, cues, candidate)
            if match is not None:
                yield match

    # --- initials ---------------------------------------------------------------

    def _initials(self, content: str) -> Iterator[Match]:
        yield from self._initials_age_sex(content)
        lowered = content.lower()
        if any(word in lowered for word in _BED_WORDS):
            yield from self._initials_bed(content)

    def _initials_age_sex(self, content: str) -> Iterator[Match]:
        if _AGE_SEX_HINT.search(content) is None:
            return
        for found in _INITIALS_AGE_SEX.finditer(content):
            initials = found.group("initials")
            age = int(found.group("age"))
            if _plain_initials(initials) in _INITIALS_NOT_NAMES or age > 115:
                continue
            yield Match(
                CATEGORY,
                "initials_age_sex",
                found.start("initials"),
                found.end("initials"),
                0.85,
                "initials with age and sex",
            )

    def _initials_bed(self, content: str) -> Iterator[Match]:
        for found in _INITIALS_BED.finditer(content):
            group = "initials" if found.group("initials") else "initials2"
            if found.group(group) in _INITIALS_NOT_NAMES:
                continue
            yield Match(
                CATEGORY,
                "initials_bed",
                found.start(group),
                found.end(group),
                0.8,
                "initials with a bed or bay",
            )

    # --- finding names ----------------------------------------------------------

    def _candidates(self, content: str) -> Iterator[_Candidate]:
        capitalised = islice(_CAPITALISED.finditer(content), _MAX_CAPITALISED_WORDS)
        words = [_word(content, found) for found in capitalised]
        index = 0
        while index < len(words):
            index = yield from self._candidates_at(content, words, index)
        yield from self._lower_case_titles(content)

    def _candidates_at(self, content: str, words: list[_Word], index: int) -> Iterator[_Candidate]:
        """Yield the name starting at words[index], if any; return the next index to look at."""
        word = words[index]
        folded = _fold(word.text)
        if folded in PERSONAL_TITLES or folded in STAFF_TITLES:
            name_end = _name_after_title(content, words, index)
            if name_end == index + 1:
                return index + 1  # "Baby girl", "Mrs" alone: a title with no name after it
            if folded in PERSONAL_TITLES and not _staff_role_before(content, word.start):
                last = words[name_end - 1]
                yield _Candidate(word.start, last.end, NameKind.TITLE, False)
            return name_end
        if not self._is_first_name(folded) or _is_place(content, word):
            return index + 1
        if self._ends_a_place_name(content, words, index):
            return index + 1
        end_index = self._surname_end(content, words, index)
        if _names_a_place(content, words, end_index):
            return end_index + 1
        kind = NameKind.FULL if end_index > index + 1 else NameKind.FIRST
        if kind is NameKind.FIRST and folded in self._word_names:
            kind = NameKind.WORD_NAME
        yield _Candidate(
            word.start, words[end_index - 1].end, kind, _starts_sentence(content, word)
        )
        return end_index

    def _is_first_name(self, folded: str) -> bool:
        """A known first name, or a double-barrelled one made of two ("Amelia-Rose")."""
        if folded in self._first_names:
            return True
        first, hyphen, second = folded.partition("-")
        return bool(hyphen) and first in self._first_names and second in self._first_names

    def _ends_a_place_name(self, content: str, words: list[_Word], index: int) -> bool:
        """ "in Kirkby Stephen", "from Bishop Auckland": a name that ends a place's name."""
        if index == 0 or not _adjacent(content, words[index - 1], words[index]):
            return False
        previous = words[index - 1]
        folded = _fold(previous.text)
        if self._is_first_name(folded) or folded in PERSONAL_TITLES or folded in STAFF_TITLES:
            return False
        lookback = max(0, previous.start - 12)
        return _PLACE_PREPOSITION.search(content, lookback, previous.start) is not None

    def _surname_end(self, content: str, words: list[_Word], index: int) -> int:
        """Index after the last word of a full name starting at words[index]."""
        end = index + 1
        while end < len(words) and end - index < 3 and not words[end - 1].possessive:
            following = words[end]
            if not _adjacent(content, words[end - 1], following):
                break
            folded = _fold(following.text)
            if folded in NOT_SURNAMES or _is_place(content, following):
                break
            if folded in PERSONAL_TITLES or folded in STAFF_TITLES:
                break
            is_known = folded in self._surnames or folded in self._first_names
            if not is_known and len(folded) < 3:
                break
            if end == index + 1 and self._is_risky_word_name(content, words[index], folded):
                break
            end += 1
        return end

    def _is_risky_word_name(self, content: str, first: _Word, following: str) -> bool:
        """ "Will Kerry be in?": a word-name opening a sentence needs a real surname after it."""
        if _fold(first.text) not in self._word_names or not _starts_sentence(content, first):
            return False
        return following not in self._surnames and following in self._first_names

    def _lower_case_titles(self, content: str) -> Iterator[_Candidate]:
        if "mr" not in content and "ms" not in content and "miss" not in content:
            return
        for found in _LOWER_TITLE.finditer(content):
            if _fold(found.group(1)) in self._surnames:
                yield _Candidate(found.start(), found.end(1), NameKind.TITLE, False)

    # --- deciding whose name it is ----------------------------------------------

    def _assess(self, content: str, cues: MessageCues, candidate: _Candidate) -> Match | None:
        patient = _patient_evidence(content, cues, candidate)
        confidence = _confidence(candidate.kind, patient)
        if confidence is None or _is_addressed_or_self(content, candidate):
            return None
        staff = _staff_evidence(content, cues, candidate)
        if staff > 0 and staff >= patient:
            return None
        if candidate.kind is NameKind.WORD_NAME and not _word_name_reads_as_name(
            content, candidate
        ):
            return None
        return Match(
            CATEGORY,
            candidate.kind.value,
            candidate.start,
            candidate.end,
            confidence,
            "name in a patient context" if confidence >= 0.5 else "name, possibly a patient",
        )


def _confidence(kind: NameKind, patient: float) -> float | None:
    needed = 2.0 if kind is NameKind.WORD_NAME else 1.0
    if patient >= needed:
        return 0.9 if patient >= needed + 1 else 0.8
    if kind in (NameKind.TITLE, NameKind.FULL) and patient >= 0.5:
        return 0.4
    return None


def _patient_evidence(content: str, cues: MessageCues, candidate: _Candidate) -> float:
    line_start, line_end = line_bounds(content, candidate.start, candidate.end)
    low = max(line_start, candidate.start - _LOCAL_WIDTH)
    high = min(line_end, candidate.end + _LOCAL_WIDTH)
    local = cues.clinical_terms(low, high)
    elsewhere = cues.all_clinical - local
    score = min(3, len(local)) + 0.5 * min(2, len(elsewhere))
    after = content[candidate.end : candidate.end + 60]
    before = content[max(0, candidate.start - 40) : candidate.start]
    relative = _AFTER_RELATIVE.match(after)
    if relative is not None and not RELATIVES.isdisjoint(relative.groups()):
        score += 1.5
    if _AFTER_AGE_SEX.match(after) or _birth_date_follows(after):
        score += 2
    if _AFTER_EVENT.match(after) or _AFTER_WHICH_PATIENT.match(after):
        score += 1
    if _BEFORE_CARE_ACTION.search(before):
        score += 1
    is_full = candidate.kind in (NameKind.TITLE, NameKind.FULL)
    if _in_list_item(content, line_start, candidate.start):
        score += 0.5
        if _AFTER_LIST_ADDRESS.match(after):
            score += 1
    elif is_full and _AFTER_LIST_ADDRESS.match(after):
        score += 1.5  # "Ana Costa, 4 Mill Lane, ...": a full name that leads its address
    if _NHS_NUMBER_NEARBY.search(content, low, high) or _RECORD_NUMBER_NEARBY.search(
        content, low, high
    ):
        score += 1.5
    if _AFTER_PHONE.match(after):
        score += 1
    if score < 1 and is_full and _GRUMBLE.search(content, low, high):
        score += 0.5
    return score


def _staff_evidence(content: str, cues: MessageCues, candidate: _Candidate) -> float:
    line_start, line_end = line_bounds(content, candidate.start, candidate.end)
    low = max(line_start, candidate.start - _LOCAL_WIDTH)
    high = min(line_end, candidate.end + _LOCAL_WIDTH)
    local = cues.staff_terms(low, high)
    elsewhere = cues.all_staff - local
    score = min(3, len(local)) + 0.5 * min(2, len(elsewhere))
    score += len(local & _STRONG_STAFF)
    if _staff_role_before(content, candidate.start):
        score += 2
    if _AFTER_STAFF.match(content, candidate.end, min(len(content), candidate.end + 80)):
        score += 2
    if _WISH_WELL.search(content, max(0, candidate.start - 8), candidate.start):
        score += 3
    # Colleagues are asked after and worked alongside by first name; "has anyone seen
    # Mrs Jones?" is more likely a patient who has wandered off.
    first_name_only = candidate.kind is not NameKind.TITLE
    if first_name_only and _HEARD_FROM.search(
        content, max(0, candidate.start - 30), candidate.start
    ):
        score += 2
    if _WORKING_ALONGSIDE.search(content, max(0, candidate.start - 40), candidate.start):
        score += 2
    if _job_title_follows(content, candidate.end):
        score += 2
    if _ABSENT_FROM_WORK.search(content, low, high):
        score += 2
    return score


def _job_title_follows(content: str, end: int) -> bool:
    """ "Mr Oduya (ortho consultant)", "Kemi, our new HCA,": a job title names a colleague."""
    brackets = _ROLE_IN_BRACKETS.match(content, end, min(len(content), end + 44))
    if brackets is not None:
        inside = _WORDS.findall(brackets.group(1).lower())
        if "'" in brackets.group(1) or any(char.isdigit() for char in brackets.group(1)):
            return False  # "(Dr Ali's patient)", "(78F)"
        # The title ends the brackets: "(ortho consultant)", not "(GP aware)".
        return (
            bool(inside) and _is_job_title(inside[-1]) and _PATIENT_IN_BRACKETS.isdisjoint(inside)
        )
    apposition = _ROLE_IN_APPOSITION.match(content, end, min(len(content), end + 50))
    if apposition is None or (apposition.group("verb") and not apposition.group("determiner")):
        return False
    last = _WORDS.findall(apposition.group("title").lower())
    return bool(last) and _is_job_title(last[-1])


def _is_job_title(word: str) -> bool:
    return word in STAFF_ROLE_NOUNS or word.endswith(_ROLE_ENDINGS)


def _birth_date_follows(after: str) -> bool:
    """A date of birth right after the name; a recent date is a rota or training date."""
    found = _AFTER_DATE.match(after)
    if found is None:
        return False
    if found.group("label"):
        return True
    year = found.group("year")
    this_year = date.today().year
    if len(year) == 2:
        return int(year) > this_year % 100
    return int(year) <= this_year - 2


def _is_addressed_or_self(content: str, candidate: _Candidate) -> bool:
    """Not the patient: someone spoken to (@Tom, "you Kerry"), signing off, introducing
    themselves, or a relative named by their relation ("son Paul")."""
    before = content[max(0, candidate.start - 20) : candidate.start]
    after = content[candidate.end : candidate.end + 20]
    if _VOCATIVE_BEFORE.search(before) or _SELF_INTRODUCTION.search(before):
        return True
    if _relative_before(before):
        return True
    if _VOCATIVE_AFTER.match(after):
        return True
    signs_off = _SIGN_OFF_AFTER.match(content, candidate.end) is not None
    return signs_off and before.rstrip(" \t").endswith((",", "\n"))


def _relative_before(before: str) -> bool:
    """ "son Paul on 07700...": the name of a relative, not of the patient."""
    words = _WORDS.findall(before.lower())
    return bool(words) and words[-1] in RELATIVES


def _word_name_reads_as_name(content: str, candidate: _Candidate) -> bool:
    """A name that is also a word (Grace, May, Will) must read as a name, not as the word."""
    previous = _PREVIOUS_WORD.search(content, max(0, candidate.start - 20), candidate.start)
    after = _FOLLOWING_WORD.match(content, candidate.end, candidate.end + 30)
    following = [after.group(1).lower().replace("’", "'")] if after else []
    word = content[candidate.start : candidate.end].lower()
    if previous is not None and previous.group(1).lower() in _NOT_NAME_BEFORE:
        return False
    if word in _MONTH_NAMES and _number_adjacent(content, candidate):
        return False
    if _possessive_at(content, candidate.end):
        return True
    if candidate.sentence_start:
        return bool(following) and following[0] in _VERB_AFTER_NAME
    return True


def _number_adjacent(content: str, candidate: _Candidate) -> bool:
    before = content[max(0, candidate.start - 6) : candidate.start]
    after = content[candidate.end : candidate.end + 6]
    return any(char.isdigit() for char in before + after)


def _in_list_item(content: str, line_start: int, start: int) -> bool:
    prefix = content[line_start:start]
    return _LIST_MARKER.fullmatch(prefix) is not None


def _staff_role_before(content: str, start: int) -> bool:
    before = content[max(0, start - 30) : start].lower()
    words = _WORDS.findall(before)
    return bool(words) and words[-1] in STAFF_ROLE_WORDS


def _name_after_title(content: str, words: list[_Word], index: int) -> int:
    """Index after the (at most two) capitalised words that follow a title."""
    end = index + 1
    while end < len(words) and end - index <= 2 and not words[end - 1].possessive:
        if not _adjacent(content, words[end - 1], words[end], allow_dot=end == index + 1):
            break
        if _fold(words[end].text) in NOT_SURNAMES or _is_place(content, words[end]):
            break
        end += 1
    return end


def _word(content: str, found: regex.Match[str]) -> _Word:
    return _Word(found.start(), found.end(), found.group(), _possessive_at(content, found.end()))


def _possessive_at(content: str, end: int) -> bool:
    following = content[end : end + 2]
    if following[:1] not in ("'", "’"):
        return False
    return following[1:2] in ("s", "") or not following[1:2].isalpha()


def _adjacent(content: str, first: _Word, second: _Word, allow_dot: bool = False) -> bool:
    gap = content[first.end : second.start]
    return gap == " " or (allow_dot and gap in (". ", "."))


def _names_a_place(content: str, words: list[_Word], end_index: int) -> bool:
    """ "Florence Nightingale ward", "Mary Seacole House": a person's name given to a place."""
    if end_index >= len(words) or not _adjacent(content, words[end_index - 1], words[end_index]):
        return False
    return _is_place(content, words[end_index])


def _is_place(content: str, word: _Word) -> bool:
    """A street, ward, building or saint's name rather than a person: "Fern Road", "St Gemma's"."""
    after = _NEXT_WORD.match(content, word.end, word.end + 20)
    if after is not None and after.group(1).lower() in PLACE_NOUNS:
        return True
    before = content[max(0, word.start - 6) : word.start]
    return _SAINT_OR_NUMBER_BEFORE.search(before) is not None


def _starts_sentence(content: str, word: _Word) -> bool:
    before = content[max(0, word.start - 4) : word.start].rstrip(" \t")
    return before == "" or before[-1] in ".!?\n:;-–—•*)" or before[-1].isdigit()


def _plain_initials(initials: str) -> str:
    return "".join(char for char in initials if char.isalpha())


def _fold(word: str) -> str:
    return word.lower() if word.isascii() else fold_name(word)
