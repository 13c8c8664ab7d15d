"""Updates are confirmed only once handled: a crash means redelivery, never loss."""

import asyncio

import pytest
from telegram import Bot, Update

from bot.polling import ReliablePoller
from bot.testserver.app import TestServer
from bot.testserver.world import BotApiError, World

TOKEN = "42:POLL"
GROUPS = (-1001, -1002)


@pytest.fixture
async def server():
    world = World()
    for chat_id in GROUPS:
        world.add_group(chat_id, f"group {chat_id}")
    world.add_user(5, "Dee")
    for chat_id in GROUPS:
        world.join(chat_id, 5)
    async with TestServer(world, TOKEN) as running:
        yield running


async def poll_until(poller: ReliablePoller, done: asyncio.Event) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    await asyncio.wait_for(done.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 10)


async def test_updates_of_a_chat_are_handled_in_order(server: TestServer) -> None:
    for n in range(5):
        for chat_id in GROUPS:
            server.world.post(chat_id, 5, f"{chat_id}:{n}")
    seen: list[str] = []
    done = asyncio.Event()

    async def handle(update: Update) -> None:
        seen.append(update.message.text)
        if len(seen) == 10:
            done.set()

    async with Bot(TOKEN, base_url=server.base_url) as bot:
        await poll_until(ReliablePoller(bot, handle, poll_timeout=1), done)
    for chat_id in GROUPS:
        assert [t for t in seen if t.startswith(str(chat_id))] == [
            f"{chat_id}:{n}" for n in range(5)
        ]


async def test_a_bot_killed_mid_batch_gets_the_batch_again(server: TestServer) -> None:
    for n in range(4):
        server.world.post(GROUPS[0], 5, f"breach {n}")
    started = asyncio.Event()

    async def hang(update: Update) -> None:
        started.set()
        await asyncio.sleep(3600)  # killed before finishing

    async with Bot(TOKEN, base_url=server.base_url) as bot:
        first = asyncio.create_task(ReliablePoller(bot, hang, poll_timeout=1).run(asyncio.Event()))
        await asyncio.wait_for(started.wait(), 10)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)

        seen: list[str] = []
        done = asyncio.Event()

        async def handle(update: Update) -> None:
            seen.append(update.message.text)
            if len(seen) == 4:
                done.set()

        await poll_until(ReliablePoller(bot, handle, poll_timeout=1), done)
    assert seen == [f"breach {n}" for n in range(4)]


async def test_an_outage_delays_polling_but_loses_nothing(server: TestServer) -> None:
    server.world.fail("getUpdates", BotApiError(502, "Bad Gateway"), times=3)
    server.world.post(GROUPS[0], 5, "after the outage")
    seen: list[str] = []
    done = asyncio.Event()

    async def handle(update: Update) -> None:
        seen.append(update.message.text)
        done.set()

    async with Bot(TOKEN, base_url=server.base_url) as bot:
        poller = ReliablePoller(bot, handle, poll_timeout=1, max_backoff=0.2)
        await poll_until(poller, done)
    assert seen == ["after the outage"]
    assert len(server.world.calls_to("getUpdates")) >= 4


async def test_a_slow_update_holds_up_neither_other_chats_nor_its_confirmation(
    server: TestServer,
) -> None:
    world = server.world
    world.post(GROUPS[0], 5, "slow")
    release = asyncio.Event()
    seen: list[str] = []
    done = asyncio.Event()

    async def handle(update: Update) -> None:
        if update.message.text == "slow":
            await release.wait()
        seen.append(update.message.text)
        if len(seen) == 3:
            done.set()

    async with Bot(TOKEN, base_url=server.base_url) as bot:
        poller = ReliablePoller(bot, handle, poll_timeout=1)
        stop = asyncio.Event()
        task = asyncio.create_task(poller.run(stop))
        await until(lambda: world.calls_to("getUpdates"))
        world.post(GROUPS[1], 5, "posted after, in another group")
        world.post(GROUPS[0], 5, "posted after, in the same group")
        await until(lambda: "posted after, in another group" in seen)
        # The slow one is still being handled: nothing from it on is confirmed...
        assert not world.confirmed(1)
        # ...and the same group's next message waits for it, in order.
        assert "posted after, in the same group" not in seen
        release.set()
        await asyncio.wait_for(done.wait(), 10)
        await until(lambda: world.confirmed(3))
        stop.set()
        await asyncio.wait_for(task, 10)
    assert seen == ["posted after, in another group", "slow", "posted after, in the same group"]


async def until(condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not seen within {timeout} s")
