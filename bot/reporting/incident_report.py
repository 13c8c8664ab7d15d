"""The managers' incident report: a week or month of incidents as one self-contained HTML page.

Every figure comes from an aggregate query (`bot.storage.reports`); the page
shows counts, charts, rule names and posters (staff), never message text. The CSV export (a
row per incident, columns for a trust's incident reporting form) shows only
the redacted text, each cell guarded against spreadsheet formulas.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.moderation.taxonomy import ACTION_STRENGTH, Action
from bot.reporting import charts
from bot.reporting import html as page
from bot.storage.columns import as_utc, utc_now
from bot.storage.models import ActionKind, Incident, IncidentStatus
from bot.storage.reports import (
    Decision,
    GroupCount,
    IncidentRecord,
    PosterCount,
    RemovalTimes,
    ReportScope,
    RuleReleases,
    count_incidents_by,
    count_incidents_by_category,
    count_incidents_by_group,
    count_incidents_in_periods,
    poster_names,
    releases_by_rule,
    removal_times,
    repeat_posters,
)

TREND_PERIODS = 12
TOP_POSTERS = 10
TOP_GROUPS = 15
TOP_RULES = 25
RULES_CHARTED = 10
CHART_WIDTH = 520
_ACTIONS_STRONGEST_FIRST = sorted(
    (action for action in Action if action is not Action.ALLOW),
    key=ACTION_STRENGTH.__getitem__,
    reverse=True,
)


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar week (Monday to Sunday) or month, in UTC."""

    kind: PeriodKind
    start: datetime  # midnight UTC on a Monday, or on the 1st

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime | date) -> Period:
        day = as_utc(moment).date() if isinstance(moment, datetime) else moment
        first = (
            day - timedelta(days=day.weekday()) if kind is PeriodKind.WEEK else day.replace(day=1)
        )
        return cls(kind, datetime.combine(first, time(), UTC))

    @classmethod
    def last_complete(cls, kind: PeriodKind, now: datetime) -> Period:
        return cls.containing(kind, now).previous()

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        if self.kind is PeriodKind.WEEK:
            return self.start + timedelta(days=7)
        year, month = divmod(self.start.month, 12)
        return self.start.replace(year=self.start.year + year, month=month + 1)

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def recent(self, count: int) -> list[Period]:
        """The `count` periods ending with this one, oldest first."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods[::-1]

    @property
    def key(self) -> str:
        """For file names: 2025-03, or the ISO week 2025-W10."""
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        if self.kind is PeriodKind.WEEK:
            return f"Week of {long_date(self.start.date())}"
        return f"{self.start:%B %Y}"

    @property
    def short_label(self) -> str:
        """A chart axis label: '3 Mar' for a week, 'Mar 2025' for a month."""
        if self.kind is PeriodKind.WEEK:
            return f"{self.start.day} {self.start:%b}"
        return f"{self.start:%b %Y}"

    @property
    def span(self) -> str:
        return f"{long_date(self.start.date())} to {long_date(self.last_day)} (UTC)"


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """Everything the page shows, already counted."""

    period: Period
    generated_at: datetime
    chat_id: int | None
    group_title: str | None
    by_action: dict[str, int]
    by_status: dict[str, int]
    by_category: list[tuple[str, int]]
    by_group: list[GroupCount]
    trend: list[tuple[Period, int]]
    repeat_poster_total: int
    repeat_posters: list[tuple[PosterCount, str]]
    removal: RemovalTimes
    rules: list[RuleReleases]

    @property
    def total(self) -> int:
        return sum(self.by_action.values())

    @property
    def previous_total(self) -> int | None:
        return self.trend[-2][1] if len(self.trend) >= 2 else None

    @property
    def unfinished(self) -> bool:
        return self.generated_at < self.period.end


async def gather_report(
    session: AsyncSession,
    period: Period,
    *,
    chat_id: int | None = None,
    group_title: str | None = None,
    trend_periods: int = TREND_PERIODS,
    now: datetime | None = None,
) -> IncidentReport:
    """Count everything the report shows: one aggregate query per figure."""
    scope = ReportScope(period.start, period.end, chat_id)
    periods = period.recent(trend_periods)
    edges = [recent.start for recent in periods] + [period.end]
    trend_counts = await count_incidents_in_periods(session, edges, chat_id=chat_id)
    repeat_total, top_posters = await repeat_posters(session, scope, limit=TOP_POSTERS)
    names = await poster_names(session, (poster.poster_id for poster in top_posters))
    return IncidentReport(
        period=period,
        generated_at=as_utc(now) if now else utc_now(),
        chat_id=chat_id,
        group_title=group_title,
        by_action=await count_incidents_by(session, scope, Incident.action),
        by_status=await count_incidents_by(session, scope, Incident.status),
        by_category=await count_incidents_by_category(session, scope),
        by_group=await count_incidents_by_group(session, scope),
        trend=list(zip(periods, trend_counts, strict=True)),
        repeat_poster_total=repeat_total,
        repeat_posters=[(poster, names.get(poster.poster_id, "")) for poster in top_posters],
        removal=await removal_times(session, scope),
        rules=await releases_by_rule(session, scope),
    )


# --- The page -----------------------------------------------------------------------------


def render_report(report: IncidentReport) -> page.Html:
    """The whole page: summary, charts, then the tables behind the rankings."""
    return page.page(
        "StaffGuard incident report",
        _summary(report),
        _charts(report),
        _poster_table(report),
        _rule_table(report),
        subtitle=f"{report.period.title} · {_scope_name(report)}",
        footer=(
            f"Generated by StaffGuard on {report.generated_at:%Y-%m-%d %H:%M} UTC. "
            "Counts are of incidents posted in the period; statuses are as they stand now."
        ),
    )


def _summary(report: IncidentReport) -> page.Html:
    parts: list[object] = [
        page.notice(
            "No message text appears in this report: incidents are counted by category, "
            "group, rule and poster. Posters are staff, named as the bot last saw them. "
            "Times are UTC."
        )
    ]
    if report.unfinished:
        parts.append(
            page.notice(
                f"This {report.period.kind} is not over yet: the figures run to "
                f"{report.generated_at:%Y-%m-%d %H:%M} UTC.",
                "warning",
            )
        )
    if report.removal.not_removed:
        parts.append(
            page.notice(
                f"{_count(report.removal.not_removed, 'message')} that should have been removed "
                "never left the group: neither the bot nor an admin deleted it. "
                "`staffguard incidents list --action remove` marks them FAILED.",
                "error",
            )
        )
    parts.append(page.facts(summary_facts(report)))
    return page.section("Summary", *parts)


def summary_facts(report: IncidentReport) -> list[tuple[str, str]]:
    """Label/value lines for the page's summary and the terminal."""
    removal = report.removal
    facts = [
        ("Period", report.period.span),
        ("Groups", _scope_name(report)),
        ("Incidents", f"{report.total:,}{_by_action(report.by_action)}"),
        (
            f"Previous {report.period.kind}",
            _change(report.previous_total, report.total, report.period.kind),
        ),
        ("Review status", _statuses(report.by_status, report.total)),
        ("Messages removed", f"{removal.removed:,}{_removal_speed(removal)}"),
    ]
    if removal.not_removed:
        facts.append(("Not removed", f"{removal.not_removed:,} (delete failed or never done)"))
    repeaters = report.repeat_poster_total
    facts.append(
        ("Repeat posters", f"{repeaters:,} {_plural('poster', repeaters)} with 2 or more incidents")
    )
    return facts


