"""Engine and sessions: SQLite by default (a file, WAL, foreign keys on), PostgreSQL in production.

Driver errors that mean "the database cannot be used" (missing folder, locked
file, refused connection, wrong password) become one `StorageUnavailable`
line naming the database and the problem; a driver's own message can quote
the SQL and its parameters, so it is never passed on whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.errors import StorageUnavailable
from bot.storage.turns import Turns

DEFAULT_BUSY_TIMEOUT_MS = 5_000
POSTGRES_CONNECT_TIMEOUT_S = 10


class Database:
    """One engine and its session factory; use `transaction()` for every unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._sqlite_file = sqlite_path(engine.url)
        # SQLite has one writer at a time, and its busy handler waits by sleeping,
        # in steps of up to 100 ms. Queueing this process's transactions here
        # instead keeps a burst of small writes fast.
        self._sqlite_turns = Turns() if engine.dialect.name == "sqlite" else None

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        **engine_options: Any,
    ) -> Database:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            return cls(_sqlite_engine(parsed, busy_timeout_ms, engine_options))
        if parsed.get_driver_name() == "asyncpg":
            connect_args = {"timeout": POSTGRES_CONNECT_TIMEOUT_S}
            connect_args.update(engine_options.pop("connect_args", {}))
            engine_options["connect_args"] = connect_args
        return cls(create_async_engine(parsed, pool_pre_ping=True, **engine_options))

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @property
    def url_redacted(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back if it raises.

        `urgent` work goes ahead of other waiting transactions on SQLite.
        """
        self._check_sqlite_file()
        async with self._queued(urgent):
            with self.translate_errors():
                async with self._sessions() as session, session.begin():
                    await self._connect(session)
                    yield session

    @asynccontextmanager
    async def _queued(self, urgent: bool) -> AsyncIterator[None]:
        if self._sqlite_turns is None:
            yield
            return
        async with self._sqlite_turns.turn(urgent=urgent):
            yield

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection in a transaction (for migrations and bulk work)."""
        self._check_sqlite_file()
        with self.translate_errors():
            try:
                connection = await self.engine.connect()
            except (TimeoutError, DBAPIError, OSError) as error:
                raise StorageUnavailable(self._describe(error)) from None
            try:
                async with connection.begin():
                    yield connection
            finally:
                await connection.close()

    async def check_connection(self) -> None:
        """Raise `StorageUnavailable` unless the database answers."""
        async with self.transaction():
            pass

    async def dispose(self) -> None:
        await self.engine.dispose()

    async def _connect(self, session: AsyncSession) -> None:
        # Any failure while connecting means the database is unusable, whatever its type.
        try:
            await session.connection()
        except (TimeoutError, DBAPIError, OSError) as error:
            raise StorageUnavailable(self._describe(error)) from None

    def _check_sqlite_file(self) -> None:
        # Said plainly up front, rather than as SQLite's "unable to open database file".
        problem = sqlite_file_problem(self._sqlite_file)
        if problem:
            raise StorageUnavailable(f"database {self.url_redacted} is unavailable: {problem}")

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as error:
            # Other driver errors (an integrity error, say) are bugs to see in full.
            if not (isinstance(error, OperationalError) or error.connection_invalidated):
                raise
            raise StorageUnavailable(self._describe(error)) from None

    def _describe(self, error: BaseException) -> str:
        problem = _driver_problem(error)
        hint = _hint(self.engine.url, problem)
        return f"database {self.url_redacted} is unavailable: {problem}" + (
            f" ({hint})" if hint else ""
        )


def _sqlite_engine(url: URL, busy_timeout_ms: int, options: dict[str, Any]) -> AsyncEngine:
    problem = sqlite_file_problem(sqlite_path(url))
    if problem:
        raise StorageUnavailable(f"database {url} is unavailable: {problem}")
    engine = create_async_engine(url, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    return engine


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def set_pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Overwrite deleted rows, so purged ciphertext does not linger in free pages.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    return set_pragmas


def sqlite_path(url: URL | str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database or another backend."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).expanduser().resolve()


def sqlite_file_problem(path: Path | None) -> str:
    """Why SQLite could not use this file, or "" (a missing file is fine: it is created)."""
    if path is None:
        return ""
    try:
        if not path.parent.is_dir():
            return f"the folder {path.parent} does not exist"
        if path.is_dir():
            return f"{path} is a folder, not a database file"
    except OSError:
        pass  # a name the system refuses outright: SQLite's own error says so
    return ""


def _driver_problem(error: BaseException) -> str:
    """The driver's own one-line description, without SQL or parameters."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip() or type(original).__name__
    return text.splitlines()[0][:200]


def _hint(url: URL, problem: str) -> str:
    lowered = problem.lower()
    if "unable to open database file" in lowered:
        path = sqlite_path(url)
        where = f"the folder {path.parent}" if path else "its folder"
        return f"check that {where} exists and is writable"
    if "locked" in lowered or "busy" in lowered:
        return "another process holds a lock on it; stop it or try again"
    if "no such table" in lowered:
        return "its schema is missing or out of date: run `alembic upgrade head`"
    if "connect call failed" in lowered or "refused" in lowered:
        return "is the database server running and reachable?"
    return ""
