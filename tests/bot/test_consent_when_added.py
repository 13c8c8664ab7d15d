"""Someone added by another member is asked whether they want to be a member at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.storage.audit import list_audit
from bot.storage.models import AuditAction
from bot.testserver.world import PostRefused
from tests.bot.harness import GROUP, GROUP_TITLE, POSTER
from tests.bot.members_harness import (
    QUICK,
    agreement,
    buttons_of,
    gated_group,
    message_with,
    press,
    status_in_group,
    trail_becomes,
    until_recorded,
)

FRAN, GUS, HAL = 410, 420, 430  # Fran has never started the bot; Gus has


async def test_added_without_a_private_chat_no_answer_removes_them_and_the_adder_is_told(
    tmp_path: Path,
) -> None:
    async with gated_group(tmp_path, QUICK) as bot:
        world = bot.world
        world.add_user(FRAN, "Fran")
        world.user_added(GROUP, FRAN, by=POSTER)
        asked = await message_with(bot, GROUP, "Fran, Ben added you to this group")
        assert "shares their contact details" in asked["text"]
        assert {"Read the rules", "I agree", "No, remove me"} <= set(buttons_of(asked))
        assert status_in_group(bot, FRAN) == "restricted"
        with pytest.raises(PostRefused):
            world.post(GROUP, FRAN, "who is this group?")

        told = await message_with(bot, POSTER, "has been removed from")
        assert told["text"].startswith(f"Fran has been removed from {GROUP_TITLE}")
        assert "Please don't add people to a group without asking them first" in told["text"]
        assert status_in_group(bot, FRAN) == "left"  # removed, and free to join by themselves
        await until_recorded(bot, FRAN, "removed")
        await trail_becomes(
            bot,
            FRAN,
            [
                "member.restricted",
                "member.asked",
                "member.reminded",
                "member.consent_refused",
                "member.removed",
            ],
        )
        async with bot.database.transaction() as session:
            (removal,) = await list_audit(session, action=AuditAction.MEMBER_REMOVED)
        assert removal.reason == "did not agree to be a member in time"
        assert '"adder_told": true' in removal.detail


async def test_added_with_a_private_chat_they_can_say_no_at_once(tmp_path: Path) -> None:
    async with gated_group(tmp_path) as bot:
        world = bot.world
        world.add_user(GUS, "Gus", started_bot=True)
        world.user_added(GROUP, GUS, by=POSTER)
        asked = await message_with(bot, GUS, f"Ben added you to {GROUP_TITLE}")
        assert f"Rules for {GROUP_TITLE}" in asked["text"]
        assert not bot.bot_messages_in(GROUP)

        answer = await press(bot, GUS, asked, "No, remove me")
        assert answer.startswith(f"OK Gus: you've been removed from {GROUP_TITLE}")
        await bot.until(lambda: status_in_group(bot, GUS) == "left")
        await message_with(bot, POSTER, f"Gus has been removed from {GROUP_TITLE}")
        await until_recorded(bot, GUS, "declined")
        await trail_becomes(
            bot,
            GUS,
            ["member.restricted", "member.asked", "member.consent_refused", "member.removed"],
        )


async def test_one_press_agrees_to_membership_and_the_code(tmp_path: Path) -> None:
    # This trust does not gate people who join by themselves, but still asks people added.
    async with gated_group(tmp_path, "membership:\n  agreement_required: false\n") as bot:
        world = bot.world
        world.add_user(HAL, "Hal")
        world.user_joins(GROUP, HAL)
        world.add_user(GUS, "Gus", started_bot=True)
        world.user_added(GROUP, GUS, by=POSTER)
        asked = await message_with(bot, GUS, f"Ben added you to {GROUP_TITLE}")
        assert status_in_group(bot, HAL) == "member"  # handled first: not asked
        bot.post(HAL, "Morning all")

        await press(bot, GUS, asked, "I agree")
        await until_recorded(bot, GUS, "agreed")
        await bot.until(lambda: status_in_group(bot, GUS) == "member")
        bot.post(GUS, "Thanks Ben, glad to be here")
        row = await agreement(bot, GUS)
        assert row is not None
        assert (row.asked_because, row.added_by) == ("added", POSTER)
        assert await agreement(bot, HAL) is None
        assert world.inbox(POSTER) == []  # nothing to tell the one who added them
