"""Conduct rules compiled into one Aho-Corasick automaton, applied in one pass.

Every word and phrase of every rule (triggers, context words, negators) is a
key ` word ` over the folded message ` w1 w2 w3 `, so one scan finds them all
on word boundaries. What is left per message is small: for each rule that has
a trigger, look at the context hits around it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from bot.codeofconduct.folding import Folder, Tokens, Vocabulary
from bot.codeofconduct.rules import ConductRules, Rule
from bot.moderation.types import Match

# Roles a key plays for a rule (or, with rule index -1, for every rule).
_TRIGGER, _NEAR, _UNLESS, _SOFTEN, _SUPPORT, _STEP, _NEGATOR, _RULES_TEXT = range(8)

Span = tuple[int, int]  # first and last token index, inclusive
Role = tuple[int, int, int]  # rule index, role, group


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    category: str
    name: str
    spec: Rule
    patterns: tuple[re.Pattern[str], ...]


def _any_within(spans: list[tuple[int, int]], low: int, high: int, outside: Span | None) -> bool:
    """Whether a (last, first) span of one key, in message order, lies in [low, high]."""
    index = bisect_left(spans, (low, -1))
    while index < len(spans) and spans[index][1] <= high:
        last, first = spans[index]
        if outside is None or first < outside[0] or last > outside[1]:
            return True
        index += 1
    return False


@dataclass(frozen=True, slots=True)
class _KeyRoles:
    """What finding one key means: rules it triggers, and every (rule, role, group)."""

    triggers: tuple[int, ...]
    roles: tuple[Role, ...]
    negator: bool
    rules_text: bool

    @classmethod
    def of(cls, roles: list[Role]) -> _KeyRoles:
        unique = tuple(dict.fromkeys(roles))
        return cls(
            triggers=tuple(
                rule
                for rule, kind, group in unique
                if kind == _TRIGGER or (kind == _STEP and group == 0)
            ),
            roles=tuple(role for role in unique if role[1] not in (_NEGATOR, _RULES_TEXT)),
            negator=any(kind == _NEGATOR for _, kind, _ in unique),
            rules_text=any(kind == _RULES_TEXT for _, kind, _ in unique),
        )


class ConductMatcher:
    def __init__(self, rules: ConductRules) -> None:
        plain = Folder()
        self._rules: list[_CompiledRule] = []
        keys: dict[str, list[Role]] = {}
        disguisable: list[str] = []
        for category, rule in rules.enabled_rules():
            index = len(self._rules)
            self._rules.append(_compile(category, rule))
            for role, group, phrase in _keyed_phrases(rule):
                key = plain.phrase(phrase)
                if key:
                    keys.setdefault(key, []).append((index, role, group))
                    if rule.disguised and role in (_TRIGGER, _STEP):
                        disguisable.extend(key.split())
        for phrase in rules.negators:
            keys.setdefault(plain.phrase(phrase), []).append((-1, _NEGATOR, 0))
        for phrase in rules.rules_text_markers:
            keys.setdefault(plain.phrase(phrase), []).append((-1, _RULES_TEXT, 0))
        keys.pop("", None)
        words = {word for key in keys for word in key.split()}
        self._folder = Folder(Vocabulary(words, disguisable))
        self._roles: list[_KeyRoles] = []
        self._automaton = ahocorasick.Automaton()
        for key, roles in keys.items():
            self._automaton.add_word(f" {key} ", (len(self._roles), key.count(" ")))
            self._roles.append(_KeyRoles.of(roles))
        self._pattern_rules = frozenset(
            index for index, rule in enumerate(self._rules) if rule.patterns
        )
        self._empty = not keys
        if keys:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        if self._empty:
            return []
        tokens = self._folder.tokens(text)
        if not tokens.forms:
            return []
        hits = _Hits(self._automaton, self._roles, tokens)
        found: dict[tuple[str, int, int], Match] = {}
        for index in sorted(hits.triggered | self._pattern_rules):
            rule = self._rules[index]
            if rule.spec.skip_in_rules_text and hits.rules_text:
                continue
            for span, confidence in _rule_findings(index, rule, hits):
                start, end = tokens.starts[span[0]], tokens.ends[span[1]]
                key = (rule.category, start, end)
                previous = found.get(key)
                if previous is None or previous.confidence < confidence:
                    found[key] = Match(
                        rule.category, rule.name, start, end, confidence, rule.spec.reason
                    )
        return list(found.values())


class _Hits:
    """Where each rule's words were found in one message, as token spans."""

    __slots__ = ("by_role", "count", "negator_ends", "rules_text", "stream", "triggered")

    def __init__(
        self, automaton: ahocorasick.Automaton, roles: list[_KeyRoles], tokens: Tokens
    ) -> None:
        self.stream = stream = tokens.stream
        self.count = len(tokens.forms)
        by_key: dict[int, list[tuple[int, int]]] = {}
        spaces = -1  # token index of the last token before `previous` in the stream
        previous = 0
        count_spaces = stream.count
        for end, (key, extra_tokens) in automaton.iter(stream):
            # `end` is the key's closing space, the one after its last token.
            spaces += count_spaces(" ", previous, end)
            previous = end
            found = by_key.get(key)
            if found is None:
                by_key[key] = [(spaces, spaces - extra_tokens)]
            else:
                found.append((spaces, spaces - extra_tokens))
        self.by_role: dict[Role, list[list[tuple[int, int]]]] = {}
        self.triggered: set[int] = set()
        self.negator_ends: list[int] = []
        self.rules_text = False
        by_role = self.by_role
        for key, spans in by_key.items():
            meaning = roles[key]
            if meaning.triggers:
                self.triggered.update(meaning.triggers)
            if meaning.negator:
                self.negator_ends.extend(last for last, _ in spans)
            if meaning.rules_text:
                self.rules_text = True
            for role in meaning.roles:
                listed = by_role.get(role)
                if listed is None:
                    by_role[role] = [spans]
                else:
                    listed.append(spans)

    def spans(self, rule: int, kind: int, group: int = 0) -> list[Span]:
        return [
            (first, last)
            for spans in self.by_role.get((rule, kind, group), ())
            for last, first in spans
        ]

    def present(self, rule: int, kind: int, group: int = 0) -> bool:
        return (rule, kind, group) in self.by_role

    def within(
        self, rule: int, kind: int, group: int, low: int, high: int, outside: Span | None = None
    ) -> bool:
        return any(
            _any_within(spans, low, high, outside)
            for spans in self.by_role.get((rule, kind, group), ())
        )

    def token_span(self, start: int, end: int) -> Span:
        """Tokens covered by the stream characters [start, end), spaces around ignored."""
        stream = self.stream
        while start < end and stream[start] == " ":
            start += 1
        while end > start and stream[end - 1] == " ":
            end -= 1
        first = stream.count(" ", 0, start) - 1
        last = stream.count(" ", 0, end) - 1
        return max(first, 0), max(last, first, 0)


