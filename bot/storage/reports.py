"""Figures for managers' reports, and incidents described row by row for exports.

Each chart's numbers come from one aggregate (GROUP BY) query over an index
range, so a report on a large log returns a handful of rows to Python. Only an
export walks the incidents themselves, in batches, without holding them all.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    exists,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.moderation.taxonomy import Action
from bot.storage.columns import as_utc
from bot.storage.incidents import IncidentFilter
from bot.storage.incidents import _filtered as filtered_incidents
from bot.storage.models import (
    ActionKind,
    ActionOutcome,
    AuditAction,
    AuditEvent,
    Group,
    Incident,
    IncidentCategory,
    IncidentFinding,
    IncidentStatus,
    Member,
    Outcome,
)

EXPORT_BATCH = 500
# Upper edges (seconds) of the time-to-removal bands; the last band is open-ended.
REMOVAL_BANDS: tuple[tuple[float, str], ...] = (
    (2, "under 2 s"),
    (10, "2–10 s"),
    (60, "10 s–1 min"),
    (600, "1–10 min"),
    (3600, "10 min–1 h"),
)
LAST_REMOVAL_BAND = "1 h or more"
_REMOVING_ACTIONS = (Action.REMOVE.value, Action.HOLD.value)


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The incidents a report covers: posted in [since, until), in one group or all."""

    since: datetime
    until: datetime
    chat_id: int | None = None

    def __post_init__(self) -> None:
        if as_utc(self.since) >= as_utc(self.until):
            raise ValueError("a report's period must start before it ends")


@dataclass(frozen=True, slots=True)
class GroupCount:
    chat_id: int
    title: str
    incidents: int


@dataclass(frozen=True, slots=True)
class PosterCount:
    poster_id: int
    incidents: int


@dataclass(frozen=True, slots=True)
class RuleReleases:
    """How often a rule fired in the period, and on how many of those a reviewer released."""

    rule: str
    incidents: int
    released: int


@dataclass(frozen=True, slots=True)
class RemovalTimes:
    """Time from post to removal of the removed messages (seconds), and those never removed."""

    removed: int
    not_removed: int
    average: float | None
    median: float | None
    ninetieth: float | None
    slowest: float | None
    bands: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """A reviewer's latest status change: to what, by whom, when, with their note."""

    status: str
    actor: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """What an export or a list shows of one incident (redacted text only)."""

    id: int
    occurred_at: datetime
    chat_id: int
    group_title: str
    poster_id: int | None
    action: str
    categories: tuple[str, ...]
    rules: tuple[str, ...]
    status: str
    # The settled outcome of each action kind attempted, in the order of `ActionKind`.
    outcomes: tuple[tuple[str, str], ...]
    seconds_to_removal: float | None
    redacted_text: str
    decision: Decision | None


# --- Aggregates for the charts ----------------------------------------------------------


async def count_incidents_by_category(
    session: AsyncSession, scope: ReportScope
) -> list[tuple[str, int]]:
    """(category, incidents) in the scope, most frequent first."""
    incidents = func.count().label("incidents")
    query = select(IncidentCategory.category, incidents).where(
        IncidentCategory.occurred_at >= as_utc(scope.since),
        IncidentCategory.occurred_at < as_utc(scope.until),
    )
    if scope.chat_id is not None:
        query = query.join(Incident, Incident.id == IncidentCategory.incident_id).where(
            Incident.chat_id == scope.chat_id
        )
    query = query.group_by(IncidentCategory.category).order_by(
        incidents.desc(), IncidentCategory.category
    )
    return [(category, count) for category, count in (await session.execute(query)).all()]


async def count_incidents_by_group(session: AsyncSession, scope: ReportScope) -> list[GroupCount]:
    """Incidents per group in the scope, most first, with each group's current title."""
    per_chat = _in_scope(select(Incident.chat_id, func.count().label("incidents")), scope).group_by(
        Incident.chat_id
    )
    counted = per_chat.subquery()
    query = (
        select(counted.c.chat_id, Group.title, counted.c.incidents)
        .join(Group, Group.chat_id == counted.c.chat_id)
        .order_by(counted.c.incidents.desc(), counted.c.chat_id)
    )
    return [
        GroupCount(chat_id, title, count) for chat_id, title, count in await _rows(session, query)
    ]


async def count_incidents_by(
    session: AsyncSession, scope: ReportScope, column: ColumnElement[Any]
) -> dict[str, int]:
    """Incidents in the scope per value of an incident column (`Incident.action`, `.status`)."""
    query = _in_scope(select(column, func.count()), scope).group_by(column)
    return {str(value): count for value, count in await _rows(session, query)}


