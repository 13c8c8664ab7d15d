"""Admins review what the bot did: release, keep, approve, decline, flags."""

from pathlib import Path

from bot.enforcement.buttons import Decision, callback_data
from bot.storage.models import ActionKind
from tests.bot.harness import ADMIN, GROUP, POSTER, Harness, staff_group

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"
CHARITY = "I'm doing the Leeds 10k for the children's hospice, sponsor me here: justgiving.com/x"


async def alert_for(bot: Harness, incident_id: int) -> dict:
    def alert() -> list[dict]:
        """the alert in the admin's private chat"""
        return [
            m
            for m in bot.bot_messages_in(ADMIN)
            if f"Incident: {incident_id}" in m.get("text", "")
            or f"Incident {incident_id}" in m.get("text", "")
        ]

    return (await bot.until(alert))[0]


async def test_an_admin_releases_a_false_positive_and_it_is_reposted(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(POSTER, BREACH)
        (incident,) = await bot.until(bot.incidents)
        await bot.until(lambda: bot.world.is_deleted(GROUP, message_id))
        alert = await alert_for(bot, incident.id)
        bot.world.press(
            ADMIN, ADMIN, alert["message_id"], callback_data(Decision.RELEASE, incident.id)
        )

        def reposted() -> list[str]:
            """the original back in the group with attribution"""
            return [t for t in bot.group_texts() if "Posted on behalf of Ben" in t]

        (repost,) = await bot.until(reposted)
        assert BREACH in repost
        assert "Amira" in repost

        async def released() -> bool:
            (row,) = await bot.incidents()
            return row.status == "released"

        await bot.until(released)
        assert (
            "released (not a breach) by Amira"
            in bot.world.chat(ADMIN).messages[alert["message_id"]]["text"]
        )


async def test_only_the_groups_admins_can_decide(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.post(POSTER, BREACH)
        (incident,) = await bot.until(bot.incidents)
        alert = await alert_for(bot, incident.id)
        query = bot.world.press(
            POSTER, ADMIN, alert["message_id"], callback_data(Decision.RELEASE, incident.id)
        )
        answer = await bot.until(lambda: bot.world.answered_callbacks.get(query))
        assert "Only this group's admins" in answer["text"]
        (row,) = await bot.incidents()
        assert row.status == "open"


async def test_a_charity_post_is_held_until_an_admin_approves_it(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(POSTER, CHARITY)
        await bot.until(lambda: bot.world.is_deleted(GROUP, message_id))
        (incident,) = await bot.until(bot.incidents)
        assert incident.action == "hold"
        card = await alert_for(bot, incident.id)
        assert "waiting for approval" in card["text"]
        bot.world.press(
            ADMIN, ADMIN, card["message_id"], callback_data(Decision.APPROVE, incident.id)
        )

        def posted() -> list[str]:
            """the approved post in the group"""
            return [t for t in bot.group_texts() if CHARITY in t]

        await bot.until(posted)


async def test_a_declined_post_stays_down_and_the_poster_is_told(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.post(POSTER, CHARITY)
        (incident,) = await bot.until(bot.incidents)
        card = await alert_for(bot, incident.id)
        bot.world.press(
            ADMIN, ADMIN, card["message_id"], callback_data(Decision.DECLINE, incident.id)
        )

        def told() -> list[str]:
            """the poster told it was declined"""
            return [t for t in bot.world.inbox(POSTER) if "declined" in t]

        await bot.until(told)
        assert not any(CHARITY in t for t in bot.group_texts())


async def test_a_pay_question_is_signposted_once_and_stays(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        first = bot.post(
            POSTER, "my overtime from October still isn't on my payslip, who do I chase?"
        )

        def signposted() -> list[dict]:
            """a reply in the group pointing to HR and payroll"""
            return [m for m in bot.bot_messages_in(GROUP) if "payroll" in m.get("text", "").lower()]

        (reply,) = await bot.until(signposted)
        assert reply["reply_to_message_id"] == first
        assert not bot.world.is_deleted(GROUP, first)
        bot.post(POSTER, "also my payslip tax code looks wrong again")
        incidents = await bot.until(lambda: _at_least(bot, 2))
        outcomes = await bot.settled_outcomes(incidents[0].id, last_step=ActionKind.NOTIFY_POSTER)
        assert outcomes[ActionKind.NOTIFY_POSTER][0] == "skipped"
        assert len(signposted()) == 1


async def _at_least(bot: Harness, count: int) -> list:
    incidents = await bot.incidents()
    return incidents if len(incidents) >= count else []


async def test_a_low_confidence_finding_only_flags_for_the_admins(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(
            POSTER, "the one whose NHS no ends in 7730 rang again, can someone call her"
        )
        (incident,) = await bot.until(bot.incidents)
        assert incident.action == "flag"
        await alert_for(bot, incident.id)
        assert not bot.world.is_deleted(GROUP, message_id)
