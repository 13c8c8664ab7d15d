"""Migrations build the schema on an empty database, match the models exactly, and undo cleanly."""

from __future__ import annotations

import argparse
import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from bot.config import load_settings
from bot.storage.database import Database
from bot.storage.errors import SchemaOutOfDate
from bot.storage.migrate import (
    REPO_ROOT,
    UPGRADE_COMMAND,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    open_database,
    upgrade,
)
from bot.storage.models import Base
from tests.storage.conftest import sqlite_url

MODEL_TABLES = set(Base.metadata.tables)


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _tables(database: Database) -> set[str]:
    async with database.connect() as connection:
        return await connection.run_sync(_table_names)


async def test_upgrade_builds_every_table_and_the_models_match_it(empty_target) -> None:
    database = empty_target.open()
    try:
        assert await current_revision(database) is None
        await upgrade(database)
        assert await _tables(database) == MODEL_TABLES | {"alembic_version"}
        assert await current_revision(database) == head_revision()
        async with database.connect() as connection:
            assert await connection.run_sync(_drift) == []
    finally:
        await database.dispose()


async def test_downgrade_removes_the_schema_and_upgrade_rebuilds_it(empty_target) -> None:
    database = empty_target.open()
    try:
        await upgrade(database)
        await downgrade(database, "base")
        assert await _tables(database) == {"alembic_version"}
        assert await current_revision(database) is None
        await upgrade(database)
        assert await _tables(database) >= MODEL_TABLES
    finally:
        await database.dispose()


async def test_drift_check_notices_a_model_the_migrations_lack(empty_target) -> None:
    # Guards the guard: the comparison must see a difference when there is one.
    database = empty_target.open()
    try:
        await upgrade(database)
        async with database.connect() as connection:
            await connection.execute(text("DROP INDEX ix_incidents_status_occurred_at"))
            drift = await connection.run_sync(_drift)
        assert any("ix_incidents_status_occurred_at" in repr(item) for item in drift)
    finally:
        await database.dispose()


async def test_start_up_upgrades_an_empty_database(empty_target) -> None:
    database = empty_target.open()
    try:
        assert await ensure_schema(database) == head_revision()
        assert await _tables(database) >= MODEL_TABLES
        # Already current: nothing to do, same answer.
        assert await ensure_schema(database, upgrade_allowed=False) == head_revision()
    finally:
        await database.dispose()


async def test_start_up_without_upgrades_refuses_and_names_the_command(empty_target) -> None:
    database = empty_target.open()
    try:
        with pytest.raises(SchemaOutOfDate) as caught:
            await ensure_schema(database, upgrade_allowed=False)
        assert UPGRADE_COMMAND in str(caught.value)
        assert "empty" in str(caught.value)
        assert await _tables(database) == set()
    finally:
        await database.dispose()


async def test_start_up_refuses_a_revision_it_does_not_know(empty_target) -> None:
    database = empty_target.open()
    try:
        await upgrade(database)
        async with database.connect() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = 'ffff9999'"))
        with pytest.raises(SchemaOutOfDate, match=r"ffff9999.*does not know"):
            await ensure_schema(database)
    finally:
        await database.dispose()


async def test_start_up_refuses_a_database_that_is_not_ours(empty_target) -> None:
    database = empty_target.open()
    try:
        async with database.connect() as connection:
            await connection.execute(text("CREATE TABLE payroll (id INTEGER PRIMARY KEY)"))
        with pytest.raises(SchemaOutOfDate, match="no migration history"):
            await ensure_schema(database)
        assert await _tables(database) == {"payroll"}
    finally:
        await database.dispose()


async def test_open_database_works_on_a_fresh_machine(tmp_path) -> None:
    path = tmp_path / "staffguard.db"
    database = await open_database(load_settings(database_url=sqlite_url(path)))
    try:
        async with database.transaction() as session:
            journal = await session.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await session.scalar(text("PRAGMA foreign_keys"))
        assert (journal, foreign_keys) == ("wal", 1)
    finally:
        await database.dispose()
    assert path.is_file()


def test_alembic_command_line_config_builds_the_schema(tmp_path) -> None:
    # What `alembic -x url=... upgrade head` does from the repository root.
    path = tmp_path / "cli.db"
    config = Config(
        str(REPO_ROOT / "alembic.ini"),
        cmd_opts=argparse.Namespace(x=[f"url={sqlite_url(path)}"]),
        attributes={"configure_logger": False},  # leave pytest's logging alone
    )
    command.upgrade(config, "head")
    with sqlite3.connect(path) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert names >= MODEL_TABLES
