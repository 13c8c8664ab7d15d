"""Patients' and relatives' phone numbers and emails, colleagues' private details, work lines."""

from __future__ import annotations

import random

import pytest

from bot.moderation.detectors.contact import ContactDetector
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match
from tests.detectors.hostile import assert_screens

PATIENT = "patient.contact"
COLLEAGUE = "personal.colleague_data"
DETECTOR = ContactDetector()


def find(text: str) -> list[Match]:
    return list(DETECTOR.find(normalise(text)))


def found(text: str) -> list[tuple[str, str]]:
    normalised = normalise(text)
    return [(m.category, normalised.text[m.start : m.end]) for m in DETECTOR.find(normalised)]


def screen(text: str):
    return Screener(detectors=[ContactDetector()]).screen(text)


PATIENT_CONTACTS = [
    ("mum's mobile is 07700 900512 if the ward needs her overnight", "07700 900512"),
    ("NOK: husband, 0161 496 0233", "0161 496 0233"),
    ("pt wants a call back on 07700900123 re her scan results", "07700900123"),
    ("her daughter can be reached on +44 7700 900456", "+44 7700 900456"),
    ("Grandad's number (0113) 496 0871 – he's the main carer", "(0113) 496 0871"),
    ("call from 020 7946 0123, caller says her husband isn't breathing", "020 7946 0123"),
    ("the patient's partner rang from 07700 900 777 asking about visiting", "07700 900 777"),
    ("can someone ring the family on 0114 496 0555 about the DNACPR discussion", "0114 496 0555"),
    ("please text the mum on 07700 900321 to confirm the paeds appt", "07700 900321"),
    ("his mobile 07700 900100 – he's not answering the door", "07700 900100"),
    ("O7700 9OO345 is the daughter's number", "O7700 9OO345"),
    (
        "son Paul on 020 7946 0388 wants a call from the DN about his dad's catheter",
        "020 7946 0388",
    ),
    ("Mrs Evans' husband keeps ringing from 0113 496 0521", "0113 496 0521"),
    ("Kwame's number is 07700 900414, he missed his depot", "07700 900414"),
    ("Visit 10:30. Daughter's number 07700 900417 if no answer", "07700 900417"),
    (
        "mum on oh seven seven oh oh nine oh oh one two three",
        "oh seven seven oh oh nine oh oh one two three",
    ),
    (
        "son's email is dave.hughes1970@example.com, wants the discharge letter",
        "dave.hughes1970@example.com",
    ),
    (
        "her daughter's email is s.okafor@example.com, she wants the care plan",
        "s.okafor@example.com",
    ),
    # the patient's own clinic or letters, a number "for the gent from ... clinic"
    (
        "pt asked for her clinic letters to go to moonlit.garden44@example.com",
        "moonlit.garden44@example.com",
    ),
    ("the gent from the diabetic clinic rang, his new mobile is 07700 900873", "07700 900873"),
    (
        "records have the wrong number for the lady from the memory clinic, it's 028 9649 6123",
        "028 9649 6123",
    ),
    (
        "son's email for the follow-up letter about his mum's results: the.hendersons@example.org",
        "the.hendersons@example.org",
    ),
]

