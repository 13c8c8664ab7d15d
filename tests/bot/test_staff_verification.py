"""Staff verification end to end: join requests, emailed codes, the roster, expiry, leavers.

The real bot runs against the Bot API test server and emails codes through a
real SMTP server on loopback; the tests read the code from the delivered email.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotSetupError, start_bot
from bot.cli import main as staffguard
from bot.membership.verification_status import verification_statuses
from bot.storage.audit import list_audit
from bot.storage.migrate import open_database
from bot.storage.models import AuditAction
from bot.testserver.app import TestServer
from tests.bot.harness import (
    GROUP,
    GROUP_TITLE,
    TOKEN,
    Harness,
    bot_settings,
    running_bot,
    staff_group,
    staff_world,
)
from tests.bot.mail_harness import MailServer, code_in, mail_server
from tests.bot.members_harness import status_in_group, steps, trail_becomes

JO, KIT = 510, 520  # neither has started the bot
WARD = -100777
WARD_TITLE = "Ward 7 Nurses"

VERIFIED_STAFF = """
membership:
  agreement_required: false
verification:
  required: true
  email_domains: [nhs.net]
  code_attempts: 3
  request_timeout: {timeout}
  valid_for: {valid_for}
  renew_within: {renew_within}
"""


@asynccontextmanager
async def verified_group(
    tmp_path: Path,
    *,
    timeout: str = "24h",
    valid_for: str = "365d",
    renew_within: str = "30d",
    **overrides: Any,
) -> AsyncIterator[tuple[Harness, MailServer]]:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        VERIFIED_STAFF.format(timeout=timeout, valid_for=valid_for, renew_within=renew_within)
    )
    async with mail_server() as mail:
        settings = {
            **mail.settings(),
            "policy_file": policy,
            "verification_sweep_seconds": 0.2,
            **overrides,
        }
        async with staff_group(tmp_path, **settings) as bot:
            bot.world.add_user(JO, "Jo", username="jo_bloggs")
            bot.world.add_user(KIT, "Kit", username="kit_k")
            bot.world.add_group(WARD, WARD_TITLE)
            yield bot, mail


async def delivered(bot: Harness, mail: MailServer, address: str, count: int = 1) -> Any:
    def arrived() -> list[Any]:
        """the code email reaches the work address"""
        return mail.mail_to(address)[count - 1 :]

    return (await bot.until(arrived))[0]


async def says(bot: Harness, user_id: int, needle: str, times: int = 1) -> str:
    """The newest private message from the bot to this person containing `needle`.

    `times`: wait until the bot has said it that many times (it was said before).
    """

    def found() -> list[str]:
        """the bot tells the person privately"""
        said = [text for text in bot.world.inbox(user_id) if needle in text]
        return said if len(said) >= times else []

    return str((await bot.until(found))[-1])


async def let_in(bot: Harness, user_id: int, chat_id: int = GROUP) -> None:
    def member() -> bool:
        """the person is let into the group"""
        return bot.world.membership(chat_id, user_id).status == "member"

    await bot.until(member)


async def verify_by_email(bot: Harness, mail: MailServer, user_id: int, address: str) -> None:
    bot.world.post(user_id, user_id, address)
    code = code_in(await delivered(bot, mail, address))
    bot.world.post(user_id, user_id, code)
    await says(bot, user_id, "you're verified")
    await let_in(bot, user_id)


async def in_cli(*arguments: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run `staffguard ...` against the bot's database, as an operator would."""
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", database_url)
    return await asyncio.to_thread(staffguard, list(arguments))


