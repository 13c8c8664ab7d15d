"""Whether members are verified staff, as the member views show it.

The views call `verification_statuses` once per group with every member they
show; it answers with one query. A member with no verification recorded is
"unknown" (the group may not require it, or they joined before it did).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import utc_now
from bot.storage.models import StaffVerification
from bot.storage.verification import verifications_in


@dataclass(frozen=True, slots=True)
class VerificationStatus:
    # "verified", "unverified", "expired", "revoked" or "unknown" (nothing recorded)
    state: str
    until: datetime | None = None  # when a verification runs out
    method: str = ""  # how they were verified: "email", "roster"

    @property
    def label(self) -> str:
        """One short cell for a table: 'verified (email, until 2026-03-01)'."""
        facts = [self.method] if self.method else []
        if self.until is not None:
            facts.append(f"until {self.until:%Y-%m-%d}")
        return f"{self.state} ({', '.join(facts)})" if facts else self.state


UNKNOWN = VerificationStatus("unknown")


async def verification_statuses(
    session: AsyncSession, chat_id: int, user_ids: Sequence[int]
) -> Mapping[int, VerificationStatus]:
    """Each member's verification in the group; a member left out is `UNKNOWN`."""
    now = utc_now()
    return {
        row.user_id: _status(row, now) for row in await verifications_in(session, chat_id, user_ids)
    }


def _status(row: StaffVerification, now: datetime) -> VerificationStatus:
    if row.revoked_at is not None:
        return VerificationStatus("revoked", None, row.method)
    if row.expires_at is not None and row.expires_at <= now:
        return VerificationStatus("expired", row.expires_at, row.method)
    return VerificationStatus("verified", row.expires_at, row.method)
