"""The trust's staff roster as a CSV file: work email addresses and/or Telegram accounts.

A header row names the columns: `email` (a work address), `telegram` (a numeric
user id or an @username), or both; other columns (a name, say) are ignored.
Every problem is reported with its line, and a file with any problem imports
nothing, so a half-read roster never replaces a whole one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from bot.storage.verification import RosterPerson

MAX_ROSTER_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 20
_EMAIL = re.compile(r"[^@\s<>(),;:\"]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_USER_ID = re.compile(r"\d{1,15}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")
_COLUMNS = {"email": "email", "work email": "email", "telegram": "telegram"}


class RosterError(Exception):
    """The roster file cannot be imported; the message lists every problem with its line."""


@dataclass(frozen=True, slots=True)
class Roster:
    people: list[RosterPerson]

    @property
    def emails(self) -> int:
        return sum(1 for person in self.people if person.email)

    @property
    def accounts(self) -> int:
        return sum(
            1 for person in self.people if person.telegram_user_id or person.telegram_username
        )


def read_roster(path: Path) -> Roster:
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise RosterError(f"{path} is larger than {MAX_ROSTER_BYTES // 1024 // 1024} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{path} is not UTF-8 text (save it as CSV UTF-8)") from None
    except OSError as error:
        raise RosterError(f"cannot read {path}: {error.strerror}") from None
    return parse_roster(text, str(path))


def parse_roster(text: str, name: str = "roster") -> Roster:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    columns = _columns(header or [], name)
    people: list[RosterPerson] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        person, problem = _person(row, columns)
        if problem:
            problems.append(f"{name}, line {line}: {problem}")
        elif person is not None:
            people.append(person)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise RosterError("\n".join([*shown, *tail, "Nothing was imported."]))
    return Roster(people)


def _columns(header: list[str], name: str) -> dict[str, int]:
    columns = {}
    for index, title in enumerate(header):
        known = _COLUMNS.get(title.strip().casefold())
        if known and known not in columns:
            columns[known] = index
    if not columns:
        raise RosterError(
            f"{name}, line 1: the header row needs an `email` column, a `telegram` column, or both"
        )
    return columns


def _person(row: list[str], columns: dict[str, int]) -> tuple[RosterPerson | None, str]:
    email = _cell(row, columns.get("email"))
    account = _cell(row, columns.get("telegram"))
    if email and not _EMAIL.fullmatch(email):
        return None, "the email column does not hold an email address"
    user_id, username = None, None
    if account:
        if _USER_ID.fullmatch(account):
            user_id = int(account)
        elif found := _USERNAME.fullmatch(account):
            username = found.group(1)
        else:
            return None, "the telegram column needs a numeric user id or an @username"
    if not email and not account:
        return None, "neither an email address nor a Telegram account"
    return RosterPerson(email or None, user_id, username), ""


def valid_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""
