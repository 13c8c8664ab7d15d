"""Phone numbers and emails of patients and relatives, and colleagues' private details.

A UK number is only a finding when it is someone's own number: department,
switchboard, bleep, duty and crisis lines, and a poster's own number ("text my
personal number", which the conduct rules handle) are not. Whose number it is
comes from the nearest cue before it: a relative or patient word makes it
`patient.contact`; a named colleague's personal mobile, or a message wishing a
colleague well, makes it `personal.colleague_data`. When nothing says whose it
is, the number is flagged as possibly a patient's.

Colleagues' private details without a number are found conservatively: a named
colleague's (first name, or staff title and surname) home address, sickness,
pregnancy or health shared behind their back, a disciplinary matter or regulator
investigation, a DBS result, a relationship breaking down, a payslip; "her
address is ..." in a message about a member of staff. Asking after a colleague
who left in tears is only flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import ahocorasick
import phonenumbers
import regex

from bot.moderation.detectors.person_context import RELATIVES, cues_for, line_bounds
from bot.moderation.lexicon import first_names, fold_name
from bot.moderation.normalise import DigitRun, NormalisedText
from bot.moderation.types import Match

PATIENT = "patient.contact"
COLLEAGUE = "personal.colleague_data"

# phonenumbers is slow (tens of microseconds a call): only this many candidates a message.
_MAX_VALIDATIONS = 8
_MAX_EMAILS = 10
_CUE_REACH = 64
# Nobody writes a phone number in more groups than this ("oh seven seven..." has 11).
_MAX_GROUPS = 11
# Groups of one digit run looked at as the start of a number; a longer run is not prose.
_MAX_GROUP_STARTS = 200

# Ofcom's ranges reserved for drama and examples; phonenumbers calls the mobile one invalid.
_FICTION_RANGES = ("07700900", "01632960")
_NATIONAL_SHAPE = regex.compile(r"0(?:7[1-9]\d{8}|[12]\d{8,9}|3\d{9})")
_INTERNATIONAL_BEFORE = regex.compile(r"(?:\+[ \t]?44|0044)[ \t]*(?:\(0\)[ \t]*)?$")
_PLUS_BEFORE = regex.compile(r"\+[ \t]?$")
_AREA_CODE_BEFORE = regex.compile(r"\((0\d{2,4})\)[ \t]?$")
_REFERENCE_BEFORE = regex.compile(
    r"(?:nhs|chi|h&c|mrn|hosp(?:ital)?|ref(?:erence)?|invoice|inv|order|po|job|asset|cad|inc|"
    r"incident|case|datix|esr|account|acc|sort\s*code|tracking)\.?\s*(?:no\.?|number|num|#)?\s*[:\-]?"
    r"\s*$",
    regex.IGNORECASE,
)


class Owner(Enum):
    SELF = "self"
    WORK = "work"
    PATIENT = "patient"
    COLLEAGUE = "colleague"
    NAMED = "named"  # "Dan's number": a named person, patient or colleague by context


# Cues before a number or email, nearest wins; on a tie the earlier-listed kind wins.
_CUES: tuple[tuple[Owner, regex.Pattern[str]], ...] = (
    (
        Owner.SELF,
        regex.compile(
            r"\b(?:my|me|mine|i['’]m)\b(?:\s+\S+){0,2}?\s+(?:number|no|mobile|mob|phone|cell|"
            r"landline|email|e-mail|gmail|hotmail|whatsapp|husband|wife|partner|son|daughter|mum|"
            r"dad|brother|sister|hubby|mate|friend)\b"
            r"|\b(?:ring|call|text|phone|message|whatsapp|contact|reach|email)\s+me\b",
            regex.IGNORECASE,
        ),
    ),
    (
        # "the number for the lady from fracture clinic": a patient, though a clinic is named.
        Owner.PATIENT,
        regex.compile(
            r"\b(?:number|no|phone|mobile|mob|landline|contact(?:\s+details)?|details|email|e-mail)"
            r"\s+(?:for|of)\s+(?:the|this|that|our|a)\s+(?:lady|gent|gentleman|man|woman|chap|"
            r"fella|bloke|lad|girl|boy|baby|patient|pt|family|daughter|son|husband|wife|mum|dad)\b"
            r"(?:\s+(?:from|in|on|at)\s+(?:the\s+)?(?:[\w&]+\s+){0,2}?(?:clinic|ward|bay|unit|"
            r"(?:bed|room|cubicle)\s*\d+|side\s+room)\b)?",
            regex.IGNORECASE,
        ),
    ),
    (
        Owner.WORK,
        regex.compile(
            r"\b(?:switchboard|bleep|ext|extension|office|base|station|team|duty|line|lines|spa|hub|"
            r"desk|reception|ward|unit|clinic|surgery|practice|pharmacy|hospital|helpline|service|"
            r"department|dept|control|eoc|ooh|on-?call|direct\s+dial|dd|fax|crisis|triage|admin|"
            r"bookings?|appointments|enquiries|trust|council|police|taxi|cab|firm|company|shop|ltd|"
            r"quote|quotes|sale|orders?|business|rates|hotline|centre|center|agency|work\s+phone|"
            r"work\s+mobile|team\s+phone|on\s+call\s+phone|coordinator|co-ordinator|nic|matron|"
            r"theatres?|bed\s+manager|site\s+manager|bleep\s+holder|manager|labs?|pathology|radiology|"
            r"imaging|x-?ray|phlebotomy|outpatients|opd|maternity|a&e|resus|majors|minors|icu|itu|"
            r"hdu|nicu|scbu|gum|opat|endoscopy|dialysis|renal|oncology|haematology)\b"
            # "his clinic letters", "her clinic appointment": the patient's, not a work line.
            r"(?!\s+(?:letters?|appointments?|appts?|follow[\s-]?up))",
            regex.IGNORECASE,
        ),
    ),
    (
        Owner.PATIENT,
        regex.compile(
            r"\b(?:pt|pts|patient|client|resident|caller|service\s+user|nok|next\s+of\s+kin|"
            r"(?:call|calls|calling|called|rang|ringing|rung|phoned|phoning|texted|texting)\s+from|"
            r"(?:his|her|their)\s+(?:new\s+|other\s+|correct\s+|right\s+|updated\s+|latest\s+)?"
            r"(?:number|no|mobile|mob|phone|landline|email|e-mail|contact)|"
            r"contact\s+(?:number|no|details)|" + "|".join(sorted(RELATIVES)) + r")\b",
            regex.IGNORECASE,
        ),
    ),
    (
        Owner.COLLEAGUE,
        regex.compile(
            r"\b(?:personal|private|home|own)\s+(?:number|no|mobile|mob|phone|cell|landline|email|"
            r"e-mail|gmail|address)\b"
            r"|\b(?:his|her|their)\s+(?:gmail|hotmail|personal|private)\b",
            regex.IGNORECASE,
        ),
    ),
    (
        Owner.NAMED,
        regex.compile(
            r"(?<![\p{L}])\p{Lu}\p{Ll}+(?:['’]s?|\s+on)\s+(?:new\s+)?(?:mobile|mob|number|no|phone|"
            r"landline|email|e-mail|gmail|hotmail|contact|whatsapp)\b|(?<![\p{L}])\p{Lu}\p{Ll}+\s+on\s*$"
        ),
    ),
)
_STAFF_TITLED_NAME = regex.compile(
    r"\b(?:Dr|Doctor|Nurse|Sister|Sr|Matron|Prof|Professor)\.?\s+\p{Lu}\p{Ll}+['’]?s?\s+\S+\s*$"
)
_TITLED_NAME = regex.compile(r"\b(?:Mrs|Mr|Ms|Miss|Mx)\.?\s+\p{Lu}\p{Ll}+['’]?s?\s+\S+\s*$")
_PERSONAL_ACCOUNT = regex.compile(
    r"\b(?:gmail|hotmail|yahoo|icloud|outlook|personal|private|home)\b", regex.IGNORECASE
)
_WORK_AFTER = regex.compile(
    r"[ \t]*[(\-–,]?[ \t]*(?:switchboard|ext|extension|office|reception|main\s+line|team|duty|"
    r"bleep|direct\s+line|option\s+\d|on[\s-]?call|work\s+(?:phone|mobile)|coordinator|"
    r"co-ordinator|nic|matron)\b",
    regex.IGNORECASE,
)
_PATIENT_AFTER = regex.compile(
    r"[ \t]*[(\-–,]?[ \t]*(?:if\s+no\s+answer|wants\s+a\s+(?:call|ring)|(?:is\s+)?(?:the|his|her|"
    r"pt['’]?s|patient['’]?s)?\s*(?:" + "|".join(sorted(RELATIVES)) + r")\b)",
    regex.IGNORECASE,
)
# A message about a colleague's welfare: "wish Rhys well", "send her flowers".
_COLLEAGUE_MESSAGE = regex.compile(
    r"\bwish\s+\S+(?:\s+\S+)?\s+well\b|\bget\s+well\b|\bflowers\b|\bcard\b|\bsend\s+(?:him|her|them)\s+"
    r"(?:our\s+)?(?:love|best)\b|\bcolleague\b|\b(?:he|she)['’]s\s+(?:off|not\s+turned\s+up)\b|"
    r"\bnot\s+turned\s+up\b|\bhasn['’]?t\s+turned\s+up\b|\bno[- ]show\b|\bfor\s+his\s+shift\b|"
    r"\bfor\s+her\s+shift\b",
    regex.IGNORECASE,
)

_EMAIL = regex.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9][A-Za-z0-9\-]{0,62}"
    r"(?:\.[A-Za-z0-9][A-Za-z0-9\-]{0,62}){0,4}\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_WORK_DOMAIN = regex.compile(
    r"(?:^|\.)(?:nhs\.net|nhs\.uk|nhs\.scot|hscni\.net|gov\.uk|gov\.scot|gov\.wales|ac\.uk|"
    r"police\.uk|sch\.uk|mod\.uk)$",
    regex.IGNORECASE,
)
_GENERIC_MAILBOX = regex.compile(
    r"(?:^|[._\-])(?:team|admin|referrals?|enquiries|enquiry|info|office|reception|appointments|"
    r"bookings?|contact|hello|support|helpdesk|servicedesk|noreply|no-reply|accounts|finance|payroll|"
    r"hr|it|pals|complaints|feedback|duty|spa|rota|roster|bank|training|education|governance|"
    r"safeguarding|pharmacy|ward|clinic|hub|service|dept|records|secretaries|secretary|"
    r"general|mailbox|inbox|orders|sales)(?:$|[._\-\d])",
    regex.IGNORECASE,
)

# Colleagues' private details, each anchored on a first name or a staff title and surname.
_STAFF_TITLE = (
    r"(?P<title>(?:Dr|Doctor|Nurse|Sister|Sr|Matron|Prof|Professor|Charge\s+Nurse)\.?\s+)?"
)
_NAME = _STAFF_TITLE + r"(?P<name>\p{Lu}\p{Ll}+)"
_HOME_ADDRESS = regex.compile(
    _NAME + r"(?:['’]s\s+(?:home\s+|new\s+|house\s+)?address\s*(?:is|:|-|–)?|\s+lives\s+at)"
    r"\s*(?P<detail>\d[^\n]{4,80})"
)
# "her address is on the booking form: 19 ...": only a colleague's when the message is
# about one (an agency nurse, a payslip, a card) and says nothing clinical.
_PRONOUN_ADDRESS = regex.compile(
    r"\b(?:her|his|their)\s+(?:home\s+|new\s+)?address(?:\s+is)?[^\d\n]{0,40}?"
    r"(?P<detail>\d[^\n]{4,80})",
    regex.IGNORECASE,
)
_COLLEAGUE_SUBJECT = regex.compile(
    r"\b(?:agency|bank|locum|new|our)\s+(?:nurse|hca|doctor|midwife|porter|physio|staff|worker|"
    r"starter|colleague|sister|reg|registrar|sho)\b|\bcolleague|\bstaff\s+member|\bpayslip|"
    r"\bpay\s+slip|\bp60\b|\bpayroll|\bwages?\b|\bsalary|\bsend(?:ing)?\s+(?:her|him|them)?\s*"
    r"(?:a\s+)?(?:card|flowers)|\bflowers\b|\bhousewarming|\bleaving\s+(?:do|present|card)",
    regex.IGNORECASE,
)
_SICKNESS = regex.compile(
    _NAME
    + r"(?:['’]s|\s+is|\s+has|\s+was)\s+(?:been\s+)?(?P<detail>(?:signed\s+off|off\s+sick|off)"
    r"\s+(?:work\s+)?(?:with|because|due\s+to|after|following|as)\s+[^.,!?;\n]{3,60})",
)
_DISCIPLINARY = regex.compile(
    _NAME + r"(?:['’]s|\s+is|\s+has|\s+was|\s+got)(?:\s+been)?\s+"
    r"(?P<detail>(?i:on\s+(?:a\s+)?(?:final\s+)?(?:written\s+|verbal\s+)?warning|suspended|under\s+(?:an?\s+)?(?:[\w&]+\s+)?investigation|"
    r"being\s+investigated|(?:been\s+)?referred\s+to\s+the\s+(?:gmc|nmc|hcpc|gdc|police)|"
    r"(?:been\s+)?reported\s+to\s+the\s+(?:gmc|nmc|hcpc|gdc|police)|struck\s+off|"
    r"(?:been\s+)?arrested|on\s+restricted\s+duties|on\s+gardening\s+leave|"
    r"on\s+a\s+(?:pip|performance\s+plan|capability\s+plan)|facing\s+(?:a\s+)?disciplinary|"
    r"been\s+disciplined|on\s+a\s+disciplinary|sacked|dismissed)(?:\s+for\s+[^.,!?;\n]{1,40})?)",
)
# Vetting: "Seun's DBS came back with something on it", "Kai failed his DBS".
_VETTING = regex.compile(
    _NAME
    + r"(?:['’]s\s+(?P<detail>(?i:dbs|enhanced\s+dbs|dbs\s+check|criminal\s+record|police\s+check)"
    r"[^.!?\n]{0,50})|\s+(?P<detail2>(?i:failed|flagged\s+on)\s+(?:her|his|their|the)\s+dbs"
    r"[^.!?\n]{0,40}))"
)
# Relationships: "Nadia's husband has left her", "Ben is going through a divorce".
_RELATIONSHIP = regex.compile(
    _NAME
    + r"(?:['’]s\s+(?P<detail>(?i:husband|wife|partner|boyfriend|girlfriend|fianc[eé]e?|hubby|ex)"
    r"\s+(?:has\s+|had\s+|is\s+|was\s+)?(?:just\s+)?(?:left|walked\s+out|moved\s+out|cheat\w*|"
    r"been\s+cheating|kicked\s+(?:her|him|them)\s+out|filed\s+for\s+divorce|hits?|beats?|"
    r"been\s+(?:hitting|violent|abusive))[^.!?\n]{0,40})"
    r"|(?:\s+is|\s+has|['’]s)\s+(?:been\s+)?(?P<detail2>(?i:getting\s+(?:a\s+)?divorced?|"
    r"going\s+through\s+(?:a\s+|her\s+|his\s+)?(?:divorce|break\s*up|separation)|split\s+up|"
    r"separated|broken\s+up|having\s+an\s+affair)[^.!?\n]{0,40}))"
)
# Pregnancy and health kept secret: "don't tell anyone but Kasia's pregnant".
_PREGNANCY = regex.compile(
    _NAME + r"(?:['’]s|\s+is)\s+(?P<detail>(?i:pregnant|expecting(?:\s+again)?|having\s+a\s+baby|"
    r"trying\s+for\s+a\s+baby|having\s+ivf|going\s+through\s+ivf)[^.!?\n]{0,40})"
)
_SECRECY = regex.compile(
    r"\b(?:don['’]?t|do\s+not)\s+(?:tell|say\s+anything\s+to)\s+(?:anyone|anybody|her|him)|"
    r"\bkeep\s+(?:it|this)\s+(?:quiet|to\s+yourselves?|between\s+us)|\bbetween\s+(?:us|you\s+and\s+me)\b|"
    r"\bnot\s+(?:announcing|told\s+anyone|supposed\s+to\s+know)|\bhasn['’]?t\s+told\s+(?:anyone|anybody)|"
    r"\bdoesn['’]?t\s+want\s+(?:anyone|people|us)\s+to\s+know|\U0001F92B",
    regex.IGNORECASE,
)
# Asking after a colleague in distress: "has anyone heard from Orla? she left in tears".
_ASKING_AFTER = regex.compile(
    r"\b(?i:heard|hear)\s+(?i:anything\s+)?(?i:from)\s+" + _NAME + r"\b"
    r"(?=[^\n]{0,90}?\b(?i:in\s+tears|crying|upset|not\s+answering|isn['’]?t\s+answering|"
    r"not\s+picking\s+up|hasn['’]?t\s+turned\s+up|didn['’]?t\s+turn\s+up|not\s+(?:her|him)self|"
    r"worried\s+about\s+(?:her|him)|in\s+a\s+state|breakdown))"
)
_PAY = regex.compile(
    r"(?P<detail>" + _NAME + r"['’]s\s+(?:payslip|pay\s+slip|salary|wages?|p60|bank\s+details|"
    r"pension\s+statement|tax\s+code))\b",
)
_DISTRESS = regex.compile(
    _NAME + r"(?:['’]s|\s+has)\s+(?P<detail>been\s+(?:a\s+bit\s+|really\s+|so\s+|very\s+)?"
    r"(?:off|down|low|struggling|crying|not\s+(?:her|him)self|in\s+tears)\b[^.!?\n]{0,40})",
)
# Cheap test that any colleague-detail pattern could match (on the lower-cased text).
_FAMILY_ILLNESS = regex.compile(
    _NAME
    + r"['’]s\s+(?P<detail>(?:"
    + "|".join(sorted(RELATIVES))
    + r")\s+(?i:has\s+been|is|was)\s+(?i:really\s+|very\s+|quite\s+|so\s+)?(?i:unwell|ill|poorly|"
    r"in\s+hospital|diagnosed\s+with\s+[^.,!?;\n]{3,40}))",
)
# The colleague is away because of it: what makes a relative's illness the colleague's business.
_AWAY_FROM_WORK = regex.compile(
    r"\b(?:she|he)['’]s\s+off\b|\boff\s+(?:work|sick)\b|\bcompassionate\s+leave\b|\bsigned\s+off\b",
    regex.IGNORECASE,
)
_CLAUSE_END = regex.compile(r"\s+(?:so|and|but|if|for|which)\s+|[.!?;\n,(]")
_POSTCODE = regex.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_HEALTH_WORDS = regex.compile(
    r"\b(?:stress|breakdown|mental\s+health|ivf|op|operation|surgery|cancer|chemo|grief|"
    r"bereavement|miscarriage|pregnan\w*|depress\w*|anxiety|burn\s*out|burnout|covid|long\s+covid|"
    r"sick|illness|ill|injury|surgery|scan|diagnos\w*|hospital|addiction|alcohol|rehab)\b",
    regex.IGNORECASE,
)


# Clinical-sounding words that are also where staff work: "the agency nurse on Ward 4",
# "she left recovery in tears" say nothing about a patient.
_WORKPLACES = frozenset(
    {"ward", "theatre", "theatres", "recovery", "clinic", "unit", "a&e", "ae", "resus", "majors"}
    | {"minors", "handover", "labour ward", "delivery suite", "icu", "itu", "hdu", "nicu", "scbu"}
)


# The colleague-detail patterns, and the words (in a lower-cased message) each cannot
# match without: one scan for all the words says which patterns are worth running.
_COLLEAGUE_RULES: tuple[tuple[regex.Pattern[str], str, float], ...] = (
    (_HOME_ADDRESS, "colleague_home_address", 0.85),
    (_PRONOUN_ADDRESS, "colleague_home_address", 0.85),
    (_SICKNESS, "colleague_health", 0.8),
    (_DISCIPLINARY, "colleague_disciplinary", 0.8),
    (_PAY, "colleague_pay", 0.75),
    (_DISTRESS, "colleague_distress", 0.4),
    (_FAMILY_ILLNESS, "colleague_family_health", 0.7),
    (_VETTING, "colleague_vetting", 0.8),
    (_RELATIONSHIP, "colleague_relationship", 0.75),
    (_PREGNANCY, "colleague_health", 0.8),
    (_ASKING_AFTER, "colleague_distress", 0.4),
)
# Words each pattern needs, by index into `_COLLEAGUE_RULES`; a trailing "*" marks a stem.
_RULE_WORDS: tuple[tuple[tuple[int, ...], str], ...] = (
    ((0, 1), "address"),
    ((0,), "lives at"),
    (
        (2,),
        "signed off|off sick|off with|off because|off due|off after|off following|off as|off work",
    ),
    (
        (3,),
        "warning|suspended|investigat*|referred|reported|struck off|arrested|restricted|gardening|"
        "pip|plan|disciplin*|sacked|dismissed",
    ),
    ((4,), "payslip|pay slip|salary|wage*|p60|bank details|pension|tax code"),
    ((5,), "'s been|’s been|has been"),
    ((6,), "unwell|ill|poorly|hospital|diagnosed"),
    ((7,), "dbs|criminal record|police check"),
    (
        (8,),
        "husband|wife|partner|boyfriend|girlfriend|fianc*|hubby|ex|divorc*|split up|separated|"
        "broken up|affair",
    ),
    ((9,), "pregnant|expecting|baby|ivf"),
    ((10,), "heard|hear"),
)


@lru_cache(maxsize=1)
def _rule_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for indexes, words in _RULE_WORDS:
        for word in words.split("|"):
            stem = word.endswith("*")
            key = word.rstrip("*")
            automaton.add_word(key, (indexes, len(key), stem))
    automaton.make_automaton()
    return automaton


@dataclass(frozen=True, slots=True)
class _Phone:
    start: int
    end: int
    national: str


class ContactDetector:
    """Patients' and relatives' phone numbers and emails; colleagues' private details."""

    name = "contact"
    categories: tuple[str, ...] = (PATIENT, COLLEAGUE)

    def __init__(self) -> None:
        self._first_names = first_names()

    def find(self, text: NormalisedText) -> Iterator[Match]:
        content = text.text
        for phone in _phone_candidates(text):
            match = _judge(content, phone.start, phone.end, "phone")
            if match is not None:
                yield match
        if "@" in content:
            yield from _emails(content)
        yield from self._colleague_private(content)

    def _colleague_private(self, content: str) -> Iterator[Match]:
        for index in _rules_worth_running(content):
            pattern, rule, confidence = _COLLEAGUE_RULES[index]
            for found in pattern.finditer(content):
                match = self._colleague_detail(content, found, rule, confidence)
                if match is not None:
                    yield match

    def _colleague_detail(
        self, content: str, found: regex.Match[str], rule: str, confidence: float
    ) -> Match | None:
        if not self._names_a_colleague(content, found):
            return None
        start, end = _detail_span(found)
        end = _detail_end(content, start, end, rule)
        cues = cues_for(content)
        outside = (cues.clinical_terms(0, start) | cues.clinical_terms(end)) - _WORKPLACES
        if outside and not _SECRECY.search(content):
            return None  # a patient's story, which the patient detectors judge
        if rule == "colleague_family_health" and not _AWAY_FROM_WORK.search(content):
            return None
        if rule == "colleague_health" and not (
            cues.clinical_terms(start, end) or _HEALTH_WORDS.search(content, start, end)
        ):
            return None
        return Match(COLLEAGUE, rule, start, end, confidence, "a colleague's private details")

    def _names_a_colleague(self, content: str, found: regex.Match[str]) -> bool:
        """A staff title and surname, a known first name, or "her/his" in a message about staff."""
        groups = found.groupdict()
        if "name" not in groups:
            return _COLLEAGUE_SUBJECT.search(content) is not None
        if groups.get("title"):
            return True
        return fold_name(found.group("name")) in self._first_names


