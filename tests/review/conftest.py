"""A seeded incident log for the review commands, on SQLite and (when configured) PostgreSQL.

The commands read their database from STAFFGUARD_DATABASE_URL, so PostgreSQL
gets a throwaway database of its own (a schema cannot be named in the URL),
seeded once per session and dropped at the end; tests that change the log
run on a fresh SQLite copy each.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.database import Database
from bot.storage.migrate import upgrade
from tests.review.seed import QUARANTINE_KEY, Seeded, seed
from tests.storage.conftest import (  # noqa: F401 (fixtures used by name)
    postgres_url,
    run_async,
    sqlite_template,
    sqlite_url,
)


@dataclass(frozen=True)
class ReviewDatabase:
    backend: str
    url: str
    ids: Seeded


async def _migrate_and_seed(url: str) -> Seeded:
    database = Database.from_url(url)
    try:
        await upgrade(database)
        return await seed(database)
    finally:
        await database.dispose()


async def _autocommit(url: str, statement: str) -> None:
    # CREATE / DROP DATABASE cannot run inside a transaction.
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    path = tmp_path_factory.mktemp("review-template") / "seeded.db"
    ids = run_async(_migrate_and_seed(sqlite_url(path)))
    return path, ids


@pytest.fixture(scope="session")
def seeded_postgres(postgres_url: str) -> Iterator[ReviewDatabase]:  # noqa: F811
    name = f"sg_review_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    run_async(_autocommit(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        ids = run_async(_migrate_and_seed(url))
        yield ReviewDatabase("postgresql", url, ids)
    finally:
        run_async(_autocommit(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean working folder (no stray .env) and no quarantine key unless a test sets one."""
    for name in list(os.environ):
        if name.startswith("STAFFGUARD_") and name != "STAFFGUARD_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STAFFGUARD_QUARANTINE_KEYS", "[]")
    return tmp_path


def use_database(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("STAFFGUARD_DATABASE_URL", url)


def use_quarantine_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAFFGUARD_QUARANTINE_KEYS", json.dumps([QUARANTINE_KEY]))


@pytest.fixture
def sqlite_log(
    seeded_sqlite_file: tuple[Path, Seeded],
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> ReviewDatabase:
    """A seeded SQLite log of the test's own, which it may change."""
    template, ids = seeded_sqlite_file
    path = cli_env / "staffguard.db"
    shutil.copyfile(template, path)
    url = sqlite_url(path)
    use_database(monkeypatch, url)
    return ReviewDatabase("sqlite", url, ids)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def review_log(
    request: pytest.FixtureRequest, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> ReviewDatabase:
    """The seeded log on each backend, for tests that only read it."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_log")
    log: ReviewDatabase = request.getfixturevalue("seeded_postgres")
    use_database(monkeypatch, log.url)
    return log
