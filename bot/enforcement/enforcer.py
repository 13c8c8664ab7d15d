"""From a verdict to what happens in Telegram, with every step recorded.

The incident (and, for removals, the encrypted original) is written before any
Telegram call; each step's outcome is written after it. A message that is
delivered again (a restart before the update was confirmed) finds its
incident and runs only the steps that have no outcome yet, so nothing is lost
and nothing is done twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.codeofconduct.policy_file import GroupPolicy
from bot.codeofconduct.texts import Evidence, Texts, evidence_from_verdict
from bot.enforcement import buttons
from bot.enforcement.gateway import Attempt
from bot.enforcement.services import Services
from bot.enforcement.strikes import StrikeStep, steps_for
from bot.moderation.taxonomy import Action, is_personal_data
from bot.moderation.types import Finding, Post, Verdict
from bot.storage.columns import utc_now
from bot.storage.errors import NotFound
from bot.storage.groups import get_group, get_member, name_group, note_member
from bot.storage.incidents import (
    MAX_PAGE_SIZE,
    IncidentFilter,
    count_incidents,
    find_incident_id,
    insert_incident,
    list_incidents,
    list_outcomes,
    record_outcomes,
)
from bot.storage.models import ActionKind, Incident, IncidentStatus, Outcome
from bot.storage.moderation import count_strikes, give_strike, hold_post
from bot.storage.quarantine import store_new_original

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Case:
    """One incident being enforced, and what its steps need to know."""

    incident_id: int
    post: Post
    verdict: Verdict
    group_title: str
    group: GroupPolicy
    # Strikes in force against the poster in this group, this one included: counted
    # by `_run_steps` before the steps after the deletion (0 until then).
    strikes: int = 0

    @property
    def chat_id(self) -> int:
        assert self.post.chat_id is not None
        return self.post.chat_id

    @property
    def texts(self) -> Texts:
        return self.group.texts

    @property
    def poster_name(self) -> str:
        return self.post.author_name or "a member"

    @property
    def evidence(self) -> list[Evidence]:
        return evidence_from_verdict(self.verdict)

    @property
    def alert_fields(self) -> dict[str, Any]:
        """What admin alerts and escalations say about the incident (all redacted)."""
        return {
            "group_title": self.group_title,
            "poster_name": self.poster_name,
            "categories": self.verdict.categories,
            "rules": [finding.rule for finding in self.verdict.findings],
            "redacted_text": self.verdict.redacted_text,
            "incident_id": self.incident_id,
            "action": self.verdict.action,
        }

    @property
    def main_category(self) -> str:
        """The category that decided the action (patient data first)."""
        personal = [c for c in self.verdict.categories if is_personal_data(c)]
        return (personal or list(self.verdict.categories) or ["patient.name"])[0]


Step = Callable[[Case], Awaitable[tuple[Outcome, str]]]
# Done before the update is confirmed: the breach must leave the group first.
_URGENT = frozenset({ActionKind.DELETE_MESSAGE})
# Safe to try again after a crash (deleting twice finds the message gone); every
# other step is marked as started first and never tried twice.
_REPEATABLE = frozenset({ActionKind.DELETE_MESSAGE})
RESUME_WINDOW = timedelta(days=2)
INTERRUPTED = "interrupted by a restart: it may not have been sent"


class Enforcer:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._active: set[int] = set()
        # Group titles and posters already written, so recording a breach skips
        # those queries on the way to deleting it.
        self._titles: dict[int, str] = {}
        self._posters: dict[tuple[int, int], str | None] = {}
        self._plans: dict[Action, tuple[tuple[ActionKind, Step], ...]] = {
            Action.REMOVE: (
                (ActionKind.DELETE_MESSAGE, self._delete),
                (ActionKind.NOTIFY_POSTER, self._notify_poster),
                (ActionKind.ALERT_ADMINS, self._alert_admins),
                (ActionKind.RESTRICT_POSTER, self._apply_strikes),
                (ActionKind.ESCALATE, self._escalate_repeat_poster),
            ),
            Action.HOLD: (
                (ActionKind.DELETE_MESSAGE, self._delete),
                (ActionKind.HOLD_POST, self._ask_for_approval),
                (ActionKind.NOTIFY_POSTER, self._notify_poster),
            ),
            Action.SIGNPOST: ((ActionKind.NOTIFY_POSTER, self._signpost),),
            Action.FLAG: ((ActionKind.ALERT_ADMINS, self._alert_admins),),
        }

    async def enforce(self, post: Post, verdict: Verdict, group_title: str) -> int | None:
        """Record the incident and delete the message; the rest follows in the background.

        Returns once the breach is out of the group (or it was allowed: None), so
        the update can be confirmed; notices, alerts and strikes follow without
        holding up the next message. `resume` finishes any a restart interrupted.
        """
        if verdict.action is Action.ALLOW or post.chat_id is None or post.message_id is None:
            return None
        case, new = await self._record(post, verdict, group_title)
        plan = self._plans[verdict.action]
        urgent = [(kind, step) for kind, step in plan if kind in _URGENT]
        await self._run_steps(case, urgent, urgent=True, new=new)
        follow_up = [(kind, step) for kind, step in plan if kind not in _URGENT]
        self.services.spawn(self._run_steps(case, follow_up))
        return case.incident_id

    async def resume(self, within: timedelta = RESUME_WINDOW) -> int:
        """Finish the steps of recent incidents that a stop or crash interrupted."""
        async with self.services.database.transaction() as session:
            recent = await list_incidents(
                session,
                IncidentFilter(since=utc_now() - within, status=IncidentStatus.OPEN),
                limit=MAX_PAGE_SIZE,
            )
            unfinished = []
            for incident in recent:
                last = {row.kind: row.outcome for row in await list_outcomes(session, incident.id)}
                plan = self._plans.get(Action(incident.action), ())
                if any(last.get(kind) in (None, Outcome.STARTED) for kind, _ in plan):
                    unfinished.append(incident)
        for incident in unfinished:
            case = await self._case_from_incident(incident)
            await self._run_steps(case, self._plans[Action(incident.action)])
        return len(unfinished)

    async def _run_steps(
        self,
        case: Case,
        steps: Sequence[tuple[ActionKind, Step]],
        *,
        urgent: bool = False,
        new: bool = False,
    ) -> None:
        """Run the steps not yet recorded, one place at a time per incident.

        The outcomes are read afresh here (unless the incident was `new` a moment
        ago): a redelivered update and `resume` may both reach the same incident
        after a restart. A step left `started` by a process that died is not
        tried again (it may have reached Telegram). Each outcome is written with the
        next step's `started` mark, in one transaction, before that step's call.
        """
        if case.incident_id in self._active:
            return
        self._active.add(case.incident_id)
        try:
            last: dict[str, str] = {}
            if not new:
                last, case = await self._progress(case, urgent=urgent)
            pending = [
                (ActionKind(kind), Outcome.FAILED, INTERRUPTED, utc_now())
                for kind, outcome in last.items()
                if outcome == Outcome.STARTED
            ]
            for kind, step in steps:
                if kind in last:
                    continue
                if kind not in _REPEATABLE:
                    pending.append((kind, Outcome.STARTED, "", utc_now()))
                await self._record_outcomes(case.incident_id, pending)
                outcome, detail = await step(case)
                pending = [(kind, outcome, detail, utc_now())]
            await self._record_outcomes(case.incident_id, pending)
        finally:
            self._active.discard(case.incident_id)

    async def _progress(self, case: Case, *, urgent: bool) -> tuple[dict[str, str], Case]:
        """The last outcome of each step so far; and, for the steps after the deletion
        (which send the reminder, mute and escalate by it), the strike count."""
        async with self.services.database.transaction(urgent=urgent) as session:
            outcomes = await list_outcomes(session, case.incident_id)
            if not urgent:
                case = replace(case, strikes=await self._strikes(session, case))
        return {row.kind: row.outcome for row in outcomes}, case

    async def _case_from_incident(self, incident: Incident) -> Case:
        """Rebuild what the steps need from the log (redacted: the text is not needed)."""
        async with self.services.database.transaction() as session:
            group = await get_group(session, incident.chat_id)
            poster_name = None
            if incident.poster_id is not None:
                try:
                    member = await get_member(session, incident.chat_id, incident.poster_id)
                    poster_name = member.display_name
                except NotFound:
                    pass
        post = Post(
            text="",
            chat_id=incident.chat_id,
            message_id=incident.message_id,
            author_id=incident.poster_id,
            author_name=poster_name,
            revision=incident.message_revision,
            edited=incident.edited,
            forwarded=incident.forwarded,
        )
        verdict = Verdict(
            action=Action(incident.action),
            findings=tuple(
                Finding(f.category, f.rule, f.start, f.end, f.confidence, f.evidence)
                for f in incident.findings
            ),
            redacted_text=incident.redacted_text,
            categories=incident.category_names,
        )
        return Case(incident.id, post, verdict, group.title, self.services.group(incident.chat_id))

    async def _strikes(self, session: AsyncSession, case: Case) -> int:
        """Strikes in force against the poster in the group, up to this incident's own."""
        poster_id = case.post.author_id
        if poster_id is None:
            return 0
        window = timedelta(days=case.group.settings.strikes.window_days)
        return await count_strikes(
            session,
            poster_id,
            chat_id=case.chat_id,
            since=utc_now() - window,
            through_incident=case.incident_id,
        )

    async def _record(self, post: Post, verdict: Verdict, group_title: str) -> tuple[Case, bool]:
        """The incident for this message revision, written now unless it was already; and
        whether it is new.

        This is what the deletion waits for, so it is one short transaction of plain
        INSERTs: the group and poster only when this process has not written them yet,
        the incident (which says whether it is new), and for a new one its original, hold
        and strike. The strike count is read after the deletion (`_run_steps`).
        """
        try:
            incident_id, new = await self._write_incident(post, verdict, group_title)
        except IntegrityError:
            # The group's row is not there after all (the database was replaced under
            # the running bot?): forget what was written and write it all again.
            self._titles.clear()
            self._posters.clear()
            incident_id, new = await self._write_incident(post, verdict, group_title)
        group = self.services.group(post.chat_id)
        return Case(incident_id, post, verdict, group_title, group), new

    async def _write_incident(
        self, post: Post, verdict: Verdict, group_title: str
    ) -> tuple[int, bool]:
        assert post.chat_id is not None
        assert post.message_id is not None
        poster = (post.chat_id, post.author_id) if post.author_id is not None else None
        async with self.services.database.transaction(urgent=True) as session:
            if self._titles.get(post.chat_id) != group_title:
                await name_group(session, post.chat_id, group_title)
            if poster is not None and self._posters.get(poster, "") != post.author_name:
                await note_member(
                    session,
                    post.chat_id,
                    poster[1],
                    display_name=post.author_name,
                    group_known=True,
                )
            incident_id = await insert_incident(session, post, verdict)
            new = incident_id is not None
            if incident_id is None:
                incident_id = await find_incident_id(
                    session, post.chat_id, post.message_id, post.revision
                )
                assert incident_id is not None  # the insert found it there
            else:
                await self._write_new_incident_parts(session, incident_id, post, verdict)
        self._titles[post.chat_id] = group_title
        if poster is not None:
            self._posters[poster] = post.author_name
        return incident_id, new

    async def _write_new_incident_parts(
        self, session: AsyncSession, incident_id: int, post: Post, verdict: Verdict
    ) -> None:
        """The encrypted original, the hold and the strike that go with a new incident."""
        if verdict.action in (Action.REMOVE, Action.HOLD):
            await store_new_original(session, self.services.quarantine, incident_id, post.text)
        if verdict.action is Action.HOLD:
            await hold_post(session, incident_id)
        if verdict.action is Action.REMOVE and post.author_id is not None:
            assert post.chat_id is not None
            await give_strike(
                session,
                incident_id=incident_id,
                chat_id=post.chat_id,
                poster_id=post.author_id,
                category=verdict.categories[0] if verdict.categories else "",
            )

    async def _record_outcome(
        self, incident_id: int, kind: ActionKind, outcome: Outcome, detail: str
    ) -> None:
        await self._record_outcomes(incident_id, [(kind, outcome, detail, utc_now())])

    async def _record_outcomes(
        self, incident_id: int, attempts: Sequence[tuple[ActionKind, Outcome, str, datetime]]
    ) -> None:
        if attempts:
            async with self.services.database.transaction() as session:
                await record_outcomes(session, incident_id, attempts)

    # --- the steps --------------------------------------------------------------

    async def _delete(self, case: Case) -> tuple[Outcome, str]:
        assert case.post.message_id is not None
        attempt = await self.services.gateway.delete(case.chat_id, case.post.message_id)
        if attempt.ok:
            return Outcome.DONE, ""
        if "not found" in attempt.detail.lower():
            # Already gone: deleted by an admin, or by this bot just before a restart.
            return Outcome.DONE, "already deleted"
        asked = await self._ask_admins_to_delete(case, attempt)
        await self._record_outcome(
            case.incident_id,
            ActionKind.ASK_ADMINS_TO_DELETE,
            Outcome.DONE if asked.ok else Outcome.FAILED,
            asked.detail,
        )
        if asked.ok:
            self._escalate_later_unless_deleted(case)
        return Outcome.FAILED, attempt.detail

    async def _ask_admins_to_delete(self, case: Case, failure: Attempt) -> Attempt:
        text = case.texts.render(
            "admin.delete_by_hand",
            group_title=case.group_title,
            categories=", ".join(case.verdict.categories),
            reason=failure.detail,
            incident_id=case.incident_id,
        )
        return await self.services.gateway.send(
            case.chat_id,
            text,
            reply_to=case.post.message_id,
            buttons=buttons.manual_delete(case.incident_id),
        )

    def _escalate_later_unless_deleted(self, case: Case) -> None:
        delay = self.services.settings.manual_delete_escalation_minutes * 60
        self.services.spawn(self._escalate_if_not_deleted(case, delay))

    async def _escalate_if_not_deleted(self, case: Case, delay: float) -> None:
        await asyncio.sleep(delay)
        async with self.services.database.transaction() as session:
            outcomes = await list_outcomes(session, case.incident_id)
            case = replace(case, strikes=await self._strikes(session, case))
        settled = {(ActionKind.DELETE_MESSAGE, Outcome.DONE), (ActionKind.ESCALATE, Outcome.DONE)}
        if any((outcome.kind, outcome.outcome) in settled for outcome in outcomes):
            return  # an admin deleted it by hand, or it was escalated already
        outcome, detail = await self._send_escalation(case, "still in the group")
        await self._record_outcome(case.incident_id, ActionKind.ESCALATE, outcome, detail)

    async def _notify_poster(self, case: Case) -> tuple[Outcome, str]:
        if case.post.author_id is None:
            return Outcome.SKIPPED, "the poster is not known"
        text = case.texts.category_notice(
            case.main_category, case.verdict.action, case.group_title, case.evidence
        )
        reminder = self._strike_reminder(case)
        if reminder:
            text = f"{text}\n\n{reminder}"
        private = await self.services.gateway.send(case.post.author_id, text)
        if private.ok:
            return Outcome.DONE, "sent privately"
        if not private.unreachable:
            return Outcome.FAILED, private.detail
        notice = await self._group_notice(case)
        if notice.ok:
            return Outcome.DONE, "short notice in the group (the poster has not started the bot)"
        return Outcome.FAILED, notice.detail

    def _strike_reminder(self, case: Case) -> str:
        thresholds = case.group.settings.strikes
        if thresholds.reminder is not None and case.strikes == thresholds.reminder:
            return case.texts.render(
                "strike.reminder",
                group_title=case.group_title,
                strike_count=case.strikes,
                window_days=thresholds.window_days,
            )
        return ""

    async def _group_notice(self, case: Case) -> Attempt:
        text = case.texts.render(
            "notice.group",
            group_title=case.group_title,
            poster_name=case.poster_name,
            action_taken=case.verdict.action.value,
        )
        attempt = await self.services.gateway.send(
            case.chat_id,
            text,
            buttons=buttons.guidance_link(self.services.bot_username, case.incident_id),
        )
        if attempt.ok and attempt.message_id is not None:
            self.services.spawn(self._delete_later(case.chat_id, attempt.message_id))
        return attempt

    async def _delete_later(self, chat_id: int, message_id: int) -> None:
        await asyncio.sleep(self.services.settings.group_notice_seconds)
        await self.services.gateway.delete(chat_id, message_id)

    async def _alert_admins(self, case: Case) -> tuple[Outcome, str]:
        text = case.texts.admin_alert(
            **case.alert_fields,
        )
        if case.verdict.action is Action.FLAG:
            markup = buttons.flag_review(case.incident_id)
        else:
            markup = buttons.removal_review(case.incident_id)
        return await self._tell_admins(case.chat_id, text, markup)

    async def _tell_admins(
        self, chat_id: int, text: str, markup: buttons.InlineKeyboardMarkup
    ) -> tuple[Outcome, str]:
        """Each admin who started the bot privately, and the moderation-log chat."""
        admins = await self.services.gateway.admins(chat_id)
        reached = 0
        for admin in admins:
            attempt = await self.services.gateway.send(admin.user.id, text, buttons=markup)
            reached += attempt.ok
        log_chat = self.services.settings.moderation_log_chat_id
        logged = False
        if log_chat is not None:
            logged = (await self.services.gateway.send(log_chat, text, buttons=markup)).ok
        detail = f"{reached} of {len(admins)} admins" + (" and the log chat" if logged else "")
        return (Outcome.DONE if reached or logged else Outcome.FAILED), detail

    async def _ask_for_approval(self, case: Case) -> tuple[Outcome, str]:
        text = case.texts.render(
            "admin.approval",
            group_title=case.group_title,
            poster_name=case.poster_name,
            categories=", ".join(case.verdict.categories),
            redacted_text=case.verdict.redacted_text,
            incident_id=case.incident_id,
        )
        return await self._tell_admins(case.chat_id, text, buttons.approval(case.incident_id))

    async def _signpost(self, case: Case) -> tuple[Outcome, str]:
        if await self._signposted_recently(case):
            return Outcome.SKIPPED, "signposted to this poster recently"
        text = case.texts.category_notice(
            case.main_category, Action.SIGNPOST, case.group_title, case.evidence
        )
        attempt = await self.services.gateway.send(
            case.chat_id, text, reply_to=case.post.message_id
        )
        return (Outcome.DONE, "") if attempt.ok else (Outcome.FAILED, attempt.detail)

    async def _signposted_recently(self, case: Case) -> bool:
        hours = case.group.settings.signpost_repeat_hours
        if hours == 0 or case.post.author_id is None:
            return False
        filters = IncidentFilter(
            chat_id=case.chat_id,
            poster_id=case.post.author_id,
            category=case.main_category,
            action=Action.SIGNPOST,
            since=utc_now() - timedelta(hours=hours),
        )
        async with self.services.database.transaction() as session:
            return await count_incidents(session, filters) > 1  # this incident is one

    async def _apply_strikes(self, case: Case) -> tuple[Outcome, str]:
        if case.post.author_id is None:
            return Outcome.SKIPPED, "the poster is not known"
        if await self.services.gateway.is_admin(case.chat_id, case.post.author_id):
            return Outcome.SKIPPED, "admins are not muted or removed"
        thresholds = case.group.settings.strikes
        results: list[str] = []
        ok = True
        for step in steps_for(case.strikes, thresholds):
            attempt = await self._strike_step(case, step, thresholds.mute_hours)
            ok = ok and attempt.ok
            results.append(f"{step.value}: {'done' if attempt.ok else attempt.detail}")
        if not results:
            return Outcome.SKIPPED, f"{case.strikes} strike(s): nothing more to do"
        return (Outcome.DONE if ok else Outcome.FAILED), "; ".join(results)

    async def _strike_step(self, case: Case, step: StrikeStep, mute_hours: int) -> Attempt:
        assert case.post.author_id is not None
        gateway = self.services.gateway
        if step is StrikeStep.MUTE:
            until = utc_now() + timedelta(hours=mute_hours)
            attempt = await gateway.mute(case.chat_id, case.post.author_id, until)
            key = "strike.muted"
        else:
            attempt = await gateway.remove_member(case.chat_id, case.post.author_id)
            key = "strike.removed"
        if attempt.ok:
            text = case.texts.render(
                key,
                group_title=case.group_title,
                poster_name=case.poster_name,
                strike_count=case.strikes,
                mute_hours=mute_hours,
            )
            await gateway.send(case.post.author_id, text)
        return attempt

    async def _escalate_repeat_poster(self, case: Case) -> tuple[Outcome, str]:
        threshold = case.group.settings.strikes.senior_manager_alert
        if threshold is None or case.strikes != threshold:
            return Outcome.SKIPPED, f"{case.strikes} strike(s): no escalation due"
        return await self._send_escalation(case, "repeated breaches")

    async def _send_escalation(self, case: Case, why: str) -> tuple[Outcome, str]:
        chat = self.services.settings.senior_manager_chat_id
        if chat is None:
            return Outcome.SKIPPED, "no senior-manager chat is configured"
        text = case.texts.senior_manager_escalation(
            **case.alert_fields,
            strike_count=case.strikes,
            window_days=case.group.settings.strikes.window_days,
        )
        attempt = await self.services.gateway.send(chat, f"{text}\n\n(Escalated: {why}.)")
        return (Outcome.DONE, why) if attempt.ok else (Outcome.FAILED, attempt.detail)
