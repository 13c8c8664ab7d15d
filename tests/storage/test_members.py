"""Members' agreement to the code of conduct: pending with deadlines, agreed, and the trail."""

from __future__ import annotations

from bot.membership.view import member_rows, summary
from bot.storage.groups import note_member
from bot.storage.incidents import record_incident
from bot.storage.members import (
    Deadlines,
    agreed_to_other_versions,
    chats_with_agreements,
    due_reminders,
    due_removals,
    get_agreement,
    list_agreements,
    list_member_steps,
    mark_agreed,
    mark_asked,
    mark_closed,
    mark_reminded,
    next_deadline,
    record_member_step,
    start_pending,
    strikes_by_member,
    unasked,
)
from bot.storage.models import AgreementStatus, AskedBecause, AuditAction
from bot.storage.moderation import add_strike
from tests.storage.samples import CHAT_ID, POSTER_ID, make_post, make_verdict, moment

NEWCOMER, ADDED, ADDER = 301, 302, 303
OTHER_CHAT = -1009876


async def test_a_newcomer_is_pending_until_they_agree_and_keeps_the_version(database) -> None:
    async with database.transaction() as session:
        row = await start_pending(
            session,
            CHAT_ID,
            NEWCOMER,
            because=AskedBecause.JOINED,
            version="v1hash",
            deadlines=Deadlines(remind_at=moment(2), remove_at=moment(8)),
            now=moment(1),
        )
        assert await unasked(session) == [row]
        await mark_asked(session, row, where="group", prompt_message_id=17, now=moment(1, 13))
    async with database.transaction() as session:
        assert await unasked(session) == []
        row = await get_agreement(session, CHAT_ID, NEWCOMER)
        assert row is not None
        assert (row.status, row.asked_where, row.prompt_message_id) == ("pending", "group", 17)
        assert row.pending_since == moment(1)
        await mark_agreed(session, row, version="v1hash", now=moment(3))
    async with database.transaction() as session:
        row = await get_agreement(session, CHAT_ID, NEWCOMER)
        assert row is not None
        assert (row.status, row.agreed_version, row.agreed_at) == ("agreed", "v1hash", moment(3))
        assert (row.remind_at, row.remove_at, row.prompt_message_id) == (None, None, None)
        assert await get_agreement(session, CHAT_ID, ADDED) is None


async def test_deadlines_come_due_in_order_and_closing_clears_them(database) -> None:
    async with database.transaction() as session:
        first = await start_pending(
            session,
            CHAT_ID,
            NEWCOMER,
            because=AskedBecause.JOINED,
            version="v1",
            deadlines=Deadlines(remind_at=moment(2), remove_at=moment(8)),
        )
        await start_pending(
            session,
            CHAT_ID,
            ADDED,
            because=AskedBecause.ADDED,
            added_by=ADDER,
            version="v1",
            deadlines=Deadlines(remind_at=None, remove_at=moment(3)),
        )
        assert await next_deadline(session) == moment(2)
        assert await due_reminders(session, moment(1)) == []
        assert [row.user_id for row in await due_reminders(session, moment(2))] == [NEWCOMER]
        assert [row.user_id for row in await due_removals(session, moment(9))] == [ADDED, NEWCOMER]
        await mark_reminded(session, first, prompt_message_id=None, now=moment(2))
        assert await next_deadline(session) == moment(3)
        assert await due_reminders(session, moment(9)) == []
        await mark_closed(session, first, AgreementStatus.LEFT)
        assert [row.user_id for row in await due_removals(session, moment(9))] == [ADDED]
        added = await get_agreement(session, CHAT_ID, ADDED)
        assert added is not None
        assert (added.asked_because, added.added_by) == ("added", ADDER)
        await mark_closed(session, added, AgreementStatus.DECLINED)
        assert await next_deadline(session) is None


