"""Looking around a span for the words that give it meaning."""

from __future__ import annotations

import regex


def window(text: str, start: int, end: int, before: int = 40, after: int = 40) -> tuple[str, str]:
    """The text just before and just after a span, clipped to the message."""
    return text[max(0, start - before) : start], text[end : end + after]


def has_context(
    pattern: regex.Pattern[str], text: str, start: int, end: int, width: int = 40
) -> bool:
    """Whether `pattern` occurs within `width` characters either side of the span."""
    before, after = window(text, start, end, width, width)
    return pattern.search(before) is not None or pattern.search(after) is not None
