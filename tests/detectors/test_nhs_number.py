"""NHS numbers (and CHI / H&C numbers) however staff type them, and the numbers that are not."""

from __future__ import annotations

import random

import pytest

from bot.moderation.detectors.nhs_number import NhsNumberDetector, passes_modulus_11
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match

CATEGORY = "patient.nhs_number"
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def find(text: str) -> list[Match]:
    return list(NhsNumberDetector().find(normalise(text)))


def screen(text: str):
    return Screener(detectors=[NhsNumberDetector()]).screen(text)


def with_check_digit(first_nine: str) -> str | None:
    """The ten-digit number with its modulus-11 check digit, or None when none exists."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = (11 - total % 11) % 11
    return None if check == 10 else first_nine + str(check)


def random_numbers(seed: int, count: int, first_digits: str = "456789") -> list[str]:
    rng = random.Random(seed)
    numbers: list[str] = []
    while len(numbers) < count:
        first_nine = rng.choice(first_digits) + "".join(rng.choice("0123456789") for _ in range(8))
        number = with_check_digit(first_nine)
        if number is not None:
            numbers.append(number)
    return numbers


def failing(number: str) -> str:
    """The same number with a check digit that does not fit."""
    wrong = (int(number[-1]) + 1) % 10
    candidate = number[:-1] + str(wrong)
    while passes_modulus_11(candidate):  # pragma: no cover - one step always suffices
        wrong = (wrong + 1) % 10
        candidate = number[:-1] + str(wrong)
    return candidate


def groups_334(number: str) -> list[str]:
    return [number[:3], number[3:6], number[6:]]


def spellings(number: str) -> dict[str, str]:
    first, second, third = groups_334(number)
    lookalike = " ".join(
        group.replace("0", "O").replace("1", "l") for group in (first, second, third)
    )
    return {
        "plain": number,
        "spaces": f"{first} {second} {third}",
        "dashes": f"{first}-{second}-{third}",
        "dots": f"{first}.{second}.{third}",
        "newline": f"{first} {second}\n{third}",
        "full_width": f"{first} {second} {third}".translate(FULL_WIDTH),
        "zero_width": f"{first}\u200b{second}\u200b{third}",
        "lookalikes": lookalike,
        "words": " ".join(WORDS[int(digit)] for digit in number),
        "words_with_pauses": ", ".join(
            " ".join(WORDS[int(digit)] for digit in group) for group in (first, second, third)
        ),
        "digits_spaced": " ".join(number),
    }


def lookalike_safe(number: str) -> bool:
    """Look-alike letters are read as digits only inside a group that has a real digit."""
    return all(any(digit in "23456789" for digit in group) for group in groups_334(number))


NUMBERS = [number for number in random_numbers(seed=2024, count=60) if lookalike_safe(number)][:25]
SPELLINGS = list(spellings(NUMBERS[0]))


def test_the_check_digit_helper_agrees_with_the_published_example() -> None:
    assert passes_modulus_11("9434765870")
    assert not passes_modulus_11("9434765871")
    assert with_check_digit("943476587") == "9434765870"


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("template", ["NHS no {} for the clinic", "pt {} needs bloods"])
def test_every_valid_number_is_found_in_every_spelling(spelling: str, template: str) -> None:
    for number in NUMBERS:
        written = spellings(number)[spelling]
        verdict = screen(template.format(written))
        assert verdict.action is Action.REMOVE, (number, spelling)
        assert verdict.categories == (CATEGORY,)
        redacted = verdict.redacted_text
        assert "[NHS number]" in redacted
        assert written not in redacted
        for group in groups_334(number):
            assert group not in redacted
            assert group.translate(FULL_WIDTH) not in redacted


def test_the_span_is_the_number_not_the_sentence() -> None:
    (match,) = find("NHS no: 943 476 5870 - bloods due Weds")
    assert "NHS no: 943 476 5870 - bloods due Weds"[match.start : match.end] == "943 476 5870"


@pytest.mark.parametrize(
    "text",
    [
        "Theatre list for Tues: 1. 943 476 5870 lap chole, 2. 401 023 2137 hernia",
        "Pharmacy: TTOs for 9434765870 ready, porter to collect",
        "Maternity: 943-476-5870 booked for IOL tomorrow, consultant aware",
        "Paeds: baby's NHS number is 943 476 5870, mum's to follow",
        "Bed 4 on AMU 943.476.5870 NBM from midnight",
        "NHS No.9434765870 on the drug chart doesn't match the wristband",
        "nhs#9434765870",
        "943 476 5870",
    ],
)
def test_valid_numbers_in_other_settings_are_removed(text: str) -> None:
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert "943 476 5870" not in verdict.redacted_text
    assert "9434765870" not in verdict.redacted_text


def test_a_number_failing_the_check_after_nhs_no_is_still_a_finding() -> None:
    (match,) = find("NHS no 943 476 5871 — spine says invalid, have I typed it wrong?")
    assert match.rule == "nhs_number.context"
    assert match.confidence >= 0.5


def test_a_label_after_the_number_counts() -> None:
    (match,) = find("943 476 5871 is his NHS number I think")
    assert match.rule == "nhs_number.context"
    assert screen("943 476 5871 is his NHS number I think").action is Action.REMOVE


def test_a_failing_3_3_4_number_with_patient_words_is_a_finding() -> None:
    (match,) = find("theatre list: 943 476 5871 for the hernia repair")
    assert match.rule == "nhs_number.context"
    assert screen("theatre list: 943 476 5871 for the hernia repair").action is Action.REMOVE


def test_every_number_of_a_labelled_list_is_found() -> None:
    first, second, third = random_numbers(seed=7, count=3)
    text = f"NHS {first}, {second} and {third} all need their B12 moving"
    matches = find(text)
    assert [text[match.start : match.end] for match in matches] == [first, second, third]
    assert all(match.confidence >= 0.9 for match in matches)


def test_dictated_double_digits_are_read() -> None:
    # 9434765870 read aloud with "double" would not exist; build one that has a repeat.
    number = next(n for n in random_numbers(seed=11, count=400) if n[3] == n[4] and n[2] != n[3])
    words = [WORDS[int(digit)] for digit in number]
    spoken = " ".join([*words[:3], "double", *words[4:]])
    verdict = screen(f"NHS number is {spoken}, can you book her in")
    assert verdict.action is Action.REMOVE
    assert "double" not in verdict.redacted_text


def test_scottish_chi_number_is_reported_as_chi() -> None:
    number = next(
        n
        for n in (with_check_digit(f"210785{serial:03d}") for serial in range(100, 200))
        if n is not None
    )
    (match,) = find(f"Visitor from Dundee, CHI {number[:6]} {number[6:]}, needs his insulin")
    assert match.rule == "chi_number"
    assert match.confidence >= 0.9


def test_chi_label_on_a_number_with_an_impossible_date_is_still_reported() -> None:
    number = next(
        n for n in (with_check_digit(f"3102{year:02d}123") for year in range(100)) if n is not None
    )
    (match,) = find(f"CHI number {number}")
    assert match.rule == "chi_number"
    assert 0.5 <= match.confidence < 0.97


def test_northern_irish_h_and_c_number_is_reported_as_hc() -> None:
    number = next(n for n in random_numbers(seed=5, count=200, first_digits="3") if n[:3] >= "320")
    (match,) = find(f"Transfer from the Ulster: H+C no {number[:3]} {number[3:6]} {number[6:]}")
    assert match.rule == "hc_number"
    assert match.category == CATEGORY


def test_partial_number_is_only_flagged() -> None:
    verdict = screen("the lady whose NHS number ends in 5870 rang again")
    assert verdict.action is Action.FLAG
    assert "5870" not in verdict.redacted_text
    (finding,) = verdict.findings
    assert finding.rule == "nhs_number.partial"


def test_too_few_digits_after_nhs_no_are_flagged() -> None:
    verdict = screen("NHS no 943 476 58 - can't read the rest off the letter")
    assert verdict.action is Action.FLAG


@pytest.mark.parametrize(
    "text",
    [
        "Finance asking if 943 476 5870 is the right ref for the agency invoice?",
        "PO 9434765870 for the new chairs has been approved",
        "Tracking number 9434765870 from the courier",
        "Asset tag 9434765870 on the broken hoist",
        "Staff number 9434765870 for the new starter",
    ],
)
def test_valid_number_next_to_a_business_reference_is_only_flagged(text: str) -> None:
    verdict = screen(text)
    assert verdict.action is Action.FLAG
    assert all(finding.confidence < 0.5 for finding in verdict.findings)


@pytest.mark.parametrize("seed", range(5))
def test_failing_business_references_are_not_findings(seed: int) -> None:
    for number in random_numbers(seed=seed, count=5):
        wrong = failing(number)
        for text in (
            f"Invoice {wrong} paid, window cleaners can come back",
            f"Order no {wrong} for the continence stock is delayed",
            f"Estates job no {wrong} logged for the leaking radiator",
            f"Datix {wrong} closed now, thanks for the statements",
            f"ESR position {wrong[:3]} {wrong[3:6]} {wrong[6:]} goes live Monday",
            f"{wrong} is the booking ref for the training day",
        ):
            assert find(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "Switchboard is 0113 496 0000, ask for the on-call manager",
        "text me on 07700 900123 if the car park's full",
        "her mobile is +44 7700 900123",
        "ring on 7700900291 after 5",
        "Call 0300 123 1234 for the lab results line",
        "Anyone swap 12/08 - 15/08 19:00 for my earlies?",
        "PMVA refresher 12.08.2025 10.30 at the training centre",
        "shifts 12 08 15 08 19 are all lates",
        "NHS 111 and 999 demand is up 20% this week",
        "NHS number audit: every record needs a verified NHS number by Q2",
        "Budget for the new monitors is £9434765870",
        "1 2 3 4 5 6 7 8 9 10 green bottles",
        "Supplies order 550012873364 arrives Thursday",
        "ESR keeps timing out on my assignment no (21548873-2)",
    ],
)
def test_hard_negatives_are_not_findings(text: str) -> None:
    assert find(text) == []
    assert screen(text).action is Action.ALLOW


def test_a_failing_number_with_no_context_is_not_a_finding() -> None:
    assert find(f"{failing('9434765870')} anyone know what this is?") == []


def test_detector_declares_its_category() -> None:
    detector = NhsNumberDetector()
    assert detector.categories == (CATEGORY,)
    assert all(match.category == CATEGORY for match in detector.find(normalise("NHS 943 476 5870")))


HOSTILE = {
    "all digits": "7" * 4096,
    "spaced digits": " ".join("9434765870" * 205)[:4096],
    "digit pairs": " ".join(f"{n % 100:02d}" for n in range(1400))[:4096],
    "3-3-4 list": "\n".join(f"{n:03d} {n:03d} {n:04d}" for n in range(330))[:4096],
    "number words": ", ".join(WORDS[n % 10] for n in range(700))[:4096],
    "doubles": " ".join(["double", "nine", "treble", "four"] * 400)[:4096],
    "labels": "NHS no 9 " * 455,
    "mixed scripts": ("ж٣４O l|1 \u0301\u200b" * 512)[:4096],
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_does_not_raise_and_returns(text: str) -> None:
    matches = find(text)
    assert isinstance(matches, list)
    assert screen(text).failed_detectors == ()
