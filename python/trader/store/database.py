"""Opening the store: engine per URL (SQLite in WAL mode, or PostgreSQL), migrations applied on open."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from trader.store.errors import StoreError
from trader.store.migrate import upgrade
from trader.store.url import parse_url, safe_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers never block the writer (and backups run while it writes); foreign keys are off in SQLite
    # unless asked for; a busy timeout turns a brief lock by another process into a wait, not an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def describe_failure(exc: BaseException, url: URL) -> str:
    """The driver's first line of complaint, with the password cut out should it appear."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


class Store:
    """A migrated database holding runs; open with `Store.open(url)` and use as a context manager."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @property
    def display_url(self) -> str:
        """The URL with its password masked."""
        return safe_url(self.url)

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Connect to `url` (None: $TRADER_DB_URL, else $TRADER_HOME/trader.db) and apply migrations."""
        parsed = parse_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        try:
            _migrate(engine)
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open database {safe_url(parsed)}: {describe_failure(exc, parsed)}"
            ) from None
        return cls(parsed, engine)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _migrate(engine: Engine) -> None:
    """Apply pending migrations. Two processes opening a new SQLite file at once may both start to
    create the tables; the loser's transaction rolls back, and its second look finds the schema made."""
    try:
        with engine.begin() as connection:
            upgrade(connection)
    except OperationalError:
        if engine.dialect.name != "sqlite":
            raise
        with engine.begin() as connection:
            upgrade(connection)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:":
        folder = Path(database).expanduser().resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot open database {safe_url(url)}: {folder}: {exc.strerror}") from None
    # NullPool: a file is cheap to open, and no pooled connection outlives a backup or a restore.
    engine = create_engine(url, poolclass=NullPool)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine
