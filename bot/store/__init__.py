"""Durable state: watches, what they posted, the poll's cursor and lease, and the Plivo budget
shared by every process. SQLAlchemy 2 (async) on PostgreSQL (`DATABASE_URL`) or SQLite (`DATA_DIR`),
with Alembic migrations applied at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.budget import SharedBudget
from bot.store.engine import create_engine, postgres_url, sqlite_url
from bot.store.lease import Lease
from bot.store.migrate import migrate
from bot.store.watches import WatchStore

__all__ = ["Lease", "SharedBudget", "Store", "WatchStore", "open_store"]


@dataclass
class Store:
    engine: AsyncEngine
    watches: WatchStore

    @property
    def shared(self) -> bool:
        """Whether other processes (other machines) see the same state: PostgreSQL."""
        return self.engine.url.get_backend_name() == "postgresql"

    async def aclose(self) -> None:
        await self.engine.dispose()


async def open_store(database_url: str | None, data_dir: str) -> Store:
    """Connect, bring the schema up to date, and return the store."""
    url = postgres_url(database_url) if database_url else sqlite_url(data_dir)
    engine = create_engine(url)
    try:
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine, WatchStore(engine))