def _rules_worth_running(content: str) -> list[int]:
    """Indexes into `_COLLEAGUE_RULES` of the patterns whose words the message contains."""
    lowered = content.lower()
    size = len(lowered)
    wanted: set[int] = set()
    for last, (indexes, length, stem) in _rule_automaton().iter(lowered):
        start = last - length + 1
        if start and lowered[start].isalnum() and lowered[start - 1].isalnum():
            continue
        if not stem and last + 1 < size and lowered[last + 1].isalnum():
            continue
        wanted.update(indexes)
    return sorted(wanted)


def colleague_address_spans(content: str) -> list[tuple[int, int]]:
    """Spans of home addresses this detector reports as a colleague's (the address detector
    leaves them alone rather than calling them a patient's)."""
    if "address" not in content.lower() and "lives at" not in content.lower():
        return []
    detector = _shared_detector()
    return [
        (match.start, match.end)
        for match in detector._colleague_private(content)
        if match.rule == "colleague_home_address"
    ]


@lru_cache(maxsize=1)
def _shared_detector() -> ContactDetector:
    return ContactDetector()


def _detail_span(found: regex.Match[str]) -> tuple[int, int]:
    """The private detail: the `detail` group, its alternative, or the name asked after."""
    for group in ("detail", "detail2"):
        if group in found.groupdict() and found.group(group) is not None:
            return found.span(group)
    return found.span("name")


