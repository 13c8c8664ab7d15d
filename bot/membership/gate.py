"""The agreement gate: newcomers agree to the code of conduct before they post.

A member who joins (or is added, or agreed to an older version of the code)
is recorded as pending with their deadlines first, then restricted and asked;
pressing "I agree" records the agreement with the code's version and lifts
the restriction. Someone added by another member is asked whether they want
to be a member at all, and removed if they say no or do not answer in time;
the person who added them is then told why. Every step goes to the audit trail.

Telegram calls happen outside database transactions; each step's outcome is
recorded after it. The deadlines live in the database (`deadlines.py` works
through them), so a restart loses none.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import ChatMember

from bot.codeofconduct.durations import describe_duration, describe_roughly
from bot.codeofconduct.policy_file import GroupPolicy, Membership
from bot.enforcement.gateway import Attempt
from bot.enforcement.services import Services
from bot.membership.asking import Asked, Asker, Question, Where
from bot.membership.names import group_title, member_name
from bot.membership.version import code_version
from bot.storage.columns import utc_now
from bot.storage.groups import name_group, note_member
from bot.storage.members import (
    Deadlines,
    agreed_to_other_versions,
    chats_with_agreements,
    get_agreement,
    mark_agreed,
    mark_asked,
    mark_closed,
    mark_reminded,
    postpone_removal,
    record_member_step,
    start_pending,
    unasked,
)
from bot.storage.models import AgreementStatus, AskedBecause, AuditAction, MemberAgreement

log = logging.getLogger(__name__)

_GONE = (ChatMember.LEFT, ChatMember.BANNED)
_ADMIN = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the person who pressed a button is told, and whether anything changed."""

    text: str
    done: bool = False


def member_actor(user_id: int) -> str:
    return f"telegram:{user_id}"