COLLEAGUE_DETAILS = [
    ("Priya's personal mobile is 07700 900888 if anyone needs her", "07700 900888"),
    (
        "Tom's home number is 0113 496 0111, he's off sick but ring him about the keys",
        "0113 496 0111",
    ),
    (
        "Can someone send Lauren flowers? her husband's number is 07700 900222, she's had her op",
        "07700 900222",
    ),
    (
        "Dan's gmail is dan.smith84@example.com, he wants the photos from the do",
        "dan.smith84@example.com",
    ),
    (
        "Aoife's home address is 4 Cherry Tree Walk, LS6 3AB – send the card there",
        "4 Cherry Tree Walk, LS6 3AB",
    ),
    ("Olu's been signed off with stress for a month, keep it quiet", "signed off with stress"),
    ("Sarah is on a final written warning for lateness", "on a final written warning"),
    ("just saw Kevin's payslip on the printer", "Kevin's payslip"),
    (
        "Sunita's off because she had a miscarriage, don't say anything",
        "off because she had a miscarriage",
    ),
    (
        "Georgia's husband has been really unwell so she's off for a bit",
        "husband has been really unwell",
    ),
    # a staff title and surname; regulators, vetting, relationships, secrets
    ("Dr Pengelly has been referred to the GMC, don't say anything", "referred to the GMC"),
    ("Dr Mooney's been suspended, something to do with prescribing", "suspended"),
    (
        "apparently Sister Whelan is under police investigation, keep it quiet",
        "under police investigation",
    ),
    (
        "Kwame's DBS flagged a caution from years ago, apparently",
        "DBS flagged a caution from years ago",
    ),
    (
        "Lerato's husband kicked her out last night, she's staying with me",
        "husband kicked her out last night",
    ),
    ("did you know Ciaran is going through a divorce", "going through a divorce"),
    ("keep this quiet but Bethan is pregnant, she hasn't told the manager", "pregnant"),
    (
        "Nurse Ofori's home address is 22 Birch Avenue, M14 5QT, for the leaving card",
        "22 Birch Avenue, M14 5QT",
    ),
    (
        "the bank HCA on nights wants her P60 posted, her address is on the timesheet: "
        "5 Alder Rise, WF2 7LN",
        "5 Alder Rise, WF2 7LN",
    ),
]

WORK_AND_OTHER_NUMBERS = [
    "Switchboard is 0161 496 0000, ask for bleep 2345",
    "ring the office on 0113 496 0500 if you're running late",
    "Out of hours call NHS 111 or 999 in an emergency",
    "Team phone is 07700 900999 this weekend",
    "SPA line 0300 123 4567 for all referrals",
    "text my personal number 07700 900101 with the door codes",
    "my husband does plastering, 07700 900444 for a quote",
    "Ward 7 direct line 020 7946 0999",
    "Email referrals to ward7.referrals@nhs.net",
    "Send your forms to payroll@example.com",
    "contact the rota team on rota.team@example.com",
    "NHS 462 249 6178 needs a review",
    "Pharmacy: 0113 496 0999 for stock queries",
    "CAD 0113496012 is still open",
    "Ext 4455 or bleep 1234 for the on-call reg",
    "call the crisis line on 0800 123 4567",
    "The duty worker can be reached on 07700 900700 today",
    "For the taxi firm ring 0113 496 0123",
    "CMHT duty line 020 7946 0412 is staffed 9–5, out of hours it's the crisis line 0113 496 0777",
    "Theatre coordinator 07700 900650 (on call phone) tonight",
    "Maternity triage 0161 496 0321 – women should ring if reduced movements",
    "Invoice 7168809817 paid, the window cleaners can come back now",
    "Welcome Chloe! Rota is on Allocate, ring me on 07700 900202 if stuck",
    "Jas is on the late, she's the one with the keys",
    "Has anyone seen the spare charger? its not in the drawer",
    "Leaving card for Sunita is at reception",
    "Ring Dr Osei on 07700 900707 if you need the on-call consultant",
    "Ward 7, tel 0113 496 0999",
]


@pytest.mark.parametrize(("text", "number"), PATIENT_CONTACTS)
def test_patients_and_relatives_numbers_and_emails_are_found(text: str, number: str) -> None:
    assert found(text) == [(PATIENT, number)]
    assert find(text)[0].confidence >= 0.5


@pytest.mark.parametrize(("text", "detail"), COLLEAGUE_DETAILS)
def test_colleagues_private_details_are_found(text: str, detail: str) -> None:
    assert found(text) == [(COLLEAGUE, detail)]
    assert find(text)[0].confidence >= 0.5


@pytest.mark.parametrize("text", WORK_AND_OTHER_NUMBERS)
def test_work_lines_own_numbers_and_references_are_not_findings(text: str) -> None:
    assert find(text) == [], found(text)


