"""The bot added to a group, or its rights changed: recorded, and the group is told."""

from pathlib import Path

from bot.storage.errors import NotFound
from bot.storage.groups import get_group, get_member
from tests.bot.harness import GROUP, POSTER, Harness, staff_group

NEW_GROUP = -100777
NEW_TITLE = "Theatre recovery team"


def bot_says(bot: Harness, needle: str) -> list[str]:
    return [m["text"] for m in bot.bot_messages_in(NEW_GROUP) if needle in m.get("text", "")]


async def test_added_as_a_member_it_asks_for_what_it_needs(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        world = bot.world
        world.add_group(NEW_GROUP, NEW_TITLE, bot_rights={})
        world.add_member_update(NEW_GROUP, world.bot.id, old="left", new="member")
        (text,) = await bot.until(lambda: bot_says(bot, "Before I can do that"))
        assert "to be an admin" in text
        assert "delete messages" in text
        assert "restrict members" in text
        async with bot.database.transaction() as session:
            group = await get_group(session, NEW_GROUP)
        assert (group.title, group.bot_status) == (NEW_TITLE, "member")
        assert not group.can_delete_messages
        assert not group.can_restrict_members


async def test_promoted_with_the_rights_it_says_it_is_ready(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        world = bot.world
        world.add_group(NEW_GROUP, NEW_TITLE, bot_rights={})
        world.add_member_update(NEW_GROUP, world.bot.id, old="left", new="member")
        await bot.until(lambda: bot_says(bot, "Before I can do that"))

        world.add_member_update(
            NEW_GROUP,
            world.bot.id,
            old="member",
            new="administrator",
            rights={"can_delete_messages": True},
        )
        await bot.until(lambda: len(bot.bot_messages_in(NEW_GROUP)) == 2)
        partly = bot.bot_messages_in(NEW_GROUP)[-1]["text"]
        assert "restrict members" in partly
        assert "delete messages" not in partly
        assert "to be an admin" not in partly

        full = {"can_delete_messages": True, "can_restrict_members": True}
        world.add_member_update(
            NEW_GROUP, world.bot.id, old="administrator", new="administrator", rights=full
        )
        (ready,) = await bot.until(lambda: bot_says(bot, "ready"))
        assert "/rules" in ready
        async with bot.database.transaction() as session:
            group = await get_group(session, NEW_GROUP)
        assert group.bot_status == "administrator"
        assert group.can_delete_messages
        assert group.can_restrict_members

        # A change to a right the bot does not use is recorded but not announced.
        world.add_member_update(
            NEW_GROUP,
            world.bot.id,
            old="administrator",
            new="administrator",
            rights={**full, "can_pin_messages": True},
        )
        world.join(NEW_GROUP, POSTER)
        world.post(NEW_GROUP, POSTER, "/rules")  # handled after the update above (same chat)
        await bot.until(lambda: len(bot.bot_messages_in(NEW_GROUP)) > 3)
        assert len(bot.bot_messages_in(NEW_GROUP)) == 4  # no fourth announcement, the rules
        assert len(bot_says(bot, "Before I can do that") + bot_says(bot, "is ready")) == 3


async def test_removed_from_a_group_it_records_that_and_says_nothing(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        world = bot.world
        world.add_member_update(GROUP, world.bot.id, old="administrator", new="left")

        async def recorded() -> bool:
            async with bot.database.transaction() as session:
                try:
                    return (await get_group(session, GROUP)).bot_status == "left"
                except NotFound:
                    return False

        await bot.until(recorded)
        assert not bot.bot_messages_in(GROUP)


async def test_posters_are_noted_with_their_username(tmp_path: Path) -> None:
    async with staff_group(tmp_path) as bot:
        bot.post(POSTER, "Handover at 8 as usual")

        async def noted() -> object:
            async with bot.database.transaction() as session:
                try:
                    return await get_member(session, GROUP, POSTER)
                except NotFound:
                    return None

        member = await bot.until(noted)
        assert (member.display_name, member.username) == ("Ben", "ben")
