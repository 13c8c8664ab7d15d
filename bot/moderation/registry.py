"""The detectors a screener runs under a given policy."""

from __future__ import annotations

from bot.moderation.detectors import Detector
from bot.moderation.policy import ScreeningPolicy


def default_detectors(policy: ScreeningPolicy) -> list[Detector]:
    return []