def test_several_relatives_numbers_are_each_found() -> None:
    text = "daughter 07700 900111 or 07700 900222, son 0113 496 0333"
    assert [number for _, number in found(text)] == [
        "07700 900111",
        "07700 900222",
        "0113 496 0333",
    ]


def test_a_number_with_no_owner_is_flagged_as_possibly_a_patients() -> None:
    text = "whose is 07700 900555? it keeps ringing"
    (match,) = find(text)
    assert match.category == PATIENT
    assert match.confidence < 0.5
    assert screen(text).action is Action.FLAG


def test_a_colleagues_number_shared_for_work_is_only_flagged() -> None:
    (match,) = find("Sandra's mobile is 07700 900808 for the rota swaps")
    assert (match.category, match.confidence < 0.5) == (COLLEAGUE, True)


def test_a_colleagues_low_mood_is_only_flagged() -> None:
    text = "Has anyone noticed Rachel's been a bit off lately? she was crying in the car"
    (match,) = find(text)
    assert (match.category, match.confidence < 0.5) == (COLLEAGUE, True)


def test_asking_after_a_colleague_who_left_in_tears_is_only_flagged() -> None:
    text = "has anybody heard from Tolu? she walked out of theatre crying and isn't answering"
    (match,) = find(text)
    assert (match.category, match.confidence < 0.5) == (COLLEAGUE, True)
    assert screen(text).action is Action.FLAG


@pytest.mark.parametrize(
    "text",
    [
        "Dr Pengelly is presenting at grand round on Thursday",
        "Bethan is on maternity leave from June, cover is sorted",
        "congratulations to Sister Moyo, expecting her first baby in June 🎉",
        "Funmi's IVF leave form is in her pigeonhole",
        "has anyone heard from the lab about the new analyser?",
        "pharmacy no 0113 496 0521 for stock queries",
        "ring the fracture clinic on 0113 496 0771 for any queries",
    ],
)
def test_colleague_news_shared_openly_and_work_lines_are_not_findings(text: str) -> None:
    assert find(text) == []


def test_a_patient_who_is_pregnant_is_not_colleague_data() -> None:
    assert find("Zara's pregnant, 8 weeks, booking bloods and dating scan on Monday") == []


def test_a_patients_health_is_not_colleague_data() -> None:
    assert find("Kwame's been signed off with depression by the GP, CPN to review his meds") == []


def test_the_screener_removes_and_redacts_a_relatives_number() -> None:
    verdict = screen("Siobhan Kelly's dad on 07700 900839 says she's stopped her meds")
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (PATIENT,)
    assert "900839" not in verdict.redacted_text
    assert "on [contact] says" in verdict.redacted_text


def test_the_screener_removes_a_colleagues_number_shared_without_permission() -> None:
    verdict = screen("if anyone wants to wish Rhys well his wife's number is 07700 900291")
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (COLLEAGUE,)
    assert "07700 900291" not in verdict.redacted_text


def test_a_switchboard_number_passes_the_screener() -> None:
    verdict = screen("Switchboard is 0113 496 0000, ask for the on-call manager")
    assert verdict.action is Action.ALLOW


@pytest.mark.parametrize(
    "text",
    [
        "07700 900123 " * 315,
        "0" * 4096,
        " ".join("0123456789" * 205)[:4096],
        "oh seven " * 455,
        "a@b." * 1024,
        "x" * 4000 + "@example.com",
        "Sunita's off because been address is 4 " * 100,
        "+44 (0)" * 585,
    ],
)
def test_hostile_messages_are_screened(text: str) -> None:
    assert_screens(find, text[:4096])


def test_random_text_never_breaks_the_detector() -> None:
    pieces = [
        "07700 ",
        "900",
        "+44 ",
        "(0113) ",
        "oh ",
        "seven ",
        "mum ",
        "@example.com",
        "a.b",
        "'s ",
    ]
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(
            rng.choice(pieces + list("0123456789 ()+-@.")) for _ in range(rng.randint(0, 30))
        )
        normalised = normalise(text)
        for match in DETECTOR.find(normalised):
            assert 0 <= match.start < match.end <= len(normalised.text)
