"""The product's public vocabulary: actions and categories (see docs/taxonomy.md)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What the bot does with a message, strongest first in `ACTION_STRENGTH`."""

    REMOVE = "remove"
    HOLD = "hold"
    SIGNPOST = "signpost"
    FLAG = "flag"
    ALLOW = "allow"

    @property
    def strength(self) -> int:
        return ACTION_STRENGTH[self]


ACTION_STRENGTH: dict[Action, int] = {
    Action.ALLOW: 0,
    Action.FLAG: 1,
    Action.SIGNPOST: 2,
    Action.HOLD: 3,
    Action.REMOVE: 4,
}


def strongest(actions: list[Action] | tuple[Action, ...]) -> Action:
    """The strongest of `actions`; `allow` when there are none."""
    return max(actions, key=ACTION_STRENGTH.__getitem__, default=Action.ALLOW)


# category -> (default action, short label used when redacting)
_CATEGORIES: dict[str, tuple[Action, str]] = {
    "patient.nhs_number": (Action.REMOVE, "NHS number"),
    "patient.hospital_number": (Action.REMOVE, "hospital number"),
    "patient.name": (Action.REMOVE, "name"),
    "patient.dob": (Action.REMOVE, "date of birth"),
    "patient.address": (Action.REMOVE, "address"),
    "patient.contact": (Action.REMOVE, "contact"),
    "patient.clinical_detail": (Action.REMOVE, "clinical detail"),
    "personal.nino": (Action.REMOVE, "NI number"),
    "personal.colleague_data": (Action.REMOVE, "personal data"),
    "clinical.advice": (Action.SIGNPOST, "clinical"),
    "conduct.offensive_language": (Action.REMOVE, "offensive"),
    "conduct.abuse": (Action.REMOVE, "abuse"),
    "conduct.discrimination": (Action.REMOVE, "discriminatory"),
    "conduct.sexual": (Action.REMOVE, "sexual"),
    "conduct.political": (Action.REMOVE, "political"),
    "conduct.commercial": (Action.REMOVE, "commercial"),
    "conduct.charity": (Action.HOLD, "charity"),
    "conduct.misconduct_allegation": (Action.REMOVE, "allegation"),
    "conduct.safeguarding": (Action.REMOVE, "safeguarding"),
    "conduct.hr_pay": (Action.SIGNPOST, "HR/pay"),
    "conduct.complaint": (Action.SIGNPOST, "complaint"),
    "conduct.individual_request": (Action.SIGNPOST, "individual request"),
    "conduct.private_message": (Action.SIGNPOST, "private message"),
}

CATEGORIES: tuple[str, ...] = tuple(_CATEGORIES)
DEFAULT_ACTIONS: dict[str, Action] = {name: action for name, (action, _) in _CATEGORIES.items()}


def redaction_label(category: str) -> str:
    return _CATEGORIES[category][1]


def is_personal_data(category: str) -> bool:
    """Categories whose matched text is someone's personal data and is always masked."""
    return category.startswith(("patient.", "personal."))


def is_known_category(category: str) -> bool:
    return category in _CATEGORIES
