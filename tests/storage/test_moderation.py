"""Posts held for approval, and strikes against posters."""

from __future__ import annotations

import pytest

from bot.moderation.taxonomy import Action
from bot.storage.audit import list_audit
from bot.storage.errors import NotFound, ReasonRequired
from bot.storage.incidents import record_incident
from bot.storage.models import AuditAction, HoldStatus
from bot.storage.moderation import (
    AlreadyDecided,
    add_strike,
    count_strikes,
    decide_held_post,
    get_held_post,
    give_strike,
    hold_post,
    list_held_posts,
)
from tests.storage.samples import CHAT_ID, POSTER_ID, make_post, make_verdict, moment


async def _held(database, chat_id: int = CHAT_ID, day: int = 1) -> int:
    async with database.transaction() as session:
        incident = await record_incident(
            session,
            make_post(chat_id=chat_id, text="Sponsor me for the 10k!"),
            make_verdict("conduct.charity", action=Action.HOLD, redacted="Sponsor me for the 10k!"),
        )
        await hold_post(session, incident.id, now=moment(day))
    return incident.id


async def test_held_posts_wait_oldest_first_until_decided(database) -> None:
    later = await _held(database, day=2)
    earlier = await _held(database, day=1)
    elsewhere = await _held(database, chat_id=-100999, day=3)
    async with database.transaction() as session:
        pending = [held.incident_id for held in await list_held_posts(session)]
        here = [held.incident_id for held in await list_held_posts(session, chat_id=CHAT_ID)]
        decided = await decide_held_post(
            session, earlier, approve=True, actor="telegram:9", reason="charity approved by comms"
        )
    assert pending == [earlier, later, elsewhere]
    assert here == [earlier, later]
    assert (decided.status, decided.decided_by) == (HoldStatus.APPROVED, "telegram:9")
    async with database.transaction() as session:
        assert [h.incident_id for h in await list_held_posts(session)] == [later, elsewhere]
        approved = await list_held_posts(session, status=HoldStatus.APPROVED)
        trail = await list_audit(session, incident_id=earlier)
    assert [held.incident_id for held in approved] == [earlier]
    assert [(e.event, e.reason) for e in trail] == [
        (AuditAction.HOLD_DECIDED, "charity approved by comms")
    ]


async def test_a_hold_is_decided_once_and_with_a_reason(database) -> None:
    incident_id = await _held(database)
    async with database.transaction() as session:
        with pytest.raises(ReasonRequired):
            await decide_held_post(session, incident_id, approve=False, actor="t:1", reason="")
        await decide_held_post(session, incident_id, approve=False, actor="t:1", reason="not ok")
        with pytest.raises(AlreadyDecided, match="rejected"):
            await decide_held_post(session, incident_id, approve=True, actor="t:2", reason="oops")
        assert (await get_held_post(session, incident_id)).status == HoldStatus.REJECTED


async def test_unknown_holds_are_not_found(database) -> None:
    async with database.transaction() as session:
        with pytest.raises(NotFound):
            await hold_post(session, 31337)
        with pytest.raises(NotFound, match="held post"):
            await get_held_post(session, 31337)


async def test_strikes_count_per_poster_per_group_and_since(database) -> None:
    async with database.transaction() as session:
        for chat_id, day in [(CHAT_ID, 1), (CHAT_ID, 5), (-100333, 6)]:
            incident = await record_incident(session, make_post(chat_id=chat_id), make_verdict())
            strike = await add_strike(session, incident.id, now=moment(day))
        assert strike.category == "patient.nhs_number"
        assert await count_strikes(session, POSTER_ID) == 3
        assert await count_strikes(session, POSTER_ID, chat_id=CHAT_ID) == 2
        assert await count_strikes(session, POSTER_ID, since=moment(5)) == 2
        assert await count_strikes(session, POSTER_ID + 1) == 0


async def test_no_strike_without_a_known_poster(database) -> None:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(poster_id=None), make_verdict())
        with pytest.raises(ValueError, match="no known poster"):
            await add_strike(session, incident.id)


async def test_a_strike_count_can_stop_at_an_incidents_own_strike(database) -> None:
    async with database.transaction() as session:
        given = []
        for day in (1, 2, 3):
            incident = await record_incident(session, make_post(), make_verdict())
            await give_strike(
                session,
                incident_id=incident.id,
                chat_id=CHAT_ID,
                poster_id=POSTER_ID,
                category="patient.nhs_number",
                now=moment(day),
            )
            given.append(incident.id)
        unstruck = await record_incident(session, make_post(), make_verdict())
        counts = [
            await count_strikes(session, POSTER_ID, chat_id=CHAT_ID, through_incident=incident_id)
            for incident_id in given
        ]
        assert counts == [1, 2, 3]
        assert (
            await count_strikes(
                session, POSTER_ID, chat_id=CHAT_ID, since=moment(2), through_incident=given[1]
            )
            == 1
        )
        # An incident without a strike of its own counts them all.
        assert await count_strikes(session, POSTER_ID, through_incident=unstruck.id) == 3
