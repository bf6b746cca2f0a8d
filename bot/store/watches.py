"""Watches in the database: create, list, remove, pause; the claims that make each post happen once;
and the poll's cursor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.schema import poll_state, watch_posts, watches
from bot.watch.model import Watch

CLAIMED = "claimed"
POSTED = "posted"


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def _watch(row: sa.Row[tuple[object, ...]]) -> Watch:
    m = row._mapping
    return Watch(
        id=int(m["id"]),
        team=str(m["team"]),
        channel=str(m["channel"]),
        creator=str(m["creator"]),
        filters=json.loads(str(m["filters"])),
        created_at=_time(float(m["created_at"])),  # type: ignore[arg-type]
        posted=int(m["posted"]),
        paused_reason=m["paused_reason"],  # type: ignore[arg-type]
        paused_at=_time(m["paused_at"]),  # type: ignore[arg-type]
    )


class WatchStore:
    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self._clock = clock
        self._insert = pg_insert if engine.url.get_backend_name() == "postgresql" else sqlite_insert

    # --- watches -----------------------------------------------------------------------------

    async def create(
        self, *, team: str, channel: str, creator: str, filters: dict[str, str]
    ) -> Watch:
        statement = (
            sa.insert(watches)
            .values(
                team=team,
                channel=channel,
                creator=creator,
                filters=json.dumps(filters, sort_keys=True),
                created_at=self._clock(),
                posted=0,
            )
            .returning(*watches.c)
        )
        async with self.engine.begin() as connection:
            return _watch((await connection.execute(statement)).one())

    async def in_channel(self, channel: str) -> list[Watch]:
        query = sa.select(watches).where(watches.c.channel == channel).order_by(watches.c.id)
        async with self.engine.connect() as connection:
            return [_watch(row) for row in await connection.execute(query)]

    async def get(self, watch_id: int) -> Watch | None:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(sa.select(watches).where(watches.c.id == watch_id))
            ).first()
        return _watch(row) if row else None

    async def active(self) -> list[Watch]:
        query = sa.select(watches).where(watches.c.paused_at.is_(None)).order_by(watches.c.id)
        async with self.engine.connect() as connection:
            return [_watch(row) for row in await connection.execute(query)]

    async def remove(self, channel: str, watch_ids: Iterable[int] | None = None) -> list[Watch]:
        """Delete this channel's watches (the given ids, or all); the ones removed."""
        where = [watches.c.channel == channel]
        if watch_ids is not None:
            where.append(watches.c.id.in_(list(watch_ids)))
        async with self.engine.begin() as connection:
            removed = [
                _watch(row)
                for row in await connection.execute(
                    sa.delete(watches).where(*where).returning(*watches.c)
                )
            ]
            if removed:
                await connection.execute(
                    sa.delete(watch_posts).where(
                        watch_posts.c.watch_id.in_([w.id for w in removed])
                    )
                )
        return removed

    async def pause(self, watch_id: int, reason: str) -> bool:
        """Pause a watch; True only for the call that paused it (so its creator is told once)."""
        statement = (
            sa.update(watches)
            .where(watches.c.id == watch_id, watches.c.paused_at.is_(None))
            .values(paused_at=self._clock(), paused_reason=reason[:64])
            .returning(watches.c.id)
        )
        async with self.engine.begin() as connection:
            return (await connection.execute(statement)).first() is not None

    # --- claims ------------------------------------------------------------------------------

    async def claim(
        self, watch_id: int, recording_ids: list[str], *, stale_before: float
    ) -> list[str]:
        """Claim the recordings this watch may post now: ones never claimed, and ones claimed
        before `stale_before` but never marked posted (the poster failed or died). The unique key
        (watch, recording) makes the claim atomic across processes. Returns them in input order."""
        if not recording_ids:
            return []
        now = self._clock()
        rows = [
            {"watch_id": watch_id, "recording_id": rid, "state": CLAIMED, "claimed_at": now}
            for rid in recording_ids
        ]
        fresh = self._insert(watch_posts).values(rows)
        fresh = fresh.on_conflict_do_nothing(
            index_elements=[watch_posts.c.watch_id, watch_posts.c.recording_id]
        ).returning(watch_posts.c.recording_id)
        retry = (
            sa.update(watch_posts)
            .where(
                watch_posts.c.watch_id == watch_id,
                watch_posts.c.recording_id.in_(recording_ids),
                watch_posts.c.state == CLAIMED,
                watch_posts.c.claimed_at < stale_before,
            )
            .values(claimed_at=now)
            .returning(watch_posts.c.recording_id)
        )
        async with self.engine.begin() as connection:
            got = {row[0] for row in await connection.execute(retry)}
            got |= {row[0] for row in await connection.execute(fresh)}
        return [rid for rid in recording_ids if rid in got]

    async def posted(self, watch_id: int, recording_ids: list[str]) -> None:
        """Mark claimed recordings as posted and count them on the watch."""
        if not recording_ids:
            return
        async with self.engine.begin() as connection:
            await connection.execute(
                sa.update(watch_posts)
                .where(
                    watch_posts.c.watch_id == watch_id,
                    watch_posts.c.recording_id.in_(recording_ids),
                )
                .values(state=POSTED)
            )
            await connection.execute(
                sa.update(watches)
                .where(watches.c.id == watch_id)
                .values(posted=watches.c.posted + len(recording_ids))
            )

    async def release(self, watch_id: int, recording_ids: list[str]) -> None:
        """Give claims back (the post was refused for good): nothing is left half-done."""
        if not recording_ids:
            return
        async with self.engine.begin() as connection:
            await connection.execute(
                sa.delete(watch_posts).where(
                    watch_posts.c.watch_id == watch_id,
                    watch_posts.c.recording_id.in_(recording_ids),
                    watch_posts.c.state == CLAIMED,
                )
            )

    async def prune(self, older_than: float) -> int:
        """Forget claims older than any poll can look back to."""
        async with self.engine.begin() as connection:
            done = await connection.execute(
                sa.delete(watch_posts).where(watch_posts.c.claimed_at < older_than)
            )
        return int(done.rowcount or 0)

    # --- the poll's cursor -------------------------------------------------------------------

    async def cursor(self, name: str = "watch") -> float | None:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(poll_state.c.cursor).where(poll_state.c.name == name)
                )
            ).first()
        return float(row[0]) if row else None

    async def set_cursor(self, value: float, name: str = "watch") -> None:
        statement = self._insert(poll_state).values(name=name, cursor=value)
        statement = statement.on_conflict_do_update(
            index_elements=[poll_state.c.name], set_={"cursor": statement.excluded.cursor}
        )
        async with self.engine.begin() as connection:
            await connection.execute(statement)
