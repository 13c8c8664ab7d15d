"""Incidents: recording one, the outcome of each action taken, review status, and lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.moderation.taxonomy import Action
from bot.moderation.types import Finding, Post, Verdict
from bot.storage.audit import record_audit, require_actor, require_reason
from bot.storage.columns import as_utc, utc_now
from bot.storage.errors import NotFound
from bot.storage.groups import dialect_insert, ensure_group
from bot.storage.models import (
    ActionKind,
    ActionOutcome,
    AuditAction,
    Incident,
    IncidentCategory,
    IncidentFinding,
    IncidentStatus,
    Outcome,
    Strike,
)

MAX_PAGE_SIZE = 500
_DETAIL_LIMIT = 500


async def record_incident(
    session: AsyncSession, post: Post, verdict: Verdict, *, now: datetime | None = None
) -> Incident:
    """Log a screened post: chat, poster, message, action, findings and the redacted text.

    Never the post's text itself: keep that (encrypted) with `store_original`.
    """
    if post.chat_id is None:
        raise ValueError("an incident needs the chat it happened in (post.chat_id)")
    columns = _incident_columns(post, verdict, now)
    occurred_at = columns["occurred_at"]
    await ensure_group(session, post.chat_id)
    incident = Incident(
        **columns,
        categories=[
            IncidentCategory(category=category, position=position, occurred_at=occurred_at)
            for position, category in enumerate(dict.fromkeys(verdict.categories))
        ],
        findings=[
            IncidentFinding(
                position=position,
                category=finding.category,
                rule=finding.rule,
                confidence=finding.confidence,
                start=finding.start,
                end=finding.end,
                evidence=finding.evidence,
            )
            for position, finding in enumerate(verdict.findings)
        ],
    )
    session.add(incident)
    await session.flush()
    return incident


async def insert_incident(
    session: AsyncSession, post: Post, verdict: Verdict, *, now: datetime | None = None
) -> int | None:
    """`record_incident` in as few statements as it takes: the new incident's id, or None
    when this version of the message has one already (nothing is written then).

    The incident, its categories and its findings are a statement each, with nothing
    read first and no objects loaded back. The group must have its row already
    (`name_group` or `ensure_group` earlier in the transaction).
    """
    if post.chat_id is None:
        raise ValueError("an incident needs the chat it happened in (post.chat_id)")
    columns = _incident_columns(post, verdict, now)
    occurred_at = columns["occurred_at"]
    statement = (
        dialect_insert(session, Incident)
        .values(**columns)
        .on_conflict_do_nothing(index_elements=["chat_id", "message_id", "message_revision"])
        .returning(Incident.id)
    )
    incident_id = await session.scalar(statement)
    if incident_id is None:
        return None
    categories = dict.fromkeys(verdict.categories)
    if categories:
        await session.execute(
            insert(IncidentCategory).values(
                [
                    {
                        "incident_id": incident_id,
                        "category": category,
                        "position": position,
                        "occurred_at": occurred_at,
                    }
                    for position, category in enumerate(categories)
                ]
            )
        )
    if verdict.findings:
        await session.execute(
            insert(IncidentFinding).values(
                [
                    _finding_row(incident_id, position, finding)
                    for position, finding in enumerate(verdict.findings)
                ]
            )
        )
    return int(incident_id)


def _incident_columns(post: Post, verdict: Verdict, now: datetime | None) -> dict[str, Any]:
    """An incident's own columns (not its categories and findings), as first recorded."""
    recorded_at = as_utc(now) if now else utc_now()
    return {
        "chat_id": post.chat_id,
        "poster_id": post.author_id,
        "message_id": post.message_id,
        "message_revision": post.revision,
        "occurred_at": as_utc(post.sent_at) if post.sent_at else recorded_at,
        "recorded_at": recorded_at,
        "action": verdict.action.value,
        "status": IncidentStatus.OPEN.value,
        "redacted_text": verdict.redacted_text,
        "edited": post.edited,
        "forwarded": post.forwarded,
        "failed_detectors": ",".join(verdict.failed_detectors),
    }


def _finding_row(incident_id: int, position: int, finding: Finding) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "position": position,
        "category": finding.category,
        "rule": finding.rule,
        "confidence": finding.confidence,
        "start": finding.start,
        "end": finding.end,
        "evidence": finding.evidence,
    }


async def find_incident_id(
    session: AsyncSession, chat_id: int, message_id: int, revision: int = 0
) -> int | None:
    """The id of the incident already recorded for this version of a message, if any."""
    query = select(Incident.id).where(
        Incident.chat_id == chat_id,
        Incident.message_id == message_id,
        Incident.message_revision == revision,
    )
    found = await session.scalar(query)
    return None if found is None else int(found)


async def find_incident_for_message(
    session: AsyncSession, chat_id: int, message_id: int, revision: int = 0
) -> Incident | None:
    """The incident already recorded for this version of a message, if any."""
    query = select(Incident).where(
        Incident.chat_id == chat_id,
        Incident.message_id == message_id,
        Incident.message_revision == revision,
    )
    return (await session.scalars(query)).first()


async def get_incident(session: AsyncSession, incident_id: int) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