def _charts(report: IncidentReport) -> page.Html:
    period = report.period.kind
    released = [(rule.rule, rule.released) for rule in report.rules if rule.released]
    figures = (
        _figure(
            charts.horizontal_bar_chart(
                report.by_category,
                title="Incidents by category",
                label_width=230,
                width=CHART_WIDTH,
            ),
            "An incident with several categories counts once in each.",
        ),
        _figure(
            charts.horizontal_bar_chart(
                [(_group_label(group), group.incidents) for group in report.by_group[:TOP_GROUPS]],
                title="Incidents by group",
                label_width=230,
                width=CHART_WIDTH,
            ),
            _more("group", len(report.by_group) - TOP_GROUPS),
        ),
        _figure(
            charts.column_chart(
                [(recent.short_label, count) for recent, count in report.trend],
                title=f"Incidents per {period}, last {len(report.trend)}",
                width=CHART_WIDTH,
            ),
            f"The last column is this report's {period}.",
        ),
        _figure(
            charts.horizontal_bar_chart(
                [
                    (_poster_label(poster, name), poster.incidents)
                    for poster, name in report.repeat_posters
                ],
                title="Repeat posters",
                label_width=230,
                width=CHART_WIDTH,
            ),
            f"Staff with 2 or more incidents this {period}; the top {TOP_POSTERS}.",
        ),
        _figure(
            charts.horizontal_bar_chart(
                list(report.removal.bands) if report.removal.removed else [],
                title="Time from post to removal",
                label_width=120,
                width=CHART_WIDTH,
            ),
            "Removed messages, by how long they were in the group.",
        ),
        _figure(
            charts.horizontal_bar_chart(
                released[:RULES_CHARTED],
                title="Releases (false positives) by rule",
                label_width=230,
                width=CHART_WIDTH,
            ),
            "Incidents a reviewer released as not a breach, by the rule that fired.",
        ),
    )
    return page.section("Charts", page.charts(*figures))


