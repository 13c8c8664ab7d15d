"""Screener.screen(post) -> Verdict: the one entry point every caller uses."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from operator import attrgetter

import regex

from bot.moderation.decide import decide
from bot.moderation.detectors import Detector
from bot.moderation.normalise import NormalisedText
from bot.moderation.policy import DEFAULT_POLICY, ScreeningPolicy
from bot.moderation.redact import Redaction, Span
from bot.moderation.taxonomy import Action, is_personal_data, strongest
from bot.moderation.types import Finding, Match, Post, Verdict

log = logging.getLogger(__name__)


class Screener:
    """Runs every detector over one normalised copy of a message and decides.

    A detector that fails is logged by name (never with the message) and the
    verdict is at least `flag`, so a message that could not be fully screened
    is looked at by a person instead of passing silently.
    """

    def __init__(
        self,
        policy: ScreeningPolicy = DEFAULT_POLICY,
        detectors: Sequence[Detector] | None = None,
    ) -> None:
        from bot.moderation.registry import default_detectors

        self.policy = policy
        self.detectors: tuple[Detector, ...] = tuple(
            default_detectors(policy) if detectors is None else detectors
        )
        self._allowed = tuple(term.casefold() for term in policy.allowed_terms)

    def screen(self, post: Post | str) -> Verdict:
        original = post.text if isinstance(post, Post) else post
        text = NormalisedText(original)
        matches, failed = self._run_detectors(text)
        if not matches and not failed:  # most messages: nothing to redact or decide
            return Verdict(action=Action.ALLOW, findings=(), redacted_text=original)
        kept = self._kept(text, matches)
        kept_spans = [span for _, span in kept]
        redaction = Redaction(original, kept_spans + repeated_personal_data(original, kept_spans))
        findings = _findings(kept, redaction)
        action = decide(findings, self.policy)
        if failed:
            action = strongest([action, Action.FLAG])
        categories = reported_categories(findings)
        return Verdict(
            action=action,
            findings=findings,
            redacted_text=redaction.text,
            categories=categories,
            failed_detectors=tuple(failed),
        )

    def _run_detectors(self, text: NormalisedText) -> tuple[list[Match], list[str]]:
        matches: list[Match] = []
        failed: list[str] = []
        for detector in self.detectors:
            try:
                matches.extend(detector.find(text))
            except Exception as error:  # a detector bug must not stop screening
                failed.append(detector.name)
                log.error("detector %s failed: %s", detector.name, type(error).__name__)
        return matches, failed

    def _kept(self, text: NormalisedText, matches: list[Match]) -> list[tuple[Match, Span]]:
        """Matches of enabled categories, not allowed by the policy, with their original spans."""
        enabled = self.policy.enabled
        to_original = text.to_original
        kept: list[tuple[Match, Span]] = []
        for match in matches:
            if match.category not in enabled:
                continue
            span = Span(match.category, *to_original(match.start, match.end))
            if not self._is_allowed(text.original, span):
                kept.append((match, span))
        return kept

    def _is_allowed(self, original: str, span: Span) -> bool:
        if not self._allowed:
            return False
        matched = original[span.start : span.end].casefold()
        return any(term == matched for term in self._allowed)


_FINDING_ORDER = attrgetter("start", "end", "category")


def _findings(kept: list[tuple[Match, Span]], redaction: Redaction) -> tuple[Finding, ...]:
    """A finding for each kept match, in text order, with redacted evidence."""
    evidence = redaction.evidence
    findings = [
        Finding(
            match.category,
            match.rule,
            span.start,
            span.end,
            round(match.confidence, 3),
            evidence(span.start, span.end),
            match.reason,
        )
        for match, span in kept
    ]
    findings.sort(key=_FINDING_ORDER)
    return tuple(findings)


JIGSAW = "patient.clinical_detail"


def reported_categories(findings: tuple[Finding, ...]) -> tuple[str, ...]:
    """The verdict's categories, in order of first appearance.

    Jigsaw identification is reported only when no direct identifier was
    found: with a name or a number present, the combination adds nothing to
    why the message was removed (its details are still redacted).
    """
    categories = dict.fromkeys(finding.category for finding in findings)
    direct = any(name.startswith("patient.") and name != JIGSAW for name in categories)
    if direct:
        categories.pop(JIGSAW, None)
    return tuple(categories)


_MIN_REPEAT_LENGTH = 5
_MIN_REPEAT_DIGITS = 6


def repeated_personal_data(original: str, spans: Sequence[Span]) -> list[Span]:
    """Other places the same personal data is written, so redaction misses no copy.

    A detector may find an NHS number once and not where it is typed again
    (glued to other text, say); the redacted text must hold neither copy.
    """
    repeats: list[Span] = []
    for span in spans:
        if not is_personal_data(span.category):
            continue
        for start, end in _copies(original, original[span.start : span.end]):
            if start != span.start:
                repeats.append(Span(span.category, start, end))
    return repeats


def _copies(original: str, found: str) -> Iterator[tuple[int, int]]:
    """Where `found` is written in `original`: in any case, then as its digits alone.

    Every message with personal data in it has data never seen before, so this
    searches without compiling a pattern for it (compiling took longer than the
    rest of the screening).
    """
    if len(found.strip()) >= _MIN_REPEAT_LENGTH:
        yield from _copies_in_any_case(original, found)
    digits = "".join(char for char in found if char.isdecimal())
    if len(digits) >= _MIN_REPEAT_DIGITS:
        yield from _copies_of_digits(original, digits)


# Characters other than ASCII letters that a case-insensitive `regex` match of an
# ASCII letter accepts (long s, dotted capital I, Kelvin sign).
ASCII_LETTER_LOOKALIKES = frozenset("\u017f\u0130\u212a")


def _copies_in_any_case(original: str, found: str) -> Iterator[tuple[int, int]]:
    """Non-overlapping copies of `found`, ignoring case, as `regex.IGNORECASE` matches them."""
    if not found.isascii() or not ASCII_LETTER_LOOKALIKES.isdisjoint(original):
        for match in _in_any_case(found).finditer(original):
            yield match.span()
        return
    # Only ASCII letters can match an ASCII letter here. Without the look-alikes,
    # lower() keeps every position and turns no other character into ASCII.
    text = original.lower()
    needle = found.lower()
    position = text.find(needle)
    while position != -1:
        yield position, position + len(needle)
        position = text.find(needle, position + len(needle))


@lru_cache(maxsize=256)
def _in_any_case(found: str) -> regex.Pattern[str]:
    return regex.compile(regex.escape(found), regex.IGNORECASE)


# Digits with at most one space, dot, dash or slash between each two. `[^\S\x1c-\x1f]`
# is whitespace as `regex` reads `\s` (stdlib `re` also counts \x1c to \x1f).
_DIGIT_CHAIN = re.compile(r"\d(?:(?:[^\S\x1c-\x1f]|[./-])?\d)*")


def _copies_of_digits(original: str, digits: str) -> Iterator[tuple[int, int]]:
    """Non-overlapping places where `digits` are written, each two at most one separator apart."""
    for chain in _DIGIT_CHAIN.finditer(original):
        written = chain.group()
        if len(written) < len(digits):
            continue
        offsets = [index for index, char in enumerate(written) if char.isdecimal()]
        chain_digits = "".join(written[index] for index in offsets)
        found = chain_digits.find(digits)
        while found != -1:
            last = found + len(digits) - 1
            yield chain.start() + offsets[found], chain.start() + offsets[last] + 1
            found = chain_digits.find(digits, last + 1)
