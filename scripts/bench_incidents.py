"""`staffguard incidents list` and `staffguard report` speed over a large incident log.

Writes N synthetic incidents (default 100,000, spread over the year to the
end of March 2025: 40 groups, 3,000 posters, one or two categories each, the
outcomes the bot records, reviews for about 40%) into a throwaway SQLite
file, and into a throwaway PostgreSQL database when --postgres URL (or
STAFFGUARD_TEST_POSTGRES_URL) is given; the database is dropped at the end.
The log is written with bulk inserts, not the bot's one-incident-at-a-time path.

Each command runs in this process through `bot.cli.main`, as a manager would
run it minus Python's start-up: settings, opening the database and checking
its schema, the queries, the output (to a discarded buffer). Prints the median
and worst of --repeat runs per command. Aims on SQLite: list < 200 ms, report < 3 s.

    python scripts/bench_incidents.py [--incidents N] [--repeat R] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli import main as staffguard
from bot.moderation.taxonomy import CATEGORIES, DEFAULT_ACTIONS
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from bot.storage.models import (
    ActionOutcome,
    AuditEvent,
    Group,
    Incident,
    IncidentCategory,
    IncidentFinding,
    Member,
)

END = datetime(2025, 4, 1, tzinfo=UTC)
DAYS = 365
GROUPS = 40
POSTERS = 3_000
CHUNK = 5_000
LIST_AIM_MS = 200
REPORT_AIM_MS = 3_000
REDACTED = "Can someone check bed 4, NHS [NHS number], [name] is asking for the ward manager"


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    aim_ms: float | None


def cases(busiest_group: str) -> list[Case]:
    def listing(name: str, *args: str) -> Case:
        return Case(f"incidents list {name}".strip(), ("incidents", "list", *args), LIST_AIM_MS)

    return [
        listing(""),
        listing("--group", "--group", busiest_group),
        listing("--since/--until", "--since", "2025-03-01", "--until", "2025-03-15"),
        listing("--category", "--category", "patient.nhs_number"),
        listing("--category --since", "--category", "conduct.abuse", "--since", "2025-03-01"),
        listing("--status released", "--status", "released"),
        listing("--poster", "--poster", "1000017"),
        listing(
            "(four filters)",
            "--group",
            busiest_group,
            "--category",
            "patient.name",
            "--action",
            "remove",
            "--since",
            "2025-01-01",
        ),
        listing("--offset 5000", "--offset", "5000"),
        Case("incidents list --csv (a month)", ("incidents", "list", "--csv", "--since",
             "2025-03-01", "--until", "2025-03-31"), None),
        Case("incidents show", ("incidents", "show", "4242"), LIST_AIM_MS),
        Case("report --period month", ("report", "--period", "month", "--of", "2025-03",
             "--out", "{folder}/month.html"), REPORT_AIM_MS),
        Case("report --period week", ("report", "--period", "week", "--of", "2025-03-24",
             "--out", "{folder}/week.html"), REPORT_AIM_MS),
        Case("report --period month --csv", ("report", "--period", "month", "--of", "2025-03",
             "--out", "{folder}/month.html", "--csv", "{folder}/month.csv"), None),
    ]  # fmt: skip


# --- A synthetic log ----------------------------------------------------------------------


def weighted_categories(rng: random.Random) -> list[str]:
    # Patient data dominates, as in a real log; a few categories are rare.
    weights = [12 if name.startswith("patient.") else 3 for name in CATEGORIES]
    first = rng.choices(CATEGORIES, weights)[0]
    if rng.random() < 0.3:
        second = rng.choices(CATEGORIES, weights)[0]
        if second != first:
            return [first, second]
    return [first]


def synthetic_log(count: int, seed: int = 7) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Rows for each table, `CHUNK` incidents at a time."""
    rng = random.Random(seed)
    span = DAYS * 86_400
    moments = sorted(END - timedelta(seconds=rng.uniform(1, span)) for _ in range(count))
    for first in range(0, count, CHUNK):
        tables: dict[str, list[dict[str, Any]]] = {
            "incidents": [],
            "categories": [],
            "findings": [],
            "outcomes": [],
            "audit": [],
        }
        for offset, occurred_at in enumerate(moments[first : first + CHUNK]):
            add_incident(tables, rng, first + offset + 1, occurred_at)
        yield tables


def add_incident(
    tables: dict[str, list[dict[str, Any]]], rng: random.Random, incident_id: int, at: datetime
) -> None:
    categories = weighted_categories(rng)
    action = DEFAULT_ACTIONS[categories[0]].value
    if rng.random() < 0.07:
        action = "flag"
    status = rng.choices(["open", "upheld", "released", "escalated"], [60, 25, 10, 5])[0]
    # A few busy groups and posters, as in a real trust.
    chat_id = -1_000_000 - (int(rng.paretovariate(1.2)) - 1) % GROUPS
    tables["incidents"].append(
        {
            "id": incident_id,
            "chat_id": chat_id,
            "poster_id": 1_000_000 + (int(rng.paretovariate(0.8)) - 1) % POSTERS,
            "message_id": incident_id,
            "message_revision": 0,
            "occurred_at": at,
            "recorded_at": at + timedelta(milliseconds=300),
            "action": action,
            "status": status,
            "status_changed_at": None if status == "open" else at + timedelta(days=1),
            "redacted_text": REDACTED,
            "edited": False,
            "forwarded": False,
            "failed_detectors": "",
        }
    )
    for position, category in enumerate(categories):
        tables["categories"].append(
            {"incident_id": incident_id, "category": category, "position": position,
             "occurred_at": at}
        )  # fmt: skip
        tables["findings"].append(
            {"incident_id": incident_id, "position": position, "category": category,
             "rule": f"{category.split('.')[1]}.rule{rng.randint(1, 3)}", "confidence": 0.9,
             "start": 0, "end": 10, "evidence": REDACTED}
        )  # fmt: skip
    add_outcomes(tables["outcomes"], rng, incident_id, at, action)
    if status != "open":
        tables["audit"].append(
            {"at": at + timedelta(days=1), "actor": "cli:reviewer",
             "event": "incident.status_changed", "incident_id": incident_id,
             "reason": "reviewed", "detail": f'{{"from": "open", "to": "{status}"}}'}
        )  # fmt: skip