def _detail_end(content: str, start: int, end: int, rule: str) -> int:
    """Where the private detail stops: a postcode ends an address, a clause ends the rest."""
    if rule == "colleague_home_address":
        postcode = _POSTCODE.search(content, start, end)
        if postcode is not None:
            return postcode.end()
    if rule == "colleague_pay":
        return end
    clause = _CLAUSE_END.search(content, start + 3, end)
    return clause.start() if clause is not None else end


# --- phone numbers --------------------------------------------------------------------


def _phone_candidates(text: NormalisedText) -> Iterator[_Phone]:
    content = text.text
    validations = 0
    for run in text.digit_runs:
        if len(run.digits) < 6:
            continue
        taken_until = -1
        for phone in _run_candidates(content, run):
            if phone.start < taken_until:
                continue
            if validations >= _MAX_VALIDATIONS:
                return
            validations += 1
            if _is_personal_line(phone.national):
                taken_until = phone.end
                yield phone


def _run_candidates(content: str, run: DigitRun) -> Iterator[_Phone]:
    """Spans of whole digit groups shaped like a UK number, starting at a group that opens "0"."""
    prefix = content[max(0, run.start - 12) : run.start]
    joined = _joined_with_prefix(prefix, run)
    if joined is not None:
        yield joined
    offsets = [0]
    for size in run.groups:
        offsets.append(offsets[-1] + size)
    # Spelled-out numbers ("oh seven seven...") are one digit a group.
    widest = _MAX_GROUPS if run.has_words else 4
    for first in range(min(len(run.groups), _MAX_GROUP_STARTS)):
        opening = run.digits[offsets[first] : offsets[first] + 2]
        if opening[:1] != "0" and not (first == 0 and opening == "44"):
            continue
        for last in range(first, min(len(run.groups), first + widest)):
            total = offsets[last + 1] - offsets[first]
            if total > 14:
                break
            if total not in (10, 11, 12, 14):
                continue
            phone = _window_phone(
                prefix if first == 0 else "", run, offsets[first], offsets[last + 1]
            )
            if phone is not None:
                yield phone


