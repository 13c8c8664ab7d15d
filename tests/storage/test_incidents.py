"""Recording incidents, the outcome of each action, reviews, and the filtered newest-first list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.moderation.taxonomy import Action
from bot.storage.audit import list_audit
from bot.storage.errors import NotFound, ReasonRequired
from bot.storage.groups import get_group, name_group
from bot.storage.incidents import (
    IncidentFilter,
    count_incidents,
    find_incident_for_message,
    find_incident_id,
    get_incident,
    insert_incident,
    list_incidents,
    list_outcomes,
    record_incident,
    record_outcome,
    record_outcomes,
    set_incident_status,
)
from bot.storage.models import ActionKind, AuditAction, IncidentStatus, Outcome
from bot.storage.moderation import add_strike, count_strikes
from tests.storage.samples import (
    CHAT_ID,
    POSTER_ID,
    REDACTED,
    make_post,
    make_verdict,
    moment,
)


async def test_an_incident_keeps_what_admins_need_and_reads_back_in_utc(database) -> None:
    async with database.transaction() as session:
        recorded = await record_incident(session, make_post(message_id=77), make_verdict())
    async with database.transaction() as session:
        incident = await get_incident(session, recorded.id)
    assert (incident.chat_id, incident.poster_id, incident.message_id) == (CHAT_ID, POSTER_ID, 77)
    assert incident.action == Action.REMOVE
    assert incident.status == IncidentStatus.OPEN
    assert incident.redacted_text == REDACTED
    assert incident.category_names == ("patient.nhs_number", "patient.name")
    assert [(f.rule, f.confidence) for f in incident.findings] == [
        ("patient.nhs_number.rule", pytest.approx(0.9)),
        ("patient.name.rule", pytest.approx(0.8)),
    ]
    assert incident.occurred_at == moment(1)
    assert incident.occurred_at.tzinfo is not None
    assert incident.occurred_at.utcoffset() == timedelta(0)


async def test_the_time_is_stored_as_the_same_instant_whatever_zone_it_came_in(database) -> None:
    plus_two = datetime(2025, 3, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    async with database.transaction() as session:
        recorded = await record_incident(session, make_post(sent_at=plus_two), make_verdict())
    async with database.transaction() as session:
        incident = await get_incident(session, recorded.id)
    assert incident.occurred_at == moment(1, 12)
    assert incident.occurred_at.tzinfo == UTC


async def test_an_incident_in_a_group_never_seen_creates_the_group(database) -> None:
    async with database.transaction() as session:
        await record_incident(session, make_post(chat_id=-100777), make_verdict())
    async with database.transaction() as session:
        group = await get_group(session, -100777)
    assert group.title == ""


async def test_an_incident_needs_its_chat(database) -> None:
    post = make_post()
    orphan = type(post)(text=post.text, chat_id=None)
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="chat"):
            await record_incident(session, orphan, make_verdict())


async def test_unknown_incident_is_a_clear_not_found(database) -> None:
    async with database.transaction() as session:
        with pytest.raises(NotFound, match="no incident with id 999"):
            await get_incident(session, 999)
        with pytest.raises(NotFound):
            await record_outcome(session, 999, ActionKind.DELETE_MESSAGE, Outcome.DONE)
        with pytest.raises(NotFound):
            await set_incident_status(
                session, 999, IncidentStatus.UPHELD, actor="cli:alice", reason="reviewed"
            )


async def test_every_action_outcome_is_kept_in_order_with_why_it_failed(database) -> None:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        await record_outcome(
            session,
            incident.id,
            ActionKind.DELETE_MESSAGE,
            Outcome.FAILED,
            "Bad Request: message can't be deleted",
            now=moment(1, 12),
        )
        await record_outcome(
            session, incident.id, ActionKind.ASK_ADMINS_TO_DELETE, Outcome.DONE, now=moment(1, 13)
        )
        await record_outcome(
            session, incident.id, ActionKind.NOTIFY_POSTER, Outcome.SKIPPED, "poster blocked bot"
        )
    async with database.transaction() as session:
        outcomes = await list_outcomes(session, incident.id)
    assert [(o.kind, o.outcome, o.detail) for o in outcomes] == [
        ("delete_message", "failed", "Bad Request: message can't be deleted"),
        ("ask_admins_to_delete", "done", ""),
        ("notify_poster", "skipped", "poster blocked bot"),
    ]


async def test_a_review_is_audited_and_release_revokes_the_strike(database) -> None:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        await add_strike(session, incident.id)
    async with database.transaction() as session:
        assert await count_strikes(session, POSTER_ID) == 1
        await set_incident_status(
            session,
            incident.id,
            IncidentStatus.RELEASED,
            actor="telegram:1001",
            reason="ward name, not a patient",
        )
    async with database.transaction() as session:
        reviewed = await get_incident(session, incident.id)
        assert await count_strikes(session, POSTER_ID) == 0
        trail = await list_audit(session, incident_id=incident.id)
    assert reviewed.status == IncidentStatus.RELEASED
    assert reviewed.status_changed_at is not None
    assert [(e.event, e.actor, e.reason) for e in trail] == [
        (AuditAction.STATUS_CHANGED, "telegram:1001", "ward name, not a patient")
    ]
    assert json.loads(trail[0].detail) == {"from": "open", "to": "released"}


async def test_a_review_needs_a_reason(database) -> None:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        with pytest.raises(ReasonRequired):
            await set_incident_status(
                session, incident.id, IncidentStatus.UPHELD, actor="cli:alice", reason="  "
            )
        assert (await get_incident(session, incident.id)).status == IncidentStatus.OPEN


async def _seed_for_lists(database) -> dict[str, int]:
    """Six incidents across two groups, two posters, three days and several categories."""
    rows = [
        # name, chat, poster, day, hour, action, categories
        ("a", CHAT_ID, 1, 1, 9, Action.REMOVE, ("patient.nhs_number",)),
        ("b", CHAT_ID, 2, 1, 10, Action.SIGNPOST, ("clinical.advice",)),
        ("c", -100222, 1, 2, 9, Action.REMOVE, ("patient.name", "patient.dob")),
        ("d", CHAT_ID, 1, 2, 9, Action.FLAG, ("patient.name",)),
        ("e", -100222, 2, 3, 8, Action.HOLD, ("conduct.charity",)),
        ("f", CHAT_ID, 2, 3, 20, Action.REMOVE, ("conduct.abuse", "patient.name")),
    ]
    ids: dict[str, int] = {}
    async with database.transaction() as session:
        for name, chat, poster, day, hour, action, categories in rows:
            post = make_post(chat_id=chat, poster_id=poster, sent_at=moment(day, hour))
            incident = await record_incident(
                session, post, make_verdict(*categories, action=action)
            )
            ids[name] = incident.id
        await set_incident_status(
            session, ids["d"], IncidentStatus.ESCALATED, actor="cli:ig", reason="possible breach"
        )
    return ids


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (IncidentFilter(), "f e d c b a"),
        (IncidentFilter(chat_id=CHAT_ID), "f d b a"),
        (IncidentFilter(poster_id=1), "d c a"),
        (IncidentFilter(category="patient.name"), "f d c"),
        (IncidentFilter(category="patient.dob"), "c"),
        (IncidentFilter(category="conduct.sexual"), ""),
        (IncidentFilter(action=Action.REMOVE), "f c a"),
        (IncidentFilter(status=IncidentStatus.ESCALATED), "d"),
        (IncidentFilter(since=moment(2, 0)), "f e d c"),
        (IncidentFilter(until=moment(2, 0)), "b a"),
        (IncidentFilter(since=moment(2, 0), until=moment(3, 0)), "d c"),
        (IncidentFilter(chat_id=CHAT_ID, category="patient.name", action=Action.REMOVE), "f"),
        (IncidentFilter(chat_id=-100222, poster_id=2, status=IncidentStatus.OPEN), "e"),
    ],
)
async def test_list_filters_newest_first(database, filters, expected) -> None:
    ids = await _seed_for_lists(database)
    names = {incident_id: name for name, incident_id in ids.items()}
    async with database.transaction() as session:
        listed = await list_incidents(session, filters)
        total = await count_incidents(session, filters)
    assert " ".join(names[incident.id] for incident in listed) == expected
    assert total == len(expected.split())


async def test_same_time_incidents_are_ordered_by_id_and_paging_never_repeats(database) -> None:
    ids = await _seed_for_lists(database)
    async with database.transaction() as session:
        pages = [await list_incidents(session, limit=4, offset=offset) for offset in (0, 4, 8)]
    flat = [incident.id for page in pages for incident in page]
    assert [len(page) for page in pages] == [4, 2, 0]
    assert len(set(flat)) == 6
    # c and d happened at the same moment: the later recorded comes first.
    assert flat.index(ids["d"]) < flat.index(ids["c"])


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (501, 0), (10, -1)])
async def test_list_refuses_silly_pages(database, limit, offset) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match=r"limit|offset"):
            await list_incidents(session, limit=limit, offset=offset)


async def test_filters_refuse_naive_times(database) -> None:
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="naive"):
            await list_incidents(session, IncidentFilter(since=moment(1).replace(tzinfo=None)))


async def test_a_message_version_is_recorded_once(database) -> None:
    post = make_post(message_id=7001)
    async with database.transaction() as session:
        first = await record_incident(session, post, make_verdict())
    async with database.transaction() as session:
        found = await find_incident_for_message(session, post.chat_id, 7001)
        assert found is not None
        assert found.id == first.id
        assert await find_incident_for_message(session, post.chat_id, 7001, revision=5) is None
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await record_incident(session, post, make_verdict())


async def test_the_enforcers_insert_writes_what_record_incident_does_once(database) -> None:
    post = make_post(message_id=7101)
    async with database.transaction() as session:
        await name_group(session, post.chat_id, "Ward 7")
        incident_id = await insert_incident(session, post, make_verdict())
        assert incident_id is not None
        assert await insert_incident(session, post, make_verdict()) is None  # already there
        assert await find_incident_id(session, post.chat_id, 7101) == incident_id
        assert await find_incident_id(session, post.chat_id, 7101, revision=5) is None
    async with database.transaction() as session:
        incident = await get_incident(session, incident_id)
    assert (incident.chat_id, incident.poster_id, incident.message_id) == (CHAT_ID, POSTER_ID, 7101)
    assert (incident.action, incident.status) == (Action.REMOVE, IncidentStatus.OPEN)
    assert incident.redacted_text == REDACTED
    assert incident.occurred_at == moment(1)
    assert incident.category_names == ("patient.nhs_number", "patient.name")
    assert [(f.rule, f.start, f.end) for f in incident.findings] == [
        ("patient.nhs_number.rule", 0, 3),
        ("patient.name.rule", 4, 7),
    ]


async def test_outcomes_recorded_together_keep_their_order(database) -> None:
    async with database.transaction() as session:
        incident = await record_incident(session, make_post(), make_verdict())
        await record_outcomes(
            session,
            incident.id,
            [
                (ActionKind.NOTIFY_POSTER, Outcome.DONE, "sent privately", moment(2)),
                (ActionKind.ALERT_ADMINS, Outcome.STARTED, "", moment(2)),
            ],
        )
        await record_outcomes(session, incident.id, [])
    async with database.transaction() as session:
        outcomes = await list_outcomes(session, incident.id)
    assert [(o.kind, o.outcome, o.detail) for o in outcomes] == [
        (ActionKind.NOTIFY_POSTER, Outcome.DONE, "sent privately"),
        (ActionKind.ALERT_ADMINS, Outcome.STARTED, ""),
    ]
    assert outcomes[0].attempted_at == moment(2)