class Gatekeeper:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.asker = Asker(services.gateway, services.bot_username)
        # Called when a new deadline is recorded (the deadline sweeper sets it, to look again).
        self.wake: Callable[[], None] = lambda: None
        self._asking_again = asyncio.Lock()  # at start and after a policy change: one at a time

    # --- members coming and going -------------------------------------------------------

    async def joined(
        self,
        chat_id: int,
        group_title: str,
        member: Person,
        *,
        added_by: Person | None,
        at: datetime,
    ) -> None:
        """Someone joined (or was added by `added_by`): restrict and ask them, if configured."""
        group = self.services.group(chat_id)
        settings = group.settings.membership
        consent = added_by is not None and settings.consent_when_added
        version = code_version(group)
        async with self.services.database.transaction() as session:
            await name_group(session, chat_id, group_title)
            await note_member(
                session,
                chat_id,
                member.user_id,
                display_name=member.name,
                username=member.username,
            )
            row = await get_agreement(session, chat_id, member.user_id)
            if row is not None and row.pending_since == at:
                return  # the same join, delivered again (however it went since)
            agreed = row is not None and row.status == AgreementStatus.AGREED
            if not consent and (
                not settings.agreement_required or (agreed and row.agreed_version == version)
            ):
                return
            because = AskedBecause.ADDED if consent else AskedBecause.JOINED
            row = await start_pending(
                session,
                chat_id,
                member.user_id,
                because=because,
                version=version,
                deadlines=deadlines_for(settings, consent=consent, now=utc_now()),
                added_by=added_by.user_id if added_by else None,
                now=at,
            )
        self.wake()
        await self._restrict_and_ask(row, group, group_title, member.name, added_by)

    async def left(self, chat_id: int, user_id: int) -> None:
        """They left before agreeing: nothing more to ask or remove."""
        await self._close_pending(chat_id, user_id, AgreementStatus.LEFT, AuditAction.MEMBER_LEFT)

    async def role_changed(self, chat_id: int, member: Person, *, is_admin: bool) -> None:
        """Made an admin (no longer asked, if they were pending) or no longer one."""
        async with self.services.database.transaction() as session:
            await note_member(
                session,
                chat_id,
                member.user_id,
                display_name=member.name,
                username=member.username,
                is_admin=is_admin,
            )
        if is_admin:
            await self._close_pending(chat_id, member.user_id, AgreementStatus.EXEMPT, None)

    async def _close_pending(
        self, chat_id: int, user_id: int, status: AgreementStatus, step: AuditAction | None
    ) -> None:
        async with self.services.database.transaction() as session:
            row = await get_agreement(session, chat_id, user_id)
            if row is None or row.status != AgreementStatus.PENDING:
                return
            prompt = row.prompt_message_id
            await mark_closed(session, row, status)
            if step is not None:
                await record_member_step(session, step, chat_id, user_id)
        await self._delete_prompt(chat_id, prompt)

    # --- the buttons -----------------------------------------------------------------------

    async def agree(self, chat_id: int, member: Person, version: str) -> Answer:
        """They pressed "I agree": record it with the code's version, then let them post."""
        group = self.services.group(chat_id)
        current = code_version(group)
        title = await self.title(chat_id)
        if version != current:
            return await self._rules_changed(chat_id, member, title)
        async with self.services.database.transaction() as session:
            row = await get_agreement(session, chat_id, member.user_id)
            if row is None or row.status != AgreementStatus.PENDING:
                return _nothing_pending(row, title)
            prompt = row.prompt_message_id
            because = row.asked_because
            await mark_agreed(session, row, version=current)
            await record_member_step(
                session,
                AuditAction.MEMBER_AGREED,
                chat_id,
                member.user_id,
                actor=member_actor(member.user_id),
                detail={"version": current, "asked_because": because},
            )
        released = await self.services.gateway.unmute(chat_id, member.user_id)
        async with self.services.database.transaction() as session:
            await record_member_step(
                session,
                AuditAction.MEMBER_RELEASED,
                chat_id,
                member.user_id,
                detail=outcome_detail(released.ok, released.detail),
            )
        await self._delete_prompt(chat_id, prompt)
        thanks = group.texts.render("membership.agreed", group_title=title, member_name=member.name)
        return Answer(thanks, done=True)

    async def decline(self, chat_id: int, member: Person) -> Answer:
        """Someone added by another member says no: remove them, and tell the one who added them."""
        title = await self.title(chat_id)
        async with self.services.database.transaction() as session:
            row = await get_agreement(session, chat_id, member.user_id)
            if row is None or row.status != AgreementStatus.PENDING:
                return _nothing_pending(row, title)
            await record_member_step(
                session,
                AuditAction.CONSENT_REFUSED,
                chat_id,
                member.user_id,
                actor=member_actor(member.user_id),
                detail={"how": "declined", "added_by": row.added_by},
            )
        await self.remove(row, title, declined=True)
        texts = self.services.group(chat_id).texts
        goodbye = texts.render("membership.declined", group_title=title, member_name=member.name)
        return Answer(goodbye, done=True)

    async def _rules_changed(self, chat_id: int, member: Person, title: str) -> Answer:
        """A button from before the code changed: ask again with the code as it is now."""
        group = self.services.group(chat_id)
        async with self.services.database.transaction() as session:
            row = await get_agreement(session, chat_id, member.user_id)
            if row is None or row.status != AgreementStatus.PENDING:
                return _nothing_pending(row, title)
            row.asked_version = code_version(group)
            row.asked_because = (
                row.asked_because
                if row.asked_because == AskedBecause.ADDED
                else AskedBecause.CODE_CHANGED.value
            )
        await self._ask(row, group, title, member.name, None)
        return Answer("The group rules have changed since that message: please read them again.")

    async def send_rules(self, chat_id: int, member: Person) -> bool:
        """The rules privately (from the group message's link), with the buttons if pending."""
        async with self.services.database.transaction() as session:
            row = await get_agreement(session, chat_id, member.user_id)
        if row is None or row.status != AgreementStatus.PENDING:
            return False
        title = await self.title(chat_id)
        group = self.services.group(chat_id)
        question = await self._question(row, group, title, member.name, None)
        attempt = await self.asker.ask_privately(question, group.texts)
        return attempt.ok

    # --- deadlines ---------------------------------------------------------------------------

    async def remind(self, row: MemberAgreement) -> None:
        """A pending member's reminder, the same way they were asked (or better)."""
        async with self.services.database.transaction() as session:
            fresh = await get_agreement(session, row.chat_id, row.user_id)
        if fresh is None or fresh.status != AgreementStatus.PENDING:
            return
        title = await self.title(row.chat_id)
        group = self.services.group(row.chat_id)
        name = await self._member_name(row.chat_id, row.user_id)
        reminder = group.texts.render("membership.reminder", group_title=title, member_name=name)
        if fresh.remove_at is not None:
            left = describe_roughly(fresh.remove_at - utc_now())
            warning = group.texts.render("membership.removal_warning", time_left=left)
            reminder = f"{reminder} {warning}"
        question = await self._question(fresh, group, title, name, None)
        asked = await self.asker.ask(question, group.texts, reminder=reminder)
        if asked.where is Where.GROUP:
            await self._delete_prompt(row.chat_id, fresh.prompt_message_id)
        async with self.services.database.transaction() as session:
            fresh = await get_agreement(session, row.chat_id, row.user_id)
            if fresh is None:
                return
            await mark_reminded(session, fresh, prompt_message_id=asked.group_message_id)
            await record_member_step(
                session,
                AuditAction.MEMBER_REMINDED,
                row.chat_id,
                row.user_id,
                detail=_asked_detail(asked),
            )

    async def remove(
        self, row: MemberAgreement, title: str | None = None, *, declined: bool = False
    ) -> None:
        """Remove a member who did not agree in time (or declined); they may rejoin later."""
        async with self.services.database.transaction() as session:
            fresh = await get_agreement(session, row.chat_id, row.user_id)
        if fresh is None or fresh.status != AgreementStatus.PENDING:
            return
        title = title or await self.title(row.chat_id)
        gateway = self.services.gateway
        removed = await gateway.remove_allowing_return(row.chat_id, row.user_id)
        added = fresh.asked_because == AskedBecause.ADDED
        why = _removal_reason(added=added, declined=declined)
        if not removed.ok:
            async with self.services.database.transaction() as session:
                fresh = await get_agreement(session, row.chat_id, row.user_id)
                if fresh is not None:
                    await postpone_removal(session, fresh, None)
                await record_member_step(
                    session,
                    AuditAction.MEMBER_REMOVED,
                    row.chat_id,
                    row.user_id,
                    reason=why,
                    detail=outcome_detail(False, removed.detail),
                )
            return
        texts = self.services.group(row.chat_id).texts
        name = await self._member_name(row.chat_id, row.user_id)
        await self._delete_prompt(row.chat_id, fresh.prompt_message_id)
        if not declined:
            notice = texts.render("membership.removed", group_title=title, member_name=name)
            await gateway.send(row.user_id, notice)
        told = None
        if added and fresh.added_by is not None:
            message = texts.render("membership.adder_told", group_title=title, member_name=name)
            told = await gateway.send(fresh.added_by, message)
        async with self.services.database.transaction() as session:
            fresh = await get_agreement(session, row.chat_id, row.user_id)
            if fresh is not None:
                status = AgreementStatus.DECLINED if declined else AgreementStatus.REMOVED
                await mark_closed(session, fresh, status)
            if added and not declined:
                await record_member_step(
                    session,
                    AuditAction.CONSENT_REFUSED,
                    row.chat_id,
                    row.user_id,
                    detail={"how": "no answer in time", "added_by": row.added_by},
                )
            detail = outcome_detail(True)
            if told is not None:
                detail.update(adder_told=told.ok, adder_problem=told.detail)
            await record_member_step(
                session,
                AuditAction.MEMBER_REMOVED,
                row.chat_id,
                row.user_id,
                reason=why,
                detail=detail,
            )

    # --- at start-up ---------------------------------------------------------------------------

    async def ask_unasked(self) -> int:
        """Ask pending members the question never reached (the bot stopped in between)."""
        async with self.services.database.transaction() as session:
            rows = await unasked(session)
        for row in rows:
            group = self.services.group(row.chat_id)
            title = await self.title(row.chat_id)
            name = await self._member_name(row.chat_id, row.user_id)
            await self._restrict_and_ask(row, group, title, name, await self._adder(row))
        return len(rows)

    async def ask_again_after_code_changes(self) -> int:
        """Members who agreed to an older version of a group's code are asked again."""
        async with self._asking_again:
            return await self._ask_again_everywhere()

    async def _ask_again_everywhere(self) -> int:
        asked = 0
        async with self.services.database.transaction() as session:
            chat_ids = await chats_with_agreements(session)
        for chat_id in chat_ids:
            group = self.services.group(chat_id)
            if not group.settings.membership.agreement_required:
                continue
            version = code_version(group)
            async with self.services.database.transaction() as session:
                outdated = await agreed_to_other_versions(session, chat_id, version)
            for row in outdated:
                asked += await self._ask_again(row, group, version)
        return asked

    async def _ask_again(self, row: MemberAgreement, group: GroupPolicy, version: str) -> int:
        membership = await self.services.gateway.membership(row.chat_id, row.user_id)
        if membership is None or membership.status in _ADMIN:
            return 0  # Telegram will not say, or an admin: not asked
        if membership.status in _GONE or (
            membership.status == ChatMember.RESTRICTED
            and not getattr(membership, "is_member", True)
        ):
            async with self.services.database.transaction() as session:
                fresh = await get_agreement(session, row.chat_id, row.user_id)
                if fresh is not None:
                    await mark_closed(session, fresh, AgreementStatus.LEFT)
            return 0
        async with self.services.database.transaction() as session:
            fresh = await start_pending(
                session,
                row.chat_id,
                row.user_id,
                because=AskedBecause.CODE_CHANGED,
                version=version,
                deadlines=deadlines_for(group.settings.membership, consent=False, now=utc_now()),
            )
        self.wake()
        title = await self.title(row.chat_id)
        name = await self._member_name(row.chat_id, row.user_id)
        await self._restrict_and_ask(fresh, group, title, name, None)
        return 1

    # --- asking ----------------------------------------------------------------------------------

    async def _restrict_and_ask(
        self,
        row: MemberAgreement,
        group: GroupPolicy,
        title: str,
        name: str,
        added_by: Person | None,
    ) -> None:
        restricted = await self.services.gateway.silence(row.chat_id, row.user_id)
        await self._ask(row, group, title, name, added_by, restricted=restricted)

    async def _ask(
        self,
        row: MemberAgreement,
        group: GroupPolicy,
        title: str,
        name: str,
        added_by: Person | None,
        *,
        restricted: Attempt | None = None,
    ) -> Asked:
        """Ask, then record it (and the restriction before it) in one transaction."""
        question = await self._question(row, group, title, name, added_by)
        asked = await self.asker.ask(question, group.texts)
        async with self.services.database.transaction() as session:
            if restricted is not None:
                await record_member_step(
                    session,
                    AuditAction.MEMBER_RESTRICTED,
                    row.chat_id,
                    row.user_id,
                    detail=outcome_detail(restricted.ok, restricted.detail),
                )
            fresh = await get_agreement(session, row.chat_id, row.user_id)
            if fresh is not None and asked.where is not Where.NOWHERE:
                await mark_asked(
                    session,
                    fresh,
                    where=asked.where.value,
                    prompt_message_id=asked.group_message_id,
                )
            await record_member_step(
                session,
                AuditAction.MEMBER_ASKED,
                row.chat_id,
                row.user_id,
                detail={
                    **_asked_detail(asked),
                    "version": question.version,
                    "asked_because": question.because.value,
                    "added_by": row.added_by,
                },
            )
        return asked

    async def _question(
        self,
        row: MemberAgreement,
        group: GroupPolicy,
        title: str,
        name: str,
        added_by: Person | None,
    ) -> Question:
        because = AskedBecause(row.asked_because)
        adder_name = ""
        if because is AskedBecause.ADDED:
            adder = added_by or await self._adder(row)
            adder_name = adder.name if adder else "Another member"
        time_left = describe_duration(group.settings.membership.consent_timeout)
        if row.remove_at is not None:
            time_left = describe_roughly(row.remove_at - utc_now())
        return Question(
            chat_id=row.chat_id,
            group_title=title,
            member_id=row.user_id,
            member_name=name,
            because=because,
            version=row.asked_version or code_version(group),
            adder_name=adder_name,
            time_left=time_left,
        )

    # --- small look-ups -------------------------------------------------------------------------

    async def _delete_prompt(self, chat_id: int, message_id: int | None) -> None:
        if message_id is not None:
            await self.services.gateway.delete(chat_id, message_id)

    async def title(self, chat_id: int) -> str:
        return await group_title(self.services.database, chat_id)

    async def _member_name(self, chat_id: int, user_id: int, unknown: str = "A new member") -> str:
        return await member_name(self.services.database, chat_id, user_id, unknown)

    async def _adder(self, row: MemberAgreement) -> Person | None:
        if row.added_by is None:
            return None
        name = await self._member_name(row.chat_id, row.added_by, unknown="Another member")
        return Person(row.added_by, name)


