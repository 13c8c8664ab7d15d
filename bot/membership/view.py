"""One group's members for admins: agreed (which version), pending (since when), strikes, verified.

`/members` in Telegram and `staffguard members` print the same rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.membership.verification_status import (
    UNKNOWN,
    VerificationStatus,
    verification_statuses,
)
from bot.storage.columns import utc_now
from bot.storage.groups import list_members
from bot.storage.members import list_agreements, strikes_by_member
from bot.storage.models import AgreementStatus, MemberAgreement

NOT_ASKED = "not asked"  # seen in the group, never asked (there before the gate, say)
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class MemberRow:
    user_id: int
    name: str
    username: str | None
    state: str  # an AgreementStatus value, "not asked" or "admin"
    agreed_version: str | None
    agreed_at: datetime | None
    pending_since: datetime | None
    asked_because: str | None
    asked_where: str
    strikes: int
    verified: VerificationStatus

    @property
    def state_detail(self) -> str:
        """The state in a few words: 'agreed to 1a2b3c4d on 2025-03-01'."""
        if self.state == AgreementStatus.PENDING and self.pending_since is not None:
            why = {"added": ", added by someone", "code_changed": ", code changed"}
            extra = why.get(self.asked_because or "", "")
            return f"pending since {self.pending_since:%Y-%m-%d %H:%M} UTC{extra}"
        if self.state == AgreementStatus.AGREED and self.agreed_at is not None:
            return f"agreed to {self.agreed_version} on {self.agreed_at:%Y-%m-%d}"
        if self.agreed_version and self.state not in (NOT_ASKED, ADMIN):
            return f"{self.state} (last agreed to {self.agreed_version})"
        return self.state

    def as_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "name": self.name,
            "username": self.username,
            "state": self.state,
            "agreed_version": self.agreed_version,
            "agreed_at": _iso(self.agreed_at),
            "pending_since": _iso(self.pending_since),
            "asked_because": self.asked_because,
            "asked_where": self.asked_where or None,
            "strikes": self.strikes,
            "verified": self.verified.state,
            "verified_until": _iso(self.verified.until),
        }


async def member_rows(
    session: AsyncSession,
    chat_id: int,
    *,
    strike_window_days: int,
    admins: Mapping[int, tuple[str, str | None]] | None = None,
    now: datetime | None = None,
) -> list[MemberRow]:
    """Everyone the bot knows in the group: pending first (oldest first), then by name.

    `admins` (user id to name and username, fresh from Telegram) adds the group's
    admins, who are never asked to agree; without it, the admins are those the bot
    last saw as admins.
    """
    since = (now or utc_now()) - timedelta(days=strike_window_days)
    seen = {member.user_id: member for member in await list_members(session, chat_id)}
    agreements = {row.user_id: row for row in await list_agreements(session, chat_id)}
    strikes = await strikes_by_member(session, chat_id, since=since)
    user_ids = sorted(set(seen) | set(agreements) | set(strikes) | set(admins or {}))
    verified = await verification_statuses(session, chat_id, user_ids)
    rows = []
    for user_id in user_ids:
        member, agreement = seen.get(user_id), agreements.get(user_id)
        admin_name, admin_username = (admins or {}).get(user_id, ("", None))
        is_admin = user_id in admins if admins is not None else bool(member and member.is_admin)
        rows.append(
            MemberRow(
                user_id=user_id,
                name=(member.display_name if member else None) or admin_name,
                username=(member.username if member else None) or admin_username,
                state=_state(agreement, is_admin),
                agreed_version=agreement.agreed_version if agreement else None,
                agreed_at=agreement.agreed_at if agreement else None,
                pending_since=agreement.pending_since if agreement else None,
                asked_because=agreement.asked_because if agreement else None,
                asked_where=agreement.asked_where if agreement else "",
                strikes=strikes.get(user_id, 0),
                verified=verified.get(user_id, UNKNOWN),
            )
        )
    rows.sort(key=_order)
    return rows


def _state(agreement: MemberAgreement | None, is_admin: bool) -> str:
    if is_admin and (agreement is None or agreement.status != AgreementStatus.PENDING):
        return ADMIN
    return agreement.status if agreement else NOT_ASKED


def _order(row: MemberRow) -> tuple[int, str, str, int]:
    pending = row.state == AgreementStatus.PENDING
    since = row.pending_since.isoformat() if pending and row.pending_since else ""
    return (0 if pending else 1, since, row.name.casefold(), row.user_id)


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def summary(rows: list[MemberRow]) -> str:
    """'5 members: 3 agreed, 1 pending, 1 not asked.'"""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    parts = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    noun = "member" if len(rows) == 1 else "members"
    return f"{len(rows)} {noun}: {parts}." if rows else "No members recorded yet."


def who(row: MemberRow) -> str:
    """'Cara (@cara, 300)': the name, the username and the Telegram id."""
    handle = f"@{row.username}, " if row.username else ""
    return f"{row.name or 'unknown name'} ({handle}{row.user_id})"


def row_line(row: MemberRow) -> str:
    """One member on one line, for a chat message."""
    return (
        f"- {who(row)}: {row.state_detail} · strikes: {row.strikes} · "
        f"verified: {row.verified.label}"
    )
