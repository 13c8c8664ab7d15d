"""Properties of the whole screener on any text at all (hypothesis)."""

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.moderation import Screener
from bot.moderation.taxonomy import is_personal_data

SCREENER = Screener()

FRAGMENTS = st.sampled_from(
    [
        "NHS",
        "no",
        "DOB",
        "d.o.b.",
        "born",
        "Mrs",
        "Mr",
        "Smith",
        "bed 4",
        "ward",
        "MRN",
        "07700 900291",
        "943 476 5919",
        "4 8 5",
        "O",
        "l",
        "|",
        "-",
        ".",
        "/",
        "\n",
        " ",
        "\u200b",
        "\u202e",
        "\u0301",
        "４",
        "٣",
        "😂",
        "f*ck",
        "Flat 3",
        "LS9 7TF",
        "JT 48 61 93 B",
        "four",
        "eight",
        "£10",
        "12/02/1958",
        "84M",
        "K0837721",
        "@example.com",
    ]
)
MESSAGES = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=60).map("".join),
)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(MESSAGES)
def test_screening_never_raises_and_spans_lie_inside_the_text(text: str) -> None:
    verdict = SCREENER.screen(text)
    assert not verdict.failed_detectors
    for finding in verdict.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert 0.0 <= finding.confidence <= 1.0


@PROPERTY_SETTINGS
@given(MESSAGES)
def test_personal_data_found_never_reaches_the_redacted_text_or_evidence(text: str) -> None:
    verdict = SCREENER.screen(text)
    for finding in verdict.findings:
        if not is_personal_data(finding.category):
            continue
        found = text[finding.start : finding.end]
        digits = "".join(char for char in found if char.isdecimal())
        if len(found.strip()) >= 4:
            assert found not in verdict.redacted_text
            assert found not in finding.evidence
        if len(digits) >= 6:
            written_any_way = re.compile(r"[\s.\-/]?".join(digits))
            assert not written_any_way.search(verdict.redacted_text)


@PROPERTY_SETTINGS
@given(MESSAGES)
def test_screening_is_deterministic(text: str) -> None:
    assert SCREENER.screen(text) == SCREENER.screen(text)
