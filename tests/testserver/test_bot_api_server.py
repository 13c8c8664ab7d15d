"""The Bot API test server answers python-telegram-bot the way Telegram does."""

import time

import pytest
from telegram import Bot, ChatPermissions
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.testserver.app import TestServer
from bot.testserver.world import BotApiError, PostRefused, World

TOKEN = "123456:TEST-TOKEN"
GROUP = -1001


@pytest.fixture
async def server():
    world = World()
    world.add_group(GROUP, "District Nurses East")
    world.add_user(11, "Amira", started_bot=True)
    world.add_user(12, "Ben")
    world.join(GROUP, 11, "administrator")
    world.join(GROUP, 12)
    async with TestServer(world, TOKEN) as running:
        yield running


def bot_for(server: TestServer, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=server.base_url, base_file_url=server.base_file_url)


async def test_bot_receives_what_members_post(server: TestServer) -> None:
    server.world.post(GROUP, 12, "Rota for August is up")
    async with bot_for(server) as bot:
        me = await bot.get_me()
        updates = await bot.get_updates(timeout=1)
    assert me.username == "staffguard_test_bot"
    assert [u.message.text for u in updates] == ["Rota for August is up"]
    assert updates[0].message.from_user.first_name == "Ben"


async def test_deleting_a_message_removes_it_from_the_group(server: TestServer) -> None:
    message = server.world.post(GROUP, 12, "hello")
    async with bot_for(server) as bot:
        assert await bot.delete_message(GROUP, message["message_id"])
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(GROUP, message["message_id"])
    assert server.world.is_deleted(GROUP, message["message_id"])


async def test_old_messages_cannot_be_deleted(server: TestServer) -> None:
    message = server.world.post(GROUP, 12, "old", date=int(time.time()) - 49 * 3600)
    async with bot_for(server) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't be deleted"):
            await bot.delete_message(GROUP, message["message_id"])


async def test_private_message_needs_the_user_to_have_started_the_bot(server: TestServer) -> None:
    async with bot_for(server) as bot:
        await bot.send_message(11, "guidance")
        with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
            await bot.send_message(12, "guidance")
    assert server.world.inbox(11) == ["guidance"]


async def test_flood_control_answers_with_retry_after(server: TestServer) -> None:
    server.world.fail("sendMessage", BotApiError(429, "Too Many Requests: retry after 3", 3))
    async with bot_for(server) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(11, "hi")
        await bot.send_message(11, "hi again")
    assert caught.value.retry_after.total_seconds() == 3


async def test_admins_are_listed(server: TestServer) -> None:
    async with bot_for(server) as bot:
        admins = await bot.get_chat_administrators(GROUP)
    assert {admin.user.id for admin in admins} == {11, server.world.bot.id}


async def test_wrong_token_is_refused(server: TestServer) -> None:
    with pytest.raises(InvalidToken):
        async with bot_for(server, "999:WRONG") as bot:
            await bot.get_me()


async def test_a_restricted_member_cannot_post_until_released(server: TestServer) -> None:
    world = server.world
    async with bot_for(server) as bot:
        await bot.restrict_chat_member(GROUP, 12, ChatPermissions.no_permissions())
        with pytest.raises(PostRefused):
            world.post(GROUP, 12, "hello?")
        await bot.restrict_chat_member(GROUP, 12, ChatPermissions.all_permissions())
        world.post(GROUP, 12, "hello!")
        soon = int(time.time()) - 1  # a mute that has already run out
        await bot.restrict_chat_member(GROUP, 12, ChatPermissions.no_permissions(), until_date=soon)
        world.post(GROUP, 12, "back again")
        with pytest.raises(BadRequest, match="administrator"):
            await bot.restrict_chat_member(GROUP, 11, ChatPermissions.no_permissions())
    assert [m["text"] for m in world.visible(GROUP)] == ["hello!", "back again"]


async def test_ban_then_unban_removes_a_member_who_may_join_again(server: TestServer) -> None:
    world = server.world
    async with bot_for(server) as bot:
        await bot.ban_chat_member(GROUP, 12)
        with pytest.raises(PostRefused):
            world.post(GROUP, 12, "let me in")
        await bot.unban_chat_member(GROUP, 12, only_if_banned=True)
        assert world.membership(GROUP, 12).status == "left"
        world.user_joins(GROUP, 12)
        assert world.membership(GROUP, 12).status == "member"
        # Without only_if_banned, unbanning a current member removes them (as Telegram does).
        await bot.unban_chat_member(GROUP, 12, only_if_banned=True)
        assert world.membership(GROUP, 12).status == "member"
        await bot.unban_chat_member(GROUP, 12)
        assert world.membership(GROUP, 12).status == "left"


async def test_joins_adds_and_the_bots_own_changes_arrive_as_chat_member_updates(
    server: TestServer,
) -> None:
    world = server.world
    world.add_user(13, "Cara")
    world.user_added(GROUP, 13, by=11)
    async with bot_for(server) as bot:
        await bot.restrict_chat_member(GROUP, 13, ChatPermissions.no_permissions())
        world.user_leaves(GROUP, 13)
        updates = await bot.get_updates(timeout=1, allowed_updates=["chat_member"])
    changes = [update.chat_member for update in updates]
    assert [
        (c.from_user.id, c.old_chat_member.status, c.new_chat_member.status) for c in changes
    ] == [
        (11, "left", "member"),
        (world.bot.id, "member", "restricted"),
        (13, "restricted", "left"),
    ]
    assert changes[1].new_chat_member.is_member
