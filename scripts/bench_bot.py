"""The bot under load: time from an update being available to the deleteMessage call.

Starts the Bot API test server in this process and the real bot as a separate
process (`staffguard run`), then posts a sustained stream of messages across
many groups, a share of them breaches (after 3 s of warm-up that is not
counted), and prints a table. Loopback only;
bounded in count and time.

    python scripts/bench_bot.py [--rate 100] [--groups 200] [--seconds 30] [--breaches 0.1]
                                [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test]

With `--postgres` the bot uses a fresh PostgreSQL database made on that server
for the run (and dropped after it) instead of a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from bot.storage.quarantine import generate_key
from bot.testserver.app import TestServer
from bot.testserver.world import World

TOKEN = "7000000001:BENCH"
WARM_UP_SECONDS = 3
CLEAN = [
    "Rota for next week is up, 2 lates still need covering",
    "Training on Tuesday at 2 in the seminar room",
    "Thanks everyone for today, great teamwork 👏",
    "Can someone swap my Saturday early for a Sunday late?",
    "Cake in the staff room for Priya's birthday 🎂",
]
BREACHES = [
    "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin",
    "Bed 4 Mr Adeyemi DOB 12/03/1948 needs his bloods repeating",
    "visit at 27 Peel Street, BD3 9QJ, keysafe 1234, his daughter is on 07700 900417",
]


def build_world(groups: int) -> tuple[World, list[int]]:
    world = World()
    world.add_user(1, "Admin", started_bot=True)
    chat_ids = []
    for number in range(groups):
        chat_id = -1_000_000_000 - number
        world.add_group(chat_id, f"Team {number}")
        world.join(chat_id, 1, "administrator")
        chat_ids.append(chat_id)
    for user in range(10, 60):
        world.add_user(user, f"Staff {user}", started_bot=user % 2 == 0)
        for chat_id in chat_ids:
            world.join(chat_id, user)
    return world, chat_ids


async def run(rate: float, groups: int, seconds: float, share: float, postgres: str | None) -> None:
    world, chat_ids = build_world(groups)
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        async with TestServer(world, TOKEN) as server, _database(postgres, Path(tmp)) as url:
            await _drive(world, server, url, chat_ids, rng, rate, seconds, share)


@contextlib.asynccontextmanager
async def _database(postgres: str | None, tmp: Path) -> AsyncIterator[str]:
    """A database URL for one run: a SQLite file, or a new PostgreSQL database."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    server = make_url(postgres)
    name = f"staffguard_bench_{os.getpid()}"
    admin = await asyncpg.connect(server.set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _drive(
    world: World,
    server: TestServer,
    database_url: str,
    chat_ids: list[int],
    rng: random.Random,
    rate: float,
    seconds: float,
    share: float,
) -> None:
    env = os.environ | {
        "STAFFGUARD_TELEGRAM_TOKEN": TOKEN,
        "STAFFGUARD_TELEGRAM_API_BASE_URL": server.base_url,
        "STAFFGUARD_DATABASE_URL": database_url,
        "STAFFGUARD_QUARANTINE_KEYS": f'["{generate_key()}"]',
        "STAFFGUARD_LOG_LEVEL": "WARNING",
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await _wait_until_polling(world)
        posted = await _post_stream(world, chat_ids, rng, rate, seconds, share)
        await asyncio.sleep(3)  # let the last breaches be handled
    finally:
        bot.terminate()
        await bot.wait()
    _report(world, posted, rate, len(chat_ids), seconds, share)
    print(f"{'database':40} {database_url.split('+')[0]:>10}")


async def _wait_until_polling(world: World) -> None:
    deadline = time.monotonic() + 60
    while not world.calls_to("getUpdates"):
        if time.monotonic() > deadline:
            raise SystemExit("the bot did not start polling within 60 s")
        await asyncio.sleep(0.05)


async def _post_stream(
    world: World, chat_ids: list[int], rng: random.Random, rate: float, seconds: float, share: float
) -> dict[tuple[int, int], float]:
    """Post at a steady rate; returns (chat, message id) -> when each breach was posted."""
    breaches: dict[tuple[int, int], float] = {}
    interval = 1 / rate
    start = time.monotonic()
    warm_up = int(rate * WARM_UP_SECONDS)  # connections opened, caches filled: not counted
    count = warm_up + int(rate * seconds)
    for number in range(count):
        due = start + number * interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        chat_id = rng.choice(chat_ids)
        is_breach = rng.random() < share
        text = rng.choice(BREACHES if is_breach else CLEAN)
        message = world.post(chat_id, rng.randrange(10, 60), text)
        if is_breach and number >= warm_up:
            breaches[(chat_id, message["message_id"])] = time.monotonic()
    return breaches


def _report(
    world: World,
    posted: dict[tuple[int, int], float],
    rate: float,
    groups: int,
    seconds: float,
    share: float,
) -> None:
    deleted_at: dict[tuple[int, int], float] = {}
    for call in world.calls:
        if call.method == "deleteMessage":
            key = (int(call.params["chat_id"]), int(call.params["message_id"]))
            deleted_at.setdefault(key, call.at)
    latencies = sorted(
        (deleted_at[key] - at) * 1000 for key, at in posted.items() if key in deleted_at
    )
    missed = len(posted) - len(latencies)
    print(f"bot benchmark: {rate:.0f} msg/s for {seconds:.0f} s across {groups} groups, "
          f"{share:.0%} breaches")  # fmt: skip
    print(f"{'measure':40} {'value':>10}")
    print(f"{'breaches posted':40} {len(posted):>10}")
    print(f"{'breaches deleted':40} {len(latencies):>10}")
    print(f"{'breaches not deleted':40} {missed:>10}")
    print(f"{'getUpdates calls':40} {len(world.calls_to('getUpdates')):>10}")
    if latencies:
        print(f"{'post -> deleteMessage p50 (ms)':40} {statistics.median(latencies):>10.1f}")
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"{'post -> deleteMessage p99 (ms)':40} {p99:>10.1f}")
        print(f"{'post -> deleteMessage max (ms)':40} {latencies[-1]:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--breaches", type=float, default=0.1)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to make the run's database on")
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.groups, args.seconds, args.breaches, args.postgres))


if __name__ == "__main__":
    main()
