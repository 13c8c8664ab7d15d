"""Groups the bot is in (and its rights there) and the members it has seen post."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.columns import as_utc, utc_now
from bot.storage.errors import NotFound
from bot.storage.models import Base, Group, Member


async def upsert_group(
    session: AsyncSession,
    chat_id: int,
    *,
    title: str,
    kind: str,
    bot_status: str,
    can_delete_messages: bool,
    can_restrict_members: bool,
    now: datetime | None = None,
) -> Group:
    """Record a group and the bot's current rights there (insert or update)."""
    moment = as_utc(now) if now else utc_now()
    changes = {
        "title": title,
        "kind": kind,
        "bot_status": bot_status,
        "can_delete_messages": can_delete_messages,
        "can_restrict_members": can_restrict_members,
        "updated_at": moment,
    }
    await _upsert(
        session,
        Group,
        keys={"chat_id": chat_id},
        values={**changes, "first_seen_at": moment},
        on_conflict=changes,
    )
    return await get_group(session, chat_id)


async def ensure_group(session: AsyncSession, chat_id: int) -> None:
    """Make sure the group has a row, so an incident can always be recorded first."""
    moment = utc_now()
    await _upsert(
        session,
        Group,
        keys={"chat_id": chat_id},
        values={"title": "", "kind": "group", "first_seen_at": moment, "updated_at": moment},
        on_conflict=None,
    )


async def get_group(session: AsyncSession, chat_id: int) -> Group:
    group = await session.get(Group, chat_id, populate_existing=True)
    if group is None:
        raise NotFound("group", chat_id)
    return group


async def list_groups(session: AsyncSession) -> list[Group]:
    return list((await session.scalars(select(Group).order_by(Group.title, Group.chat_id))).all())


async def note_member(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    *,
    display_name: str | None = None,
    username: str | None = None,
    is_admin: bool | None = None,
    now: datetime | None = None,
    group_known: bool = False,
) -> None:
    """Record that `user_id` was seen in the group now (and their current names).

    `group_known`: the caller knows the group has its row (it wrote it earlier in
    this transaction, or before), so it is not ensured again.
    """
    moment = as_utc(now) if now else utc_now()
    if not group_known:
        await ensure_group(session, chat_id)
    changes: dict[str, Any] = {"last_seen_at": moment}
    if display_name is not None:
        changes["display_name"] = display_name
    if username is not None:
        changes["username"] = username
    if is_admin is not None:
        changes["is_admin"] = is_admin
    await _upsert(
        session,
        Member,
        keys={"chat_id": chat_id, "user_id": user_id},
        values={"is_admin": False, **changes, "first_seen_at": moment},
        on_conflict=changes,
    )


async def get_member(session: AsyncSession, chat_id: int, user_id: int) -> Member:
    member = await session.get(Member, (chat_id, user_id), populate_existing=True)
    if member is None:
        raise NotFound("member", f"{user_id} in group {chat_id}")
    return member


async def find_member_by_username(
    session: AsyncSession, chat_id: int, username: str
) -> Member | None:
    """The member of the group last seen with this @username (any case), if the bot saw them."""
    wanted = username.removeprefix("@").lower()
    if not wanted:
        return None
    query = (
        select(Member)
        .where(Member.chat_id == chat_id, func.lower(Member.username) == wanted)
        .order_by(Member.last_seen_at.desc())
    )
    return (await session.scalars(query)).first()


async def list_members(session: AsyncSession, chat_id: int) -> list[Member]:
    query = select(Member).where(Member.chat_id == chat_id).order_by(Member.last_seen_at.desc())
    return list((await session.scalars(query)).all())


def dialect_insert(session: AsyncSession, model: type[Base]) -> Any:
    """The database's own INSERT, which can say what to do ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


async def _upsert(
    session: AsyncSession,
    model: type[Group] | type[Member],
    *,
    keys: dict[str, Any],
    values: dict[str, Any],
    on_conflict: dict[str, Any] | None,
    only_if: ColumnElement[bool] | None = None,
) -> None:
    """INSERT ... ON CONFLICT in one statement, so two handlers racing cannot collide.

    `only_if` limits the update to existing rows it holds for.
    """
    statement = dialect_insert(session, model).values(**keys, **values)
    if on_conflict:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_=on_conflict, where=only_if
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    await session.execute(statement)


async def name_group(session: AsyncSession, chat_id: int, title: str) -> None:
    """Keep the group's current title (it is how alerts and reports name the group).

    One statement: the row is written if missing, its title changed if different.
    """
    moment = utc_now()
    await _upsert(
        session,
        Group,
        keys={"chat_id": chat_id},
        values={"title": title, "kind": "group", "first_seen_at": moment, "updated_at": moment},
        on_conflict={"title": title, "updated_at": moment} if title else None,
        only_if=Group.title != title,
    )
