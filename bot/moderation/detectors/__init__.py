"""Patient-data detectors: small objects with a name, categories and `find()`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.moderation.normalise import NormalisedText
from bot.moderation.types import Match


class Detector(Protocol):
    """Finds one family of problems in a normalised message.

    `find` must never raise on any text and must run in linear time: the
    screener runs every detector on every message.
    """

    name: str
    categories: tuple[str, ...]

    def find(self, text: NormalisedText) -> Iterable[Match]: ...
