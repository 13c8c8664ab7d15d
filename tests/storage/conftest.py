"""Databases for the storage tests: SQLite always, PostgreSQL when one is configured and reachable.

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL: each test session migrates into its own schema (dropped at the end),
and each test empties the tables after itself, so runs never see each other.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.storage.database import Database
from bot.storage.errors import StorageUnavailable
from bot.storage.migrate import upgrade
from bot.storage.models import Base

POSTGRES_URL_VARIABLE = "STAFFGUARD_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class Target:
    """Where a test's database lives, and how to open it."""

    backend: str
    url: str
    connect_args: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the SQLite file

    def open(self, **options: Any) -> Database:
        if self.connect_args:
            options["connect_args"] = {**self.connect_args}
        return Database.from_url(self.url, **options)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def run_async(coroutine: Any) -> Any:
    """Run set-up work on its own loop, outside the test's (session fixtures are sync)."""
    return asyncio.run(coroutine)


async def _migrate(target: Target) -> None:
    database = target.open()
    try:
        await upgrade(database)
    finally:
        await database.dispose()


# --- SQLite --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    run_async(_migrate(Target("sqlite", sqlite_url(path))))
    return path


def _sqlite_copy(template: Path, folder: Path) -> Target:
    path = folder / "staffguard.db"
    shutil.copyfile(template, path)
    return Target("sqlite", sqlite_url(path), path=path)


@pytest.fixture
def sqlite_target(sqlite_template: Path, tmp_path: Path) -> Target:
    """A migrated SQLite file of the test's own (for SQLite-only tests)."""
    return _sqlite_copy(sqlite_template, tmp_path)


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test server's URL, once checked reachable (else every PostgreSQL test skips)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set: PostgreSQL storage tests not run")
    try:
        run_async(_admin_statement(url, "SELECT 1"))
    except StorageUnavailable as error:
        pytest.skip(f"{POSTGRES_URL_VARIABLE}: {error}")
    return url


def _postgres_target(url: str, schema: str) -> Target:
    return Target("postgresql", url, {"server_settings": {"search_path": schema}})


async def _admin_statement(url: str, statement: str) -> None:
    database = Database.from_url(url, connect_args={"timeout": 5})
    try:
        async with database.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await database.dispose()


def _new_schema(url: str, purpose: str) -> str:
    # Unique per run and purpose, so parallel runs on one server never meet.
    schema = f"sg_test_{purpose}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    run_async(_admin_statement(url, f'CREATE SCHEMA "{schema}"'))
    return schema


def _drop_schema(url: str, schema: str) -> None:
    run_async(_admin_statement(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def postgres_session_target(postgres_url: str) -> Iterator[Target]:
    """One migrated schema for the whole test session, dropped at the end."""
    url = postgres_url
    schema = _new_schema(url, "session")
    target = _postgres_target(url, schema)
    try:
        run_async(_migrate(target))
        yield target
    finally:
        _drop_schema(url, schema)


async def _empty_all_tables(database: Database) -> None:
    # DELETE, not TRUNCATE: on a handful of rows it is many times faster.
    async with database.connect() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())


# --- What tests use ------------------------------------------------------------------------

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """A migrated database on each backend."""
    if request.param == "sqlite":
        return _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    return request.getfixturevalue("postgres_session_target")


@pytest.fixture
async def database(target: Target) -> AsyncIterator[Database]:
    database = target.open()
    try:
        yield database
    finally:
        if target.backend == "postgresql":
            await _empty_all_tables(database)
        await database.dispose()


@pytest.fixture(params=BACKENDS)
def empty_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """A database with nothing in it (for migration tests), on each backend."""
    if request.param == "sqlite":
        yield Target("sqlite", sqlite_url(tmp_path / "empty.db"), path=tmp_path / "empty.db")
        return
    url = request.getfixturevalue("postgres_url")
    schema = _new_schema(url, "empty")
    try:
        yield _postgres_target(url, schema)
    finally:
        _drop_schema(url, schema)
