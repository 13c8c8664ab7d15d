"""The code of conduct: rules as data (`data/rules.yaml`) and the detector that applies them."""

from __future__ import annotations

from bot.codeofconduct.detector import ConductDetector, ExtraTerms
from bot.codeofconduct.rules import (
    DEFAULT_RULES_FILE,
    ConductRules,
    RulesError,
    default_rules,
    load_rules,
)
from bot.moderation.detectors import Detector


def conduct_detectors(
    rules: ConductRules | None = None, extra_terms: ExtraTerms | None = None
) -> list[Detector]:
    """The code-of-conduct detectors: the shipped rules (or `rules`) plus a trust's words."""
    return [ConductDetector(rules, extra_terms)]


__all__ = [
    "DEFAULT_RULES_FILE",
    "ConductDetector",
    "ConductRules",
    "ExtraTerms",
    "RulesError",
    "conduct_detectors",
    "default_rules",
    "load_rules",
]