async def record_outcome(
    session: AsyncSession,
    incident_id: int,
    kind: ActionKind,
    outcome: Outcome,
    detail: str = "",
    *,
    now: datetime | None = None,
) -> ActionOutcome:
    """Record one attempt at an action; `detail` says why it failed or was skipped.

    `detail` is shown to admins: put the API's error, never the message text.
    """
    await _require_incident(session, incident_id)
    row = ActionOutcome(
        incident_id=incident_id,
        kind=kind.value,
        outcome=outcome.value,
        detail=detail[:_DETAIL_LIMIT],
        attempted_at=as_utc(now) if now else utc_now(),
    )
    session.add(row)
    await session.flush()
    return row


async def record_outcomes(
    session: AsyncSession,
    incident_id: int,
    attempts: Sequence[tuple[ActionKind, Outcome, str, datetime]],
) -> None:
    """Record several attempts (kind, outcome, detail, when) at once, in one statement.

    For the enforcer, which has the incident in hand: the incident is not looked up
    first (the foreign key still refuses an id that does not exist). The rows are
    written in the order given.
    """
    if not attempts:
        return
    await session.execute(
        insert(ActionOutcome).values(
            [
                {
                    "incident_id": incident_id,
                    "kind": kind.value,
                    "outcome": outcome.value,
                    "detail": detail[:_DETAIL_LIMIT],
                    "attempted_at": as_utc(when),
                }
                for kind, outcome, detail, when in attempts
            ]
        )
    )


async def list_outcomes(session: AsyncSession, incident_id: int) -> list[ActionOutcome]:
    await _require_incident(session, incident_id)
    query = (
        select(ActionOutcome)
        .where(ActionOutcome.incident_id == incident_id)
        .order_by(ActionOutcome.attempted_at, ActionOutcome.id)
    )
    return list((await session.scalars(query)).all())


async def set_incident_status(
    session: AsyncSession,
    incident_id: int,
    status: IncidentStatus,
    *,
    actor: str,
    reason: str,
    now: datetime | None = None,
) -> Incident:
    """Review an incident, with who and why in the audit trail. Releasing revokes its strikes."""
    stated = require_reason(reason, what=f"changing the status of incident {incident_id}")
    require_actor(actor)
    incident = await get_incident(session, incident_id)
    moment = as_utc(now) if now else utc_now()
    previous = incident.status
    incident.status = status.value
    incident.status_changed_at = moment
    if status is IncidentStatus.RELEASED:
        await session.execute(
            update(Strike)
            .where(Strike.incident_id == incident_id, Strike.revoked_at.is_(None))
            .values(revoked_at=moment)
        )
    await record_audit(
        session,
        actor=actor,
        action=AuditAction.STATUS_CHANGED,
        incident_id=incident_id,
        reason=stated,
        detail={"from": previous, "to": status.value},
        now=moment,
    )
    return incident


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What to list; every field left as None matches everything."""

    chat_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    category: str | None = None
    action: Action | None = None
    status: IncidentStatus | None = None
    poster_id: int | None = None


async def list_incidents(
    session: AsyncSession,
    filters: IncidentFilter = IncidentFilter(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[Incident]:
    """Incidents matching `filters`, newest first, one page of at most `limit`."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    query = _filtered(select(Incident), filters)
    if filters.category is None:
        newest_first = (Incident.occurred_at.desc(), Incident.id.desc())
    else:
        # The same order, read from the category's own index (see IncidentCategory).
        newest_first = (IncidentCategory.occurred_at.desc(), IncidentCategory.incident_id.desc())
    query = query.order_by(*newest_first).limit(limit).offset(offset)
    return list((await session.scalars(query)).all())


async def count_incidents(
    session: AsyncSession,
    filters: IncidentFilter = IncidentFilter(),
) -> int:
    query = _filtered(select(func.count()).select_from(Incident), filters)
    return int(await session.scalar(query) or 0)


def _filtered(query: Select[Any], filters: IncidentFilter) -> Select[Any]:
    occurred_at: Any = Incident.occurred_at
    if filters.category is not None:
        # An incident has each category at most once, so the join never repeats a row.
        query = query.join(IncidentCategory, IncidentCategory.incident_id == Incident.id).where(
            IncidentCategory.category == filters.category
        )
        # The same times, but on the category's index, so one index range does it all.
        occurred_at = IncidentCategory.occurred_at
    if filters.since is not None:
        query = query.where(occurred_at >= as_utc(filters.since))
    if filters.until is not None:
        query = query.where(occurred_at < as_utc(filters.until))
    if filters.chat_id is not None:
        query = query.where(Incident.chat_id == filters.chat_id)
    if filters.poster_id is not None:
        query = query.where(Incident.poster_id == filters.poster_id)
    if filters.action is not None:
        query = query.where(Incident.action == filters.action.value)
    if filters.status is not None:
        query = query.where(Incident.status == filters.status.value)
    return query


async def _require_incident(session: AsyncSession, incident_id: int) -> None:
    found = await session.scalar(select(Incident.id).where(Incident.id == incident_id))
    if found is None:
        raise NotFound("incident", incident_id)
