"""Staff verification: a join request is approved only once the person shows they are staff.

In a group whose policy requires it, a join request is approved at once for
someone already verified (for another group, say) or on the trust's roster by
their Telegram account. Anyone else is asked privately for their work email
address; an address in an allowed domain (or on the roster) is sent a one-time
code, and the right code approves every request they have waiting. Wrong codes
run out, and a request nobody verifies in time is declined.

A verification lasts for the policy's `valid_for`; the member is then asked to
verify again (/verify). A withdrawn verification (a leaver, `staffguard staff
revoke`) removes the member from every group they were verified for.

Every step goes to the audit trail with ids only; an address only masked.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.codeofconduct.durations import describe_duration
from bot.codeofconduct.policy_file import Verification, VerificationMethod
from bot.enforcement.services import Services
from bot.membership.gate import Person, outcome_detail
from bot.membership.mailer import Mailer
from bot.membership.names import group_title, member_name
from bot.membership.roster import valid_email
from bot.storage.columns import utc_now
from bot.storage.groups import name_group
from bot.storage.members import record_member_step
from bot.storage.models import AuditAction, JoinRequest, JoinRequestStatus, StaffVerification
from bot.storage.verification import (
    check_code,
    decide_request,
    forget_code,
    is_email_withdrawn,
    mark_expiry_told,
    mark_removed,
    mask_email,
    new_code,
    overdue_requests,
    pending_requests,
    record_join_request,
    record_verification,
    removals_due,
    roster_has_account,
    roster_has_email,
    run_out,
    store_code,
    verification_in_force,
    verifications_of,
)

log = logging.getLogger(__name__)

_CODE = re.compile(r"\d{6}")
_CODE_SEPARATORS = re.compile(r"[\s-]")
_GONE = "HIDE_REQUESTER_MISSING"  # Telegram: the request was already handled or withdrawn


@dataclass(frozen=True, slots=True)
class Proof:
    """How someone showed they are staff."""

    method: str  # "email" or "roster"
    email_hash: str | None = None
    email_shown: str = ""


@dataclass(frozen=True, slots=True)
class Removal:
    reason: str  # for the audit trail
    text_key: str  # what the member is told


WITHDRAWN = Removal("verification withdrawn", "verification.revoked")
NOT_RENEWED = Removal("verification ran out and was not renewed", "verification.lapsed")


class Verifier:
    def __init__(self, services: Services, mailer: Mailer) -> None:
        self.services = services
        self.mailer = mailer

    def rules(self, chat_id: int) -> Verification:
        return self.services.group(chat_id).settings.verification

    # --- a join request ------------------------------------------------------------------

    async def join_requested(
        self, chat_id: int, title: str, person: Person, *, user_chat_id: int, at: datetime
    ) -> None:
        """Let a verified person in at once; ask anyone else for their work email address."""
        rules = self.rules(chat_id)
        if not rules.required:
            return  # the group's admins approve requests themselves
        async with self.services.database.transaction() as session:
            await name_group(session, chat_id, title)
            new = await record_join_request(
                session,
                chat_id,
                person.user_id,
                user_chat_id=user_chat_id,
                requested_at=at,
                decide_by=utc_now() + rules.request_timeout,
            )
            if not new:
                return  # the same request, delivered again
            await record_member_step(session, AuditAction.JOIN_REQUESTED, chat_id, person.user_id)
        proof = await self._already_staff(person, rules)
        if proof is not None:
            await self._let_in(chat_id, person, proof, user_chat_id)
            return
        texts = self.services.group(chat_id).texts
        question = texts.render(
            "verification.ask",
            group_title=title,
            member_name=person.name,
            email_domains=describe_domains(rules),
        )
        asked = await self.services.gateway.send(user_chat_id, question)
        async with self.services.database.transaction() as session:
            detail = {"for": "verification", **outcome_detail(asked.ok, asked.detail)}
            await record_member_step(
                session, AuditAction.MEMBER_ASKED, chat_id, person.user_id, detail=detail
            )

    async def _already_staff(self, person: Person, rules: Verification) -> Proof | None:
        async with self.services.database.transaction() as session:
            earlier = await verification_in_force(session, person.user_id)
            if earlier is not None and _still_accepted(earlier, rules):
                return Proof(earlier.method, earlier.email_hash, earlier.email_shown)
            if VerificationMethod.ROSTER in rules.methods and await roster_has_account(
                session, person.user_id, person.username
            ):
                return Proof(VerificationMethod.ROSTER.value)
        return None

    async def _let_in(self, chat_id: int, person: Person, proof: Proof, user_chat_id: int) -> None:
        """Record the verification, welcome them, then approve the request.

        The welcome goes first: Telegram lets a bot write to someone who has not
        started it only while their join request is open.
        """
        await self._record_verified(chat_id, person, proof)
        title = await self.title(chat_id)
        texts = self.services.group(chat_id).texts
        gateway = self.services.gateway
        welcome = texts.render("verification.approved", group_title=title, member_name=person.name)
        await gateway.send(user_chat_id, welcome)
        approved = await gateway.approve_join_request(chat_id, person.user_id)
        async with self.services.database.transaction() as session:
            status = JoinRequestStatus.APPROVED if approved.ok else JoinRequestStatus.CLOSED
            await decide_request(session, chat_id, person.user_id, status)
            await record_member_step(
                session,
                AuditAction.JOIN_APPROVED,
                chat_id,
                person.user_id,
                detail=outcome_detail(approved.ok, approved.detail),
            )
        if approved.ok:
            return
        log.error("join request not approved: %s", approved.detail)
        if _GONE in approved.detail:
            sorry = (
                f"Sorry: your request to join {title} was closed before I could let you in. "
                "You're verified, so ask to join again with the group's invite link."
            )
        else:
            sorry = (
                f"Sorry: I couldn't let you into {title} just now. You're verified, so please "
                "ask one of the group's admins to approve your request."
            )
        await gateway.send(user_chat_id, sorry)

    async def _record_verified(self, chat_id: int, person: Person, proof: Proof) -> None:
        """Verified for the group from now until the policy's `valid_for` runs out."""
        valid_for = self.rules(chat_id).valid_for
        now = utc_now()
        async with self.services.database.transaction() as session:
            await record_verification(
                session,
                chat_id,
                person.user_id,
                method=proof.method,
                email_hash=proof.email_hash,
                email_shown=proof.email_shown,
                expires_at=now + valid_for if valid_for is not None else None,
                now=now,
            )
            await record_member_step(
                session,
                AuditAction.VERIFIED,
                chat_id,
                person.user_id,
                detail={"method": proof.method, "email": proof.email_shown or None},
            )

    # --- the private conversation --------------------------------------------------------

    async def start_again(self, person: Person) -> str:
        """/verify in a private chat: what to send next."""
        conversation = await self._conversation(person.user_id)
        if conversation is None:
            return self.services.group(None).texts.render("verification.nothing_to_verify")
        chat_id, _ = conversation
        rules = self.rules(chat_id)
        texts = self.services.group(chat_id).texts
        return texts.render("verification.hint", email_domains=describe_domains(rules))

    async def private_text(self, person: Person, text: str) -> str | None:
        """A reply in the private chat: an email address, a code, or neither.

        What to answer, or None to stay quiet: to someone with nothing to verify,
        and to a verified member chatting about something else.
        """
        conversation = await self._conversation(person.user_id)
        if conversation is None:
            return None
        chat_id, waiting = conversation
        rules = self.rules(chat_id)
        given = text.strip()
        if valid_email(given):
            return await self._email_given(person, given, chat_id, rules)
        code = _CODE_SEPARATORS.sub("", given)
        if _CODE.fullmatch(code):
            return await self._code_given(person, code, chat_id)
        if not waiting:
            return None
        texts = self.services.group(chat_id).texts
        return texts.render("verification.hint", email_domains=describe_domains(rules))

    async def _conversation(self, user_id: int) -> tuple[int, bool] | None:
        """The group whose rules the conversation follows, and whether an answer is awaited.

        An answer is awaited for the oldest join request, or after a verification ran
        out; a member still verified may renew early (an address, then the code).
        """
        now = utc_now()
        async with self.services.database.transaction() as session:
            requests = await pending_requests(session, user_id)
            if requests:
                return requests[0].chat_id, True
            verified = await verifications_of(session, user_id)
        if not verified:
            return None
        ran_out = [row for row in verified if row.expires_at is not None and row.expires_at <= now]
        return (ran_out[0].chat_id, True) if ran_out else (verified[0].chat_id, False)

    async def _email_given(
        self, person: Person, email: str, chat_id: int, rules: Verification
    ) -> str:
        texts = self.services.group(chat_id).texts
        async with self.services.database.transaction() as session:
            method = await _qualifying_method(session, email, rules)
            if method is not None and await is_email_withdrawn(session, email):
                method = None  # a leaver's address
        if method is None:
            return texts.render(
                "verification.email_refused",
                email=mask_email(email),
                email_domains=describe_domains(rules),
            )
        code = new_code()
        async with self.services.database.transaction() as session:
            await store_code(
                session,
                person.user_id,
                email=email,
                method=method,
                code=code,
                attempts=rules.code_attempts,
                expires_at=utc_now() + rules.code_valid_for,
            )
        time_left = describe_duration(rules.code_valid_for)
        sent = await self.mailer.send(
            email,
            texts.render("verification.email_subject"),
            texts.render("verification.email_body", code=code, time_left=time_left),
        )
        async with self.services.database.transaction() as session:
            if not sent:
                await forget_code(session, person.user_id)
            detail = {"email": mask_email(email), **outcome_detail(sent, "the email was not sent")}
            await record_member_step(
                session, AuditAction.CODE_SENT, chat_id, person.user_id, detail=detail
            )
        if not sent:
            return texts.render("verification.email_failed")
        return texts.render("verification.code_sent", email=mask_email(email), time_left=time_left)

    async def _code_given(self, person: Person, code: str, chat_id: int) -> str:
        rules, texts = self.rules(chat_id), self.services.group(chat_id).texts
        async with self.services.database.transaction() as session:
            check = await check_code(session, person.user_id, code)
            waiting = await pending_requests(session, person.user_id)
        if check is None:
            return texts.render("verification.hint", email_domains=describe_domains(rules))
        if check.expired:
            return texts.render("verification.code_expired")
        if not check.matched and check.attempts_left > 0:
            return texts.render("verification.code_wrong", attempts_left=check.attempts_left)
        if not check.matched:
            return await self._too_many_tries(person, waiting)
        proof = Proof(check.method, check.email_hash, check.email_shown)
        if not waiting:
            return await self._renew(person, proof)
        for row in waiting:
            await self._let_in(row.chat_id, person, proof, row.user_chat_id)
        return ""  # each group's welcome is already sent

    async def _too_many_tries(self, person: Person, waiting: list[JoinRequest]) -> str:
        replies = []
        for row in waiting:
            await self._decline(row, "too many wrong codes")
            title = await self.title(row.chat_id)
            texts = self.services.group(row.chat_id).texts
            replies.append(texts.render("verification.too_many_tries", group_title=title))
        return "\n\n".join(replies) or "That's too many wrong codes. Please start again later."

    async def _renew(self, person: Person, proof: Proof) -> str:
        """A member verified again: every group they were verified for, from now."""
        async with self.services.database.transaction() as session:
            groups = [row.chat_id for row in await verifications_of(session, person.user_id)]
        replies = []
        for chat_id in groups:
            rules = self.rules(chat_id)
            if not _method_accepted(proof.method, proof.email_shown, rules):
                continue
            await self._record_verified(chat_id, person, proof)
            title = await self.title(chat_id)
            texts = self.services.group(chat_id).texts
            replies.append(
                texts.render("verification.renewed", group_title=title, member_name=person.name)
            )
        return "\n\n".join(replies) or "Thank you: that address can't renew your verification."

    # --- deadlines, run-out verifications and leavers ------------------------------------

    async def sweep(self) -> None:
        """Everything due now: overdue requests, run-out verifications, withdrawals."""
        async with self.services.database.transaction() as session:
            overdue = await overdue_requests(session)
        for request in overdue:
            await self._decline(request, "not verified in time", tell=True)
        async with self.services.database.transaction() as session:
            expired = await run_out(session, told=False)
        for verification in expired:
            await self._tell_expired(verification)
        async with self.services.database.transaction() as session:
            leavers = await removals_due(session)
        for verification in leavers:
            await self._remove(verification, WITHDRAWN)
        async with self.services.database.transaction() as session:
            lapsed = await run_out(session, told=True)
        for verification in lapsed:
            if self._past_renewal(verification):
                await self._remove(verification, NOT_RENEWED)

    def _past_renewal(self, verification: StaffVerification) -> bool:
        renew_within = self.rules(verification.chat_id).renew_within
        expired = verification.expires_at
        return (
            renew_within is not None and expired is not None and expired + renew_within <= utc_now()
        )

    async def _decline(self, request: JoinRequest, reason: str, *, tell: bool = False) -> None:
        declined = await self.services.gateway.decline_join_request(
            request.chat_id, request.user_id
        )
        async with self.services.database.transaction() as session:
            await decide_request(
                session, request.chat_id, request.user_id, JoinRequestStatus.DECLINED
            )
            await forget_code(session, request.user_id)
            await record_member_step(
                session,
                AuditAction.JOIN_DECLINED,
                request.chat_id,
                request.user_id,
                reason=reason,
                detail=outcome_detail(declined.ok or _GONE in declined.detail, declined.detail),
            )
        if tell:
            rules, texts = self.rules(request.chat_id), self.services.group(request.chat_id).texts
            title = await self.title(request.chat_id)
            notice = texts.render(
                "verification.timed_out",
                group_title=title,
                time_left=describe_duration(rules.request_timeout),
            )
            await self.services.gateway.send(request.user_chat_id, notice)

    async def _tell_expired(self, verification: StaffVerification) -> None:
        chat_id, user_id = verification.chat_id, verification.user_id
        title = await self.title(chat_id)
        texts = self.services.group(chat_id).texts
        name = await self._name(chat_id, user_id)
        told = await self.services.gateway.send(
            user_id, texts.render("verification.expired", group_title=title, member_name=name)
        )
        async with self.services.database.transaction() as session:
            fresh = await session.get(StaffVerification, (chat_id, user_id))
            if fresh is not None:
                await mark_expiry_told(session, fresh)
            await record_member_step(
                session,
                AuditAction.VERIFICATION_EXPIRED,
                chat_id,
                user_id,
                detail={"told": told.ok},
            )

    async def _remove(self, verification: StaffVerification, why: Removal) -> None:
        """Remove a member who is no longer verified; admins are told if that fails."""
        chat_id, user_id = verification.chat_id, verification.user_id
        removed = await self.services.gateway.remove_allowing_return(chat_id, user_id)
        title = await self.title(chat_id)
        async with self.services.database.transaction() as session:
            fresh = await session.get(StaffVerification, (chat_id, user_id))
            if fresh is not None:
                await mark_removed(session, fresh)
            await record_member_step(
                session,
                AuditAction.MEMBER_REMOVED,
                chat_id,
                user_id,
                reason=why.reason,
                detail=outcome_detail(removed.ok, removed.detail),
            )
        gateway = self.services.gateway
        if removed.ok:
            texts = self.services.group(chat_id).texts
            await gateway.send(user_id, texts.render(why.text_key, group_title=title))
            return
        log_chat = self.services.settings.moderation_log_chat_id
        if log_chat is not None:
            await gateway.send(
                log_chat,
                f"I couldn't remove member {user_id} from {title} ({why.reason}): "
                f"{removed.detail}. Please remove them by hand.",
            )

    async def title(self, chat_id: int) -> str:
        return await group_title(self.services.database, chat_id)

    async def _name(self, chat_id: int, user_id: int) -> str:
        return await member_name(self.services.database, chat_id, user_id, unknown="Hello")