def add_outcomes(
    rows: list[dict[str, Any]], rng: random.Random, incident_id: int, at: datetime, action: str
) -> None:
    def outcome(kind: str, result: str, seconds: float, detail: str = "") -> None:
        rows.append(
            {"incident_id": incident_id, "kind": kind, "outcome": result, "detail": detail,
             "attempted_at": at + timedelta(seconds=seconds)}
        )  # fmt: skip

    if action in ("remove", "hold"):
        if rng.random() < 0.03:  # no rights: an admin deletes it by hand, minutes later
            outcome("delete_message", "failed", 0.5, "Bad Request: message can't be deleted")
            if rng.random() < 0.8:
                outcome("delete_message", "done", rng.uniform(120, 7200), "by telegram:1")
        else:
            outcome("delete_message", "done", rng.lognormvariate(0, 0.8))
        outcome("notify_poster", "done" if rng.random() < 0.9 else "failed", 2)
    outcome("alert_admins", "done", 2)


async def write_log(url: str, count: int) -> str:
    """Migrate and fill the database; returns the busiest group's title."""
    database = Database.from_url(url)
    try:
        await upgrade(database)
        async with database.connect() as connection:
            await connection.execute(insert(Group.__table__), groups())
            await connection.execute(insert(Member.__table__), members())
        for tables in synthetic_log(count):
            async with database.connect() as connection:
                for model, key in (
                    (Incident, "incidents"),
                    (IncidentCategory, "categories"),
                    (IncidentFinding, "findings"),
                    (ActionOutcome, "outcomes"),
                    (AuditEvent, "audit"),
                ):
                    if tables[key]:
                        await connection.execute(insert(model.__table__), tables[key])
        if database.dialect_name == "postgresql":
            # Autovacuum would have analysed a real database long since.
            async with database.connect() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await database.dispose()
    return "Ward 0"


def groups() -> list[dict[str, Any]]:
    return [
        {"chat_id": -1_000_000 - index, "title": f"Ward {index}", "kind": "supergroup",
         "bot_status": "administrator", "can_delete_messages": True,
         "can_restrict_members": True, "first_seen_at": END, "updated_at": END}
        for index in range(GROUPS)
    ]  # fmt: skip


def members() -> list[dict[str, Any]]:
    return [
        {"chat_id": -1_000_000 - index % GROUPS, "user_id": 1_000_000 + index,
         "display_name": f"Staff member {index}", "username": None, "is_admin": False,
         "first_seen_at": END, "last_seen_at": END}
        for index in range(POSTERS)
    ]  # fmt: skip


# --- Timing ------------------------------------------------------------------------------------


def time_case(case: Case, url: str, folder: Path, repeat: int) -> list[float]:
    os.environ["STAFFGUARD_DATABASE_URL"] = url
    argv = [arg.format(folder=folder) for arg in case.argv]
    timings = []
    for _ in range(repeat):
        sink = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code = staffguard(argv)
        timings.append((time.perf_counter() - started) * 1000)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code}): {sink.getvalue()[-500:]}")
    return timings


def print_row(backend: str, case: Case, timings: list[float]) -> None:
    median, worst = statistics.median(timings), max(timings)
    verdict = "" if case.aim_ms is None else ("ok" if median < case.aim_ms else "SLOW")
    aim = "" if case.aim_ms is None else f"< {case.aim_ms:,.0f}"
    print(
        f"{backend:10} {case.name:36} {median:10,.0f} {worst:10,.0f} {aim:>9} {verdict:>5}",
        flush=True,
    )


def bench(backend: str, url: str, count: int, repeat: int, folder: Path) -> None:
    started = time.perf_counter()
    busiest = asyncio.run(write_log(url, count))
    print(f"# {backend}: wrote {count:,} incidents in {time.perf_counter() - started:,.1f} s")
    for case in cases(busiest):
        print_row(backend, case, time_case(case, url, folder, repeat))


@contextlib.contextmanager
def throwaway_postgres(server_url: str) -> Iterator[str]:
    name = f"sg_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    asyncio.run(autocommit(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        asyncio.run(autocommit(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def autocommit(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("STAFFGUARD_TEST_POSTGRES_URL"),
        metavar="URL",
        help="a PostgreSQL server to make a throwaway database on (postgresql+asyncpg://...)",
    )
    args = parser.parse_args()
    os.environ["STAFFGUARD_QUARANTINE_KEYS"] = "[]"
    print(f"{'backend':10} {'command':36} {'median ms':>10} {'worst ms':>10} {'aim ms':>9}")
    with tempfile.TemporaryDirectory(prefix="sg-bench-") as folder:
        path = Path(folder)
        bench(
            "sqlite", f"sqlite+aiosqlite:///{path / 'bench.db'}", args.incidents, args.repeat, path
        )
        if args.postgres:
            with throwaway_postgres(args.postgres) as url:
                bench("postgresql", url, args.incidents, args.repeat, path)
        else:
            print("# postgresql: skipped (give --postgres URL or STAFFGUARD_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
