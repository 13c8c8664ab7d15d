"""SQLite transactions take turns: in order of arrival, urgent work first."""

import asyncio

from bot.storage.turns import Turns


async def test_waiting_work_goes_in_order_with_urgent_work_first() -> None:
    turns = Turns()
    order: list[str] = []
    first_holds = asyncio.Event()

    async def work(name: str, urgent: bool = False) -> None:
        async with turns.turn(urgent=urgent):
            order.append(name)
            if name == "first":
                await first_holds.wait()

    tasks = [asyncio.create_task(work("first"))]
    await asyncio.sleep(0)
    for name, urgent in (("later-1", False), ("later-2", False), ("breach", True)):
        tasks.append(asyncio.create_task(work(name, urgent)))
    await asyncio.sleep(0)
    first_holds.set()
    await asyncio.gather(*tasks)
    assert order == ["first", "breach", "later-1", "later-2"]


async def test_a_waiter_that_gives_up_does_not_block_the_queue() -> None:
    turns = Turns()
    release = asyncio.Event()
    done: list[str] = []

    async def holder() -> None:
        async with turns.turn():
            await release.wait()

    async def waiter(name: str) -> None:
        async with turns.turn():
            done.append(name)

    holding = asyncio.create_task(holder())
    await asyncio.sleep(0)
    quitter = asyncio.create_task(waiter("quitter"))
    patient = asyncio.create_task(waiter("patient"))
    await asyncio.sleep(0)
    quitter.cancel()
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, patient), 5)
    assert done == ["patient"]
    async with turns.turn():  # the queue is free again
        pass
