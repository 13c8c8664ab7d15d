"""A small incident log for the review tests: two groups, three posters, March 2025 and around it.

March 2025 holds five incidents (A–E): four removals and one flag, in two groups,
from three posters, two of whom posted twice. Removal took 3 s, 45 s and 20 min;
one message could not be deleted. Two were released, one upheld, one escalated.
Incidents just outside March (and in February) check the period's edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.moderation.taxonomy import Action
from bot.moderation.types import Finding, Post, Verdict
from bot.storage.database import Database
from bot.storage.groups import note_member, upsert_group
from bot.storage.incidents import record_incident, record_outcome, set_incident_status
from bot.storage.models import ActionKind, IncidentStatus, Outcome
from bot.storage.moderation import add_strike
from bot.storage.quarantine import Quarantine, store_original

# A key for these tests only (it protects nothing real).
QUARANTINE_KEY = "AEqiLwIkVDc-e6Jp6zJFZfuy9T2MvElzKkCiltL5Flk="
WARD, THEATRES = -1001111, -1002222
WARD_TITLE, THEATRES_TITLE = "Ward 7 nurses", "Theatres rota"
ALICE, BOB, CAROL = 1001, 1002, 1003
NHS_NUMBER, PATIENT_NAME = "943 476 5919", "Thornbury"
ORIGINAL = f"NHS {NHS_NUMBER} for Margaret {PATIENT_NAME}, bed 4"
REDACTED = "NHS [NHS number] for [name], bed 4"
# A redacted text a spreadsheet would run as a formula, were the cell not guarded.
FORMULA_TEXT = '=HYPERLINK("http://x.example") MRN [hospital number]'
SECRETS = (NHS_NUMBER, "9434765919", PATIENT_NAME, "Margaret")


def at(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    """Incident ids by letter (A–E in March; F in April; G, H in February; I in December)."""

    ids: dict[str, int]

    def __getitem__(self, letter: str) -> int:
        return self.ids[letter]


@dataclass(frozen=True)
class Planned:
    letter: str
    chat_id: int
    poster_id: int
    sent_at: datetime
    action: Action
    findings: tuple[tuple[str, str], ...]  # (category, rule)
    redacted: str = REDACTED
    # (kind, outcome, seconds after posting, detail)
    steps: tuple[tuple[ActionKind, Outcome, float, str], ...] = ()
    review: tuple[IncidentStatus, str] | None = None


DONE, FAILED = Outcome.DONE, Outcome.FAILED
DELETE, NOTICE, ALERT = ActionKind.DELETE_MESSAGE, ActionKind.NOTIFY_POSTER, ActionKind.ALERT_ADMINS

PLAN = (
    Planned(
        "A",
        WARD,
        ALICE,
        at(3, 3, 9),
        Action.REMOVE,
        (("patient.nhs_number", "nhs_number.context"), ("patient.name", "names.titled")),
        steps=((DELETE, DONE, 3, ""), (NOTICE, DONE, 4, "sent privately"), (ALERT, DONE, 4, "")),
    ),
    Planned(
        "B",
        WARD,
        ALICE,
        at(3, 10, 14),
        Action.REMOVE,
        (("patient.dob", "dob.labelled"), ("patient.name", "names.titled")),
        steps=(
            (DELETE, DONE, 45, ""),
            (NOTICE, FAILED, 46, "Forbidden: bot was blocked by the user"),
            (ALERT, DONE, 46, ""),
        ),
        review=(IncidentStatus.UPHELD, "clear breach, discussed with the poster"),
    ),
    Planned(
        "C",
        THEATRES,
        BOB,
        at(3, 12, 8, 30),
        Action.REMOVE,
        (("conduct.offensive_language", "offensive.word"),),
        redacted="this rota is [offensive]",
        steps=(
            (DELETE, FAILED, 1, "Bad Request: message can't be deleted"),
            (ActionKind.ASK_ADMINS_TO_DELETE, DONE, 2, ""),
        ),
        review=(IncidentStatus.ESCALATED, "second offence this month"),
    ),
    Planned(
        "D",
        THEATRES,
        CAROL,
        at(3, 20, 23, 59),
        Action.FLAG,
        (("conduct.political", "political.keyword"),),
        redacted="vote in the union ballot",
        steps=((ALERT, DONE, 2, ""),),
        review=(IncidentStatus.RELEASED, "union ballot notice, allowed by policy"),
    ),
    Planned(
        "E",
        WARD,
        BOB,
        at(3, 31, 23, 30),
        Action.REMOVE,
        (("patient.hospital_number", "hospital_number.mrn"),),
        redacted=FORMULA_TEXT,
        steps=((DELETE, FAILED, 1, "Forbidden"), (DELETE, DONE, 1200, "by telegram:5")),
        review=(IncidentStatus.RELEASED, "a test message from IT"),
    ),
    Planned("F", WARD, ALICE, at(4, 1, 0), Action.REMOVE, (("patient.name", "names.titled"),)),
    Planned(
        "G", WARD, ALICE, at(2, 28, 23, 59), Action.REMOVE, (("patient.name", "names.titled"),)
    ),
    Planned("H", THEATRES, BOB, at(2, 3), Action.SIGNPOST, (("clinical.advice", "advice.dose"),)),
    Planned(
        "I", WARD, CAROL, at(12, 15, year=2024), Action.REMOVE, (("patient.dob", "dob.labelled"),)
    ),
)


def verdict_for(plan: Planned) -> Verdict:
    findings = tuple(
        Finding(category, rule, 0, 3, 0.9, plan.redacted) for category, rule in plan.findings
    )
    categories = tuple(category for category, _ in plan.findings)
    return Verdict(
        action=plan.action, findings=findings, redacted_text=plan.redacted, categories=categories
    )


async def seed(database: Database) -> Seeded:
    """Record the plan through the storage functions, as the bot would."""
    quarantine = Quarantine([QUARANTINE_KEY])
    ids: dict[str, int] = {}
    async with database.transaction() as session:
        for chat_id, title in ((WARD, WARD_TITLE), (THEATRES, THEATRES_TITLE)):
            await upsert_group(
                session,
                chat_id,
                title=title,
                kind="supergroup",
                bot_status="administrator",
                can_delete_messages=True,
                can_restrict_members=True,
            )
        for chat_id, user_id, name in ((WARD, ALICE, "Alice Adams"), (THEATRES, BOB, "Bob Brown")):
            await note_member(session, chat_id, user_id, display_name=name)
        for message_id, plan in enumerate(PLAN, start=1):
            post = Post(
                text=ORIGINAL,
                chat_id=plan.chat_id,
                message_id=message_id,
                author_id=plan.poster_id,
                sent_at=plan.sent_at,
            )
            incident = await record_incident(
                session, post, verdict_for(plan), now=plan.sent_at + timedelta(seconds=1)
            )
            ids[plan.letter] = incident.id
            if plan.action is Action.REMOVE:
                await store_original(session, quarantine, incident.id, ORIGINAL)
                await add_strike(session, incident.id, now=plan.sent_at)
            for kind, outcome, after, detail in plan.steps:
                moment = plan.sent_at + timedelta(seconds=after)
                await record_outcome(session, incident.id, kind, outcome, detail, now=moment)
            if plan.review:
                status, note = plan.review
                await set_incident_status(
                    session,
                    incident.id,
                    status,
                    actor="cli:reviewer",
                    reason=note,
                    now=plan.sent_at + timedelta(days=1),
                )
    return Seeded(ids)
