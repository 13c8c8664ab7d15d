"""Findings plus the group's policy become one action."""

from __future__ import annotations

from collections.abc import Iterable

from bot.moderation.policy import ScreeningPolicy
from bot.moderation.taxonomy import Action, strongest
from bot.moderation.types import Finding


def action_for_finding(finding: Finding, policy: ScreeningPolicy) -> Action:
    action = policy.action_for(finding.category)
    if finding.confidence < policy.flag_below and action.strength > Action.FLAG.strength:
        return Action.FLAG
    return action


def decide(findings: Iterable[Finding], policy: ScreeningPolicy) -> Action:
    """The strongest action any finding calls for; `allow` when there are none."""
    return strongest([action_for_finding(finding, policy) for finding in findings])
