"""Staff verification records: join requests, emailed codes, verified members, the roster.

Email addresses are stored only as a hash (to find a leaver's verifications, or
a roster entry) and masked for display (j***@nhs.net); codes only as a salted hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import as_utc, utc_now
from bot.storage.groups import ensure_group
from bot.storage.models import (
    JoinRequest,
    JoinRequestStatus,
    RosterEntry,
    StaffVerification,
    VerificationCode,
)

CODE_DIGITS = 6


def email_digest(email: str) -> str:
    """The address's lookup key: the same for any spelling of its case."""
    return hashlib.sha256(b"staffguard-email:" + email.strip().casefold().encode()).hexdigest()


def mask_email(email: str) -> str:
    """'j***@nhs.net': enough for the person and an admin to recognise it."""
    local, _, domain = email.strip().partition("@")
    return f"{local[:1]}***@{domain.casefold()}"[:160]


def _moment(now: datetime | None) -> datetime:
    return as_utc(now) if now else utc_now()


# --- join requests ---------------------------------------------------------------------------


async def record_join_request(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    *,
    user_chat_id: int,
    requested_at: datetime,
    decide_by: datetime,
) -> bool:
    """Record a pending request; False when it is this same request delivered again."""
    await ensure_group(session, chat_id)
    row = await session.get(JoinRequest, (chat_id, user_id), populate_existing=True)
    pending = row is not None and row.status == JoinRequestStatus.PENDING
    if pending and row is not None and row.requested_at == as_utc(requested_at):
        return False
    if row is None:
        row = JoinRequest(chat_id=chat_id, user_id=user_id)
        session.add(row)
    row.status = JoinRequestStatus.PENDING.value
    row.user_chat_id = user_chat_id
    row.requested_at = as_utc(requested_at)
    row.decide_by = as_utc(decide_by)
    row.decided_at = None
    await session.flush()
    return True


async def pending_requests(session: AsyncSession, user_id: int) -> list[JoinRequest]:
    query = (
        select(JoinRequest)
        .where(
            JoinRequest.user_id == user_id,
            JoinRequest.status == JoinRequestStatus.PENDING.value,
        )
        .order_by(JoinRequest.requested_at)
    )
    return list((await session.scalars(query)).all())


