"""Dates of birth as staff write them, and the dates that are rotas, leave and good news."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.moderation.detectors.dob import DateOfBirthDetector
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match
from tests.detectors.hostile import assert_screens

CATEGORY = "patient.dob"
TODAY = date(2026, 3, 15)
DETECTOR = DateOfBirthDetector(today=TODAY)


def find(text: str) -> list[Match]:
    return list(DETECTOR.find(normalise(text)))


def found_dates(text: str) -> list[str]:
    normalised = normalise(text)
    return [normalised.text[m.start : m.end] for m in DETECTOR.find(normalised)]


def screen(text: str):
    return Screener(detectors=[DateOfBirthDetector(today=TODAY)]).screen(text)


LABELLED = [
    ("DOB: 03/07/1944, for the pre-op list", "03/07/1944"),
    ("pt's dob is 7.8.53 – can pharmacy check the label", "7.8.53"),
    ("Date of birth 29 February 1948, admitted via ED with a fall", "29 February 1948"),
    ("date of birth: 2nd Sept 1990, booking bloods today", "2nd Sept 1990"),
    ("Mrs Achebe b. 12/1/39 for the memory clinic", "12/1/39"),
    ("D.O.B 1959-11-23 on the referral", "1959-11-23"),
    ("can you check dob 12 Jan 1970 against S1, wrong patient on the label", "12 Jan 1970"),
    ("born 3/4/1941, the gent in side room 2 with the PEG", "3/4/1941"),
    ("D.O.B - 14th Jan 1949. Needs INR today", "14th Jan 1949"),
    ("d.o.b. 12.11.1937, the lady with the hearing aids", "12.11.1937"),
    ("DoB 22-09-71 on the TTO", "22-09-71"),
    ("Baby boy born 03/01/2026 at 02:10, bay 2, NICU aware, mum's bloods pending", "03/01/2026"),
    ("born on March 5, 1960 according to the GP letter", "March 5, 1960"),
    ("05/11/1962 (DOB) for the repeat prescription", "05/11/1962"),
    ("DOB 12 02 1958 for the referral", "12 02 1958"),
    ("dob 120258 – please check against the spine", "120258"),
    ("d.o.b. 03041941", "03041941"),
]

UNLABELLED = [
    ("Bed 3 – Harold Finch, 19/04/1931 – NOF repair tomorrow", "19/04/1931"),
    ("Rukhsana Begum 17/08/1962 needs an interpreter", None),
    ("84 yo, 14/06/1941, lives with daughter", "14/06/1941"),
    ("Patient (05/11/1962) needs a repeat prescription", "05/11/1962"),
    ("Mr Osei, 2/2/1950, for the pre-assessment clinic", "2/2/1950"),
]

NOT_BIRTH_DATES = [
    "baby Isla born 3/4 weighing 7lb 2oz, mum and baby doing well 🎉",
    "Congratulations to Hannah, her little boy was born 14/03/2025 ❤️",
    "happy birthday Sam, 40 today 🎂",
    "Shift swap: my long day 14/06/2025 for your early 21/06/2025?",
    "AL booked 12/08/2025 - 26/08/2025",
    "Training on 12/03/2025 at 09:30 in the education centre",
    "Deadline for appraisals is 31/03/2025",
    "Please check DOB on every label before giving meds",
    "the new policy was born out of the 2019 review",
    "Invoice dated 12/02/2024 still unpaid",
    "Joanne 12/05/2025 induction day 1",
    "Payroll cut-off for June claims is 10/06, overtime forms to your manager by then",
    "fire drill 3/10/2025, Birch ward",
    "Born in 1956 in Jamaica, came over as a nurse – retirement do on Friday",
    "version 1.2.2019 of the SOP is out of date",
    "Meds at 12.30, bloods at 14.00",
    "Clinical supervision dates for Q3: 04/09, 02/10, 06/11, all 14:00–15:30",
    "Happy 30th birthday to Dr Chen for yesterday 🎈 (21/05, she'll kill me for this)",
    "Sarah Jones 01/04/2026 start date confirmed",
    "Reception reminder: check 3 identifiers (name, DOB, first line of address)",
    "admitted 12/02/1999 and never looked back, 25 years in the trust",
    "DOB 31/02/1950 is not a date",
    "order 12 02 1958 arrived",
    "MRN 00392817 – notes in the post room",
    "PO 120258 approved",
]


@pytest.mark.parametrize(("text", "expected"), LABELLED)
def test_labelled_dates_of_birth_are_found(text: str, expected: str) -> None:
    assert found_dates(text) == [expected]
    assert find(text)[0].confidence >= 0.8


@pytest.mark.parametrize(("text", "expected"), UNLABELLED)
def test_full_dates_beside_a_name_age_or_patient_word_are_found(
    text: str, expected: str | None
) -> None:
    matches = find(text)
    assert len(matches) == 1
    assert matches[0].confidence >= 0.7
    if expected is not None:
        assert found_dates(text) == [expected]


@pytest.mark.parametrize("text", NOT_BIRTH_DATES)
def test_rota_training_leave_and_celebration_dates_are_not_dobs(text: str) -> None:
    assert find(text) == [], found_dates(text)


def test_an_age_that_does_not_fit_the_date_is_not_evidence() -> None:
    assert find("84 yo, 14/06/1990, lives with daughter") == []


def test_born_without_a_year_and_without_good_news_is_only_flagged() -> None:
    text = "born 3/4, the one who rang 111 twice tonight"
    (match,) = find(text)
    assert match.confidence < 0.5
    assert screen(text).action is Action.FLAG


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twin 2 born 23:15 on 4/9 at 31+2, on NICU, cot 6", ["23:15", "4/9"]),
        ("baby boy delivered 07:10 on 2/11, 2.1kg, SCBU aware", ["07:10", "2/11"]),
        ("baby girl born at 04:20 on 17/3, 29+6, for surfactant", ["04:20", "17/3"]),
        ("born on 8/2 at 33 weeks, still in an incubator on the neonatal unit", ["8/2"]),
    ],
)
def test_a_babys_birth_on_the_unit_is_a_date_of_birth(text: str, expected: list[str]) -> None:
    assert found_dates(text) == expected
    assert all(match.confidence >= 0.8 for match in find(text))
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert all(part not in verdict.redacted_text for part in expected)


@pytest.mark.parametrize(
    "text",
    [
        "congrats Jess! baby girl born 3/8 at 7lb 4oz, both doing well 💕",
        "the new monitors were delivered 10:00 on 2/11 to the neonatal unit store",
        "parcel delivered on 4/9, it's in the office",
    ],
)
def test_staff_babies_and_deliveries_of_things_are_not_dobs(text: str) -> None:
    assert find(text) == [], found_dates(text)


def test_a_labelled_partial_date_is_reported() -> None:
    assert found_dates("DOB 12/02 – year not on the form, can admin check") == ["12/02"]


def test_the_screener_removes_and_redacts_the_date() -> None:
    verdict = screen("NHS: 649 236 8150, DOB 12/02/1958 — CPN asked me to post it here")
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    assert "12/02/1958" not in verdict.redacted_text
    assert "DOB [date of birth]" in verdict.redacted_text


def test_a_staff_date_passes_the_screener() -> None:
    verdict = screen("Anyone fancy swapping my long day Sat 14/06 for an early w/c 23/06?")
    assert verdict.action is Action.ALLOW


def test_full_width_digits_are_read_as_digits() -> None:
    assert found_dates("ＤＯＢ １２/０２/１９５８") == ["12/02/1958"]


@pytest.mark.parametrize(
    "text",
    [
        "12/02/1958 " * 372,
        "1/" * 2048,
        "1" * 4096,
        " ".join("0123456789" * 205)[:4096],
        "born " * 819,
        "14th Jan " * 455,
    ],
)
def test_hostile_messages_are_screened(text: str) -> None:
    assert_screens(find, text[:4096])


def test_random_text_never_breaks_the_detector() -> None:
    pieces = [
        "DOB ",
        "born ",
        "b. ",
        "12/02/1958",
        "3/4",
        "Jan ",
        "1949",
        "'49",
        "\u200b",
        "０",
        " ",
    ]
    rng = random.Random(11)
    for _ in range(500):
        text = "".join(
            rng.choice(pieces + list("0123456789/.-: ")) for _ in range(rng.randint(0, 40))
        )
        normalised = normalise(text)
        for match in DETECTOR.find(normalised):
            assert 0 <= match.start < match.end <= len(normalised.text)
