"""What the screener as a whole returns for a message, with the real detectors."""

import logging

import pytest

from bot.moderation import Action, Screener, ScreeningPolicy
from bot.moderation.registry import default_detectors
from bot.moderation.taxonomy import CATEGORIES

SCREENER = Screener()


def test_clean_message_is_allowed_untouched() -> None:
    verdict = SCREENER.screen("Rota for August is up, 3 lates still need covering 👍")
    assert verdict.action is Action.ALLOW
    assert verdict.findings == ()
    assert verdict.redacted_text == "Rota for August is up, 3 lates still need covering 👍"


def test_every_copy_of_found_personal_data_is_redacted() -> None:
    verdict = SCREENER.screen("NHS 943 476 5919 - sorry, that's 9434765919x on the form")
    assert verdict.action is Action.REMOVE
    assert "5919" not in verdict.redacted_text
    assert verdict.redacted_text.count("[NHS number]") == 2


def test_spans_point_at_what_the_poster_typed() -> None:
    text = "pt NHS no ９４３ ４７６ ５９１９ in bay 2"
    (finding,) = SCREENER.screen(text).findings
    assert text[finding.start : finding.end] == "９４３ ４７６ ５９１９"
    assert finding.rule.startswith("nhs_number")
    assert "[NHS number]" in finding.evidence


def test_a_direct_identifier_replaces_the_jigsaw_category() -> None:
    verdict = SCREENER.screen("Mrs Okafor in side room 4 on Ward 22, 45F with TB")
    assert "patient.name" in verdict.categories
    assert "patient.clinical_detail" not in verdict.categories


def test_a_policy_can_turn_a_category_off() -> None:
    enabled = frozenset(CATEGORIES) - {"patient.nhs_number"}
    policy = ScreeningPolicy(enabled=enabled)
    verdict = Screener(policy).screen("NHS 943 476 5919")
    assert verdict.action is Action.ALLOW


def test_allowed_terms_are_never_findings() -> None:
    text = "Can someone ring Mrs Evans about her warfarin"
    assert SCREENER.screen(text).action is Action.REMOVE
    policy = ScreeningPolicy(allowed_terms=("Mrs Evans",))
    assert Screener(policy).screen(text).action is Action.ALLOW


class Broken:
    name = "broken"
    categories = ("patient.name",)

    def find(self, text):
        raise RuntimeError(f"bug while reading {text.original}")


def test_a_failing_detector_flags_the_message_and_logs_no_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    screener = Screener(detectors=[*default_detectors(ScreeningPolicy()), Broken()])
    with caplog.at_level(logging.ERROR):
        verdict = screener.screen("Leaving drinks Friday at 6")
    assert verdict.action is Action.FLAG
    assert verdict.failed_detectors == ("broken",)
    assert "Leaving drinks" not in caplog.text
    assert "broken" in caplog.text
