"""A member posts patient data: what the group, the poster, the admins and the log see."""

from pathlib import Path

from bot.storage.models import ActionKind
from tests.bot.harness import ADMIN, GROUP, LOG_CHAT, NEWCOMER, POSTER, staff_group

BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def test_a_breach_is_removed_and_everyone_is_told(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(POSTER, BREACH)

        def removed() -> bool:
            """the breach deleted from the group"""
            return bot.world.is_deleted(GROUP, message_id)

        await bot.until(removed)
        guidance = await bot.until(lambda: bot.world.inbox(POSTER))
        alerts = await bot.until(lambda: bot.world.inbox(ADMIN))
        log_copy = await bot.until(lambda: bot.bot_messages_in(LOG_CHAT))
        incidents = await bot.until(bot.incidents)

    assert "removed" in guidance[0]
    assert "Human Rights Act 1998" in guidance[0]
    assert "[NHS number]" in guidance[0]
    for seen in (guidance[0], alerts[0], log_copy[0]["text"]):
        assert "943 476 5919" not in seen
        assert "Thornbury" not in seen
    assert "District Nurses East" in alerts[0]
    assert "patient.nhs_number" in alerts[0]
    buttons = log_copy[0]["reply_markup"]["inline_keyboard"]
    assert next(b["text"] for row in buttons for b in row).startswith("Release")

    (incident,) = incidents
    assert incident.action == "remove"
    assert set(incident.category_names) >= {"patient.nhs_number", "patient.name"}
    assert "943" not in incident.redacted_text


async def test_every_step_is_recorded_with_its_outcome(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.post(POSTER, BREACH)
        (incident,) = await bot.until(bot.incidents)
        outcomes = await bot.settled_outcomes(incident.id)
    assert outcomes[ActionKind.DELETE_MESSAGE][0] == "done"
    assert outcomes[ActionKind.NOTIFY_POSTER] == ("done", "sent privately")
    assert outcomes[ActionKind.ALERT_ADMINS][0] == "done"
    assert outcomes[ActionKind.ALERT_ADMINS][1] == "1 of 1 admins and the log chat"


async def test_a_poster_who_never_started_the_bot_gets_a_short_notice_in_the_group(
    tmp_path: Path,
) -> None:
    async with staff_group(tmp_path) as bot:
        bot.post(NEWCOMER, BREACH)

        def notice() -> list[dict]:
            """a notice in the group naming Cara"""
            return [m for m in bot.bot_messages_in(GROUP) if "Cara" in m.get("text", "")]

        (shown,) = await bot.until(notice)
        assert "Thornbury" not in shown["text"]
        button = shown["reply_markup"]["inline_keyboard"][0][0]
        assert button["url"].startswith("https://t.me/staffguard_test_bot?start=inc")

        def gone() -> bool:
            """the notice deleted after a short while"""
            return bot.world.is_deleted(GROUP, shown["message_id"])

        await bot.until(gone, timeout=8)


async def test_clean_messages_are_left_alone(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        first = bot.post(POSTER, "Rota for December is up, 3 lates still need covering")
        bot.post(POSTER, "Happy birthday Sam! Cake in the staff room 🎂")
        marker = bot.post(POSTER, "NHS 943 476 5919")  # proves the bot has caught up
        await bot.until(lambda: bot.world.is_deleted(GROUP, marker))
        assert not bot.world.is_deleted(GROUP, first)
        assert len(await bot.incidents()) == 1


async def test_an_edit_that_adds_patient_data_is_a_breach(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(POSTER, "Visit list for tomorrow coming shortly")
        bot.world.edit(GROUP, message_id, "Visit list: Mrs Thornbury, NHS 943 476 5919, bloods")

        def removed() -> bool:
            """the edited message deleted"""
            return bot.world.is_deleted(GROUP, message_id)

        await bot.until(removed)
        (incident,) = await bot.incidents()
        assert incident.edited


async def test_admins_posts_are_screened_too(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        message_id = bot.post(ADMIN, BREACH)
        await bot.until(lambda: bot.world.is_deleted(GROUP, message_id))
