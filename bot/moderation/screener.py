"""Screener.screen(post) -> Verdict: the one entry point every caller uses."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
_DIGIT_SEPARATOR = r"[\s.\-/]?"


def repeated_personal_data(original: str, spans: Sequence[Span]) -> list[Span]:
    """Other places the same personal data is written, so redaction misses no copy.

    A detector may find an NHS number once and not where it is typed again
    (glued to other text, say); the redacted text must hold neither copy.
    """
    repeats: list[Span] = []
    for span in spans:
        if not is_personal_data(span.category):
            continue
        found = original[span.start : span.end]
        for pattern in _repeat_patterns(found):
            for match in pattern.finditer(original):
                if match.start() != span.start:
                    repeats.append(Span(span.category, match.start(), match.end()))
    return repeats


@lru_cache(maxsize=4096)
def _repeat_patterns(found: str) -> tuple[regex.Pattern[str], ...]:
    patterns: list[regex.Pattern[str]] = []
    if len(found.strip()) >= _MIN_REPEAT_LENGTH:
        patterns.append(regex.compile(regex.escape(found), regex.IGNORECASE))
    digits = [char for char in found if char.isdecimal()]
    if len(digits) >= _MIN_REPEAT_DIGITS:
        patterns.append(regex.compile(_DIGIT_SEPARATOR.join(digits)))
    return tuple(patterns)