def _window_phone(prefix: str, run: DigitRun, first: int, last: int) -> _Phone | None:
    national = _national(run.digits[first:last], prefix)
    if national is None:
        return None
    start, end = run.span(first, last)
    plus = _PLUS_BEFORE.search(prefix) if prefix else None
    if plus is not None:
        start -= len(plus.group())  # take in the "+" of +44
    return _Phone(start, end, national)


def _joined_with_prefix(prefix: str, run: DigitRun) -> _Phone | None:
    """+44 (0)7700 900123 and (0113) 496 0521: the country or area code is outside the run."""
    area = _AREA_CODE_BEFORE.search(prefix)
    if area is not None:
        national = area.group(1) + run.digits
        start = run.start - (len(prefix) - area.start())
        return _Phone(start, run.end, national) if _NATIONAL_SHAPE.fullmatch(national) else None
    international = _INTERNATIONAL_BEFORE.search(prefix)
    if international is not None and len(run.digits) == 10 and run.digits[0] != "0":
        start = run.start - (len(prefix) - international.start())
        return _Phone(start, run.end, "0" + run.digits)
    return None


def _national(digits: str, prefix: str) -> str | None:
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and prefix.rstrip().endswith("+"):
        digits = "0" + digits[2:]
    return digits if _NATIONAL_SHAPE.fullmatch(digits) else None


