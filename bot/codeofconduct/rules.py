"""The code-of-conduct rules as data: what a trust can read, check and extend.

The rules live in YAML (`data/rules.yaml` ships with the product). Each
category has rules; a rule fires on its *triggers* and is then checked
against the words around it:

- `terms`: single words. One entry may list a word family, space-separated,
  with `+suffix` items applied to every word before them:
  `"fuck fuk +ing +ed"` is fuck, fuk, fucking, fuking, fucked, fuked. A plural
  or possessive `s` is added automatically.
- `phrases`: several words in a row (`0` stands for any number, `?` for a
  question mark, and an emoji for itself).
- `sequence`: groups of words or phrases that must appear in this order, each
  at most `max_gap` words after the one before.
- `patterns`: regular expressions over the folded words of the message (one
  space between words), tried only when every `near` group is present.
- `near`: groups of words; each group must have a word within `window` words
  of the trigger (`window: 0` means anywhere in the message).
- `unless`: words that, within the window, mean the trigger is not a breach.
- `softened_by`: words that make it a softer finding (`softened_confidence`,
  so the message is only flagged for an admin); `supported_by`: words
  without which it is softened.
- `negatable`: "no", "don't" and the like just before the trigger (at most
  `negation_reach` words before it) cancel it.
- `disguised`: also match this rule's words written with masks, digits for
  letters, repeated letters or letters split by spaces.
- `skip_in_rules_text`: the rule is not applied to text that quotes the
  group rules or a policy (so the bot's own rules are not a breach).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.moderation.taxonomy import is_known_category

DEFAULT_RULES_FILE = Path(__file__).parent / "data" / "rules.yaml"


class RulesError(ValueError):
    """A rules file that cannot be used; the message says where and why."""


class _RulesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML where only true/false are booleans, so `no`, `on` and `off` stay words."""


_RulesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RulesLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_WORD_LISTS = ("terms", "phrases", "unless", "softened_by", "supported_by")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    confidence: float = Field(ge=0.0, le=1.0)
    reason: str = ""
    enabled: bool = True
    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    sequence: tuple[tuple[str, ...], ...] = ()
    max_gap: int = Field(default=3, ge=0, le=20)
    patterns: tuple[str, ...] = ()
    near: tuple[tuple[str, ...], ...] = ()
    unless: tuple[str, ...] = ()
    softened_by: tuple[str, ...] = ()
    supported_by: tuple[str, ...] = ()
    softened_confidence: float = Field(default=0.4, ge=0.0, le=1.0)
    window: int = Field(default=12, ge=0, le=200)
    negatable: bool = False
    negation_reach: int = Field(default=3, ge=1, le=10)
    disguised: bool = False
    skip_in_rules_text: bool = False

    @field_validator(*_WORD_LISTS, mode="before")
    @classmethod
    def _words_as_text(cls, words: Any) -> Any:
        """A bare number in a word list ("420") is a word too."""
        if isinstance(words, list | tuple):
            return [str(word) if isinstance(word, int | float) else word for word in words]
        return words

    @field_validator("sequence", "near", mode="before")
    @classmethod
    def _groups_as_text(cls, groups: Any) -> Any:
        if isinstance(groups, list | tuple):
            return [cls._words_as_text(group) for group in groups]
        return groups

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"pattern {pattern!r} does not compile: {error}") from None
        return patterns

    @field_validator("sequence")
    @classmethod
    def _sequence_has_steps(
        cls, groups: tuple[tuple[str, ...], ...]
    ) -> tuple[tuple[str, ...], ...]:
        if len(groups) == 1 or any(not group for group in groups):
            raise ValueError("a sequence needs at least two non-empty groups")
        return groups

    @model_validator(mode="after")
    def _has_a_trigger(self) -> Rule:
        if not (self.terms or self.phrases or self.sequence or self.patterns):
            raise ValueError("a rule needs terms, phrases, a sequence or patterns to fire on")
        return self

    def term_forms(self) -> list[str]:
        """Every single-word form the `terms` entries stand for, in order."""
        forms: list[str] = []
        for entry in self.terms:
            forms.extend(expand_family(entry))
        return list(dict.fromkeys(forms))


class Category(_Strict):
    about: str = ""
    source: str = ""
    rules: tuple[Rule, ...] = ()

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return rules


class ConductRules(_Strict):
    """Every category's rules, plus the words that negate or mark quoted rules."""

    version: int = 1
    negators: tuple[str, ...] = ()
    rules_text_markers: tuple[str, ...] = ()
    categories: dict[str, Category] = Field(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, categories: dict[str, Category]) -> dict[str, Category]:
        for name in categories:
            if not is_known_category(name):
                raise ValueError(f"unknown category {name!r} (see the taxonomy)")
        return categories

    def merged(self, other: ConductRules) -> ConductRules:
        """These rules with `other`'s added; a rule with the same id is replaced."""
        categories = dict(self.categories)
        for name, extra in other.categories.items():
            base = categories.get(name, Category())
            by_id = {rule.id: rule for rule in base.rules}
            by_id.update({rule.id: rule for rule in extra.rules})
            categories[name] = Category(
                about=extra.about or base.about,
                source=extra.source or base.source,
                rules=tuple(by_id.values()),
            )
        return ConductRules(
            version=self.version,
            negators=tuple(dict.fromkeys((*self.negators, *other.negators))),
            rules_text_markers=tuple(
                dict.fromkeys((*self.rules_text_markers, *other.rules_text_markers))
            ),
            categories=categories,
        )

    def with_terms(
        self,
        extra_terms: Mapping[str, Sequence[str]],
        *,
        rule_id: str = "trust_terms",
        confidence: float = 0.9,
    ) -> ConductRules:
        """These rules plus a trust's own words per category (matched disguised too)."""
        extra = {
            category: Category(
                rules=(
                    Rule(
                        id=rule_id,
                        confidence=confidence,
                        reason="a word on the trust's own list",
                        terms=tuple(terms),
                        disguised=True,
                    ),
                )
            )
            for category, terms in extra_terms.items()
            if terms
        }
        return self.merged(ConductRules(categories=extra))

    def enabled_rules(self) -> Iterable[tuple[str, Rule]]:
        for name, category in self.categories.items():
            for rule in category.rules:
                if rule.enabled:
                    yield name, rule


def expand_family(entry: str) -> list[str]:
    """`"fuck fuk +ing +ed"` -> fuck, fuk, fucking, fuking, fucked, fuked."""
    words = [item for item in entry.split() if not item.startswith("+")]
    suffixes = [item[1:] for item in entry.split() if item.startswith("+") and len(item) > 1]
    forms = list(words)
    for suffix in suffixes:
        forms.extend(word + suffix for word in words)
    return forms


def parse_rules(document: Any, source: str = "rules") -> ConductRules:
    """Validated rules from parsed YAML (or an equivalent dict)."""
    try:
        return ConductRules.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RulesError(f"{source}: {where}: {first['msg']}") from None


def load_rules(path: Path | str | None = None) -> ConductRules:
    """Rules from a YAML file (the shipped rules when no path is given)."""
    if path is None:
        return default_rules()
    return _read(Path(path))


@cache
def default_rules() -> ConductRules:
    return _read(DEFAULT_RULES_FILE)


def _read(path: Path) -> ConductRules:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_RulesLoader)
    except OSError as error:
        raise RulesError(f"{path}: cannot be read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise RulesError(f"{path}: not valid YAML ({error})") from None
    return parse_rules(document, str(path))