async def test_members_who_agreed_to_another_version_are_found_per_group(database) -> None:
    async with database.transaction() as session:
        for chat_id, user_id, version in (
            (CHAT_ID, NEWCOMER, "old"),
            (CHAT_ID, ADDED, "new"),
            (OTHER_CHAT, NEWCOMER, "old"),
        ):
            row = await start_pending(
                session,
                chat_id,
                user_id,
                because=AskedBecause.JOINED,
                version=version,
                deadlines=Deadlines(None, None),
            )
            await mark_agreed(session, row, version=version)
        outdated = await agreed_to_other_versions(session, CHAT_ID, "new")
        assert [(row.chat_id, row.user_id) for row in outdated] == [(CHAT_ID, NEWCOMER)]
        assert await chats_with_agreements(session) == sorted([CHAT_ID, OTHER_CHAT])
        assert [row.user_id for row in await list_agreements(session, CHAT_ID)] == [
            NEWCOMER,
            ADDED,
        ]
        # Asked again: still remembered as having agreed to the old version.
        again = await start_pending(
            session,
            CHAT_ID,
            NEWCOMER,
            because=AskedBecause.CODE_CHANGED,
            version="new",
            deadlines=Deadlines(None, None),
        )
        assert (again.status, again.agreed_version, again.asked_version) == (
            "pending",
            "old",
            "new",
        )


async def test_each_step_is_in_the_audit_trail_by_group_and_member(database) -> None:
    async with database.transaction() as session:
        await record_member_step(
            session, AuditAction.MEMBER_RESTRICTED, CHAT_ID, NEWCOMER, now=moment(1)
        )
        await record_member_step(
            session,
            AuditAction.MEMBER_AGREED,
            CHAT_ID,
            NEWCOMER,
            actor=f"telegram:{NEWCOMER}",
            detail={"version": "v1"},
            now=moment(2),
        )
        await record_member_step(session, AuditAction.MEMBER_ASKED, CHAT_ID, ADDED, now=moment(3))
        # Another group whose id starts with this one's digits is not mixed in.
        await record_member_step(
            session, AuditAction.MEMBER_ASKED, CHAT_ID * 10, NEWCOMER, now=moment(4)
        )
    async with database.transaction() as session:
        steps = await list_member_steps(session, CHAT_ID)
        assert [(step.event, step.actor) for step in steps] == [
            ("member.asked", "staffguard"),
            ("member.agreed", f"telegram:{NEWCOMER}"),
            ("member.restricted", "staffguard"),
        ]
        mine = await list_member_steps(session, CHAT_ID, user_id=NEWCOMER)
        assert [step.event for step in mine] == ["member.agreed", "member.restricted"]
        assert '"version": "v1"' in mine[0].detail


async def test_the_member_view_joins_members_agreements_strikes_and_verification(
    database,
) -> None:
    async with database.transaction() as session:
        await note_member(session, CHAT_ID, POSTER_ID, display_name="Ben", username="ben")
        await note_member(session, CHAT_ID, ADDER, display_name="Amira", is_admin=True)
        for day in (1, 2):
            post = make_post(poster_id=POSTER_ID, sent_at=moment(day))
            incident = await record_incident(session, post, make_verdict(), now=moment(day))
            await add_strike(session, incident.id, now=moment(day))
        pending = await start_pending(
            session,
            CHAT_ID,
            NEWCOMER,
            because=AskedBecause.ADDED,
            added_by=ADDER,
            version="v1",
            deadlines=Deadlines(None, moment(9)),
            now=moment(3),
        )
        await mark_asked(session, pending, where="group", prompt_message_id=5)
        assert await strikes_by_member(session, CHAT_ID) == {POSTER_ID: 2}
        assert await strikes_by_member(session, CHAT_ID, since=moment(2)) == {POSTER_ID: 1}
        rows = await member_rows(session, CHAT_ID, strike_window_days=60, now=moment(3))
    by_id = {row.user_id: row for row in rows}
    assert rows[0].user_id == NEWCOMER  # pending first
    assert by_id[NEWCOMER].state_detail == "pending since 2025-03-03 12:00 UTC, added by someone"
    assert by_id[ADDER].state == "admin"
    assert (by_id[POSTER_ID].state, by_id[POSTER_ID].strikes) == ("not asked", 2)
    assert {row.verified.state for row in rows} == {"unknown"}
    assert summary(rows) == "3 members: 1 admin, 1 not asked, 1 pending."
