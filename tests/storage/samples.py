"""Sample posts and verdicts for the storage tests (the original holds an NHS number and a name)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from bot.moderation.taxonomy import Action
from bot.moderation.types import Finding, Post, Verdict

CHAT_ID = -1001234567890
POSTER_ID = 424242
NHS_NUMBER = "943 476 5919"
PATIENT_NAME = "Thornbury"
ORIGINAL = f"NHS {NHS_NUMBER} for Margaret {PATIENT_NAME}, bed 4"
REDACTED = "NHS [NHS number] for [name], bed 4"
_message_ids = itertools.count(1)


def moment(day: int, hour: int = 12) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def make_post(
    *,
    chat_id: int = CHAT_ID,
    poster_id: int | None = POSTER_ID,
    message_id: int | None = None,
    sent_at: datetime | None = None,
    text: str = ORIGINAL,
) -> Post:
    return Post(
        text=text,
        chat_id=chat_id,
        message_id=next(_message_ids) if message_id is None else message_id,
        author_id=poster_id,
        sent_at=sent_at or moment(1),
    )


def make_verdict(
    *categories: str,
    action: Action = Action.REMOVE,
    redacted: str = REDACTED,
) -> Verdict:
    categories = categories or ("patient.nhs_number", "patient.name")
    findings = tuple(
        Finding(
            category=category,
            rule=f"{category}.rule",
            start=4 * position,
            end=4 * position + 3,
            confidence=0.9 - 0.1 * position,
            evidence=redacted,
        )
        for position, category in enumerate(categories)
    )
    return Verdict(action=action, findings=findings, redacted_text=redacted, categories=categories)
