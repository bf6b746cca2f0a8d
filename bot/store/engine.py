"""Which database the bot keeps its state in, and the SQLAlchemy engine for it.

`DATABASE_URL` (PostgreSQL, shared by every process; Heroku's `postgres://…` form is rewritten for
the psycopg driver) or, when it is not set, an SQLite file in `DATA_DIR` that only this machine's
processes see.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_FILE = "bot.db"


def postgres_url(url: str) -> URL:
    """`postgres://…` or `postgresql://…` (libpq's forms) as SQLAlchemy's psycopg 3 URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0].lower() not in ("postgres", "postgresql"):
        raise ValueError("not a PostgreSQL URL")
    return make_url(f"postgresql+psycopg://{rest}")


def sqlite_url(data_dir: str | Path) -> URL:
    path = Path(data_dir) / SQLITE_FILE
    return URL.create("sqlite+aiosqlite", database=str(path))


def create_engine(url: URL) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL and a busy timeout, so two processes on one file wait
    for each other instead of failing with "database is locked"."""
    if url.get_backend_name() == "sqlite":
        assert url.database
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: object, _: object) -> None:
            cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # With WAL, NORMAL loses nothing a crash of the bot could lose; it skips an fsync
            # per commit.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # A few connections per process: the budget's one statement per Plivo request, the watch
    # commands and the poll. pre_ping: a connection the server closed (a Heroku Postgres
    # maintenance, a restart) is replaced instead of failing a command.
    return create_async_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