async def overdue_requests(
    session: AsyncSession, now: datetime | None = None, limit: int = 100
) -> list[JoinRequest]:
    query = (
        select(JoinRequest)
        .where(
            JoinRequest.status == JoinRequestStatus.PENDING.value,
            JoinRequest.decide_by <= _moment(now),
        )
        .order_by(JoinRequest.decide_by)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def decide_request(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    status: JoinRequestStatus,
    now: datetime | None = None,
) -> None:
    row = await session.get(JoinRequest, (chat_id, user_id), populate_existing=True)
    if row is not None and row.status == JoinRequestStatus.PENDING:
        row.status = status.value
        row.decided_at = _moment(now)
        await session.flush()


# --- codes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeCheck:
    matched: bool
    attempts_left: int
    expired: bool = False
    email_hash: str = ""
    email_shown: str = ""
    method: str = ""


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


async def store_code(
    session: AsyncSession,
    user_id: int,
    *,
    email: str,
    method: str,
    code: str,
    attempts: int,
    expires_at: datetime,
    now: datetime | None = None,
) -> None:
    """The person's new code (any earlier one stops working)."""
    row = await session.get(VerificationCode, user_id, populate_existing=True)
    if row is None:
        row = VerificationCode(user_id=user_id)
        session.add(row)
    row.email_hash = email_digest(email)
    row.email_shown = mask_email(email)
    row.method = method
    row.code_salt = secrets.token_hex(16)
    row.code_hash = _code_hash(row.code_salt, code)
    row.attempts_left = attempts
    row.sent_at = _moment(now)
    row.expires_at = as_utc(expires_at)
    await session.flush()


async def check_code(
    session: AsyncSession, user_id: int, code: str, now: datetime | None = None
) -> CodeCheck | None:
    """Try a code: a match uses it up; a miss uses up one attempt. None: no code was sent."""
    row = await session.get(VerificationCode, user_id, populate_existing=True)
    if row is None:
        return None
    if row.expires_at <= _moment(now):
        await session.delete(row)
        await session.flush()
        return CodeCheck(matched=False, attempts_left=0, expired=True)
    if hmac.compare_digest(row.code_hash, _code_hash(row.code_salt, code)):
        check = CodeCheck(
            True, row.attempts_left, False, row.email_hash, row.email_shown, row.method
        )
        await session.delete(row)
    else:
        row.attempts_left -= 1
        check = CodeCheck(matched=False, attempts_left=row.attempts_left)
        if row.attempts_left <= 0:
            await session.delete(row)
    await session.flush()
    return check


async def forget_code(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(VerificationCode).where(VerificationCode.user_id == user_id))


# --- verified members ------------------------------------------------------------------------


async def record_verification(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    *,
    method: str,
    email_hash: str | None,
    email_shown: str,
    expires_at: datetime | None,
    now: datetime | None = None,
) -> StaffVerification:
    """Verified (again) in this group: any earlier expiry or withdrawal is replaced."""
    await ensure_group(session, chat_id)
    row = await session.get(StaffVerification, (chat_id, user_id), populate_existing=True)
    if row is None:
        row = StaffVerification(chat_id=chat_id, user_id=user_id)
        session.add(row)
    row.method = method
    row.email_hash = email_hash
    row.email_shown = email_shown
    row.verified_at = _moment(now)
    row.expires_at = as_utc(expires_at) if expires_at else None
    row.expiry_told_at = None
    row.revoked_at = None
    row.revoked_reason = ""
    row.removed_at = None
    await session.flush()
    return row


def _in_force(now: datetime) -> Sequence[object]:
    return (
        StaffVerification.revoked_at.is_(None),
        or_(StaffVerification.expires_at.is_(None), StaffVerification.expires_at > now),
    )


async def verification_in_force(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> StaffVerification | None:
    """The person's newest verification (any group) not run out nor withdrawn."""
    query = (
        select(StaffVerification)
        .where(StaffVerification.user_id == user_id, *_in_force(_moment(now)))
        .order_by(StaffVerification.verified_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def verifications_of(session: AsyncSession, user_id: int) -> list[StaffVerification]:
    """Every group the person was verified for and not withdrawn from."""
    query = select(StaffVerification).where(
        StaffVerification.user_id == user_id, StaffVerification.revoked_at.is_(None)
    )
    return list((await session.scalars(query)).all())


async def verifications_in(
    session: AsyncSession, chat_id: int, user_ids: Iterable[int]
) -> list[StaffVerification]:
    query = select(StaffVerification).where(
        StaffVerification.chat_id == chat_id, StaffVerification.user_id.in_(list(user_ids))
    )
    return list((await session.scalars(query)).all())


async def run_out(
    session: AsyncSession, *, told: bool, now: datetime | None = None, limit: int = 100
) -> list[StaffVerification]:
    """Verifications that ran out: those whose member is still to be told, or (`told`)
    those whose member was told and not removed since."""
    query = select(StaffVerification).where(
        StaffVerification.revoked_at.is_(None), StaffVerification.expires_at <= _moment(now)
    )
    if told:
        query = query.where(
            StaffVerification.expiry_told_at.is_not(None), StaffVerification.removed_at.is_(None)
        )
    else:
        query = query.where(StaffVerification.expiry_told_at.is_(None))
    query = query.order_by(StaffVerification.expires_at).limit(limit)
    return list((await session.scalars(query)).all())


async def mark_expiry_told(
    session: AsyncSession, row: StaffVerification, now: datetime | None = None
) -> None:
    row.expiry_told_at = _moment(now)
    await session.flush()


async def revoke_verifications(
    session: AsyncSession,
    *,
    reason: str,
    user_id: int | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> list[StaffVerification]:
    """Withdraw every verification of this person (by Telegram id or work email)."""
    if (user_id is None) == (email is None):
        raise ValueError("give either a user id or an email address")
    query = select(StaffVerification).where(StaffVerification.revoked_at.is_(None))
    if user_id is not None:
        query = query.where(StaffVerification.user_id == user_id)
    else:
        query = query.where(StaffVerification.email_hash == email_digest(email or ""))
    rows = list((await session.scalars(query)).all())
    for row in rows:
        row.revoked_at = _moment(now)
        row.revoked_reason = reason[:200]
    await session.flush()
    return rows


async def is_email_withdrawn(session: AsyncSession, email: str) -> bool:
    """Whether a verification by this address was withdrawn (a leaver's address)."""
    query = select(StaffVerification.user_id).where(
        StaffVerification.email_hash == email_digest(email),
        StaffVerification.revoked_at.is_not(None),
    )
    return (await session.scalars(query.limit(1))).first() is not None


async def removals_due(session: AsyncSession, limit: int = 100) -> list[StaffVerification]:
    """Withdrawn verifications whose member the bot has not yet removed from the group."""
    query = (
        select(StaffVerification)
        .where(StaffVerification.revoked_at.is_not(None), StaffVerification.removed_at.is_(None))
        .order_by(StaffVerification.revoked_at)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def mark_removed(
    session: AsyncSession, row: StaffVerification, now: datetime | None = None
) -> None:
    row.removed_at = _moment(now)
    await session.flush()


# --- the roster ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterPerson:
    """One line of the trust's staff roster: a work email, a Telegram account, or both."""

    email: str | None = None
    telegram_user_id: int | None = None
    telegram_username: str | None = None


async def replace_roster(
    session: AsyncSession, people: Sequence[RosterPerson], now: datetime | None = None
) -> None:
    """The roster is the trust's current list: the new one replaces the old one whole."""
    await session.execute(delete(RosterEntry))
    moment = _moment(now)
    session.add_all(
        RosterEntry(
            email_hash=email_digest(person.email) if person.email else None,
            email_shown=mask_email(person.email) if person.email else "",
            telegram_user_id=person.telegram_user_id,
            telegram_username=(person.telegram_username or "").casefold() or None,
            imported_at=moment,
        )
        for person in people
    )
    await session.flush()


async def roster_has_account(session: AsyncSession, user_id: int, username: str | None) -> bool:
    match = RosterEntry.telegram_user_id == user_id
    if username:
        match = or_(match, RosterEntry.telegram_username == username.casefold())
    query = select(RosterEntry.id).where(match).limit(1)
    return (await session.scalars(query)).first() is not None


async def roster_has_email(session: AsyncSession, email: str) -> bool:
    query = select(RosterEntry.id).where(RosterEntry.email_hash == email_digest(email)).limit(1)
    return (await session.scalars(query)).first() is not None


async def roster_entries(session: AsyncSession) -> list[RosterEntry]:
    return list((await session.scalars(select(RosterEntry).order_by(RosterEntry.id))).all())