def _figure(chart: page.Html, caption: str) -> page.Html:
    """A chart and its caption, kept to the chart's width so that two sit side by side."""
    # Each may shrink a little (the SVG scales) to fit two across a laptop screen.
    style = f"flex: 1 1 420px; max-width: {CHART_WIDTH}px"
    below = f'<figcaption class="muted">{page.escape(caption)}</figcaption>' if caption else ""
    return page.Html(f'<figure style="{style}">{chart}{below}</figure>\n')


def _poster_table(report: IncidentReport) -> page.Html:
    if not report.repeat_posters:
        return page.section(
            "Repeat posters", page.paragraph(f"No one posted twice this {report.period.kind}.")
        )
    rows = [
        (name or "(name not seen)", poster.poster_id, f"{poster.incidents:,}")
        for poster, name in report.repeat_posters
    ]
    return page.section(
        "Repeat posters",
        page.table(("Poster", "Telegram id", "Incidents"), rows),
        page.paragraph(_more("poster", report.repeat_poster_total - len(rows)), "muted"),
    )


def _rule_table(report: IncidentReport) -> page.Html:
    if not report.rules:
        return page.section("Rules", page.paragraph("No rule fired in this period."))
    rows = [
        (
            page.Html(f"<code>{page.escape(rule.rule)}</code>"),
            f"{rule.incidents:,}",
            f"{rule.released:,}",
            _percent(rule.released, rule.incidents),
        )
        for rule in report.rules[:TOP_RULES]
    ]
    return page.section(
        "Rules and releases",
        page.paragraph(
            "How often each rule fired, and how many of those incidents a reviewer released "
            "as not a breach. A rule often released is a candidate for tuning."
        ),
        page.table(("Rule", "Incidents", "Released", "Released share"), rows),
        page.paragraph(_more("rule", len(report.rules) - len(rows)), "muted"),
    )


# --- Wording ------------------------------------------------------------------------------


def long_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%B %Y}"


