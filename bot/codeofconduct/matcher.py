"""Conduct rules compiled into one Aho-Corasick automaton, applied in one pass.

Every word and phrase of every rule (triggers, context words, negators) is a
key ` word ` over the folded message ` w1 w2 w3 `, so one scan finds them all
on word boundaries. What is left per message is small: for each rule that has
a trigger and every word group it needs somewhere in the message, look at the
context hits around the trigger.
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
    """What finding one key means: the rules it triggers as a term or phrase (`direct`)
    or as the first step of a sequence (`starts`), and its (role, group)s per rule."""

    direct: tuple[int, ...]
    starts: tuple[int, ...]
    by_rule: dict[int, tuple[tuple[int, int], ...]]
    negator: bool
    rules_text: bool

    @classmethod
    def of(cls, roles: list[Role]) -> _KeyRoles:
        unique = tuple(dict.fromkeys(roles))
        by_rule: dict[int, list[tuple[int, int]]] = {}
        for rule, kind, group in unique:
            if kind not in (_NEGATOR, _RULES_TEXT):
                by_rule.setdefault(rule, []).append((kind, group))
        return cls(
            direct=tuple(rule for rule, kind, _ in unique if kind == _TRIGGER),
            starts=tuple(rule for rule, kind, group in unique if kind == _STEP and group == 0),
            by_rule={rule: tuple(kinds) for rule, kinds in by_rule.items()},
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
        keys_by_role: dict[Role, set[int]] = {}
        for key, roles in keys.items():
            key_id = len(self._roles)
            self._automaton.add_word(f" {key} ", key_id)
            self._roles.append(_KeyRoles.of(roles))
            for role in roles:
                keys_by_role.setdefault(role, set()).add(key_id)
        self._needs = _Needs(self._rules, keys_by_role)
        self._index = _KeyIndex(self._roles, list(keys))
        self._empty = not keys
        if keys:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        if self._empty:
            return []
        tokens = self._folder.tokens(text)
        if not tokens.forms:
            return []
        hits = _Hits(self._automaton, self._roles, self._index, tokens, self._needs)
        found: dict[tuple[str, int, int], Match] = {}
        for index in sorted(hits.active):
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


class _Needs:
    """The keys each rule needs somewhere in a message before it is worth applying.

    A rule fires from a term or phrase, or from the first step of its sequence; it
    can only match if every later step and every `near` group is in the message
    too. Checking that with sets of key ids is cheap, and spares recording the
    context of rules that cannot match.
    """

    __slots__ = ("by_phrase", "by_sequence", "pattern_rules")

    def __init__(self, rules: list[_CompiledRule], keys_by_role: dict[Role, set[int]]) -> None:
        def groups(rule: int, kind: int, first: int, count: int) -> tuple[frozenset[int], ...]:
            return tuple(
                frozenset(keys_by_role.get((rule, kind, group), ()))
                for group in range(first, count)
            )

        self.by_phrase: list[tuple[frozenset[int], ...]] = []
        self.by_sequence: list[tuple[frozenset[int], ...]] = []
        for index, rule in enumerate(rules):
            near = groups(index, _NEAR, 0, len(rule.spec.near))
            self.by_phrase.append(near)
            self.by_sequence.append(groups(index, _STEP, 1, len(rule.spec.sequence)) + near)
        self.pattern_rules = frozenset(index for index, rule in enumerate(rules) if rule.patterns)

    def worth_applying(self, found: set[int], direct: set[int], started: set[int]) -> set[int]:
        """Rules whose trigger is in the message (`found` keys) with all they need."""
        active = {
            rule for rule in direct | self.pattern_rules if _all_in(found, self.by_phrase[rule])
        }
        for rule in started:
            if rule not in active and _all_in(found, self.by_sequence[rule]):
                active.add(rule)
        return active


def _all_in(found: set[int], groups: tuple[frozenset[int], ...]) -> bool:
    """Whether every group has a key in `found`."""
    for group in groups:  # noqa: SIM110 (a loop, not all() of a generator: this is hot)
        if found.isdisjoint(group):
            return False
    return True


class _KeyIndex:
    """Key ids by what finding them means, for set operations instead of loops."""

    __slots__ = ("by_rule", "negators", "rules_text", "starts", "triggering", "triggers", "words")

    def __init__(self, roles: list[_KeyRoles], phrases: list[str]) -> None:
        self.triggers = frozenset(key for key, meaning in enumerate(roles) if meaning.direct)
        self.starts = frozenset(key for key, meaning in enumerate(roles) if meaning.starts)
        self.triggering = self.triggers | self.starts
        self.negators = frozenset(key for key, meaning in enumerate(roles) if meaning.negator)
        self.rules_text = frozenset(key for key, meaning in enumerate(roles) if meaning.rules_text)
        by_rule: dict[int, set[int]] = {}
        for key, meaning in enumerate(roles):
            for rule in meaning.by_rule:
                by_rule.setdefault(rule, set()).add(key)
        self.by_rule = {rule: frozenset(keys) for rule, keys in by_rule.items()}
        self.words = [phrase.count(" ") + 1 for phrase in phrases]


class _Hits:
    """Where each rule's words were found in one message, as token spans.

    Most keys are context words ("the", "my", "he") of rules whose trigger is
    not in the message, so the scan only collects which keys occur; positions
    are worked out for the keys of the rules worth applying.
    """

    __slots__ = ("active", "by_role", "count", "negator_ends", "rules_text", "stream")

    def __init__(
        self,
        automaton: ahocorasick.Automaton,
        roles: list[_KeyRoles],
        index: _KeyIndex,
        tokens: Tokens,
        needs: _Needs,
    ) -> None:
        self.stream = stream = tokens.stream
        self.count = len(tokens.forms)
        self.by_role: dict[Role, list[list[Span]]] = {}
        self.negator_ends: list[int] = []
        self.rules_text = False
        hits = list(automaton.iter(stream))
        found = {key for _, key in hits}
        if found.isdisjoint(index.triggering) and not needs.pattern_rules:
            self.active: set[int] = set()  # the common case: no rule can start here
            return
        direct = {rule for key in found & index.triggers for rule in roles[key].direct}
        started = {rule for key in found & index.starts for rule in roles[key].starts}
        self.active = needs.worth_applying(found, direct, started)
        if not self.active:
            return
        self.rules_text = not found.isdisjoint(index.rules_text)
        wanted = found & index.negators
        for rule in self.active:
            wanted |= found & index.by_rule.get(rule, frozenset())
        spans = _token_spans(stream, hits, wanted, index.words)
        for key in index.negators & spans.keys():
            self.negator_ends.extend(last for last, _ in spans[key])
        self._record_roles(spans, roles, self.active)

    def _record_roles(
        self, spans_by_key: dict[int, list[Span]], roles: list[_KeyRoles], active: set[int]
    ) -> None:
        by_role = self.by_role
        for key, spans in spans_by_key.items():  # in message order, as the rules expect
            by_rule = roles[key].by_rule
            for rule in active:
                for kind, group in by_rule.get(rule, ()):
                    by_role.setdefault((rule, kind, group), []).append(spans)

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
        for spans in self.by_role.get((rule, kind, group), ()):  # a loop: this is hot
            if _any_within(spans, low, high, outside):
                return True
        return False

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


def _token_spans(
    stream: str, hits: list[tuple[int, int]], wanted: set[int], words: list[int]
) -> dict[int, list[Span]]:
    """(last, first) token spans of the `wanted` keys, in message order.

    A hit ends at the key's closing space: the spaces before it count the tokens.
    """
    spans: dict[int, list[Span]] = {}
    spaces = -1  # token index of the last token before `previous`
    previous = 0
    for end, key in hits:
        if key not in wanted:
            continue
        spaces += stream.count(" ", previous, end)
        previous = end
        spans.setdefault(key, []).append((spaces, spaces - words[key] + 1))
    return spans


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
