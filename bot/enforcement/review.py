"""Admins' decisions from the buttons on alerts: release, keep, escalate, approve, decline."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import User

from bot.enforcement.buttons import Decision, Pressed
from bot.enforcement.services import Services
from bot.moderation.taxonomy import Action
from bot.storage.errors import NotFound, OriginalUnavailable, StorageError
from bot.storage.groups import get_group, get_member
from bot.storage.incidents import get_incident, record_outcome, set_incident_status
from bot.storage.models import ActionKind, Incident, IncidentStatus, Outcome
from bot.storage.moderation import AlreadyDecided, decide_held_post
from bot.storage.quarantine import reveal_original

_DECIDED = {
    Decision.RELEASE: "released (not a breach)",
    Decision.KEEP: "kept removed",
    Decision.ESCALATE: "escalated to a senior manager",
    Decision.APPROVE: "approved and posted",
    Decision.DECLINE: "declined",
    Decision.DELETED_BY_HAND: "deleted by hand",
}


@dataclass(frozen=True, slots=True)
class ReviewResult:
    answer: str  # the short pop-up the admin sees
    summary: str | None = None  # replaces the alert's buttons when the decision was made


class Reviewer:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def decide(self, pressed: Pressed, admin: User) -> ReviewResult:
        try:
            async with self.services.database.transaction() as session:
                incident = await get_incident(session, pressed.incident_id)
        except NotFound:
            return ReviewResult("That incident no longer exists.")
        if not await self.services.gateway.is_admin(incident.chat_id, admin.id):
            return ReviewResult("Only this group's admins can decide on its incidents.")
        actor = f"telegram:{admin.id} ({admin.full_name})"
        try:
            answer = await self._apply(pressed.decision, incident, actor, admin.full_name)
        except AlreadyDecided:
            return ReviewResult("Another admin has already decided this one.")
        except StorageError as error:
            return ReviewResult(f"Could not do that: {error}")
        summary = self.services.group(incident.chat_id).texts.render(
            "admin.decided",
            admin_name=admin.full_name,
            decision=_DECIDED[pressed.decision],
            incident_id=incident.id,
        )
        return ReviewResult(answer, summary)

    async def _apply(self, decision: Decision, incident: Incident, actor: str, name: str) -> str:
        if decision is Decision.RELEASE:
            return await self._release(incident, actor, name)
        if decision is Decision.KEEP:
            await self._set_status(incident, IncidentStatus.UPHELD, actor, "kept removed by admin")
            return "Kept removed."
        if decision is Decision.ESCALATE:
            return await self._escalate(incident, actor)
        if decision is Decision.APPROVE:
            return await self._approve(incident, actor, name)
        if decision is Decision.DECLINE:
            return await self._decline(incident, actor)
        return await self._deleted_by_hand(incident, actor)

    async def _release(self, incident: Incident, actor: str, name: str) -> str:
        reason = "released by a group admin: not a breach"
        if incident.action != Action.REMOVE:
            await self._set_status(incident, IncidentStatus.RELEASED, actor, reason)
            return "Marked as fine."
        reposted = await self._repost(incident, actor, name, reason)
        await self._set_status(incident, IncidentStatus.RELEASED, actor, reason)
        if not reposted:
            return "Released. No original was kept, so ask the poster to post it again."
        return "Released and reposted in the group."

    async def _approve(self, incident: Incident, actor: str, name: str) -> str:
        reason = "held post approved by a group admin"
        async with self.services.database.transaction() as session:
            await decide_held_post(session, incident.id, approve=True, actor=actor, reason=reason)
        if await self._repost(incident, actor, name, reason):
            return "Approved and posted in the group."
        return "Approved. No original was kept, so ask the poster to post it again."

    async def _decline(self, incident: Incident, actor: str) -> str:
        reason = "held post declined by a group admin"
        async with self.services.database.transaction() as session:
            await decide_held_post(session, incident.id, approve=False, actor=actor, reason=reason)
        if incident.poster_id is not None:
            group = self.services.group(incident.chat_id)
            text = group.texts.render(
                "notice.declined",
                group_title=await self._group_title(incident.chat_id),
                categories=", ".join(incident.category_names),
            )
            await self.services.gateway.send(incident.poster_id, text)
        return "Declined; the poster has been told."

    async def _escalate(self, incident: Incident, actor: str) -> str:
        await self._set_status(incident, IncidentStatus.ESCALATED, actor, "escalated by admin")
        chat = self.services.settings.senior_manager_chat_id
        if chat is None:
            return (
                "Marked as escalated. No senior-manager chat is configured, so tell them directly."
            )
        group = self.services.group(incident.chat_id)
        text = group.texts.senior_manager_escalation(
            group_title=await self._group_title(incident.chat_id),
            poster_name=str(incident.poster_id or "unknown"),
            categories=incident.category_names,
            rules=[finding.rule for finding in incident.findings],
            redacted_text=incident.redacted_text,
            incident_id=incident.id,
            action=Action(incident.action),
            strike_count=0,
            window_days=group.settings.strikes.window_days,
        )
        attempt = await self.services.gateway.send(chat, f"{text}\n\n(Escalated by an admin.)")
        outcome = Outcome.DONE if attempt.ok else Outcome.FAILED
        async with self.services.database.transaction() as session:
            await record_outcome(session, incident.id, ActionKind.ESCALATE, outcome, attempt.detail)
        return (
            "Escalated to a senior manager." if attempt.ok else "Could not reach the manager chat."
        )

    async def _deleted_by_hand(self, incident: Incident, actor: str) -> str:
        async with self.services.database.transaction() as session:
            await record_outcome(
                session, incident.id, ActionKind.DELETE_MESSAGE, Outcome.DONE, f"by {actor}"
            )
            await record_outcome(
                session, incident.id, ActionKind.ESCALATE, Outcome.SKIPPED, "deleted by an admin"
            )
        return "Thanks, noted."

    async def _repost(self, incident: Incident, actor: str, name: str, reason: str) -> bool:
        """Post the original again with attribution; False when no original was kept."""
        try:
            async with self.services.database.transaction() as session:
                original = await reveal_original(
                    session, self.services.quarantine, incident.id, actor=actor, reason=reason
                )
        except (NotFound, OriginalUnavailable):
            return False
        group = self.services.group(incident.chat_id)
        header = group.texts.render(
            "admin.released",
            group_title=await self._group_title(incident.chat_id),
            poster_name=await self._poster_name(incident),
            admin_name=name,
        )
        attempt = await self.services.gateway.send(incident.chat_id, f"{header}\n\n{original}")
        return attempt.ok

    async def _set_status(
        self, incident: Incident, status: IncidentStatus, actor: str, reason: str
    ) -> None:
        async with self.services.database.transaction() as session:
            await set_incident_status(session, incident.id, status, actor=actor, reason=reason)

    async def _group_title(self, chat_id: int) -> str:
        try:
            async with self.services.database.transaction() as session:
                return (await get_group(session, chat_id)).title or "the group"
        except NotFound:
            return "the group"

    async def _poster_name(self, incident: Incident) -> str:
        if incident.poster_id is None:
            return "a member"
        try:
            async with self.services.database.transaction() as session:
                member = await get_member(session, incident.chat_id, incident.poster_id)
        except NotFound:
            return "a member"
        return member.display_name or "a member"
