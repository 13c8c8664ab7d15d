"""A newcomer cannot post until they agree to the group's code of conduct."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.codeofconduct.policy_file import load_policy_file
from bot.membership.version import code_version
from bot.storage.members import Deadlines, start_pending
from bot.storage.migrate import open_database
from bot.storage.models import AskedBecause
from bot.testserver.app import TestServer
from bot.testserver.world import PostRefused
from tests.bot.harness import (
    ADMIN,
    GROUP,
    GROUP_TITLE,
    POSTER,
    TOKEN,
    Harness,
    bot_settings,
    running_bot,
    staff_world,
)
from tests.bot.members_harness import (
    NEVER,
    QUICK,
    agreement,
    bot_messages_with,
    buttons_of,
    gated_group,
    message_with,
    press,
    press_data,
    status_in_group,
    trail_becomes,
    until_recorded,
)

DANI, EVE = 310, 320  # Dani has started the bot; Eve has not


async def test_a_newcomer_reads_the_rules_privately_agrees_and_can_post(tmp_path: Path) -> None:
    async with gated_group(tmp_path) as bot:
        world = bot.world
        world.add_user(DANI, "Dani", username="dani", started_bot=True)
        world.user_joins(GROUP, DANI)
        prompt = await message_with(bot, DANI, "Before you can post there")
        assert f"Rules for {GROUP_TITLE}" in prompt["text"]  # the code in full
        assert status_in_group(bot, DANI) == "restricted"
        with pytest.raises(PostRefused):
            world.post(GROUP, DANI, "Hi all, I'm new on the ward")
        assert not bot.bot_messages_in(GROUP)  # asked privately, the group is left alone

        answer = await press(bot, DANI, prompt, "I agree")
        assert answer == f"Thanks Dani, you can post in {GROUP_TITLE} now."
        await bot.until(lambda: status_in_group(bot, DANI) == "member")
        await until_recorded(bot, DANI, "agreed")
        bot.post(DANI, "Hi all, I'm new on the ward")
        assert "Hi all, I'm new on the ward" in bot.group_texts()
        # The private prompt loses its buttons and says what was decided.
        await bot.until(
            lambda: world.chat(DANI).messages[prompt["message_id"]]["text"].endswith(answer)
        )
        assert not buttons_of(world.chat(DANI).messages[prompt["message_id"]])

        row = await agreement(bot, DANI)
        version = code_version(load_policy_file(bot.settings.policy_file).group(GROUP))
        assert row is not None
        assert (row.status, row.agreed_version) == ("agreed", version)
        await trail_becomes(
            bot,
            DANI,
            [
                "member.restricted",
                "member.asked",
                "member.agreed",
                "member.released",
            ],
        )


async def test_without_a_private_chat_the_group_gets_a_short_prompt(tmp_path: Path) -> None:
    async with gated_group(tmp_path) as bot:
        world = bot.world
        world.add_user(EVE, "Eve")
        world.user_joins(GROUP, EVE)
        prompt = await message_with(bot, GROUP, "Welcome Eve")
        buttons = buttons_of(prompt)
        assert (
            buttons["Read the rules"]["url"] == f"https://t.me/staffguard_test_bot?start=coc{GROUP}"
        )
        assert "Rules for" not in prompt["text"]  # the rules themselves go privately

        # Someone else's press changes nothing.
        answer = await press(bot, POSTER, prompt, "I agree")
        assert answer == f"There's nothing waiting for you to agree to in {GROUP_TITLE}."
        assert status_in_group(bot, EVE) == "restricted"

        # The link opens a private chat with the rules in full and the buttons.
        world.private_chat(EVE)
        world.post(EVE, EVE, f"/start coc{GROUP}")
        private = await message_with(bot, EVE, f"Rules for {GROUP_TITLE}")
        await press(bot, EVE, private, "I agree")
        await bot.until(lambda: status_in_group(bot, EVE) == "member")
        await bot.until(lambda: world.is_deleted(GROUP, prompt["message_id"]))
        bot.post(EVE, "Thanks for having me")


async def test_a_newcomer_who_never_agrees_is_reminded_then_removed_and_may_rejoin(
    tmp_path: Path,
) -> None:
    async with gated_group(tmp_path, QUICK) as bot:
        world = bot.world
        world.add_user(EVE, "Eve")
        world.user_joins(GROUP, EVE)
        prompt = await message_with(bot, GROUP, "Welcome Eve")
        reminder = await message_with(bot, GROUP, "a reminder")
        assert "you'll be removed from the group in" in reminder["text"]
        assert "I agree" in buttons_of(reminder)
        await bot.until(lambda: world.is_deleted(GROUP, prompt["message_id"]))  # one at a time

        await bot.until(lambda: status_in_group(bot, EVE) == "left")
        await bot.until(lambda: world.is_deleted(GROUP, reminder["message_id"]))
        await until_recorded(bot, EVE, "removed")
        await trail_becomes(
            bot,
            EVE,
            [
                "member.restricted",
                "member.asked",
                "member.reminded",
                "member.removed",
            ],
        )

        world.user_joins(GROUP, EVE)  # removed, not banned: they can come back
        await bot.until(lambda: status_in_group(bot, EVE) == "restricted")


async def test_a_newcomer_who_leaves_before_agreeing_is_not_pursued(tmp_path: Path) -> None:
    async with gated_group(tmp_path, QUICK) as bot:
        world = bot.world
        world.add_user(EVE, "Eve")
        world.user_joins(GROUP, EVE)
        prompt = await message_with(bot, GROUP, "Welcome Eve")
        world.user_leaves(GROUP, EVE)
        await until_recorded(bot, EVE, "left")
        await bot.until(lambda: world.is_deleted(GROUP, prompt["message_id"]))
        await trail_becomes(bot, EVE, ["member.restricted", "member.asked", "member.left"])
        # Their reminder and removal were dropped with them (the sweeper reads only these).
        row = await agreement(bot, EVE)
        assert row is not None
        assert (row.remind_at, row.remove_at) == (None, None)


async def test_admins_and_bots_are_not_asked(tmp_path: Path) -> None:
    async with gated_group(tmp_path) as bot:
        world = bot.world
        world.add_user(DANI, "Dani", started_bot=True)
        world.add_member_update(GROUP, DANI, old="left", new="administrator", by=ADMIN)
        helper_bot = world.add_user(330, "RotaBot")
        helper_bot.is_bot = True
        world.user_joins(GROUP, 330)
        bot.post(ADMIN, "/rules")  # handled after the joins (one group's updates are in order)
        await bot.until(lambda: bot_messages_with(bot, GROUP, "Rules for"))
        assert status_in_group(bot, DANI) == "administrator"
        assert status_in_group(bot, 330) == "member"
        assert await agreement(bot, DANI) is None
        assert await agreement(bot, 330) is None
        assert world.inbox(DANI) == []

        # Someone made an admin while they were still to agree is no longer asked.
        world.add_user(EVE, "Eve")
        world.user_joins(GROUP, EVE)
        prompt = await message_with(bot, GROUP, "Welcome Eve")
        world.add_member_update(GROUP, EVE, old="restricted", new="administrator", by=ADMIN)
        await until_recorded(bot, EVE, "exempt")
        await bot.until(lambda: world.is_deleted(GROUP, prompt["message_id"]))


async def test_members_are_asked_again_when_the_code_of_conduct_changes(tmp_path: Path) -> None:
    world = staff_world()
    world.add_user(DANI, "Dani", started_bot=True)
    policy = tmp_path / "policy.yaml"
    policy.write_text(NEVER)
    async with TestServer(world, TOKEN) as server:
        settings = bot_settings(server, tmp_path, policy_file=policy)
        database = await open_database(settings)
        bot = Harness(world, settings, database)
        try:
            async with running_bot(world, settings):
                world.user_joins(GROUP, DANI)
                first = await message_with(bot, DANI, "Before you can post there")
                old_button = buttons_of(first)["I agree"]["callback_data"]
                await press(bot, DANI, first, "I agree")
                await until_recorded(bot, DANI, "agreed")
            before = await agreement(bot, DANI)
            assert before is not None

            # The trust labels a new version of its code; the bot starts again.
            policy.write_text(NEVER + "  code_version: 2025.2\n")
            async with running_bot(world, settings):
                again = await message_with(bot, DANI, "have changed")
                assert f"Rules for {GROUP_TITLE}" in again["text"]
                await bot.until(lambda: status_in_group(bot, DANI) == "restricted")
                # A button from before the change does not count as agreeing to the new code.
                answer = await press_data(bot, DANI, first, old_button)
                assert "changed since" in answer
                assert status_in_group(bot, DANI) == "restricted"
                latest = await message_with(bot, DANI, "have changed")
                await press(bot, DANI, latest, "I agree")
                await until_recorded(bot, DANI, "agreed")
                await bot.until(lambda: status_in_group(bot, DANI) == "member")
            after = await agreement(bot, DANI)
        finally:
            await database.dispose()
    assert after is not None
    assert after.agreed_version == f"2025.2/{before.agreed_version}"
    assert after.asked_because == "code_changed"


async def test_a_code_changed_while_the_bot_runs_is_put_to_members_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with gated_group(tmp_path, policy_reload_seconds=0.1) as bot:
        world = bot.world
        policy_file = bot.settings.policy_file
        assert policy_file is not None
        world.add_user(DANI, "Dani", started_bot=True)
        world.user_joins(GROUP, DANI)
        await press(bot, DANI, await message_with(bot, DANI, "Before you can post"), "I agree")
        await until_recorded(bot, DANI, "agreed")

        # A slip while editing: logged, and the policy in force is kept.
        policy_file.write_text(NEVER + "  code_versoin: 2025.2\n")
        await bot.until(lambda: "the policy in force is kept" in caplog.text)
        assert "membership.code_versoin: unknown key" in caplog.text
        assert status_in_group(bot, DANI) == "member"

        new_code = "texts:\n  code_of_conduct: |-\n    Rules for {group_title}: be kind.\n"
        policy_file.write_text(NEVER + new_code)
        again = await message_with(bot, DANI, "have changed")
        assert again["text"].endswith(f"Rules for {GROUP_TITLE}: be kind.")
        await bot.until(lambda: status_in_group(bot, DANI) == "restricted")
        bot.post(ADMIN, "/rules")
        await message_with(bot, GROUP, "be kind")  # the whole policy is the new one


async def test_deadlines_survive_a_restart_and_the_unreached_are_asked(tmp_path: Path) -> None:
    world = staff_world()
    world.add_user(EVE, "Eve")
    world.add_user(DANI, "Dani", started_bot=True)
    world.join(GROUP, DANI)
    policy = tmp_path / "policy.yaml"
    policy.write_text("membership:\n  remind_after: never\n  remove_after: 2s\n")
    async with TestServer(world, TOKEN) as server:
        settings = bot_settings(server, tmp_path, policy_file=policy)
        database = await open_database(settings)
        bot = Harness(world, settings, database)
        try:
            async with running_bot(world, settings):
                world.user_joins(GROUP, EVE)
                await message_with(bot, GROUP, "Welcome Eve")
            assert status_in_group(bot, EVE) == "restricted"  # stopped before the deadline

            # Recorded as pending, but the bot stopped before asking (as after a crash).
            async with database.transaction() as session:
                await start_pending(
                    session,
                    GROUP,
                    DANI,
                    because=AskedBecause.JOINED,
                    version=code_version(load_policy_file(policy).group(GROUP)),
                    deadlines=Deadlines(remind_at=None, remove_at=None),
                )
            async with running_bot(world, settings):
                await message_with(bot, DANI, "Before you can post there")
                await bot.until(lambda: status_in_group(bot, DANI) == "restricted")
                await bot.until(lambda: status_in_group(bot, EVE) == "left")
                await until_recorded(bot, EVE, "removed")
        finally:
            await database.dispose()
