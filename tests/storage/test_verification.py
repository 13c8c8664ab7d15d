"""Staff verification records, on SQLite and PostgreSQL: codes, verifications, the roster."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.membership.verification_status import verification_statuses
from bot.storage.models import JoinRequestStatus, StaffVerification, VerificationCode
from bot.storage.verification import (
    RosterPerson,
    check_code,
    decide_request,
    email_digest,
    is_email_withdrawn,
    mark_removed,
    overdue_requests,
    pending_requests,
    record_join_request,
    record_verification,
    removals_due,
    replace_roster,
    revoke_verifications,
    roster_has_account,
    roster_has_email,
    run_out,
    store_code,
    verification_in_force,
)
from tests.storage.samples import CHAT_ID, moment

JO, KIT = 510, 520
WARD = -100777


def minutes(count: int) -> datetime:
    return moment(1) + timedelta(minutes=count)


def days(count: int) -> datetime:
    return moment(1) + timedelta(days=count)


async def verify(session, chat_id: int, user_id: int, *, days: int | None = 365, **extra) -> None:
    await record_verification(
        session,
        chat_id,
        user_id,
        method=extra.get("method", "email"),
        email_hash=extra.get("email_hash", "a" * 64),
        email_shown=extra.get("email_shown", "j***@nhs.net"),
        expires_at=moment(1) + timedelta(days=days) if days is not None else None,
        now=moment(1),
    )


async def test_a_code_matches_once_and_wrong_ones_run_out(database) -> None:
    async with database.transaction() as session:
        await store_code(
            session, JO, email="Jo@NHS.net", method="email", code="123456", attempts=2,
            expires_at=minutes(15), now=moment(1),
        )  # fmt: skip
        stored = await session.get(VerificationCode, JO)
        assert "123456" not in (stored.code_hash, stored.code_salt)
        assert stored.email_shown == "J***@nhs.net"
        miss = await check_code(session, JO, "654321", now=minutes(1))
        assert (miss.matched, miss.attempts_left) == (False, 1)
        hit = await check_code(session, JO, "123456", now=minutes(2))
        assert hit.matched
        assert hit.method == "email"
        assert await check_code(session, JO, "123456", now=minutes(3)) is None  # used up

        await store_code(
            session, KIT, email="kit@nhs.net", method="email", code="111111", attempts=1,
            expires_at=minutes(15), now=moment(1),
        )  # fmt: skip
        last = await check_code(session, KIT, "222222", now=minutes(1))
        assert (last.matched, last.attempts_left) == (False, 0)
        assert await check_code(session, KIT, "111111", now=minutes(2)) is None


async def test_a_code_past_its_time_no_longer_works(database) -> None:
    async with database.transaction() as session:
        await store_code(
            session, JO, email="jo@nhs.net", method="email", code="123456", attempts=5,
            expires_at=minutes(15), now=moment(1),
        )  # fmt: skip
        late = await check_code(session, JO, "123456", now=minutes(16))
        assert late.expired
        assert not late.matched


async def test_join_requests_wait_until_decided_or_overdue(database) -> None:
    async with database.transaction() as session:
        for chat in (CHAT_ID, WARD):
            assert await record_join_request(
                session, chat, JO, user_chat_id=JO, requested_at=moment(1), decide_by=moment(2)
            )
        assert not await record_join_request(
            session, CHAT_ID, JO, user_chat_id=JO, requested_at=moment(1), decide_by=moment(2)
        )  # the same request again
        assert {row.chat_id for row in await pending_requests(session, JO)} == {CHAT_ID, WARD}
        await decide_request(session, WARD, JO, JoinRequestStatus.APPROVED, now=moment(1, 1))
        assert [row.chat_id for row in await pending_requests(session, JO)] == [CHAT_ID]
        assert await overdue_requests(session, now=moment(1, 12)) == []
        assert [row.chat_id for row in await overdue_requests(session, now=moment(2))] == [CHAT_ID]


async def test_a_verification_in_force_runs_out_and_shows_so(database) -> None:
    async with database.transaction() as session:
        await verify(session, CHAT_ID, JO, days=30)
        await verify(session, CHAT_ID, KIT, days=None, method="roster", email_hash=None)
        assert (await verification_in_force(session, JO, now=days(20))).chat_id == CHAT_ID
        assert await verification_in_force(session, JO, now=days(40)) is None
        assert [row.user_id for row in await run_out(session, told=False, now=days(40))] == [JO]
        statuses = await verification_statuses(session, CHAT_ID, [JO, KIT, 999])
    assert statuses[KIT].state == "verified"
    assert statuses[KIT].label == "verified (roster)"
    assert statuses[JO].state == "expired"  # by today's clock: it ran out in 2025
    assert 999 not in statuses


async def test_withdrawal_by_address_reaches_every_group_and_blocks_the_address(database) -> None:
    digest = email_digest("jo@nhs.net")
    async with database.transaction() as session:
        await verify(session, CHAT_ID, JO, email_hash=digest)
        await verify(session, WARD, JO, email_hash=digest)
        await verify(session, CHAT_ID, KIT, email_hash=email_digest("kit@nhs.net"))
        assert not await is_email_withdrawn(session, "JO@nhs.net")
        withdrawn = await revoke_verifications(
            session, reason="left the trust", email="JO@NHS.NET", now=moment(3)
        )
        assert sorted(row.chat_id for row in withdrawn) == sorted([CHAT_ID, WARD])
        assert await is_email_withdrawn(session, "jo@nhs.net")
        due = await removals_due(session)
        assert {(row.chat_id, row.user_id) for row in due} == {(CHAT_ID, JO), (WARD, JO)}
        await mark_removed(session, due[0], now=moment(3, 1))
        assert len(await removals_due(session)) == 1
        statuses = await verification_statuses(session, CHAT_ID, [JO, KIT])
        assert statuses[JO].state == "revoked"
        with pytest.raises(ValueError, match="either"):
            await revoke_verifications(session, reason="x", user_id=JO, email="jo@nhs.net")
        rows = (await session.scalars(select(StaffVerification))).all()
        assert all("jo@" not in (row.email_shown or "") for row in rows)


async def test_the_roster_is_replaced_whole_and_matched_by_account_or_address(database) -> None:
    async with database.transaction() as session:
        await replace_roster(
            session,
            [RosterPerson(email="Ali@Trust.example"), RosterPerson(telegram_username="Kit_K")],
        )
        assert await roster_has_email(session, "ali@trust.EXAMPLE")
        assert await roster_has_account(session, KIT, "kit_k")
        assert not await roster_has_account(session, KIT, None)
        await replace_roster(session, [RosterPerson(telegram_user_id=JO)])
        assert not await roster_has_email(session, "ali@trust.example")
        assert await roster_has_account(session, JO, None)
