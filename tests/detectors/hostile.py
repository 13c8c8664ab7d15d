"""Hostile input: a detector must screen it without error (its speed is in `make bench`)."""

from collections.abc import Callable, Sequence

from bot.moderation.types import Match


def assert_screens(find: Callable[[str], Sequence[Match]], text: str) -> None:
    """Screen `text` to the end; every span found lies inside the normalised text."""
    for match in find(text):
        assert 0 <= match.start <= match.end <= len(text) * 4  # NFKC may lengthen text
