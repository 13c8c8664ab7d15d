"""A database that cannot be used is one clear StorageUnavailable line, never a driver traceback."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3

import pytest

from bot.config import load_settings
from bot.storage.database import Database
from bot.storage.errors import StorageUnavailable
from bot.storage.incidents import record_incident
from bot.storage.migrate import open_database
from tests.storage.conftest import sqlite_url
from tests.storage.samples import REDACTED, make_post, make_verdict


def _assert_clean(error: StorageUnavailable) -> str:
    message = str(error)
    assert "\n" not in message
    # No driver exception chained on: its text could quote the SQL and parameters.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    return message


def test_a_url_into_a_missing_folder_is_refused_naming_the_folder(tmp_path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(StorageUnavailable) as caught:
        Database.from_url(sqlite_url(missing / "staffguard.db"))
    message = _assert_clean(caught.value)
    assert str(missing) in message
    assert "does not exist" in message


async def test_the_bot_start_refuses_a_missing_folder_clearly(tmp_path) -> None:
    settings = load_settings(database_url=sqlite_url(tmp_path / "gone" / "staffguard.db"))
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await open_database(settings)


async def test_a_folder_that_vanishes_later_is_reported_with_a_hint(tmp_path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = Database.from_url(sqlite_url(folder / "staffguard.db"))
    shutil.rmtree(folder)
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await database.check_connection()
    finally:
        await database.dispose()
    message = _assert_clean(caught.value)
    assert f"the folder {folder} does not exist" in message


def test_a_url_that_names_a_folder_is_unavailable(tmp_path) -> None:
    with pytest.raises(StorageUnavailable, match="is a folder, not a database file"):
        Database.from_url(sqlite_url(tmp_path))


async def test_a_file_sqlite_cannot_open_is_reported_with_a_hint(tmp_path) -> None:
    too_long = tmp_path / ("x" * 300 + ".db")  # longer than any file name may be
    database = Database.from_url(sqlite_url(too_long))
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await database.check_connection()
        await asyncio.sleep(0.05)  # let aiosqlite's thread finish before the loop closes
    finally:
        await database.dispose()
    message = _assert_clean(caught.value)
    assert "unable to open database file" in message
    assert f"check that the folder {tmp_path} exists and is writable" in message


async def test_a_locked_database_is_reported_without_the_statement(sqlite_target) -> None:
    database = sqlite_target.open(busy_timeout_ms=50)
    blocker = sqlite3.connect(sqlite_target.path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageUnavailable) as caught:
            async with database.transaction() as session:
                await record_incident(session, make_post(), make_verdict())
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        await database.dispose()
    message = _assert_clean(caught.value)
    assert "database is locked" in message
    assert "another process" in message
    assert "INSERT" not in message
    assert REDACTED not in message


async def test_a_refused_postgresql_connection_is_unavailable_and_hides_the_password() -> None:
    database = Database.from_url("postgresql+asyncpg://staffguard:s3cret@127.0.0.1:1/staffguard")
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await database.check_connection()
    finally:
        await database.dispose()
    message = _assert_clean(caught.value)
    assert "127.0.0.1:1" in message
    assert "s3cret" not in message
    assert "reachable" in message


async def test_an_unmigrated_sqlite_file_names_the_command_to_run(tmp_path) -> None:
    database = Database.from_url(sqlite_url(tmp_path / "new.db"))
    try:
        with pytest.raises(StorageUnavailable) as caught:
            async with database.transaction() as session:
                await record_incident(session, make_post(), make_verdict())
    finally:
        await database.dispose()
    message = _assert_clean(caught.value)
    assert "no such table" in message
    assert "alembic upgrade head" in message
