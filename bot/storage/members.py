"""Members' agreement to the code of conduct: who is pending, who agreed to which version.

Each step is also written to the audit trail (`record_member_step`), with the
group and the member in its detail, so `staffguard members` can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.audit import record_audit
from bot.storage.columns import as_utc, utc_now
from bot.storage.groups import ensure_group
from bot.storage.models import (
    AgreementStatus,
    AskedBecause,
    AuditAction,
    AuditEvent,
    MemberAgreement,
    Strike,
)

MEMBER_STEPS = tuple(action for action in AuditAction if action.value.startswith("member."))
BOT_ACTOR = "staffguard"


@dataclass(frozen=True, slots=True)
class Deadlines:
    remind_at: datetime | None
    remove_at: datetime | None


def _moment(now: datetime | None) -> datetime:
    return as_utc(now) if now else utc_now()


async def get_agreement(
    session: AsyncSession, chat_id: int, user_id: int
) -> MemberAgreement | None:
    return await session.get(MemberAgreement, (chat_id, user_id), populate_existing=True)


async def start_pending(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    *,
    because: AskedBecause,
    version: str,
    deadlines: Deadlines,
    added_by: int | None = None,
    now: datetime | None = None,
) -> MemberAgreement:
    """The member must agree (again) before posting; what they agreed before is kept."""
    moment = _moment(now)
    await ensure_group(session, chat_id)
    row = await get_agreement(session, chat_id, user_id)
    if row is None:
        row = MemberAgreement(chat_id=chat_id, user_id=user_id)
        session.add(row)
    row.status = AgreementStatus.PENDING.value
    row.asked_because = because.value
    row.added_by = added_by
    row.asked_version = version
    row.pending_since = moment
    row.asked_at = None
    row.asked_where = ""
    row.prompt_message_id = None
    row.remind_at = deadlines.remind_at
    row.reminded_at = None
    row.remove_at = deadlines.remove_at
    row.updated_at = moment
    await session.flush()
    return row


async def mark_asked(
    session: AsyncSession,
    row: MemberAgreement,
    *,
    where: str,
    prompt_message_id: int | None,
    now: datetime | None = None,
) -> None:
    moment = _moment(now)
    row.asked_at = moment
    row.asked_where = where
    row.prompt_message_id = prompt_message_id
    row.updated_at = moment
    await session.flush()


async def mark_reminded(
    session: AsyncSession,
    row: MemberAgreement,
    *,
    prompt_message_id: int | None,
    now: datetime | None = None,
) -> None:
    moment = _moment(now)
    row.remind_at = None
    row.reminded_at = moment
    if prompt_message_id is not None:
        row.prompt_message_id = prompt_message_id
    row.updated_at = moment
    await session.flush()


async def mark_agreed(
    session: AsyncSession, row: MemberAgreement, *, version: str, now: datetime | None = None
) -> None:
    moment = _moment(now)
    row.status = AgreementStatus.AGREED.value
    row.agreed_version = version
    row.agreed_at = moment
    _close(row, moment)
    await session.flush()


async def mark_closed(
    session: AsyncSession,
    row: MemberAgreement,
    status: AgreementStatus,
    *,
    now: datetime | None = None,
) -> None:
    """No longer pending: they left, were removed, declined, or became an admin."""
    moment = _moment(now)
    row.status = status.value
    _close(row, moment)
    await session.flush()


def _close(row: MemberAgreement, moment: datetime) -> None:
    row.remind_at = None
    row.remove_at = None
    row.prompt_message_id = None
    row.updated_at = moment


async def postpone_removal(
    session: AsyncSession, row: MemberAgreement, until: datetime | None
) -> None:
    row.remove_at = until
    row.updated_at = utc_now()
    await session.flush()


async def due_reminders(
    session: AsyncSession, now: datetime | None = None, limit: int = 100
) -> list[MemberAgreement]:
    query = (
        select(MemberAgreement)
        .where(
            MemberAgreement.status == AgreementStatus.PENDING.value,
            MemberAgreement.remind_at <= _moment(now),
        )
        .order_by(MemberAgreement.remind_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def due_removals(
    session: AsyncSession, now: datetime | None = None, limit: int = 100
) -> list[MemberAgreement]:
    query = (
        select(MemberAgreement)
        .where(
            MemberAgreement.status == AgreementStatus.PENDING.value,
            MemberAgreement.remove_at <= _moment(now),
        )
        .order_by(MemberAgreement.remove_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def next_deadline(session: AsyncSession) -> datetime | None:
    """The earliest reminder or removal still to come (or overdue)."""
    pending = MemberAgreement.status == AgreementStatus.PENDING.value
    remind = await session.scalar(select(func.min(MemberAgreement.remind_at)).where(pending))
    remove = await session.scalar(select(func.min(MemberAgreement.remove_at)).where(pending))
    due = [moment for moment in (remind, remove) if moment is not None]
    return min(due) if due else None


async def unasked(session: AsyncSession) -> list[MemberAgreement]:
    """Pending members the question never reached (the bot stopped in between)."""
    query = select(MemberAgreement).where(
        MemberAgreement.status == AgreementStatus.PENDING.value,
        MemberAgreement.asked_at.is_(None),
    )
    return list((await session.scalars(query)).all())


async def agreed_to_other_versions(
    session: AsyncSession, chat_id: int, version: str
) -> list[MemberAgreement]:
    query = select(MemberAgreement).where(
        MemberAgreement.chat_id == chat_id,
        MemberAgreement.status == AgreementStatus.AGREED.value,
        MemberAgreement.agreed_version != version,
    )
    return list((await session.scalars(query)).all())


async def chats_with_agreements(session: AsyncSession) -> list[int]:
    query = select(MemberAgreement.chat_id).distinct().order_by(MemberAgreement.chat_id)
    return list((await session.scalars(query)).all())


async def list_agreements(session: AsyncSession, chat_id: int) -> list[MemberAgreement]:
    query = (
        select(MemberAgreement)
        .where(MemberAgreement.chat_id == chat_id)
        .order_by(MemberAgreement.user_id)
    )
    return list((await session.scalars(query)).all())


async def record_member_step(
    session: AsyncSession,
    step: AuditAction,
    chat_id: int,
    user_id: int,
    *,
    actor: str = BOT_ACTOR,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """One membership step in the audit trail. `detail` holds ids and states, never text."""
    return await record_audit(
        session,
        actor=actor,
        action=step,
        reason=reason,
        detail={"chat_id": chat_id, "user_id": user_id, **(detail or {})},
        now=now,
    )


async def list_member_steps(
    session: AsyncSession, chat_id: int, *, user_id: int | None = None, limit: int = 200
) -> list[AuditEvent]:
    """Membership steps in a group (or for one member there), newest first."""
    query = select(AuditEvent).where(
        AuditEvent.event.in_([step.value for step in MEMBER_STEPS]), _detail_has("chat_id", chat_id)
    )
    if user_id is not None:
        query = query.where(_detail_has("user_id", user_id))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    return list((await session.scalars(query)).all())


def _detail_has(key: str, number: int) -> ColumnElement[bool]:
    # The audit trail has no group or member columns; its detail is JSON written with
    # sorted keys, so a number appears exactly as `"key": -100123` followed by , or }.
    written = f'"{key}": {int(number)}'
    return or_(AuditEvent.detail.like(f"%{written},%"), AuditEvent.detail.like(f"%{written}}}"))


async def strikes_by_member(
    session: AsyncSession, chat_id: int, *, since: datetime | None = None
) -> dict[int, int]:
    """Strikes in force in the group, per poster (since a time, when given)."""
    query = (
        select(Strike.poster_id, func.count())
        .where(Strike.chat_id == chat_id, Strike.revoked_at.is_(None))
        .group_by(Strike.poster_id)
    )
    if since is not None:
        query = query.where(Strike.given_at >= as_utc(since))
    return {int(poster): int(count) for poster, count in (await session.execute(query)).all()}