def deadlines_for(settings: Membership, *, consent: bool, now: datetime) -> Deadlines:
    """When to remind and when to remove someone asked now."""
    remove_after: timedelta | None = settings.consent_timeout if consent else settings.remove_after
    remind_after = settings.remind_after
    if remind_after is not None and remove_after is not None and remind_after >= remove_after:
        remind_after = None  # no reminder once they are gone
    return Deadlines(
        remind_at=now + remind_after if remind_after is not None else None,
        remove_at=now + remove_after if remove_after is not None else None,
    )


def _removal_reason(*, added: bool, declined: bool) -> str:
    if declined:
        return "declined to be a member"
    return "did not agree to be a member in time" if added else "did not agree to the code in time"


def _nothing_pending(row: MemberAgreement | None, title: str) -> Answer:
    if row is not None and row.status == AgreementStatus.AGREED:
        return Answer(f"You've already agreed to the rules of {title}.")
    return Answer(f"There's nothing waiting for you to agree to in {title}.")


def outcome_detail(ok: bool, problem: str = "") -> dict[str, object]:
    return {"outcome": "done"} if ok else {"outcome": "failed", "problem": problem}


def _asked_detail(asked: Asked) -> dict[str, object]:
    if asked.where is Where.NOWHERE:
        return {"outcome": "failed", "problem": asked.problem}
    return {"outcome": "done", "where": asked.where.value}