def format_seconds(seconds: float) -> str:
    """A duration as a person says it: 0.8 s, 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    for unit, size, smaller, smaller_size in (
        ("d", 86_400, "h", 3_600),
        ("h", 3_600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if whole >= size:
            rest = (whole % size) // smaller_size
            return f"{whole // size} {unit}" + (f" {rest} {smaller}" if rest else "")
    return f"{whole} s"


def _scope_name(report: IncidentReport) -> str:
    if report.chat_id is None:
        return f"all groups ({len(report.by_group):,} with incidents)"
    return f"{report.group_title or 'untitled group'} (chat {report.chat_id})"


def _by_action(by_action: dict[str, int]) -> str:
    counts = [
        f"{action.value} {by_action[action.value]:,}"
        for action in _ACTIONS_STRONGEST_FIRST
        if by_action.get(action.value)
    ]
    return f": {', '.join(counts)}" if counts else ""


def _statuses(by_status: dict[str, int], total: int) -> str:
    if not total:
        return "nothing to review"
    parts = []
    for status in IncidentStatus:
        count = by_status.get(status.value, 0)
        if count:
            parts.append(f"{status.value} {count:,} ({_percent(count, total)})")
    return ", ".join(parts)


def _change(previous: int | None, current: int, period: str) -> str:
    if previous is None:
        return "not counted"
    if not previous:
        return f"{previous:,}"
    change = (current - previous) / previous
    trend = "no change" if not change else f"{'up' if change > 0 else 'down'} {abs(change):.0%}"
    return f"{previous:,} ({trend} this {period})"


def _removal_speed(removal: RemovalTimes) -> str:
    if removal.median is None or removal.ninetieth is None or removal.slowest is None:
        return ""
    return (
        f"; half within {format_seconds(removal.median)}, 90% within "
        f"{format_seconds(removal.ninetieth)}, slowest {format_seconds(removal.slowest)}"
    )


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _more(noun: str, extra: int) -> str:
    return f"And {extra:,} more {_plural(noun, extra)} not shown." if extra > 0 else ""


def _count(count: int, noun: str) -> str:
    return f"{count:,} {_plural(noun, count)}"


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else f"{noun}s"


def _group_label(group: GroupCount) -> str:
    return group.title or f"chat {group.chat_id}"


def _poster_label(poster: PosterCount, name: str) -> str:
    return f"{name} ({poster.poster_id})" if name else f"user {poster.poster_id}"


# --- The CSV and JSON rows (a trust's incident reporting form) -----------------------------

INCIDENT_CSV_COLUMNS = (
    "incident_id",
    "occurred_at_utc",
    "group_title",
    "group_chat_id",
    "poster_id",
    "action",
    "categories",
    "rules",
    "status",
    "outcome_summary",
    "seconds_to_removal",
    "redacted_text",
    "reviewer_decision",
)
OUTCOME_LABELS = {
    ActionKind.DELETE_MESSAGE.value: "delete",
    ActionKind.NOTIFY_POSTER.value: "notice",
    ActionKind.ALERT_ADMINS.value: "alert",
    ActionKind.ASK_ADMINS_TO_DELETE.value: "ask admins to delete",
    ActionKind.HOLD_POST.value: "hold",
    ActionKind.RESTRICT_POSTER.value: "strike",
    ActionKind.ESCALATE.value: "escalate",
}
# A spreadsheet runs a cell starting with one of these as a formula (as in bot.audit.outputs).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def iso_utc(moment: datetime) -> str:
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def outcome_summary(record: IncidentRecord) -> str:
    """'delete done; notice failed; alert done': each step's settled outcome."""
    return "; ".join(
        f"{OUTCOME_LABELS.get(kind, kind)} {outcome}" for kind, outcome in record.outcomes
    )


def decision_summary(decision: Decision | None) -> str:
    if decision is None:
        return ""
    summary = f"{decision.status} by {decision.actor} at {iso_utc(decision.at)}"
    return f"{summary}: {decision.note}" if decision.note else summary


def incident_csv_row(record: IncidentRecord) -> list[object]:
    """One CSV row; text cells are guarded, numbers written as numbers."""
    removal = record.seconds_to_removal
    return [
        record.id,
        iso_utc(record.occurred_at),
        spreadsheet_safe(record.group_title),
        record.chat_id,
        "" if record.poster_id is None else record.poster_id,
        record.action,
        spreadsheet_safe("; ".join(record.categories)),
        spreadsheet_safe("; ".join(record.rules)),
        record.status,
        spreadsheet_safe(outcome_summary(record)),
        "" if removal is None else f"{removal:.1f}",
        spreadsheet_safe(record.redacted_text),
        spreadsheet_safe(decision_summary(record.decision)),
    ]


def incident_json(record: IncidentRecord) -> dict[str, Any]:
    """One incident as a JSON object: the CSV's content with real types."""
    decision = record.decision
    return {
        "id": record.id,
        "occurred_at": iso_utc(record.occurred_at),
        "group": {"chat_id": record.chat_id, "title": record.group_title},
        "poster_id": record.poster_id,
        "action": record.action,
        "categories": list(record.categories),
        "rules": list(record.rules),
        "status": record.status,
        "outcomes": [{"action": kind, "outcome": outcome} for kind, outcome in record.outcomes],
        "seconds_to_removal": record.seconds_to_removal,
        "redacted_text": record.redacted_text,
        "decision": None
        if decision is None
        else {
            "status": decision.status,
            "actor": decision.actor,
            "at": iso_utc(decision.at),
            "note": decision.note,
        },
    }


class IncidentCsvWriter:
    """The header, then a row per incident written (see `incident_csv_row`)."""

    def __init__(self, stream: TextIO) -> None:
        self._rows = csv.writer(stream)
        self._rows.writerow(INCIDENT_CSV_COLUMNS)
        self.written = 0

    def write(self, record: IncidentRecord) -> None:
        self._rows.writerow(incident_csv_row(record))
        self.written += 1


def spreadsheet_safe(cell: str) -> str:
    """Text a spreadsheet shows as text, never evaluates (CSV formula injection)."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
