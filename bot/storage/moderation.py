"""Posts held for an admin's approval, and strikes against posters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.audit import record_audit, require_actor, require_reason
from bot.storage.columns import as_utc, utc_now
from bot.storage.errors import NotFound, StorageError
from bot.storage.incidents import get_incident
from bot.storage.models import AuditAction, HeldPost, HoldStatus, Incident, Strike


class AlreadyDecided(StorageError):  # noqa: N818
    """The held post was already approved or rejected."""


async def hold_post(
    session: AsyncSession, incident_id: int, *, now: datetime | None = None
) -> HeldPost:
    """Mark the incident's post as held until an admin decides (keep its original quarantined)."""
    if await session.scalar(select(Incident.id).where(Incident.id == incident_id)) is None:
        raise NotFound("incident", incident_id)
    held = await session.get(HeldPost, incident_id)
    if held is None:
        held = HeldPost(incident_id=incident_id, held_at=as_utc(now) if now else utc_now())
        session.add(held)
        await session.flush()
    return held


async def get_held_post(session: AsyncSession, incident_id: int) -> HeldPost:
    held = await session.get(HeldPost, incident_id)
    if held is None:
        raise NotFound("held post", incident_id)
    return held


async def list_held_posts(
    session: AsyncSession,
    *,
    chat_id: int | None = None,
    status: HoldStatus | None = HoldStatus.PENDING,
) -> list[HeldPost]:
    """Held posts, oldest first (the longest waiting come first)."""
    query = select(HeldPost)
    if chat_id is not None:
        query = query.join(Incident, Incident.id == HeldPost.incident_id).where(
            Incident.chat_id == chat_id
        )
    if status is not None:
        query = query.where(HeldPost.status == status.value)
    query = query.order_by(HeldPost.held_at, HeldPost.incident_id)
    return list((await session.scalars(query)).all())


async def decide_held_post(
    session: AsyncSession,
    incident_id: int,
    *,
    approve: bool,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> HeldPost:
    """Approve or reject a held post, once, with who and why in the audit trail."""
    stated = require_reason(reason, what=f"deciding held post {incident_id}")
    require_actor(actor)
    held = await get_held_post(session, incident_id)
    if held.status != HoldStatus.PENDING:
        raise AlreadyDecided(f"held post {incident_id} was already {held.status}")
    moment = as_utc(now) if now else utc_now()
    held.status = (HoldStatus.APPROVED if approve else HoldStatus.REJECTED).value
    held.decided_at = moment
    held.decided_by = actor
    await record_audit(
        session,
        actor=actor,
        action=AuditAction.HOLD_DECIDED,
        incident_id=incident_id,
        reason=stated,
        detail={"decision": held.status},
        now=moment,
    )
    return held


async def add_strike(
    session: AsyncSession, incident_id: int, *, now: datetime | None = None
) -> Strike:
    """A strike against the incident's poster, in its group, for its first category."""
    incident = await get_incident(session, incident_id)
    if incident.poster_id is None:
        raise ValueError(f"incident {incident_id} has no known poster to give a strike to")
    categories = incident.category_names
    strike = Strike(
        chat_id=incident.chat_id,
        poster_id=incident.poster_id,
        incident_id=incident_id,
        category=categories[0] if categories else "",
        given_at=as_utc(now) if now else utc_now(),
    )
    session.add(strike)
    await session.flush()
    return strike


async def give_strike(
    session: AsyncSession,
    *,
    incident_id: int,
    chat_id: int,
    poster_id: int,
    category: str,
    now: datetime | None = None,
) -> None:
    """`add_strike` for an incident recorded earlier in this transaction, whose group,
    poster and first category the caller has in hand: one INSERT, nothing read first."""
    await session.execute(
        insert(Strike).values(
            chat_id=chat_id,
            poster_id=poster_id,
            incident_id=incident_id,
            category=category,
            given_at=as_utc(now) if now else utc_now(),
        )
    )


async def count_strikes(
    session: AsyncSession,
    poster_id: int,
    *,
    chat_id: int | None = None,
    since: datetime | None = None,
    through_incident: int | None = None,
) -> int:
    """Strikes in force against the poster: in one group or all, optionally since a time.

    With `through_incident`, only those given up to that incident's own strike (all of
    them if it has none): what the count was when it was given, whatever came after.
    """
    query = select(func.count()).where(Strike.poster_id == poster_id, Strike.revoked_at.is_(None))
    if chat_id is not None:
        query = query.where(Strike.chat_id == chat_id)
    if since is not None:
        query = query.where(Strike.given_at >= as_utc(since))
    if through_incident is not None:
        given = aliased(Strike)
        own = (
            select(func.max(given.id)).where(given.incident_id == through_incident)
        ).scalar_subquery()
        query = query.where(or_(own.is_(None), Strike.id <= own))
    return int(await session.scalar(query) or 0)


async def list_strikes(
    session: AsyncSession,
    poster_id: int,
    *,
    chat_id: int,
    since: datetime | None = None,
) -> list[Strike]:
    """The strikes in force against the poster in one group, newest first."""
    query = select(Strike).where(
        Strike.poster_id == poster_id, Strike.chat_id == chat_id, Strike.revoked_at.is_(None)
    )
    if since is not None:
        query = query.where(Strike.given_at >= as_utc(since))
    query = query.order_by(Strike.given_at.desc(), Strike.id.desc())
    return list((await session.scalars(query)).all())


async def revoke_strikes(
    session: AsyncSession,
    chat_id: int,
    poster_id: int,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> int:
    """Revoke every strike in force against the poster in the group; how many were revoked."""
    stated = require_reason(reason, what=f"revoking the strikes of {poster_id}")
    require_actor(actor)
    moment = as_utc(now) if now else utc_now()
    result = await session.execute(
        update(Strike)
        .where(
            Strike.chat_id == chat_id,
            Strike.poster_id == poster_id,
            Strike.revoked_at.is_(None),
        )
        .values(revoked_at=moment)
    )
    revoked = int(getattr(result, "rowcount", 0) or 0)
    await record_audit(
        session,
        actor=actor,
        action=AuditAction.STRIKES_REVOKED,
        reason=stated,
        detail={"chat_id": chat_id, "poster_id": poster_id, "revoked": revoked},
        now=moment,
    )
    return revoked
