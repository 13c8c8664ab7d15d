"""Inline buttons on alerts and notices, and the callback data they carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

_PREFIX = "sg"


class Decision(StrEnum):
    RELEASE = "release"  # not a breach: repost it and record a false positive
    KEEP = "keep"  # the removal stands
    ESCALATE = "escalate"  # pass it to a senior manager
    APPROVE = "approve"  # a held post may go up
    DECLINE = "decline"  # a held post stays down
    DELETED_BY_HAND = "gone"  # an admin deleted what the bot could not


@dataclass(frozen=True, slots=True)
class Pressed:
    decision: Decision
    incident_id: int


def callback_data(decision: Decision, incident_id: int) -> str:
    return f"{_PREFIX}:{decision.value}:{incident_id}"


def parse_callback(data: str | None) -> Pressed | None:
    """The button pressed, or None for data that is not ours or is malformed."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[2].isdigit():
        return None
    try:
        return Pressed(Decision(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _button(label: str, decision: Decision, incident_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback_data(decision, incident_id))


def removal_review(incident_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("Release (not a breach)", Decision.RELEASE, incident_id),
                _button("Keep removed", Decision.KEEP, incident_id),
            ],
            [_button("Escalate to a senior manager", Decision.ESCALATE, incident_id)],
        ]
    )


def approval(incident_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("Approve and post", Decision.APPROVE, incident_id),
                _button("Decline", Decision.DECLINE, incident_id),
            ]
        ]
    )


def flag_review(incident_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button("Fine, leave it", Decision.RELEASE, incident_id),
                _button("Escalate", Decision.ESCALATE, incident_id),
            ]
        ]
    )


def manual_delete(incident_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button("Done: I deleted it", Decision.DELETED_BY_HAND, incident_id)]]
    )


def guidance_link(bot_username: str, incident_id: int) -> InlineKeyboardMarkup:
    url = f"https://t.me/{bot_username}?start=inc{incident_id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton("Why? Open the guidance", url=url)]])
