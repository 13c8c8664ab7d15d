"""The escalation ladder: what a poster's strike count calls for in a group.

The reminder and the senior-manager alert go with other steps (the poster's
notice, the escalation), so only the steps that change membership are here.
"""

from __future__ import annotations

from enum import StrEnum

from bot.codeofconduct.policy_file import Strikes


class StrikeStep(StrEnum):
    MUTE = "mute"
    REMOVE = "remove from the group"


def steps_for(strikes: int, thresholds: Strikes) -> list[StrikeStep]:
    """Removal once the count reaches `remove`; a mute from `mute` until then."""
    if thresholds.remove is not None and strikes >= thresholds.remove:
        return [StrikeStep.REMOVE]
    if thresholds.mute is not None and strikes >= thresholds.mute:
        return [StrikeStep.MUTE]
    return []
