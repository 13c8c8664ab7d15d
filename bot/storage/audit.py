"""The audit trail: who viewed or changed what, when and why."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import as_utc, utc_now
from bot.storage.errors import ReasonRequired
from bot.storage.models import AuditAction, AuditEvent

# Viewing a patient's data must be justified in words, not with "x" or "ok".
REVEAL_REASON_MIN_LENGTH = 10


def require_reason(reason: str, *, what: str, min_length: int = 1) -> str:
    """The reason, stripped; `ReasonRequired` if it is missing or too short."""
    stated = reason.strip()
    if len(stated) < min_length:
        needed = "a reason" if min_length <= 1 else f"a reason of at least {min_length} characters"
        raise ReasonRequired(f"{what} needs {needed}")
    return stated


def require_actor(actor: str) -> str:
    named = actor.strip()
    if not named:
        raise ValueError("say who is acting (actor), e.g. 'telegram:12345' or 'cli:alice'")
    return named


async def record_audit(
    session: AsyncSession,
    *,
    actor: str,
    action: AuditAction,
    incident_id: int | None = None,
    reason: str = "",
    detail: Mapping[str, object] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Add one event to the trail. `detail` must hold no message text (ids, counts, statuses)."""
    event = AuditEvent(
        at=as_utc(now) if now else utc_now(),
        actor=require_actor(actor),
        event=action.value,
        incident_id=incident_id,
        reason=reason,
        detail=json.dumps(dict(detail or {}), sort_keys=True, default=str),
    )
    session.add(event)
    await session.flush()
    return event


async def list_audit(
    session: AsyncSession,
    *,
    incident_id: int | None = None,
    actor: str | None = None,
    action: AuditAction | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    """Events, newest first."""
    query = select(AuditEvent)
    if incident_id is not None:
        query = query.where(AuditEvent.incident_id == incident_id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if action is not None:
        query = query.where(AuditEvent.event == action.value)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())