def _compile(category: str, rule: Rule) -> _CompiledRule:
    short = category.removeprefix("conduct.").replace(".", "_")
    return _CompiledRule(
        category=category,
        name=f"{short}.{rule.id}",
        spec=rule,
        patterns=tuple(re.compile(pattern) for pattern in rule.patterns),
    )


def _keyed_phrases(rule: Rule) -> Iterable[tuple[int, int, str]]:
    for form in rule.term_forms():
        yield from _with_plural(_TRIGGER, 0, form, shortest=1)
    for phrase in rule.phrases:
        yield _TRIGGER, 0, phrase
    for group_index, group in enumerate(rule.sequence):
        for phrase in group:
            yield from _with_plural(_STEP, group_index, phrase)
    for group_index, group in enumerate(rule.near):
        for phrase in group:
            yield from _with_plural(_NEAR, group_index, phrase)
    for role, phrases in (
        (_UNLESS, rule.unless),
        (_SOFTEN, rule.softened_by),
        (_SUPPORT, rule.supported_by),
    ):
        for phrase in phrases:
            yield from _with_plural(role, 0, phrase)


def _with_plural(
    role: int, group: int, word: str, shortest: int = 3
) -> Iterable[tuple[int, int, str]]:
    """A word and its plural or possessive (`letter`, `letters`; `pay`, `pay's`).

    Short words keep their exact form, so `i` never becomes `is`.
    """
    yield role, group, word
    if word.isalpha() and len(word) >= shortest and not word.endswith("s"):
        yield role, group, word + "s"


def _rule_findings(index: int, rule: _CompiledRule, hits: _Hits) -> Iterable[tuple[Span, float]]:
    spec = rule.spec
    count = hits.count
    for span in _triggers(index, rule, hits):
        if spec.negatable and _negated(span, hits.negator_ends, spec.negation_reach):
            continue
        low, high = (
            (0, count) if spec.window == 0 else (span[0] - spec.window, span[1] + spec.window)
        )
        if not all(
            hits.within(index, _NEAR, group, low, high, outside=span)
            for group in range(len(spec.near))
        ):
            continue
        if hits.within(index, _UNLESS, 0, low, high):
            continue
        yield span, _confidence(index, spec, hits, low, high)


def _triggers(index: int, rule: _CompiledRule, hits: _Hits) -> list[Span]:
    spans = hits.spans(index, _TRIGGER)
    if rule.spec.sequence:
        spans.extend(_sequences(index, rule.spec, hits))
    if rule.patterns and all(
        hits.present(index, _NEAR, group) for group in range(len(rule.spec.near))
    ):
        for pattern in rule.patterns:
            spans.extend(
                hits.token_span(*found.span())
                for found in pattern.finditer(hits.stream)
                if found.group().strip()  # a pattern that can match nothing finds nothing
            )
    return spans


def _sequences(index: int, spec: Rule, hits: _Hits) -> list[Span]:
    steps = [sorted(hits.spans(index, _STEP, group)) for group in range(len(spec.sequence))]
    found: list[Span] = []
    for first, last in steps[0]:
        end = last
        for later in steps[1:]:
            start = bisect_right(later, (end, hits.count))
            following = next(
                (span for span in later[start:] if span[0] <= end + 1 + spec.max_gap), None
            )
            if following is None:
                break
            end = following[1]
        else:
            found.append((first, end))
    return found


def _negated(span: Span, negator_ends: list[int], reach: int) -> bool:
    return any(span[0] - reach <= end < span[0] for end in negator_ends)


def _confidence(index: int, spec: Rule, hits: _Hits, low: int, high: int) -> float:
    if spec.softened_by and hits.within(index, _SOFTEN, 0, low, high):
        return spec.softened_confidence
    if spec.supported_by and not hits.within(index, _SUPPORT, 0, low, high):
        return spec.softened_confidence
    return spec.confidence
