"""Group admins' commands: /policy, /strikes and /pardon, used in the group itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import ChatMember, Message, Update, User
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.codeofconduct.policy_file import GroupPolicy, Strikes
from bot.enforcement.services import Services
from bot.handlers.context import services
from bot.moderation.taxonomy import DEFAULT_ACTIONS
from bot.storage.columns import utc_now
from bot.storage.groups import find_member_by_username
from bot.storage.moderation import list_strikes, revoke_strikes

ADMINS_ONLY = "Only this group's admins can use that command."
IN_A_GROUP = "Use that command in the group it is about."
WHO = (
    "Say who: reply to one of their messages with the command, or give their @username "
    "(I know a username once I've seen them post)."
)
DEFAULT_PARDON_REASON = "pardoned by a group admin"


@dataclass(frozen=True, slots=True)
class Target:
    """The member an admin's command is about."""

    user_id: int
    name: str


AdminCommand = Callable[[Message, User, Services, list[str]], Awaitable[str]]


def admin_only(
    command: AdminCommand,
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    """Run `command` for the group's admins; anyone else gets a short refusal."""

    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None:
            return
        if message.chat.type == ChatType.PRIVATE:
            await message.reply_text(IN_A_GROUP)
            return
        running = services(context)
        if not await running.gateway.is_admin(message.chat.id, user.id):
            await message.reply_text(ADMINS_ONLY)
            return
        await message.reply_text(await command(message, user, running, list(context.args or [])))

    return handler


# --- /policy ---------------------------------------------------------------------------------


async def _policy(message: Message, user: User, running: Services, args: list[str]) -> str:
    return policy_summary(running.group(message.chat.id), message.chat.title or "this group")


def policy_summary(group: GroupPolicy, title: str) -> str:
    """The group's effective policy in a few lines: only what differs from the defaults."""
    lines = [f"Policy in {title}" + (f" (kind: {group.kind})" if group.kind else "") + ":"]
    changed = {
        category: action
        for category, action in group.actions.items()
        if action != DEFAULT_ACTIONS.get(category)
    }
    if changed:
        lines.append("Categories changed from the defaults:")
        lines += [
            f"- {category}: {action.value if action else 'off'}"
            for category, action in sorted(changed.items())
        ]
    else:
        lines.append("Every category uses its default action.")
    lines.append("Strikes: " + strikes_summary(group.settings.strikes))
    lines.append(f"Faces in photos: {group.faces.value}")
    lines.append("/rules shows the code of conduct members see.")
    return "\n".join(lines)


def strikes_summary(strikes: Strikes) -> str:
    steps = []
    if strikes.reminder is not None:
        steps.append(f"reminder at {strikes.reminder}")
    if strikes.mute is not None:
        steps.append(f"muted for {strikes.mute_hours} h at {strikes.mute}")
    if strikes.senior_manager_alert is not None:
        steps.append(f"senior manager told at {strikes.senior_manager_alert}")
    if strikes.remove is not None:
        steps.append(f"removed at {strikes.remove}")
    ladder = ", ".join(steps) if steps else "no steps"
    return f"{ladder} (counting the last {strikes.window_days} days)"


# --- /strikes and /pardon --------------------------------------------------------------------


async def _strikes(message: Message, user: User, running: Services, args: list[str]) -> str:
    target = await find_target(message, running, args)
    if target is None:
        return who(args)
    thresholds = running.group(message.chat.id).settings.strikes
    since = utc_now() - timedelta(days=thresholds.window_days)
    async with running.database.transaction() as session:
        strikes = await list_strikes(session, target.user_id, chat_id=message.chat.id, since=since)
    window = f"in the last {thresholds.window_days} days"
    if not strikes:
        return f"{target.name} has no strikes in this group {window}."
    lines = [f"{target.name} has {_count(len(strikes), 'strike')} in this group {window}:"]
    lines += [
        f"- {strike.given_at:%d %b %Y}: {strike.category or 'unknown category'}"
        + (f" (incident {strike.incident_id})" if strike.incident_id else "")
        for strike in strikes
    ]
    lines.append("Steps: " + strikes_summary(thresholds))
    return "\n".join(lines)


async def _pardon(message: Message, user: User, running: Services, args: list[str]) -> str:
    target = await find_target(message, running, args)
    if target is None:
        return who(args)
    words = args[1:] if args and args[0].startswith("@") else args
    reason = " ".join(words).strip() or DEFAULT_PARDON_REASON
    async with running.database.transaction() as session:
        revoked = await revoke_strikes(
            session,
            message.chat.id,
            target.user_id,
            actor=f"telegram:{user.id} ({user.full_name})",
            reason=reason,
        )
    reply = f"Revoked {_count(revoked, 'strike')} for {target.name} in this group."
    return reply + await _lift_mute(running, message.chat.id, target)


async def _lift_mute(running: Services, chat_id: int, target: Target) -> str:
    membership = await running.gateway.membership(chat_id, target.user_id)
    if membership is None or membership.status != ChatMember.RESTRICTED:
        return ""
    attempt = await running.gateway.unmute(chat_id, target.user_id)
    if attempt.ok:
        return " Their mute is lifted."
    return f" I could not lift their mute ({attempt.detail}); please do it by hand."


async def find_target(message: Message, running: Services, args: list[str]) -> Target | None:
    """Who the command is about: the author of the replied-to message, or an @username."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        return Target(replied.from_user.id, replied.from_user.full_name)
    if not args or not args[0].startswith("@"):
        return None
    async with running.database.transaction() as session:
        member = await find_member_by_username(session, message.chat.id, args[0])
    if member is None:
        return None
    return Target(member.user_id, member.display_name or f"@{member.username}")


def who(args: list[str]) -> str:
    if args and args[0].startswith("@") and len(args[0]) > 1:
        return f"I haven't seen {args[0]} post in this group yet. " + WHO
    return WHO


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


policy = admin_only(_policy)
strikes = admin_only(_strikes)
pardon = admin_only(_pardon)
