"""Groups the bot is in, its rights there, and the members it has seen."""

from __future__ import annotations

import pytest

from bot.storage.errors import NotFound
from bot.storage.groups import (
    ensure_group,
    get_group,
    get_member,
    list_groups,
    list_members,
    name_group,
    note_member,
    upsert_group,
)
from tests.storage.samples import CHAT_ID, moment


async def test_a_group_is_recorded_then_its_rights_updated(database) -> None:
    async with database.transaction() as session:
        await upsert_group(
            session,
            CHAT_ID,
            title="Ward 7 nurses",
            kind="supergroup",
            bot_status="member",
            can_delete_messages=False,
            can_restrict_members=False,
            now=moment(1),
        )
    async with database.transaction() as session:
        group = await upsert_group(
            session,
            CHAT_ID,
            title="Ward 7 nursing team",
            kind="supergroup",
            bot_status="administrator",
            can_delete_messages=True,
            can_restrict_members=True,
            now=moment(2),
        )
    assert group.title == "Ward 7 nursing team"
    assert (group.bot_status, group.can_delete_messages, group.can_restrict_members) == (
        "administrator",
        True,
        True,
    )
    assert (group.first_seen_at, group.updated_at) == (moment(1), moment(2))


async def test_ensure_group_never_overwrites_what_is_known(database) -> None:
    async with database.transaction() as session:
        await upsert_group(
            session,
            CHAT_ID,
            title="Theatres",
            kind="group",
            bot_status="administrator",
            can_delete_messages=True,
            can_restrict_members=False,
        )
        await ensure_group(session, CHAT_ID)
        await ensure_group(session, -100555)
    async with database.transaction() as session:
        groups = {group.chat_id: group for group in await list_groups(session)}
    assert groups[CHAT_ID].title == "Theatres"
    assert groups[CHAT_ID].can_delete_messages is True
    assert groups[-100555].can_delete_messages is False


async def test_members_are_noted_with_first_and_last_seen(database) -> None:
    async with database.transaction() as session:
        await note_member(session, CHAT_ID, 7, display_name="Sam K", now=moment(1))
        await note_member(session, CHAT_ID, 7, username="samk", is_admin=True, now=moment(3))
        await note_member(session, CHAT_ID, 8, now=moment(2))
    async with database.transaction() as session:
        sam = await get_member(session, CHAT_ID, 7)
        members = await list_members(session, CHAT_ID)
    assert (sam.display_name, sam.username, sam.is_admin) == ("Sam K", "samk", True)
    assert (sam.first_seen_at, sam.last_seen_at) == (moment(1), moment(3))
    assert [member.user_id for member in members] == [7, 8]


async def test_unknown_group_or_member_is_not_found(database) -> None:
    async with database.transaction() as session:
        with pytest.raises(NotFound, match="no group with id 12"):
            await get_group(session, 12)
        with pytest.raises(NotFound, match="member"):
            await get_member(session, CHAT_ID, 12)


async def test_naming_a_group_writes_it_or_changes_only_its_title(database) -> None:
    async with database.transaction() as session:
        await upsert_group(
            session,
            CHAT_ID,
            title="Theatres",
            kind="supergroup",
            bot_status="administrator",
            can_delete_messages=True,
            can_restrict_members=False,
        )
        await name_group(session, CHAT_ID, "Theatres and recovery")
        await name_group(session, CHAT_ID, "")  # no title: nothing changes
        await name_group(session, -100556, "Ward 9")
    async with database.transaction() as session:
        groups = {group.chat_id: group for group in await list_groups(session)}
    assert groups[CHAT_ID].title == "Theatres and recovery"
    assert (groups[CHAT_ID].kind, groups[CHAT_ID].can_delete_messages) == ("supergroup", True)
    assert groups[-100556].title == "Ward 9"
