"""The agreement gate under a burst of joins: how soon newcomers are restricted and asked,
and how late their removals come after the deadline.

Starts the Bot API test server and the real bot in this process (loopback, a
SQLite file in a temporary folder), lets `--joins` people join `--groups`
groups at once, none of whom agree, and prints a table:

- join -> restricted: from the join being available to the bot to its
  restrictChatMember call;
- join -> asked: to the message asking them (privately, or in the group);
- deadline -> removed: from the removal deadline to the banChatMember call.

    python scripts/bench_membership.py [--joins 500] [--groups 20] [--remove-after 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import RunningBot, run_until
from bot.config import load_settings
from bot.testserver.app import TestServer
from bot.testserver.world import World

TOKEN = "7000000001:BENCH"


def build_world(groups: int) -> tuple[World, list[int]]:
    world = World()
    world.add_user(1, "Admin", started_bot=True)
    chat_ids = [-1_000_000_000 - number for number in range(groups)]
    for number, chat_id in enumerate(chat_ids):
        world.add_group(chat_id, f"Team {number}")
        world.join(chat_id, 1, "administrator")
    return world, chat_ids


def first_calls(world: World, method: str, key: str) -> dict[tuple[int, int], float]:
    """When each (chat, user) first got this call (monotonic clock)."""
    seen: dict[tuple[int, int], float] = {}
    for call in world.calls:
        if call.method == method and key in call.params:
            who = (int(call.params["chat_id"]), int(call.params[key]))
            seen.setdefault(who, call.at)
    return seen


def asked_at(world: World, people: dict[int, int]) -> dict[int, float]:
    """When each newcomer was first asked (a private message, or one in their group)."""
    asked: dict[int, float] = {}
    for call in world.calls:
        if call.method != "sendMessage":
            continue
        chat_id = int(call.params["chat_id"])
        for user_id, group in people.items():
            if user_id in asked:
                continue
            if chat_id == user_id or (
                chat_id == group and f"user{user_id} " in call.params["text"]
            ):
                asked[user_id] = call.at
    return asked


def row(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label:<24} {'-':>8}"
    ms = sorted(value * 1000 for value in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{label:<24} {len(ms):>8} {statistics.median(ms):>10.1f} {p95:>10.1f} {ms[-1]:>10.1f}"


async def run(joins: int, groups: int, remove_after: float) -> None:
    world, chat_ids = build_world(groups)
    people = {10_000 + n: chat_ids[n % groups] for n in range(joins)}
    for user_id in people:
        world.add_user(user_id, f"user{user_id}", started_bot=user_id % 2 == 0)
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "policy.yaml"
        policy.write_text(
            f"membership:\n  remind_after: never\n  remove_after: {remove_after:g}s\n"
        )
        async with TestServer(world, TOKEN) as server:
            settings = load_settings(
                telegram_token=TOKEN,
                telegram_api_base_url=server.base_url,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                policy_file=policy,
                log_level="WARNING",
            )
            stop = asyncio.Event()
            started: list[RunningBot] = []
            bot = asyncio.create_task(run_until(settings, stop, on_start=started.append))
            while not world.calls_to("getUpdates"):
                await asyncio.sleep(0.05)
            joined_at: dict[int, float] = {}
            for user_id, chat_id in people.items():
                world.user_joins(chat_id, user_id)
                joined_at[user_id] = time.monotonic()
            deadline = time.monotonic() + remove_after + 120
            while time.monotonic() < deadline:
                if len(first_calls(world, "banChatMember", "user_id")) >= joins:
                    break
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(bot, 60)

    restricted = first_calls(world, "restrictChatMember", "user_id")
    banned = first_calls(world, "banChatMember", "user_id")
    asked = asked_at(world, people)
    to_restrict = [
        restricted[(people[u], u)] - joined_at[u] for u in people if (people[u], u) in restricted
    ]
    to_ask = [asked[u] - joined_at[u] for u in people if u in asked]
    # The deadline is counted from when the bot handled the join (just before restricting).
    late = [
        banned[(people[u], u)] - (restricted[(people[u], u)] + remove_after)
        for u in people
        if (people[u], u) in banned and (people[u], u) in restricted
    ]
    print(
        f"{joins} joins across {groups} groups, removal after {remove_after:g} s "
        "(half of them reachable privately)"
    )
    print(f"{'':<24} {'count':>8} {'p50 ms':>10} {'p95 ms':>10} {'max ms':>10}")
    print(row("join -> restricted", to_restrict))
    print(row("join -> asked", to_ask))
    print(row("deadline -> removed", late))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=500)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--remove-after", type=float, default=5.0)
    args = parser.parse_args()
    asyncio.run(run(args.joins, args.groups, args.remove_after))


if __name__ == "__main__":
    main()
