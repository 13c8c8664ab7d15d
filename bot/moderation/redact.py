"""The redacted text that logs, alerts and reports show instead of the message.

Personal data (every `patient.*` and `personal.*` span) is replaced by a
label such as `[NHS number]`; offensive words keep their first letter
(`f***`); the rest of the message stays readable, so an admin can see why it
was removed without seeing whose data it was.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from bot.moderation.taxonomy import is_personal_data, redaction_label

_MASKED_CATEGORIES = frozenset(
    {"conduct.offensive_language", "conduct.discrimination", "conduct.sexual"}
)
EVIDENCE_CONTEXT = 30


@dataclass(frozen=True, slots=True)
class Span:
    category: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int
    end: int
    replacement: str


class Redaction:
    """The redacted text, and where each original position landed in it."""

    def __init__(self, original: str, spans: Sequence[Span]) -> None:
        self._segments = _segments(original, spans)
        pieces: list[str] = []
        self._original_starts: list[int] = []
        self._redacted_starts: list[int] = []
        cursor = 0
        length = 0
        for segment in self._segments:
            pieces.append(original[cursor : segment.start])
            length += segment.start - cursor
            self._original_starts.append(segment.start)
            self._redacted_starts.append(length)
            pieces.append(segment.replacement)
            length += len(segment.replacement)
            cursor = segment.end
        pieces.append(original[cursor:])
        self.text = "".join(pieces)

    def position(self, original_position: int) -> int:
        """Where an original position lands in the redacted text."""
        index = bisect_right(self._original_starts, original_position) - 1
        if index < 0:
            return original_position
        segment = self._segments[index]
        redacted_start = self._redacted_starts[index]
        if original_position < segment.end:
            return redacted_start
        return redacted_start + len(segment.replacement) + original_position - segment.end

    def evidence(self, start: int, end: int, context: int = EVIDENCE_CONTEXT) -> str:
        """A short window of the redacted text around an original span."""
        redacted_start = self.position(start)
        redacted_end = max(self.position(end), redacted_start)
        if end > start and redacted_end == redacted_start:
            redacted_end = self._segment_end(start)
        left = max(0, redacted_start - context)
        right = min(len(self.text), redacted_end + context)
        snippet = " ".join(self.text[left:right].split())
        prefix = "…" if left > 0 else ""
        suffix = "…" if right < len(self.text) else ""
        return f"{prefix}{snippet}{suffix}"

    def _segment_end(self, original_position: int) -> int:
        index = bisect_right(self._original_starts, original_position) - 1
        return self._redacted_starts[index] + len(self._segments[index].replacement)


def redact(original: str, spans: Sequence[Span]) -> str:
    return Redaction(original, spans).text


def _segments(original: str, spans: Sequence[Span]) -> list[_Segment]:
    """Non-overlapping replacements, personal data winning over masking."""
    marked = sorted(
        (span for span in spans if _replaces(span.category) and span.end > span.start),
        key=lambda span: (span.start, -span.end),
    )
    segments: list[_Segment] = []
    for span in marked:
        replacement = _replacement(original, span)
        if segments and span.start < segments[-1].end:
            previous = segments[-1]
            end = max(previous.end, span.end)
            keep = previous.replacement
            if is_personal_data(span.category) and not previous.replacement.startswith("["):
                keep = replacement
            segments[-1] = _Segment(previous.start, end, keep)
            continue
        segments.append(_Segment(span.start, span.end, replacement))
    return segments


def _replaces(category: str) -> bool:
    return is_personal_data(category) or category in _MASKED_CATEGORIES


def _replacement(original: str, span: Span) -> str:
    if is_personal_data(span.category):
        return f"[{redaction_label(span.category)}]"
    word = original[span.start : span.end]
    return word[:1] + "".join("*" if char.isalnum() else char for char in word[1:])
