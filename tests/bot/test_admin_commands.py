"""Admins' commands: /policy, /strikes, /pardon in the group; /incidents, /report in private."""

from pathlib import Path

from bot.app import DIGEST_JOB
from bot.handlers.context import SERVICES
from bot.reporting.digest import send_digest
from bot.storage.audit import list_audit
from bot.storage.models import AuditAction
from bot.storage.moderation import count_strikes
from tests.bot.harness import ADMIN, GROUP, GROUP_TITLE, POSTER, Harness, staff_group

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"
MANAGER = 400


async def reply_to(bot: Harness, chat_id: int, after: int, needle: str) -> str:
    """The bot's first message in `chat_id` after message `after` that contains `needle`."""

    def found() -> list[str]:
        """the bot's answer to the command"""
        return [
            m["text"]
            for m in bot.bot_messages_in(chat_id)
            if m["message_id"] > after and needle in m.get("text", "")
        ]

    return (await bot.until(found))[0]


async def remove_breaches(bot: Harness, count: int) -> None:
    for number in range(count):
        message_id = bot.post(POSTER, BREACH.replace("Thornbury", f"Thornbury{number}"))
        await bot.until(lambda message_id=message_id: bot.world.is_deleted(GROUP, message_id))


async def strikes_in_force(bot: Harness) -> int:
    async with bot.database.transaction() as session:
        return await count_strikes(session, POSTER, chat_id=GROUP)


async def test_policy_shows_changes_from_the_defaults_and_the_strike_ladder(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"groups:\n  {GROUP}:\n    categories:\n      conduct.charity: false\n"
        "      clinical.advice: flag\n    faces: hold\n    strikes:\n      mute: 4\n"
    )
    async with staff_group(tmp_path, policy_file=policy) as bot:
        command = bot.post(ADMIN, "/policy")
        text = await reply_to(bot, GROUP, command, "Policy in")
    assert GROUP_TITLE in text
    assert "conduct.charity: off" in text
    assert "clinical.advice: flag" in text
    assert "patient.nhs_number" not in text  # unchanged categories are left out
    assert "muted for 24 h at 4" in text
    assert "Faces in photos: hold" in text


async def test_members_who_are_not_admins_are_refused(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        await remove_breaches(bot, 1)
        for command in ("/policy", "/strikes @ben", "/pardon @ben"):
            sent = bot.post(POSTER, command)
            await reply_to(bot, GROUP, sent, "Only this group's admins")
        assert await strikes_in_force(bot) == 1


async def test_strikes_by_reply_and_by_username(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        clean = bot.post(POSTER, "Morning all, I'm on the late shift today")
        await remove_breaches(bot, 2)
        by_reply = bot.post(ADMIN, "/strikes", reply_to=clean)
        text = await reply_to(bot, GROUP, by_reply, "strikes in this group")
        assert text.startswith("Ben has 2 strikes in this group in the last 60 days")
        assert text.count("patient.") == 2
        assert "943" not in text
        by_name = bot.post(ADMIN, "/strikes @Ben")
        assert "Ben has 2 strikes" in await reply_to(bot, GROUP, by_name, "strikes in this group")
        unknown = bot.post(ADMIN, "/strikes @nobody")
        await reply_to(bot, GROUP, unknown, "I haven't seen @nobody post")


async def test_pardon_revokes_the_strikes_and_lifts_the_mute(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        await remove_breaches(bot, 3)
        await bot.until(lambda: bot.world.membership(GROUP, POSTER).status == "restricted")
        command = bot.post(ADMIN, "/pardon @ben the NHS numbers were from a training scenario")
        text = await reply_to(bot, GROUP, command, "Revoked")
        assert text == "Revoked 3 strikes for Ben in this group. Their mute is lifted."
        assert bot.world.membership(GROUP, POSTER).status == "member"
        assert await strikes_in_force(bot) == 0
        async with bot.database.transaction() as session:
            (event,) = await list_audit(session, action=AuditAction.STRIKES_REVOKED)
        assert event.actor.startswith(f"telegram:{ADMIN}")
        assert event.reason == "the NHS numbers were from a training scenario"
        again = bot.post(ADMIN, "/strikes @ben")
        await reply_to(bot, GROUP, again, "Ben has no strikes")


async def test_incidents_lists_the_admins_groups_without_the_message(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        await remove_breaches(bot, 2)
        command = bot.world.post(ADMIN, ADMIN, "/incidents")["message_id"]
        text = await reply_to(bot, ADMIN, command, "newest")
        lines = text.splitlines()
        assert lines[0] == "The newest 2 incidents in your groups:"
        assert all(GROUP_TITLE in line and "remove" in line for line in lines[1:])
        assert "943" not in text
        assert "Thornbury" not in text
        refused = bot.world.post(POSTER, POSTER, "/incidents")["message_id"]
        await reply_to(bot, POSTER, refused, "not an admin of any group")


async def test_report_week_and_the_digest_go_to_managers_only(tmp_path: Path) -> None:
    async with staff_group(tmp_path, manager_user_ids=[MANAGER]) as bot:
        bot.world.add_user(MANAGER, "Mo", started_bot=True)
        await remove_breaches(bot, 2)
        command = bot.world.post(MANAGER, MANAGER, "/report week")["message_id"]
        text = await reply_to(bot, MANAGER, command, "Incidents: 2")
        assert f"- {GROUP_TITLE}: 2" in text
        assert "patient." in text
        assert "943" not in text
        refused = bot.world.post(ADMIN, ADMIN, "/report week")["message_id"]
        await reply_to(bot, ADMIN, refused, "Reports are for the trust's managers")

        application = bot.application
        (job,) = application.job_queue.get_jobs_by_name(DIGEST_JOB)
        assert job.job.trigger.interval.total_seconds() == 7 * 24 * 3600
        before = len(bot.world.inbox(MANAGER))
        assert await send_digest(application.bot_data[SERVICES]) == 1
        digest = bot.world.inbox(MANAGER)[before:]
        assert len(digest) == 1
        assert "Incidents: 2" in digest[0]
