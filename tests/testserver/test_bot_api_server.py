"""The Bot API test server answers python-telegram-bot the way Telegram does."""

import time

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.testserver.app import TestServer
from bot.testserver.world import BotApiError, World

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