async def _qualifying_method(session: AsyncSession, email: str, rules: Verification) -> str | None:
    """How this address can verify someone under the group's rules, if it can."""
    if VerificationMethod.EMAIL in rules.methods and rules.allows_domain(email):
        return VerificationMethod.EMAIL.value
    if VerificationMethod.ROSTER in rules.methods and await roster_has_email(session, email):
        return VerificationMethod.ROSTER.value
    return None


def _method_accepted(method: str, email_shown: str, rules: Verification) -> bool:
    if method == VerificationMethod.ROSTER:
        return VerificationMethod.ROSTER in rules.methods
    return VerificationMethod.EMAIL in rules.methods and rules.allows_domain(email_shown)


def _still_accepted(verification: StaffVerification, rules: Verification) -> bool:
    return _method_accepted(verification.method, verification.email_shown, rules)


def describe_domains(rules: Verification) -> str:
    """'an address ending @nhs.net or @nhs.uk', or the roster's wording."""
    if VerificationMethod.EMAIL not in rules.methods:
        return "the address on the trust's staff list"
    endings = [f"@{domain}" for domain in rules.email_domains]
    listed = endings[0] if len(endings) == 1 else ", ".join(endings[:-1]) + f" or {endings[-1]}"
    return f"an address ending {listed}"
