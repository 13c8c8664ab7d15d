"""The bot joining a group or having its rights changed, and the members it sees post."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberAdministrator, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.handlers.context import services
from bot.storage.errors import NotFound
from bot.storage.groups import get_group, note_member, upsert_group

NOTED = "staffguard.noted_members"
NOTED_GROUPS = "staffguard.noted_groups"
_GONE = (ChatMember.LEFT, ChatMember.BANNED)
_ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def bot_membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record the group and the bot's rights; tell the group what the bot still needs."""
    change = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    chat, new = change.chat, change.new_chat_member
    can_delete = isinstance(new, ChatMemberAdministrator) and new.can_delete_messages
    can_restrict = isinstance(new, ChatMemberAdministrator) and new.can_restrict_members
    can_invite = isinstance(new, ChatMemberAdministrator) and new.can_invite_users
    running = services(context)
    verifies = running.group(chat.id).settings.verification.required
    async with running.database.transaction() as session:
        try:
            before = await get_group(session, chat.id)
            previous = (before.bot_status, before.can_delete_messages, before.can_restrict_members)
        except NotFound:
            previous = None
        await upsert_group(
            session,
            chat.id,
            title=chat.title or "",
            kind=chat.type,
            bot_status=new.status,
            can_delete_messages=can_delete,
            can_restrict_members=can_restrict,
        )
    if new.status in _GONE or previous == (new.status, can_delete, can_restrict):
        return  # gone, or a change to rights the bot does not use
    text = readiness_text(
        chat.title or "this group",
        new.status,
        can_delete,
        can_restrict,
        can_invite=can_invite or not verifies,  # only a verifying group approves requests
    )
    await running.gateway.send(chat.id, text)


def readiness_text(
    title: str, status: str, can_delete: bool, can_restrict: bool, *, can_invite: bool = True
) -> str:
    """What the bot can do in the group now, and what it still needs, in plain words."""
    if status in _ADMIN and can_delete and can_restrict and can_invite:
        return (
            f"StaffGuard is ready in {title}. I'll remove messages that contain patient "
            "information or break the code of conduct, and tell the poster why privately. "
            "Send /rules to see the group rules."
        )
    needs = []
    if status not in _ADMIN:
        needs.append("to be an admin (so I see every message, whatever my privacy setting)")
    if not can_delete:
        needs.append("the right to delete messages")
    if not can_restrict:
        needs.append(
            "the right to restrict members (to mute repeated breaches, and to hold newcomers "
            "until they agree to the rules)"
        )
    if not can_invite:
        needs.append("the right to add members (to let verified staff in when they ask to join)")
    return (
        f"Hello {title}: I keep patient information and code-of-conduct breaches out of "
        "this group. Before I can do that, a group owner needs to give me "
        + "; ".join(needs)
        + ". Until then I cannot remove anything posted here."
    )


async def note_poster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remember who posts (id, name, @username) so admins can name them in /strikes.

    Written once per person and name change while the bot runs, not per message,
    and in the background: the update is handled (and the next batch fetched)
    without waiting for it.
    """
    message = update.message
    user = message.from_user if message else None
    if message is None or user is None or user.is_bot:
        return
    key = (message.chat.id, user.id)
    seen = (user.full_name, user.username)
    noted: dict[tuple[int, int], tuple[str, str | None]] = context.bot_data.setdefault(NOTED, {})
    if noted.get(key) == seen:
        return
    noted[key] = seen
    running = services(context)
    # Groups whose row this process has written: a member of one is a single upsert.
    groups: set[int] = context.bot_data.setdefault(NOTED_GROUPS, set())

    async def write() -> None:
        try:
            async with running.database.transaction() as session:
                await note_member(
                    session,
                    key[0],
                    key[1],
                    display_name=seen[0],
                    username=seen[1],
                    group_known=key[0] in groups,
                )
        except Exception:
            noted.pop(key, None)  # try again when they next post
            groups.discard(key[0])
            raise
        groups.add(key[0])

    running.spawn(write())
