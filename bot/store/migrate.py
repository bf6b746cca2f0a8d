"""Brings the database's schema up to date at start-up, with Alembic's revisions shipped in
`bot/store/migrations/`.

Several processes may start at once (two web dynos, a web and a worker): on PostgreSQL the upgrade
runs under a transaction-level advisory lock, so one applies it and the others then find it done;
on SQLite a lock on a file beside the database does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("bot.store")

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest revision in migrations/versions (tests/store checks it against Alembic's own view):
# a database already there is left alone without importing Alembic, a second of start-up.
HEAD = "0001"
# Any fixed 64-bit number, the same in every process of this app.
ADVISORY_LOCK_KEY = 0x7265636F7264  # "record"


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(_config(connection), "head")


async def current(engine: AsyncEngine) -> str | None:
    """The database's schema revision; None before the first migration."""
    async with engine.connect() as connection:
        has_table = await connection.run_sync(
            lambda sync: sa.inspect(sync).has_table("alembic_version")
        )
        if not has_table:
            return None
        row = (await connection.execute(sa.text("SELECT version_num FROM alembic_version"))).first()
    return str(row[0]) if row else None


@contextlib.asynccontextmanager
async def _file_lock(path: Path) -> AsyncIterator[None]:
    """An exclusive lock on `path` among processes, waited for in a thread (never blocking the
    event loop, where another start-up of this process may hold it)."""
    try:
        import fcntl
    except ImportError:  # not on Windows: there, one process per data folder
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def migrate(engine: AsyncEngine) -> None:
    """Apply every revision not yet applied; safe when several processes do it at once."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        if await current(engine) == HEAD:
            return
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
            await connection.run_sync(_upgrade)
        return
    assert url.database
    # The check as well as the upgrade under the lock: SQLite answers "database is locked" at once,
    # whatever its busy timeout, to a reader whose snapshot a concurrent schema change made stale.
    async with _file_lock(Path(url.database + ".lock")):
        if await current(engine) == HEAD:
            return
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
