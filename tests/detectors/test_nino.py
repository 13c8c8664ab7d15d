"""National Insurance numbers: HMRC's prefix rules, any case, any spacing, and what is not one."""

from __future__ import annotations

import pytest

from bot.moderation.detectors.nino import NinoDetector
from bot.moderation.normalise import normalise
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Match

CATEGORY = "personal.nino"


def find(text: str) -> list[Match]:
    return list(NinoDetector().find(normalise(text)))


def screen(text: str):
    return Screener(detectors=[NinoDetector()]).screen(text)


def found_text(text: str) -> list[str]:
    return [text[match.start : match.end] for match in find(text)]


@pytest.mark.parametrize(
    ("text", "nino"),
    [
        ("n.i. no: ke-04-59-71-c for the new HCA", "ke-04-59-71-c"),
        ("New starter: NI no JT 48 61 93 B, can payroll set her up?", "JT 48 61 93 B"),
        ("his NI number is NM637241A, address is on RiO", "NM637241A"),
        ("Can someone send me Ola's NI (WL702644B?) for the bank form", "WL702644B"),
        ("Nat insurance no. AB.12.34.56.C for the locum agency", "AB.12.34.56.C"),
        ("National Insurance: ce 12 34 56 d", "ce 12 34 56 d"),
        ("pharmacy student's NINO is SH 123456 A for the placement form", "SH 123456 A"),
        ("maternity pay form: TW-98-76-54-D", "TW-98-76-54-D"),
        ("HY821536A is the NI no for the gent at Elm Grove", "HY821536A"),
        ("AB123456C", "AB123456C"),
    ],
)
def test_national_insurance_numbers_are_removed(text: str, nino: str) -> None:
    assert found_text(text) == [nino]
    verdict = screen(text)
    assert verdict.action is Action.REMOVE
    assert verdict.categories == (CATEGORY,)
    assert nino not in verdict.redacted_text
    assert "[NI number]" in verdict.redacted_text


def test_full_width_letters_and_digits_are_read() -> None:
    verdict = screen("NI: ＪＴ４８６１９３Ｂ")
    assert verdict.action is Action.REMOVE
    assert "ＪＴ４８６１９３Ｂ" not in verdict.redacted_text


def test_without_a_suffix_it_needs_ni_context() -> None:
    assert found_text("NI no JT486193 for payroll") == ["JT486193"]
    assert find("JT486193 for payroll") == []


@pytest.mark.parametrize(
    "prefix",
    [
        *("DA", "FA", "IA", "QA", "UA", "VA"),  # first letter never D F I Q U V
        *("AD", "AF", "AI", "AO", "AQ", "AU", "AV"),  # second letter never D F I O Q U V
        *("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"),  # never allocated
    ],
)
def test_prefixes_hmrc_never_issues_are_not_findings(prefix: str) -> None:
    assert find(f"NI no {prefix} 12 34 56 A") == []


def test_suffix_must_be_a_to_d() -> None:
    assert found_text("JT 48 61 93 B") == ["JT 48 61 93 B"]
    # E is no suffix, so this is the suffix-less shape, which needs "NI" nearby.
    assert found_text("JT 48 61 93 E") == []
    assert found_text("NI no JT 48 61 93 E") == ["JT 48 61 93"]


def test_a_code_after_order_or_part_no_is_only_flagged() -> None:
    verdict = screen("order no AB123456C for the dressing trolley")
    assert verdict.action is Action.FLAG


@pytest.mark.parametrize(
    "text",
    [
        "Fleet: YK68 RFO has a slow puncture",
        "Address for new starters: Anlaby Rd, HU3 6XX",
        "RV point is HU13 0XX by the garden centre",
        "Callsign change: Doncaster RRVs become DN01-DN04",
        "Delta 31 covering Pontefract till 0200",
        "meet at 12 34 56 a few of us are going",
        "ESR 30281945 — new position number",
        "Datix 118734 is closed now",
        "AB12 CDE is the pool car",
        "ABC123456D",
        "AB1234567C",
        "assessment and analysis due end of month",
        "Scunthorpe, Penistone and Cockermouth teams",
    ],
)
def test_hard_negatives_are_not_findings(text: str) -> None:
    assert find(text) == []
    assert screen(text).action is Action.ALLOW


def test_span_is_only_the_number() -> None:
    text = "NI no: JT 48 61 93 B thanks"
    (match,) = find(text)
    assert text[match.start : match.end] == "JT 48 61 93 B"
    assert match.category == CATEGORY


HOSTILE = {
    "repeated": "AB 12 34 56 C " * 292,
    "letters and digits": ("A1" * 2048),
    "all digits": "1" * 4096,
    "mixed scripts": ("ж٣４O l|1 \u0301\u200b" * 512)[:4096],
    "separators": ("AB" + " -" * 2047)[:4096],
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_does_not_raise_and_returns(text: str) -> None:
    assert isinstance(find(text), list)
    assert screen(text).failed_detectors == ()
