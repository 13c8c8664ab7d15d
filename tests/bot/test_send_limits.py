"""The bot keeps within Telegram's send limits, and a deletion never waits behind them."""

import asyncio

from telegram import Bot

from bot.enforcement.gateway import TelegramGateway
from bot.enforcement.send_limits import Rate, SendLimiter, SendRates
from bot.testserver.app import TestServer
from bot.testserver.world import World

TOKEN = "123456:TEST-TOKEN"
GROUP, OTHER_GROUP, ADMIN = -1001, -1002, 11
# Telegram's limits scaled down (3 a second instead of 20 a minute), so the test is quick.
RATES = SendRates(overall=Rate(100, 1.0), group=Rate(3, 1.0), private=Rate(2, 1.0))


def staff_world() -> World:
    world = World()
    world.add_group(GROUP, "District Nurses East")
    world.add_group(OTHER_GROUP, "Theatres")
    world.add_user(ADMIN, "Amira", started_bot=True)
    world.join(GROUP, ADMIN, "administrator")
    world.join(OTHER_GROUP, ADMIN, "administrator")
    return world


def most_in_any_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    return max(
        sum(1 for other in times[index:] if other - start < seconds)
        for index, start in enumerate(times)
    )


async def test_sends_to_one_group_are_spread_out_and_none_is_lost() -> None:
    world = staff_world()
    async with TestServer(world, TOKEN) as server, Bot(TOKEN, base_url=server.base_url) as bot:
        gateway = TelegramGateway(bot, limiter=SendLimiter(RATES))
        attempts = await asyncio.gather(
            *(gateway.send(GROUP, f"Notice {number}") for number in range(9))
        )
    assert all(attempt.ok for attempt in attempts)
    sent = [call for call in world.calls if call.method == "sendMessage"]
    assert sorted(call.params["text"] for call in sent) == [f"Notice {n}" for n in range(9)]
    # A burst of three, then three a second: never more than the limit allows (the
    # window a little short of a second, for the time each request takes to arrive).
    assert most_in_any_window([call.at for call in sent], 0.9) <= 3


async def test_a_busy_group_does_not_hold_up_other_chats_or_deletions() -> None:
    world = staff_world()
    breach = world.post(GROUP, ADMIN, "a breach to remove")["message_id"]
    async with TestServer(world, TOKEN) as server, Bot(TOKEN, base_url=server.base_url) as bot:
        gateway = TelegramGateway(bot, limiter=SendLimiter(RATES))
        busy = [asyncio.create_task(gateway.send(GROUP, f"Notice {n}")) for n in range(9)]
        await asyncio.sleep(0.05)  # the group's allowance is used up now
        deleted = await gateway.delete(GROUP, breach)
        elsewhere = await gateway.send(OTHER_GROUP, "Training on Tuesday")
        sent_to_group_by_then = len(
            [
                c
                for c in world.calls
                if c.method == "sendMessage" and c.params["chat_id"] == str(GROUP)
            ]
        )
        await asyncio.gather(*busy)
    assert deleted.ok
    assert world.is_deleted(GROUP, breach)
    assert elsewhere.ok
    # Both went out while most of the group's notices were still waiting their turn.
    assert sent_to_group_by_then < 9
