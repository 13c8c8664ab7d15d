"""Retention: originals and redacted incidents are deleted once they are older than configured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage.audit import record_audit
from bot.storage.columns import as_utc, utc_now
from bot.storage.models import AuditAction, Incident, QuarantinedOriginal


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    original_days: int = 30
    incident_days: int = 730

    def __post_init__(self) -> None:
        if self.original_days < 1 or self.incident_days < 1:
            raise ValueError("retention periods must be at least one day")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            original_days=settings.quarantine_retention_days,
            incident_days=settings.incident_retention_days,
        )


@dataclass(frozen=True, slots=True)
class PurgeReport:
    originals: int
    incidents: int


async def purge_expired(
    session: AsyncSession,
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
    actor: str = "system",
) -> PurgeReport:
    """Delete originals kept longer than `original_days`, incidents older than `incident_days`.

    Deleting an incident deletes its findings, outcomes, original and hold with
    it; its strikes stay (unlinked) and the audit trail is kept.
    """
    moment = as_utc(now) if now else utc_now()
    originals = await session.execute(
        delete(QuarantinedOriginal).where(
            QuarantinedOriginal.stored_at < moment - timedelta(days=policy.original_days)
        )
    )
    incidents = await session.execute(
        delete(Incident).where(Incident.occurred_at < moment - timedelta(days=policy.incident_days))
    )
    report = PurgeReport(originals=originals.rowcount, incidents=incidents.rowcount)
    if report.originals or report.incidents:
        await record_audit(
            session,
            actor=actor,
            action=AuditAction.PURGED,
            detail={"originals": report.originals, "incidents": report.incidents},
            now=moment,
        )
    return report
