"""The screening settings the engine needs: which categories, which action, local formats.

The trust's YAML policy file (see `bot.codeofconduct`) is validated into a
`ScreeningPolicy` per group; the engine itself only ever sees this object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.moderation.taxonomy import CATEGORIES, DEFAULT_ACTIONS, Action


@dataclass(frozen=True, slots=True)
class HospitalNumberFormat:
    """A trust's local patient identifier: a pattern, and words that must be near it.

    With no context words the pattern alone is a finding, so keep such patterns
    specific (a prefix letter and a fixed number of digits, say).
    """

    name: str
    pattern: str
    context_words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    actions: Mapping[str, Action] = field(default_factory=lambda: MappingProxyType(DEFAULT_ACTIONS))
    enabled: frozenset[str] = frozenset(CATEGORIES)
    # A finding less sure than this only flags the message for a human look.
    flag_below: float = 0.5
    # Terms that are never findings in this trust (a ward named after a person, say).
    allowed_terms: tuple[str, ...] = ()
    hospital_number_formats: tuple[HospitalNumberFormat, ...] = ()
    # A trust's own words per conduct category, matched like the shipped rules.
    conduct_terms: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def action_for(self, category: str) -> Action:
        return self.actions.get(category, DEFAULT_ACTIONS.get(category, Action.FLAG))


DEFAULT_POLICY = ScreeningPolicy()
