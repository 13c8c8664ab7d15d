"""The code-of-conduct detector the screener runs, over every conduct category."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from bot.codeofconduct.matcher import ConductMatcher
from bot.codeofconduct.rules import ConductRules, default_rules
from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match

ExtraTerms = Mapping[str, Sequence[str]]


class ConductDetector:
    """Every `conduct.*` category and `clinical.advice`, from one set of rules.

    It only says what was found and how sure it is; the screener turns the
    category into an action (a confidence under 0.5 only flags the message).
    `extra_terms` are a trust's own words per category (the policy file's
    `conduct_terms`), matched like the shipped ones, disguised spellings included.
    """

    name = "conduct"

    def __init__(
        self, rules: ConductRules | None = None, extra_terms: ExtraTerms | None = None
    ) -> None:
        if rules is None:
            rules, self._matcher = _shipped_matcher(_frozen(extra_terms or {}))
        else:
            rules = rules.with_terms(extra_terms or {})
            self._matcher = ConductMatcher(rules)
        self.categories: tuple[str, ...] = tuple(
            name for name, category in rules.categories.items() if category.rules
        )

    def find(self, text: NormalisedText) -> list[Match]:
        return self._matcher.find(text.text)


def _frozen(extra_terms: ExtraTerms) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((category, tuple(terms)) for category, terms in extra_terms.items()))


@cache
def _shipped_matcher(
    extra_terms: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[ConductRules, ConductMatcher]:
    """The shipped rules (plus a trust's words), compiled once per distinct word list."""
    rules = default_rules().with_terms(dict(extra_terms))
    return rules, ConductMatcher(rules)
