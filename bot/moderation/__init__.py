"""The moderation core: a `Post` in, a `Verdict` out. It never imports Telegram."""

from bot.moderation.policy import DEFAULT_POLICY, HospitalNumberFormat, ScreeningPolicy
from bot.moderation.screener import Screener
from bot.moderation.taxonomy import Action
from bot.moderation.types import Finding, Match, Post, Verdict

__all__ = [
    "DEFAULT_POLICY",
    "Action",
    "Finding",
    "HospitalNumberFormat",
    "Match",
    "Post",
    "Screener",
    "ScreeningPolicy",
    "Verdict",
]
