"""Counts for managers: `/report week` and the weekly digest (categories and groups, no text)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.enforcement.services import Services
from bot.storage.columns import utc_now
from bot.storage.reports import ReportScope, count_incidents_by_category, count_incidents_by_group

WEEK = timedelta(days=7)


async def week_summary(services: Services, *, now: datetime | None = None) -> str:
    """Incidents of the last 7 days, counted by category and by group, as a short text."""
    until = now or utc_now()
    since = until - WEEK
    scope = ReportScope(since=since, until=until)
    async with services.database.transaction() as session:
        by_category = await count_incidents_by_category(session, scope)
        by_group = await count_incidents_by_group(session, scope)
    heading = f"StaffGuard: the week {since:%d %b} to {until:%d %b %Y}"
    total = sum(group.incidents for group in by_group)
    if total == 0:
        return f"{heading}\nNo incidents."
    lines = [heading, f"Incidents: {total}", "", "By category:"]
    lines += [f"- {category}: {count}" for category, count in by_category]
    lines += ["", "By group:"]
    lines += [f"- {group.title or group.chat_id}: {group.incidents}" for group in by_group]
    return "\n".join(lines)


async def send_digest(services: Services, *, now: datetime | None = None) -> int:
    """The week's summary to each configured manager; how many it reached."""
    managers = services.settings.manager_user_ids
    if not managers:
        return 0
    text = await week_summary(services, now=now)
    reached = 0
    for manager in managers:
        reached += (await services.gateway.send(manager, text)).ok
    return reached
