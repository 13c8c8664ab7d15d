"""Alembic, driven from the code: the bot upgrades its database at start, or says what to run.

The migration scripts live in the checkout's `alembic/` folder (beside
`alembic.ini`); `alembic upgrade head` from the repository root does the same
as `ensure_schema(..., upgrade=True)`.
"""

from __future__ import annotations

from pathlib import Path

from alembic.command import downgrade as run_downgrade
from alembic.command import upgrade as run_upgrade
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, inspect

from bot.config import Settings
from bot.storage.database import Database
from bot.storage.errors import SchemaOutOfDate

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT_LOCATION = REPO_ROOT / "alembic"
UPGRADE_COMMAND = "alembic upgrade head"
VERSION_TABLE = "alembic_version"


def alembic_config() -> Config:
    """An Alembic config pointing at the migration scripts, independent of the working folder."""
    if not (SCRIPT_LOCATION / "env.py").is_file():
        raise SchemaOutOfDate(
            f"the migration scripts are missing (expected {SCRIPT_LOCATION}); "
            "run StaffGuard from its source checkout"
        )
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaOutOfDate(f"no migration scripts in {SCRIPT_LOCATION / 'versions'}")
    return head


async def current_revision(database: Database) -> str | None:
    async with database.connect() as connection:
        return await connection.run_sync(_current_revision)


async def upgrade(database: Database, revision: str = "head") -> None:
    await _run(database, "upgrade", revision)


async def downgrade(database: Database, revision: str = "base") -> None:
    await _run(database, "downgrade", revision)


async def ensure_schema(database: Database, *, upgrade_allowed: bool = True) -> str:
    """Bring the database to the code's schema, or refuse with the command that would.

    Returns the revision the database is at afterwards.
    """
    head = head_revision()
    async with database.connect() as connection:
        current = await connection.run_sync(_current_revision)
        has_other_tables = await connection.run_sync(_has_tables_besides_version)
    if current == head:
        return head
    problem = _schema_problem(database, current, has_other_tables)
    if not upgrade_allowed:
        raise SchemaOutOfDate(f"{problem}: run `{UPGRADE_COMMAND}` from the StaffGuard folder")
    await upgrade(database)
    return head


async def open_database(settings: Settings, *, upgrade_allowed: bool = True) -> Database:
    """The database the bot uses, reachable and at the code's schema (or a clear error)."""
    database = Database.from_url(settings.database_url)
    try:
        await ensure_schema(database, upgrade_allowed=upgrade_allowed)
    except BaseException:
        await database.dispose()
        raise
    return database


def _schema_problem(database: Database, current: str | None, has_other_tables: bool) -> str:
    where = f"database {database.url_redacted}"
    if current is None:
        if has_other_tables:
            raise SchemaOutOfDate(
                f"{where} has tables but no migration history: it is not a StaffGuard "
                "database, or was made without migrations; point STAFFGUARD_DATABASE_URL "
                "at an empty database"
            )
        return f"{where} is empty"
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(current)
    except CommandError:
        raise SchemaOutOfDate(
            f"{where} is at revision {current}, which this StaffGuard does not know "
            "(was it upgraded by a newer version?)"
        ) from None
    return f"{where} is at revision {current}, behind {head_revision()}"


async def _run(database: Database, direction: str, revision: str) -> None:
    config = alembic_config()
    async with database.connect() as connection:
        await connection.run_sync(_run_command, config, direction, revision)


def _run_command(connection: Connection, config: Config, direction: str, revision: str) -> None:
    config.attributes["connection"] = connection
    if direction == "upgrade":
        run_upgrade(config, revision)
    else:
        run_downgrade(config, revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _has_tables_besides_version(connection: Connection) -> bool:
    return any(name != VERSION_TABLE for name in inspect(connection).get_table_names())