async def test_a_work_email_code_lets_someone_in_and_only_that_is_recorded(
    tmp_path: Path,
) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        world = bot.world
        world.request_join(GROUP, JO)
        asked = await says(bot, JO, "reply with your work email address")
        assert f"{GROUP_TITLE} is for" in asked
        assert "an address ending @nhs.net" in asked
        assert status_in_group(bot, JO) == "left"  # not let in yet

        world.post(JO, JO, "jo.bloggs@gmail.com")
        refused = await says(bot, JO, "can't be used")
        assert "j***@gmail.com" in refused
        assert "jo.bloggs" not in refused
        assert mail.delivered == []

        world.post(JO, JO, "Jo.Bloggs@nhs.net")
        email = await delivered(bot, mail, "Jo.Bloggs@nhs.net")
        assert email["From"] == "StaffGuard <staffguard@trust.example>"
        sent = await says(bot, JO, "I've emailed a 6-digit code")
        assert "J***@nhs.net" in sent or "j***@nhs.net" in sent
        code = code_in(email)

        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        world.post(JO, JO, wrong)
        assert "You have 2 more tries" in await says(bot, JO, "isn't right")
        world.post(JO, JO, f"{code[:3]} {code[3:]}")  # as people type it
        welcome = await says(bot, JO, "you're verified")
        assert f"I've let you into {GROUP_TITLE}" in welcome
        await let_in(bot, JO)
        assert world.calls_to("approveChatJoinRequest")[-1]["user_id"] in (JO, str(JO))

        async with bot.database.transaction() as session:
            status = (await verification_statuses(session, GROUP, [JO]))[JO]
            events = await list_audit(session, limit=200)
        assert (status.state, status.method) == ("verified", "email")
        assert status.until is not None
        await trail_becomes(
            bot,
            JO,
            [
                "member.join_requested",
                "member.asked",
                "member.code_sent",
                "member.verified",
                "member.join_approved",
            ],
        )
        recorded = " ".join(f"{event.detail} {event.reason}" for event in events)
        assert "bloggs" not in recorded.casefold()  # an address only ever masked
        assert code not in recorded


async def test_a_verified_member_chatting_privately_is_not_asked_for_anything(
    tmp_path: Path,
) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@nhs.net")
        said_before = len(bot.world.inbox(JO))
        bot.world.post(JO, JO, "thanks, that was quick!")

        def handled() -> bool:
            """the bot has handled the member's message"""
            return bot.world.confirmed(bot.world.last_update_id)

        await bot.until(handled)
        assert len(bot.world.inbox(JO)) == said_before


async def test_too_many_wrong_codes_decline_the_request(tmp_path: Path) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        bot.world.post(JO, JO, "jo@nhs.net")
        code = code_in(await delivered(bot, mail, "jo@nhs.net"))
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for tries_left in (2, 1):
            bot.world.post(JO, JO, wrong)
            await says(bot, JO, f"You have {tries_left} more tries")
        bot.world.post(JO, JO, wrong)
        assert GROUP_TITLE in await says(bot, JO, "too many wrong codes")
        assert JO not in bot.world.chat(GROUP).join_requests  # declined
        assert status_in_group(bot, JO) == "left"
        assert (await steps(bot, JO))[-1] == "member.join_declined"


async def test_the_roster_lets_staff_in_by_their_telegram_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        roster = tmp_path / "roster.csv"
        roster.write_text("name,email,telegram\nKit,,@Kit_K\nAli,ali@trust.example,\n")
        url = bot.settings.database_url
        assert (
            await in_cli("roster", "import", str(roster), database_url=url, monkeypatch=monkeypatch)
            == 0
        )

        bot.world.request_join(GROUP, KIT)
        assert GROUP_TITLE in await says(bot, KIT, "you're verified")
        await let_in(bot, KIT)
        assert mail.delivered == []  # no email needed
        async with bot.database.transaction() as session:
            status = (await verification_statuses(session, GROUP, [KIT]))[KIT]
        assert (status.state, status.method) == ("verified", "roster")

        capsys.readouterr()
        shown = await in_cli(
            "members", "--chat", str(GROUP), "--json", database_url=url, monkeypatch=monkeypatch
        )
        assert shown == 0
        members = {row["user_id"]: row for row in json.loads(capsys.readouterr().out)["members"]}
        assert members[KIT]["verified"] == "verified"
        assert members[KIT]["verified_until"] is not None


