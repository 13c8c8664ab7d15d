"""Originals and redacted incidents are purged once older than their configured periods."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.config import load_settings
from bot.storage.audit import list_audit
from bot.storage.incidents import get_incident, record_incident, record_outcome
from bot.storage.models import (
    ActionKind,
    AuditAction,
    IncidentCategory,
    IncidentFinding,
    Outcome,
    Strike,
)
from bot.storage.moderation import add_strike, hold_post
from bot.storage.quarantine import Quarantine, generate_key, has_original, store_original
from bot.storage.retention import RetentionPolicy, purge_expired
from tests.storage.samples import ORIGINAL, make_post, make_verdict, moment

NOW = moment(31)
POLICY = RetentionPolicy(original_days=30, incident_days=365)


async def _incident(database, quarantine: Quarantine, *, age_days: float) -> int:
    when = NOW - timedelta(days=age_days)
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(sent_at=when), make_verdict(), now=when)
        await store_original(session, quarantine, incident.id, ORIGINAL, now=when)
        await record_outcome(session, incident.id, ActionKind.DELETE_MESSAGE, Outcome.DONE)
        await add_strike(session, incident.id, now=when)
        await hold_post(session, incident.id, now=when)
    return incident.id


async def _count(session, model) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)))


async def test_originals_go_after_their_days_and_incidents_stay(database) -> None:
    quarantine = Quarantine([generate_key()])
    fresh = await _incident(database, quarantine, age_days=29)
    stale = await _incident(database, quarantine, age_days=31)
    async with database.transaction() as session:
        report = await purge_expired(session, POLICY, now=NOW)
    async with database.transaction() as session:
        assert await has_original(session, fresh)
        assert not await has_original(session, stale)
        assert (await get_incident(session, stale)).redacted_text
        trail = await list_audit(session, action=AuditAction.PURGED)
    assert (report.originals, report.incidents) == (1, 0)
    assert len(trail) == 1


async def test_old_incidents_go_with_their_details_but_strikes_and_audit_stay(database) -> None:
    quarantine = Quarantine([generate_key()])
    kept = await _incident(database, quarantine, age_days=364)
    await _incident(database, quarantine, age_days=366)
    async with database.transaction() as session:
        report = await purge_expired(session, POLICY, now=NOW)
    assert (report.originals, report.incidents) == (2, 1)
    async with database.transaction() as session:
        assert await _count(session, IncidentCategory) == 2  # the kept incident's two
        assert await _count(session, IncidentFinding) == 2
        strikes = (await session.scalars(select(Strike).order_by(Strike.id))).all()
        assert [strike.incident_id for strike in strikes] == [kept, None]
        assert await get_incident(session, kept)


async def test_nothing_to_purge_leaves_no_audit_noise(database) -> None:
    async with database.transaction() as session:
        report = await purge_expired(session, POLICY, now=NOW)
        assert (report.originals, report.incidents) == (0, 0)
        assert await list_audit(session) == []


def test_policy_comes_from_settings_and_refuses_zero_days() -> None:
    settings = load_settings(quarantine_retention_days=7, incident_retention_days=90)
    assert RetentionPolicy.from_settings(settings) == RetentionPolicy(7, 90)
    assert RetentionPolicy() == RetentionPolicy(original_days=30, incident_days=730)
    with pytest.raises(ValueError, match="at least one day"):
        RetentionPolicy(original_days=0)
