"""When Telegram says no, and when a poster keeps breaching the rules."""

import time
from pathlib import Path

from bot.storage.models import ActionKind
from bot.testserver.world import BotApiError
from tests.bot.harness import ADMIN, GROUP, POSTER, SENIOR_CHAT, staff_group

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def test_a_message_too_old_to_delete_is_left_to_the_admins(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        old = int(time.time()) - 50 * 3600
        message_id = bot.post(POSTER, BREACH, date=old)

        def asked() -> list[dict]:
            """a request in the group for the admins to delete it by hand"""
            return [
                m
                for m in bot.bot_messages_in(GROUP)
                if "please delete the message above by hand" in m.get("text", "")
            ]

        (request,) = await bot.until(asked)
        assert request["reply_to_message_id"] == message_id
        assert "943" not in request["text"]
        assert not bot.world.is_deleted(GROUP, message_id)
        (incident,) = await bot.incidents()
        outcomes = await bot.settled_outcomes(incident.id)
        assert outcomes[ActionKind.DELETE_MESSAGE][0] == "failed"
        assert "can't be deleted" in outcomes[ActionKind.DELETE_MESSAGE][1].lower()
        assert outcomes[ActionKind.ASK_ADMINS_TO_DELETE][0] == "done"


async def test_a_bot_without_delete_rights_escalates_if_nobody_deletes_it(tmp_path: Path) -> None:
    async with staff_group(tmp_path, manual_delete_escalation_minutes=0.02) as bot:
        bot.world.chat(GROUP).members[bot.world.bot.id].rights["can_delete_messages"] = False
        bot.post(POSTER, BREACH)
        (incident,) = await bot.until(bot.incidents)
        outcomes = await bot.settled_outcomes(incident.id)
        assert outcomes[ActionKind.DELETE_MESSAGE][0] == "failed"
        # The escalation waits a moment for an admin; pressing "Done" would cancel it.
        escalation = await bot.until(lambda: bot.bot_messages_in(SENIOR_CHAT))
        assert "still in the group" in escalation[0]["text"]
        assert "943" not in escalation[0]["text"]


async def test_flood_control_delays_the_deletion_but_it_happens(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.world.fail("deleteMessage", BotApiError(429, "Too Many Requests: retry after 1", 1))
        message_id = bot.post(POSTER, BREACH)

        def removed() -> bool:
            """deleted once flood control allowed it"""
            return bot.world.is_deleted(GROUP, message_id)

        await bot.until(removed)
        assert len(bot.world.calls_to("deleteMessage")) == 2


async def test_a_telegram_outage_delays_enforcement_but_loses_nothing(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.world.fail(None, BotApiError(502, "Bad Gateway"), times=4)
        ids = [bot.post(POSTER, BREACH.replace("Thornbury", name)) for name in ("Ash", "Bell")]
        for message_id in ids:
            await bot.until(
                lambda message_id=message_id: bot.world.is_deleted(GROUP, message_id), 30
            )
        assert len(await bot.incidents()) == 2


async def test_strikes_lead_to_a_reminder_a_mute_and_a_senior_manager(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        for number in range(3):
            message_id = bot.post(
                POSTER,
                BREACH.replace("943 476 5919", f"number {number}")
                + f" NHS 943 476 591{9 - 0 * number}",
            )
            await bot.until(lambda message_id=message_id: bot.world.is_deleted(GROUP, message_id))
        await bot.until(lambda: bot.world.membership(GROUP, POSTER).status == "restricted")
        reminders = [t for t in bot.world.inbox(POSTER) if "2 messages removed" in t]
        assert len(reminders) == 1
        muted = await bot.until(lambda: [t for t in bot.world.inbox(POSTER) if "muted" in t])
        assert "24 hours" in muted[0]
        escalation = await bot.until(lambda: bot.bot_messages_in(SENIOR_CHAT))
        assert "Ben" in escalation[0]["text"]
        assert "943" not in escalation[0]["text"]


async def test_admins_are_never_muted(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        for _ in range(3):
            message_id = bot.post(ADMIN, BREACH)
            await bot.until(lambda message_id=message_id: bot.world.is_deleted(GROUP, message_id))
        incidents = await bot.until(bot.incidents)
        outcomes = await bot.settled_outcomes(incidents[0].id)
        assert outcomes[ActionKind.RESTRICT_POSTER][0] == "skipped"
        assert bot.world.membership(GROUP, ADMIN).status == "administrator"