def _is_personal_line(national: str) -> bool:
    """A valid UK mobile or landline; freephone, premium and shared-cost numbers are businesses."""
    if national.startswith(_FICTION_RANGES):
        return True
    try:
        number = phonenumbers.parse(national, "GB")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number(number):
        return False
    kind = phonenumbers.number_type(number)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    )


# --- emails ---------------------------------------------------------------------------


def _emails(content: str) -> Iterator[Match]:
    for count, found in enumerate(_EMAIL.finditer(content)):
        if count >= _MAX_EMAILS:
            return
        local, _, domain = found.group().partition("@")
        if _WORK_DOMAIN.search(domain) or _GENERIC_MAILBOX.search(local):
            continue
        match = _judge(content, found.start(), found.end(), "email")
        if match is not None:
            yield match


# --- whose is it ----------------------------------------------------------------------


def _judge(content: str, start: int, end: int, kind: str) -> Match | None:
    line_start, line_end = line_bounds(content, start, end)
    before = content[max(line_start, start - _CUE_REACH) : start]
    if kind == "phone" and _REFERENCE_BEFORE.search(before[-25:]):
        return None
    owner = _nearest_owner(before)
    after = content[end : min(line_end, end + 30)]
    if owner is None:
        owner = _owner_after(after)
    if owner in (Owner.SELF, Owner.WORK):
        return None
    if owner is Owner.NAMED:
        return _named_owner(content, before, start, end, kind)
    if owner is Owner.COLLEAGUE or _about_colleague(content, owner):
        if not cues_for(content).clinical_terms():
            return Match(COLLEAGUE, f"colleague_{kind}", start, end, 0.85, f"a colleague's {kind}")
        owner = Owner.PATIENT
    if owner is Owner.PATIENT:
        return Match(
            PATIENT, f"patient_{kind}", start, end, 0.9, f"a patient's or relative's {kind}"
        )
    return Match(
        PATIENT, f"unattributed_{kind}", start, end, 0.45, f"a personal {kind}, owner unclear"
    )


