"""Screener.screen(post) -> Verdict: the one entry point every caller uses."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
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
    copies = Copies(original)
    for span in spans:
        if not is_personal_data(span.category):
            continue
        for start, end in copies.of(original[span.start : span.end]):
            if start != span.start:
                repeats.append(Span(span.category, start, end))
    return repeats


# Characters other than ASCII letters that a case-insensitive `regex` match of an
# ASCII letter accepts (long s, dotted capital I, Kelvin sign).
ASCII_LETTER_LOOKALIKES = frozenset("\u017f\u0130\u212a")
_LOOKALIKE = re.compile(f"[{''.join(sorted(ASCII_LETTER_LOOKALIKES))}]")
# Not a decimal digit (`\d` is exactly str.isdecimal()).
_NOT_DIGITS = re.compile(r"\D+")
# One space, dot, dash or slash between two digits. `[^\S\x1c-\x1f]` is whitespace
# as `regex` reads `\s` (stdlib `re` also counts \x1c to \x1f).
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)(?:[^\S\x1c-\x1f]|[./-])(?=\d)")


class Copies:
    """Where pieces of personal data are written in one message.

    Every message with personal data brings data never seen before, so this
    searches with str.find, compiling no pattern per piece (compiling took
    longer than the rest of the screening). The folded text and the text with
    separators between digits closed up are made once per message.
    """

    def __init__(self, original: str) -> None:
        self._original = original
        self._lookalikes = _LOOKALIKE.search(original) is not None
        self._lowered: str | None = None
        self._closed_up: str | None = None
        self._shifts: list[int] = []

    def of(self, found: str) -> Iterator[tuple[int, int]]:
        """Copies of `found` in any case, then of its digits alone."""
        if len(found.strip()) >= _MIN_REPEAT_LENGTH:
            yield from self._in_any_case(found)
        digits = _NOT_DIGITS.sub("", found)
        if len(digits) >= _MIN_REPEAT_DIGITS:
            yield from self._of_digits(digits)

    def _in_any_case(self, found: str) -> Iterator[tuple[int, int]]:
        """Non-overlapping copies, as a `regex.IGNORECASE` pattern of `found` finds them."""
        original = self._original
        if not found.isascii() or self._lookalikes:
            for match in _in_any_case(found).finditer(original):
                yield match.span()
            return
        # Only ASCII letters can match an ASCII letter here. Without the look-alikes,
        # lower() keeps every position and turns no other character into ASCII.
        if self._lowered is None:
            self._lowered = original.lower()
        yield from _found_at(self._lowered, found.lower())

    def _of_digits(self, digits: str) -> Iterator[tuple[int, int]]:
        """Non-overlapping places where `digits` are written, at most one separator apart."""
        if self._closed_up is None:
            self._close_up()
        assert self._closed_up is not None
        shifts = self._shifts
        for start, end in _found_at(self._closed_up, digits):
            # A position in the closed-up text, plus the separators removed before it.
            yield start + bisect_right(shifts, start), end + bisect_right(shifts, end - 1)

    def _close_up(self) -> None:
        pieces: list[str] = []
        done = 0
        for separator in _DIGIT_SEPARATOR.finditer(self._original):
            pieces.append(self._original[done : separator.start()])
            # Where the separator would be in the closed-up text.
            self._shifts.append(separator.start() - len(self._shifts))
            done = separator.end()
        pieces.append(self._original[done:])
        self._closed_up = "".join(pieces)


def _found_at(text: str, needle: str) -> Iterator[tuple[int, int]]:
    """Non-overlapping (start, end) of `needle` in `text`, left to right."""
    position = text.find(needle)
    while position != -1:
        yield position, position + len(needle)
        position = text.find(needle, position + len(needle))


@lru_cache(maxsize=256)
def _in_any_case(found: str) -> regex.Pattern[str]:
    return regex.compile(regex.escape(found), regex.IGNORECASE)
