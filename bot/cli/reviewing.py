"""What `staffguard incidents` and `staffguard report` share.

Opening the incident log without ever migrating or creating it, storage
errors as one line and an exit code, reading ids, dates and groups as people
type them, and printing text from chats so it cannot steer the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.errors import CliError, ExitCode
from bot.config import Settings, SettingsError, load_settings
from bot.storage.database import Database, sqlite_path
from bot.storage.errors import (
    NotFound,
    OriginalUnavailable,
    QuarantineKeyError,
    ReasonRequired,
    SchemaOutOfDate,
    StorageUnavailable,
)
from bot.storage.migrate import ensure_schema
from bot.storage.models import Group

T = TypeVar("T")
# How long to wait for another process's lock on a SQLite file before saying it is locked.
BUSY_TIMEOUT_MS = 5_000
_AGE = re.compile(r"(\d{1,5})\s*([hdw])")
_AGE_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,20}")
# Characters that could steer a terminal (escape sequences) or reorder the line (bidi controls).
_TERMINAL_UNSAFE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_LINE_BREAKS = re.compile(r"\s*(?:\r\n|[\r\n\u2028\u2029])\s*")


def add_group_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--group", metavar="CHAT_ID|TITLE", help="one group: its chat id or its exact title"
    )


def add_actor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--actor",
        metavar="NAME",
        help="who you are, for the audit trail (default: your login name)",
    )


def cli_actor(name: str | None) -> str:
    """'cli:<name>' for the audit trail: --actor, else the login name."""
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            raise CliError("cannot tell who you are: give --actor NAME") from None
    named = terminal_safe(name, one_line=True).strip()
    if not named:
        raise CliError("--actor must name you")
    return f"cli:{named}"[:128]


def run_review(
    command: str,
    work: Callable[[AsyncSession], Awaitable[T]],
    settings: Settings | None = None,
) -> T:
    """Run `work` in one transaction on the configured database; errors become clear lines."""
    with review_errors():
        chosen = settings or load_settings()
        return asyncio.run(_in_transaction(chosen, command, work))


async def _in_transaction(
    settings: Settings, command: str, work: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    database = await open_review_database(settings, command)
    try:
        async with database.transaction() as session:
            return await work(session)
    finally:
        await database.dispose()


async def open_review_database(settings: Settings, command: str) -> Database:
    """The configured database if it exists and is at the code's schema; never migrates it."""
    path = sqlite_path(settings.database_url)
    if path is not None and path.parent.is_dir() and not path.exists():
        raise StorageUnavailable(
            f"database {settings.database_url_redacted} does not exist (no file {path}): "
            "check STAFFGUARD_DATABASE_URL (the bot creates the database when it first starts)"
        )
    database = Database.from_url(settings.database_url, busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        await ensure_schema(database, upgrade_allowed=False)
    except SchemaOutOfDate as error:
        await database.dispose()
        raise SchemaOutOfDate(
            f"`staffguard {command}` does not upgrade databases: {error}"
        ) from None
    except BaseException:
        await database.dispose()
        raise
    return database


@contextmanager
def review_errors() -> Iterator[None]:
    """Storage and settings errors as one line each, with the exit code their kind gets."""
    try:
        yield
    except SettingsError as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    except QuarantineKeyError as error:
        raise CliError(str(error), ExitCode.BAD_CONFIG) from None
    except (NotFound, ReasonRequired, OriginalUnavailable) as error:
        raise CliError(str(error), ExitCode.BAD_INPUT) from None
    except (StorageUnavailable, SchemaOutOfDate) as error:
        raise CliError(str(error), ExitCode.UNAVAILABLE) from None


async def find_group(session: AsyncSession, wanted: str) -> tuple[int, str]:
    """(chat id, title) of the group named by its chat id or its exact title (any case)."""
    text = wanted.strip()
    if _WHOLE_NUMBER.fullmatch(text):
        group = await session.get(Group, int(text))
        if group is None:
            raise CliError(f"no group with chat id {text}{await _known_groups(session)}")
        return group.chat_id, group.title
    query = select(Group.chat_id, Group.title).where(Group.title != "")
    named = [
        (chat_id, title)
        for chat_id, title in (await session.execute(query)).all()
        if title.casefold() == text.casefold()
    ]
    if not named:
        raise CliError(f"no group is called {text!r}{await _known_groups(session)}")
    if len(named) > 1:
        ids = ", ".join(str(chat_id) for chat_id, _ in named)
        raise CliError(f"several groups are called {text!r}: give one chat id ({ids})")
    return named[0]


async def _known_groups(session: AsyncSession, shown: int = 8) -> str:
    query = select(Group.chat_id, Group.title).order_by(Group.title, Group.chat_id)
    groups = (await session.execute(query.limit(shown + 1))).all()
    if not groups:
        return " (no group is recorded yet)"
    names = [
        f"{terminal_safe(title, one_line=True) or 'untitled'} ({chat_id})"
        for chat_id, title in groups[:shown]
    ]
    return f" (known: {', '.join(names)}{', ...' if len(groups) > shown else ''})"


def parse_incident_id(text: str) -> int:
    number = parse_whole_number(text.strip().removeprefix("#"), "incident id")
    if number < 1:
        raise CliError(f"incident id must be 1 or more, not {text!r}")
    return number


def parse_whole_number(text: str, what: str) -> int:
    stripped = text.strip()
    if not _WHOLE_NUMBER.fullmatch(stripped):
        raise CliError(f"{what} must be a whole number, not {text!r}")
    return int(stripped)


def parse_when(text: str, option: str, *, now: datetime, day_end: bool = False) -> datetime:
    """A moment in UTC from a date, an ISO time or an age ('7d', '12h', '2w' ago).

    A date alone is the start of that day (UTC), or with `day_end` the end of it,
    so `--until 2025-03-31` includes the 31st.
    """
    stripped = text.strip()
    age = _AGE.fullmatch(stripped.lower())
    if age:
        return now - timedelta(**{_AGE_UNITS[age[2]]: int(age[1])})
    try:
        day = date.fromisoformat(stripped)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time(), UTC)
        return start + timedelta(days=1) if day_end else start
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise CliError(
            f"{option}: {text!r} is not a date or time: give YYYY-MM-DD, an ISO time such as "
            "2025-03-01T14:30 (UTC unless it gives a zone), or an age such as 7d or 12h"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def terminal_safe(text: str, *, one_line: bool = False) -> str:
    """Text from a chat made harmless to print: control characters shown as escapes."""
    if one_line:
        text = _LINE_BREAKS.sub(" ⏎ ", text).replace("\t", " ")
    return _TERMINAL_UNSAFE.sub(lambda found: ascii(found[0])[1:-1], text)