def _named_owner(content: str, before: str, start: int, end: int, kind: str) -> Match | None:
    """ "Dan's number is...": a patient by title or clinical context, else a colleague's account."""
    if _STAFF_TITLED_NAME.search(before):
        return None  # "ring Dr Osei on ...": a clinician's work phone
    cues = cues_for(content)
    if _TITLED_NAME.search(before) or cues.clinical_terms():
        return Match(PATIENT, f"patient_{kind}", start, end, 0.9, f"a patient's {kind}")
    if _PERSONAL_ACCOUNT.search(content):
        return Match(COLLEAGUE, f"colleague_{kind}", start, end, 0.8, f"a colleague's {kind}")
    if cues.staff_terms():
        # Shared for work (a rota swap, say): a person should check it was with permission.
        return Match(COLLEAGUE, f"colleague_{kind}", start, end, 0.45, f"a colleague's {kind}?")
    return Match(PATIENT, f"named_{kind}", start, end, 0.6, f"a named person's {kind}")


def _nearest_owner(before: str) -> Owner | None:
    """The kind of the cue that ends nearest the number; ties go to the earlier kind."""
    best: tuple[int, int] | None = None
    best_owner: Owner | None = None
    for priority, (owner, pattern) in enumerate(_CUES):
        cue_end = max((found.end() for found in pattern.finditer(before)), default=-1)
        if cue_end < 0:
            continue
        key = (-cue_end, priority)
        if best is None or key < best:
            best, best_owner = key, owner
    return best_owner


def _owner_after(after: str) -> Owner | None:
    if _WORK_AFTER.match(after):
        return Owner.WORK
    if _PATIENT_AFTER.match(after):
        return Owner.PATIENT
    return None


def _about_colleague(content: str, owner: Owner | None) -> bool:
    """A relative's number in a message about a colleague's welfare is the colleague's data."""
    return owner in (Owner.PATIENT, None) and _COLLEAGUE_MESSAGE.search(content) is not None