async def test_an_address_on_the_roster_may_verify_outside_the_allowed_domains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        roster = tmp_path / "roster.csv"
        roster.write_text("email\njo@partner-gp.example\n")
        url = bot.settings.database_url
        assert (
            await in_cli("roster", "import", str(roster), database_url=url, monkeypatch=monkeypatch)
            == 0
        )
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@partner-gp.example")
        async with bot.database.transaction() as session:
            status = (await verification_statuses(session, GROUP, [JO]))[JO]
        assert status.method == "roster"


async def test_verified_for_one_group_is_let_into_another_at_once(tmp_path: Path) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@nhs.net")
        bot.world.request_join(WARD, JO)
        assert WARD_TITLE in await says(bot, JO, f"I've let you into {WARD_TITLE}")
        await let_in(bot, JO, WARD)
        assert len(mail.delivered) == 1  # no second code


async def test_a_request_nobody_verifies_in_time_is_declined(tmp_path: Path) -> None:
    async with verified_group(tmp_path, timeout="1s") as (bot, _mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        declined = await says(bot, JO, "has been declined")
        assert "wasn't verified within 1 second" in declined
        assert JO not in bot.world.chat(GROUP).join_requests
        assert (await steps(bot, JO))[-1] == "member.join_declined"


async def test_a_leaver_is_removed_from_every_group_and_their_address_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with verified_group(tmp_path) as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@nhs.net")
        bot.world.request_join(WARD, JO)
        await says(bot, JO, f"I've let you into {WARD_TITLE}")
        await let_in(bot, JO, WARD)

        url = bot.settings.database_url
        revoked = await in_cli(
            "staff", "revoke", "--email", "JO@nhs.net", "--reason", "left the trust",
            "--actor", "ig-lead", database_url=url, monkeypatch=monkeypatch,
        )  # fmt: skip
        assert revoked == 0

        def removed_everywhere() -> bool:
            """the leaver is removed from both groups"""
            return all(bot.world.membership(chat, JO).status == "left" for chat in (GROUP, WARD))

        await bot.until(removed_everywhere)
        assert "has been withdrawn" in await says(bot, JO, "has been withdrawn")
        async with bot.database.transaction() as session:
            status = (await verification_statuses(session, GROUP, [JO]))[JO]
            withdrawals = await list_audit(session, action=AuditAction.VERIFICATION_REVOKED)
        assert status.state == "revoked"
        assert {event.actor for event in withdrawals} == {"cli:ig-lead"}
        assert {event.reason for event in withdrawals} == {"left the trust"}

        bot.world.request_join(GROUP, JO)  # trying to come back with the same address
        await says(bot, JO, "reply with your work email address", times=2)
        bot.world.post(JO, JO, "jo@nhs.net")
        await says(bot, JO, "can't be used")


async def test_a_verification_runs_out_and_is_renewed_with_verify(tmp_path: Path) -> None:
    async with verified_group(tmp_path, valid_for="2s") as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@nhs.net")
        expired = await says(bot, JO, "has run out")
        assert "Send /verify" in expired
        async with bot.database.transaction() as session:
            assert (await verification_statuses(session, GROUP, [JO]))[JO].state == "expired"

        bot.world.post(JO, JO, "/verify")
        await says(bot, JO, "reply with your work email address", times=2)
        bot.world.post(JO, JO, "jo@nhs.net")
        bot.world.post(JO, JO, code_in(await delivered(bot, mail, "jo@nhs.net", count=2)))
        assert GROUP_TITLE in await says(bot, JO, "you're verified again")


async def test_a_member_who_does_not_renew_in_time_is_removed(tmp_path: Path) -> None:
    async with verified_group(tmp_path, valid_for="1s", renew_within="1s") as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        await verify_by_email(bot, mail, JO, "jo@nhs.net")
        await says(bot, JO, "has run out")
        lapsed = await says(bot, JO, "wasn't renewed")
        assert f"removed from {GROUP_TITLE}" in lapsed
        assert status_in_group(bot, JO) == "left"
        async with bot.database.transaction() as session:
            (removal,) = await list_audit(session, action=AuditAction.MEMBER_REMOVED)
        assert removal.reason == "verification ran out and was not renewed"


async def test_a_restart_between_the_email_and_the_code_loses_nothing(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(VERIFIED_STAFF.format(timeout="24h", valid_for="365d", renew_within="30d"))
    world = staff_world()
    world.add_user(JO, "Jo")
    async with mail_server() as mail, TestServer(world, TOKEN) as server:
        settings = bot_settings(server, tmp_path, policy_file=policy, **mail.settings())
        database = await open_database(settings)
        bot = Harness(world, settings, database)
        try:
            async with running_bot(world, settings):
                world.request_join(GROUP, JO)
                await says(bot, JO, "reply with your work email address")
                world.post(JO, JO, "jo@nhs.net")
                code = code_in(await delivered(bot, mail, "jo@nhs.net"))
                await says(bot, JO, "I've emailed a 6-digit code")
            world.post(JO, JO, code)  # while the bot is stopped
            async with running_bot(world, settings):
                await says(bot, JO, "you're verified")
                await let_in(bot, JO)
        finally:
            await database.dispose()


async def test_a_mail_server_that_is_down_is_explained_and_nothing_is_kept(
    tmp_path: Path,
) -> None:
    async with verified_group(tmp_path, smtp_port=1) as (bot, mail):
        bot.world.request_join(GROUP, JO)
        await says(bot, JO, "reply with your work email address")
        bot.world.post(JO, JO, "jo@nhs.net")
        await says(bot, JO, "couldn't send the email just now")
        assert mail.delivered == []
        bot.world.post(JO, JO, "123456")  # no code was sent, so none can match
        await says(bot, JO, "or with the 6-digit code I emailed you")
        assert status_in_group(bot, JO) == "left"


async def test_groups_without_verification_leave_join_requests_to_their_admins(
    tmp_path: Path,
) -> None:
    async with staff_group(tmp_path) as bot:
        bot.world.add_user(JO, "Jo")
        bot.world.request_join(GROUP, JO)
        bot.world.post(GROUP, 200, "Rota for next week is up")  # a later update, handled

        def handled() -> bool:
            """the bot has confirmed the later update"""
            return bot.world.confirmed(bot.world.last_update_id)

        await bot.until(handled)
        assert JO in bot.world.chat(GROUP).join_requests
        assert bot.world.calls_to("approveChatJoinRequest") == []
        assert bot.world.inbox(JO) == []


async def test_the_bot_will_not_start_verifying_by_email_without_a_mail_server(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(VERIFIED_STAFF.format(timeout="24h", valid_for="365d", renew_within="30d"))
    async with TestServer(staff_world(), TOKEN) as server:
        settings = bot_settings(server, tmp_path, policy_file=policy)
        with pytest.raises(BotSetupError, match="STAFFGUARD_SMTP_HOST"):
            await start_bot(settings)


async def test_a_verifying_group_is_told_the_bot_needs_the_right_to_add_members(
    tmp_path: Path,
) -> None:
    async with verified_group(tmp_path) as (bot, _mail):
        world = bot.world
        world.add_group(-100888, "Theatres", bot_rights={})
        rights = {"can_delete_messages": True, "can_restrict_members": True}
        world.add_member_update(-100888, world.bot.id, "left", "administrator", rights=rights)

        def told() -> list[str]:
            """the bot tells the group what it still needs"""
            return [m["text"] for m in bot.bot_messages_in(-100888)]

        (needs,) = await bot.until(told)
        assert "the right to add members" in needs
        assert "delete messages" not in needs