async def count_incidents_in_periods(
    session: AsyncSession, edges: Sequence[datetime], *, chat_id: int | None = None
) -> list[int]:
    """Incidents in each period [edges[i], edges[i+1]): one count per period, oldest first."""
    if len(edges) < 2:
        raise ValueError("give at least two edges (the start and end of one period)")
    utc_edges = [as_utc(edge) for edge in edges]
    period = case(
        *((Incident.occurred_at < edge, index) for index, edge in enumerate(utc_edges[1:-1])),
        else_=len(utc_edges) - 2,
    )
    scope = ReportScope(utc_edges[0], utc_edges[-1], chat_id)
    # Grouped in an outer query: PostgreSQL cannot match a GROUP BY expression with parameters.
    labelled = _in_scope(select(period.label("period")), scope).subquery()
    query = select(labelled.c.period, func.count()).group_by(labelled.c.period)
    counts = [0] * (len(utc_edges) - 1)
    for index, count in await _rows(session, query):
        counts[int(index)] = count
    return counts


async def repeat_posters(
    session: AsyncSession, scope: ReportScope, *, at_least: int = 2, limit: int = 10
) -> tuple[int, list[PosterCount]]:
    """How many posters had `at_least` incidents in the scope, and the `limit` with most."""
    incidents = func.count().label("incidents")
    per_poster = (
        _in_scope(select(Incident.poster_id, incidents), scope)
        .where(Incident.poster_id.is_not(None))
        .group_by(Incident.poster_id)
        .having(func.count() >= at_least)
    )
    total = await session.scalar(select(func.count()).select_from(per_poster.subquery()))
    top = per_poster.order_by(incidents.desc(), Incident.poster_id).limit(limit)
    return int(total or 0), [
        PosterCount(poster, count) for poster, count in await _rows(session, top)
    ]


async def poster_names(session: AsyncSession, poster_ids: Iterable[int]) -> dict[int, str]:
    """The latest display name (or @username) seen for each poster who has one."""
    wanted = sorted(set(poster_ids))
    if not wanted:
        return {}
    query = (
        select(Member.user_id, Member.display_name, Member.username)
        .where(Member.user_id.in_(wanted))
        .order_by(Member.last_seen_at)
    )
    names: dict[int, str] = {}
    for user_id, display_name, username in await _rows(session, query):
        name = display_name or (f"@{username}" if username else "")
        if name:
            names[user_id] = name
    return names


