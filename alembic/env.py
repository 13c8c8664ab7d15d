"""Alembic environment: async, one connection, SQLite in batch mode (it cannot ALTER much).

The URL is, in order: a connection handed over by `bot.storage.migrate`,
`-x url=...`, `sqlalchemy.url` in the config, then StaffGuard's settings.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from bot.storage.database import Database
from bot.storage.models import Base

config = context.config
target_metadata = Base.metadata
handed_connection: Connection | None = config.attributes.get("connection")

# Logging set-up is for the `alembic` command; a caller with its own logging can opt out.
if (
    config.config_file_name is not None
    and handed_connection is None
    and config.attributes.get("configure_logger", True)
):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return given
    configured = config.get_main_option("sqlalchemy.url")
    if configured:
        return configured
    from bot.config import load_settings  # only when needed: settings may be invalid

    return load_settings().database_url


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_connection() -> None:
    database = Database.from_url(database_url())
    try:
        async with database.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await database.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif handed_connection is not None:
    run_migrations(handed_connection)
else:
    asyncio.run(run_with_own_connection())
