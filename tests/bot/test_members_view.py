"""/members shows a group's admins who agreed, who is pending, strikes and verification."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.codeofconduct.policy_file import load_policy_file
from bot.membership.version import code_version
from tests.bot.harness import ADMIN, GROUP, GROUP_TITLE, POSTER, Harness
from tests.bot.members_harness import gated_group, message_with, press, until_recorded

DANI, EVE = 310, 320
BREACH = "Can someone ring Mrs Thornbury back, NHS 943 476 5919, about her warfarin"


async def a_group_with_every_state(bot: Harness) -> str:
    """Dani agreed, Eve is pending, Ben has a strike, Amira is the admin; the code's version."""
    world = bot.world
    world.add_user(DANI, "Dani", username="dani", started_bot=True)
    world.add_user(EVE, "Eve")
    world.user_joins(GROUP, DANI)
    prompt = await message_with(bot, DANI, "Before you can post there")
    await press(bot, DANI, prompt, "I agree")
    await until_recorded(bot, DANI, "agreed")
    world.user_joins(GROUP, EVE)
    await message_with(bot, GROUP, "Welcome Eve")
    breach = bot.post(POSTER, BREACH)
    await bot.until(lambda: world.is_deleted(GROUP, breach))
    return code_version(load_policy_file(bot.settings.policy_file).group(GROUP))


def line_for(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"- {name} "))


async def test_an_admin_gets_the_list_privately_and_a_member_is_refused(tmp_path: Path) -> None:
    async with gated_group(tmp_path) as bot:
        version = await a_group_with_every_state(bot)
        bot.post(ADMIN, "/members")
        await message_with(bot, GROUP, "I've sent you the member list in a private chat.")
        listing = (await message_with(bot, ADMIN, "Members of"))["text"]
        assert listing.startswith(f"Members of {GROUP_TITLE}: ")
        assert f"Code of conduct version now: {version}." in listing
        assert line_for(listing, "Dani").startswith(
            f"- Dani (@dani, {DANI}): agreed to {version} on "
        )
        assert "pending since" in line_for(listing, "Eve")
        assert "strikes: 1" in line_for(listing, "Ben")
        assert "admin" in line_for(listing, "Amira")
        assert all("verified: unknown" in line for line in listing.splitlines()[2:])
        assert "943" not in listing
        assert "Thornbury" not in listing

        bot.post(POSTER, "/members")
        await message_with(bot, GROUP, "Only this group's admins can use that command.")
        assert not [text for text in bot.world.inbox(POSTER) if "Members of" in text]

        # In a private chat: the groups the reader runs, or a refusal.
        def listings() -> list[str]:
            return [text for text in bot.world.inbox(ADMIN) if text.startswith("Members of")]

        assert len(listings()) == 1
        bot.world.post(ADMIN, ADMIN, "/members")
        await bot.until(lambda: len(listings()) == 2)
        assert listings()[-1].startswith(f"Members of {GROUP_TITLE}: ")
        bot.world.post(POSTER, POSTER, "/members")
        await message_with(bot, POSTER, "You're not an admin of any group I look after")


async def test_the_command_line_shows_the_same_states_and_the_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with gated_group(tmp_path) as bot:
        version = await a_group_with_every_state(bot)
        bot.post(ADMIN, "/members")  # the bot notes who the admins are
        await message_with(bot, ADMIN, "Members of")
        database_url = bot.settings.database_url
        policy_file = bot.settings.policy_file
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", database_url)
    monkeypatch.setenv("STAFFGUARD_POLICY_FILE", str(policy_file))

    async def run(*args: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(main, ["members", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = await run("--chat", str(GROUP), "--history")
    assert code == 0
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split() == [
        "User", "Name", "State", "Since", "/", "agreed", "(UTC)", "Version", "Strikes", "Verified",
    ]  # fmt: skip
    rows = {int(line.split()[0]): line for line in table[1:]}
    assert "agreed" in rows[DANI]
    assert version in rows[DANI]
    assert "pending (joined)" in rows[EVE]
    assert rows[POSTER].split()[-2:] == ["1", "unknown"]
    assert rows[ADMIN].split()[1:4] == ["Amira", "(@amira)", "admin"]
    assert "member.agreed" in out
    assert f"user {DANI}" in out

    code, out, _ = await run("--chat", GROUP_TITLE, "--json")
    shown = json.loads(out)
    states = {member["user_id"]: member for member in shown["members"]}
    assert shown["code_version"] == version
    assert (states[DANI]["state"], states[DANI]["agreed_version"]) == ("agreed", version)
    assert states[EVE]["state"] == "pending"
    assert states[EVE]["asked_where"] == "group"
    assert states[POSTER]["strikes"] == 1
    assert {member["verified"] for member in shown["members"]} == {"unknown"}
    assert "history" not in shown

    code, _, err = await run("--chat", "-100999")
    assert code == 3
    assert "no group with chat id -100999" in err