async def removal_times(session: AsyncSession, scope: ReportScope) -> RemovalTimes:
    """Seconds from post to the first successful deletion, summarised in SQL.

    Counts every incident in the scope whose message was deleted (by the bot or
    an admin); `not_removed` are the remove/hold incidents never deleted.
    """
    removed = (
        _in_scope(
            select(
                Incident.id,
                Incident.occurred_at,
                func.min(ActionOutcome.attempted_at).label("removed_at"),
            ).join(ActionOutcome, ActionOutcome.incident_id == Incident.id),
            scope,
        )
        .where(_deletion_done())
        .group_by(Incident.id, Incident.occurred_at)
        .subquery()
    )
    elapsed = _seconds_between(session, removed.c.removed_at, removed.c.occurred_at)
    # A clock difference between Telegram and this server can make a few slightly negative.
    timed = select(case((elapsed < 0, 0.0), else_=elapsed).label("seconds")).subquery()
    seconds = timed.c.seconds
    count, average, slowest = (
        await session.execute(select(func.count(), func.avg(seconds), func.max(seconds)))
    ).one()
    return RemovalTimes(
        removed=int(count),
        not_removed=await _count_not_removed(session, scope),
        average=_float(average),
        median=await _nth_smallest(session, seconds, (count - 1) // 2) if count else None,
        ninetieth=await _nth_smallest(session, seconds, _rank(count, 0.9)) if count else None,
        slowest=_float(slowest),
        bands=await _removal_bands(session, seconds),
    )


async def releases_by_rule(session: AsyncSession, scope: ReportScope) -> list[RuleReleases]:
    """Per rule: incidents it was part of, and how many a reviewer released (false positives)."""
    released_id = case((Incident.status == IncidentStatus.RELEASED.value, Incident.id))
    incidents = func.count(distinct(Incident.id)).label("incidents")
    released = func.count(distinct(released_id)).label("released")
    query = (
        _in_scope(
            select(IncidentFinding.rule, incidents, released).join(
                IncidentFinding, IncidentFinding.incident_id == Incident.id
            ),
            scope,
        )
        .group_by(IncidentFinding.rule)
        .order_by(released.desc(), incidents.desc(), IncidentFinding.rule)
    )
    return [RuleReleases(rule, total, freed) for rule, total, freed in await _rows(session, query)]


# --- Incidents row by row -----------------------------------------------------------------


async def describe_incidents(
    session: AsyncSession, incidents: Sequence[Incident]
) -> list[IncidentRecord]:
    """Records for these incidents, with a handful of queries whatever their number."""
    return await _complete(
        session,
        [
            _bare_record(
                incident,
                incident.category_names,
                tuple(dict.fromkeys(finding.rule for finding in incident.findings)),
            )
            for incident in incidents
        ],
    )


async def iter_incident_records(
    session: AsyncSession,
    filters: IncidentFilter,
    *,
    limit: int | None = None,
    batch_size: int = EXPORT_BATCH,
) -> AsyncIterator[IncidentRecord]:
    """Every incident matching `filters` (or the first `limit`), newest first, a batch at a time.

    Pages by the last row seen rather than by offset, so the hundredth batch
    costs what the first did, and reads plain rows (no ORM objects to track),
    so memory stays flat however many incidents there are.
    """
    by_category = filters.category is not None
    occurred_at: Any = IncidentCategory.occurred_at if by_category else Incident.occurred_at
    incident_id: Any = IncidentCategory.incident_id if by_category else Incident.id
    remaining = limit
    after: tuple[datetime, int] | None = None
    while remaining is None or remaining > 0:
        size = batch_size if remaining is None else min(batch_size, remaining)
        query = filtered_incidents(select(*_RECORD_COLUMNS), filters)
        if after is not None:
            query = query.where(
                or_(
                    occurred_at < after[0],
                    and_(occurred_at == after[0], incident_id < after[1]),
                )
            )
        query = query.order_by(occurred_at.desc(), incident_id.desc()).limit(size)
        batch = await _rows(session, query)
        if not batch:
            return
        ids = [row.id for row in batch]
        categories = await _listed(session, IncidentCategory, IncidentCategory.category, ids)
        rules = await _listed(session, IncidentFinding, IncidentFinding.rule, ids)
        bare = [
            _bare_record(row, categories.get(row.id, ()), rules.get(row.id, ())) for row in batch
        ]
        for record in await _complete(session, bare):
            yield record
        after = (batch[-1].occurred_at, batch[-1].id)
        if remaining is not None:
            remaining -= len(batch)
        if len(batch) < size:
            return


_RECORD_COLUMNS = (
    Incident.id,
    Incident.occurred_at,
    Incident.chat_id,
    Incident.poster_id,
    Incident.action,
    Incident.status,
    Incident.redacted_text,
)


def _bare_record(row: Any, categories: tuple[str, ...], rules: tuple[str, ...]) -> IncidentRecord:
    """The incident's own columns; `_complete` adds what other tables say."""
    return IncidentRecord(
        id=row.id,
        occurred_at=row.occurred_at,
        chat_id=row.chat_id,
        group_title="",
        poster_id=row.poster_id,
        action=row.action,
        categories=categories,
        rules=rules,
        status=row.status,
        outcomes=(),
        seconds_to_removal=None,
        redacted_text=row.redacted_text,
        decision=None,
    )


async def _complete(session: AsyncSession, bare: list[IncidentRecord]) -> list[IncidentRecord]:
    """Add each record's group title, settled outcomes, time to removal and latest decision."""
    if not bare:
        return []
    ids = [record.id for record in bare]
    titles = await _group_titles(session, {record.chat_id for record in bare})
    outcomes, removed_at = await _settled_outcomes(session, ids)
    decisions = await _latest_decisions(session, ids)
    return [
        replace(
            record,
            group_title=titles.get(record.chat_id, ""),
            outcomes=outcomes.get(record.id, ()),
            seconds_to_removal=_seconds_from(record.occurred_at, removed_at.get(record.id)),
            decision=decisions.get(record.id),
        )
        for record in bare
    ]


async def _listed(
    session: AsyncSession,
    model: type[IncidentCategory] | type[IncidentFinding],
    column: Any,
    ids: list[int],
) -> dict[int, tuple[str, ...]]:
    """Per incident, the column's distinct values in the order the incident lists them."""
    query = (
        select(model.incident_id, column)
        .where(model.incident_id.in_(ids))
        .order_by(model.incident_id, model.position)
    )
    found: dict[int, dict[str, None]] = defaultdict(dict)
    for owner, value in await _rows(session, query):
        found[owner][value] = None
    return {owner: tuple(values) for owner, values in found.items()}


# --- Helpers ----------------------------------------------------------------------------------


def _in_scope(query: Select[Any], scope: ReportScope) -> Select[Any]:
    query = query.where(
        Incident.occurred_at >= as_utc(scope.since), Incident.occurred_at < as_utc(scope.until)
    )
    if scope.chat_id is not None:
        query = query.where(Incident.chat_id == scope.chat_id)
    return query


async def _rows(session: AsyncSession, query: Select[Any]) -> list[Any]:
    return list((await session.execute(query)).all())


def _deletion_done() -> ColumnElement[bool]:
    return and_(
        ActionOutcome.kind == ActionKind.DELETE_MESSAGE.value,
        ActionOutcome.outcome == Outcome.DONE.value,
    )


def _seconds_between(
    session: AsyncSession, later: ColumnElement[Any], earlier: ColumnElement[Any]
) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps times as UTC text; julianday() reads it as fractional days.
        return (func.julianday(later) - func.julianday(earlier)) * 86_400.0
    return extract("epoch", later - earlier)


async def _count_not_removed(session: AsyncSession, scope: ReportScope) -> int:
    deleted = exists().where(ActionOutcome.incident_id == Incident.id, _deletion_done())
    query = _in_scope(select(func.count()).select_from(Incident), scope).where(
        Incident.action.in_(_REMOVING_ACTIONS), ~deleted
    )
    return int(await session.scalar(query) or 0)


async def _nth_smallest(session: AsyncSession, seconds: Any, position: int) -> float | None:
    query = select(seconds).order_by(seconds).limit(1).offset(position)
    return _float(await session.scalar(query))


def _rank(count: int, share: float) -> int:
    """The 0-based position of the `share` quantile among `count` sorted values (nearest rank)."""
    return max(min(math.ceil(count * share) - 1, count - 1), 0)


async def _removal_bands(session: AsyncSession, seconds: Any) -> tuple[tuple[str, int], ...]:
    band = case(
        *((seconds < edge, index) for index, (edge, _) in enumerate(REMOVAL_BANDS)),
        else_=len(REMOVAL_BANDS),
    )
    banded = select(band.label("band")).subquery()
    query = select(banded.c.band, func.count()).group_by(banded.c.band)
    counts = dict(await _rows(session, query))
    labels = [label for _, label in REMOVAL_BANDS] + [LAST_REMOVAL_BAND]
    return tuple((label, int(counts.get(index, 0))) for index, label in enumerate(labels))


async def _group_titles(session: AsyncSession, chat_ids: set[int]) -> dict[int, str]:
    query = select(Group.chat_id, Group.title).where(Group.chat_id.in_(sorted(chat_ids)))
    return dict(await _rows(session, query))


async def _settled_outcomes(
    session: AsyncSession, ids: list[int]
) -> tuple[dict[int, tuple[tuple[str, str], ...]], dict[int, datetime]]:
    """Per incident: each action kind's settled outcome, and when the message was deleted.

    A kind is `done` if any attempt succeeded, else `failed` if any failed, else `skipped`.
    """
    query = (
        select(
            ActionOutcome.incident_id,
            ActionOutcome.kind,
            ActionOutcome.outcome,
            func.min(ActionOutcome.attempted_at),
        )
        .where(ActionOutcome.incident_id.in_(ids))
        .group_by(ActionOutcome.incident_id, ActionOutcome.kind, ActionOutcome.outcome)
    )
    seen: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    removed_at: dict[int, datetime] = {}
    for incident_id, kind, outcome, first_at in await _rows(session, query):
        seen[incident_id][kind].add(outcome)
        if kind == ActionKind.DELETE_MESSAGE and outcome == Outcome.DONE:
            removed_at[incident_id] = first_at
    order = {kind.value: position for position, kind in enumerate(ActionKind)}
    settled = {
        incident_id: tuple(
            (kind, _settle(kinds[kind])) for kind in sorted(kinds, key=lambda k: order.get(k, 99))
        )
        for incident_id, kinds in seen.items()
    }
    return settled, removed_at


def _settle(outcomes: set[str]) -> str:
    for outcome in (Outcome.DONE, Outcome.FAILED):
        if outcome.value in outcomes:
            return outcome.value
    return Outcome.SKIPPED.value


async def _latest_decisions(session: AsyncSession, ids: list[int]) -> dict[int, Decision]:
    query = (
        select(
            AuditEvent.incident_id,
            AuditEvent.at,
            AuditEvent.actor,
            AuditEvent.reason,
            AuditEvent.detail,
        )
        .where(
            AuditEvent.incident_id.in_(ids),
            AuditEvent.event == AuditAction.STATUS_CHANGED.value,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    decisions: dict[int, Decision] = {}
    for incident_id, at, actor, reason, detail in await _rows(session, query):
        decisions[incident_id] = Decision(_changed_to(detail), actor, at, reason)
    return decisions


def _changed_to(detail: str) -> str:
    try:
        return str(json.loads(detail).get("to", ""))
    except (ValueError, AttributeError):
        return ""


def _seconds_from(start: datetime, end: datetime | None) -> float | None:
    if end is None:
        return None
    return max((end - start).total_seconds(), 0.0)


def _float(value: Any) -> float | None:
    # SQLite's julianday() counts whole milliseconds: finer digits are float noise.
    return None if value is None else round(float(value), 3)
