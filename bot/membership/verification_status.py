"""Whether members are verified staff: the interface the member views read.

Staff verification (work-email codes, the trust's roster, expiry and
revocation) fills this in; until then every member is "unknown". The views
call `verification_statuses` once per group with every member they show, so
an implementation can answer with one query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


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
    return {}
