"""A lease row: which process does a job that only one may do at a time (the watch poll).

The holder renews it well within its time to live; when the holder stops (or dies), the lease runs
out and the next process to ask takes it. One atomic upsert per ask, the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.schema import leases


class Lease:
    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        holder: str,
        ttl_s: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self.name = name
        self.holder = holder
        self.ttl_s = ttl_s
        self._clock = clock
        self._insert = pg_insert if engine.url.get_backend_name() == "postgresql" else sqlite_insert

    async def hold(self) -> bool:
        """Take or renew the lease; True if this holder has it now."""
        now = self._clock()
        statement = self._insert(leases).values(
            name=self.name, holder=self.holder, expires_at=now + self.ttl_s
        )
        statement = statement.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"holder": statement.excluded.holder, "expires_at": statement.excluded.expires_at},
            where=sa.or_(leases.c.holder == self.holder, leases.c.expires_at < now),
        ).returning(leases.c.holder)
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).first()
        return row is not None and row[0] == self.holder

    async def release(self) -> None:
        """Give the lease up now (at shutdown), so another process need not wait it out."""
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.delete(leases).where(leases.c.name == self.name, leases.c.holder == self.holder)
            )

    async def current(self) -> str | None:
        """Who holds the lease now, if anyone."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(leases.c.holder).where(
                        leases.c.name == self.name, leases.c.expires_at >= self._clock()
                    )
                )
            ).first()
        return row[0] if row else None
