"""The store on real databases (SQLite and PostgreSQL): migrations, watches, claims, the cursor."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.store import Store, open_store
from bot.store.engine import postgres_url
from bot.store.migrate import HEAD, MIGRATIONS, current


async def _open(database_url: tuple[str | None, str]) -> Store:
    return await open_store(*database_url)


def test_heroku_url_is_rewritten_for_psycopg() -> None:
    url = postgres_url("postgres://u:p@db.example.com:5432/name")
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "u",
        "p",
        "db.example.com",
        5432,
        "name",
    )
    assert postgres_url("postgresql://h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="PostgreSQL"):
        postgres_url("mysql://h/db")


def test_head_is_alembics_newest_revision() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD]


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    assert list((MIGRATIONS / "versions").glob("0001_*.py"))
    assert Path("bot") in MIGRATIONS.relative_to(Path.cwd()).parents


async def test_several_processes_migrating_at_once(database_url: tuple[str | None, str]) -> None:
    stores = await asyncio.gather(*(_open(database_url) for _ in range(4)))
    try:
        async with stores[0].engine.connect() as connection:
            version = (
                await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).all()
            tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert version == [("0001",)] and await current(stores[0].engine) == HEAD
        assert {"watches", "watch_posts", "poll_state", "leases", "rate_budget"} <= set(tables)
        again = await _open(database_url)  # a restart: nothing left to do, nothing broken
        await again.aclose()
    finally:
        for store in stores:
            await store.aclose()


async def test_watches_survive_a_restart(database_url: tuple[str | None, str]) -> None:
    store = await _open(database_url)
    created = await store.watches.create(
        team="T1", channel="C1", creator="U1", filters={"conference_name": "support"}
    )
    await store.watches.create(team="T1", channel="C2", creator="U2", filters={})
    await store.aclose()

    store = await _open(database_url)
    try:
        (found,) = await store.watches.in_channel("C1")
        assert found == created
        assert found.filters == {"conference_name": "support"} and not found.paused
        assert [w.channel for w in await store.watches.active()] == ["C1", "C2"]
        assert await store.watches.get(created.id) == created
    finally:
        await store.aclose()


async def test_remove_one_or_all_only_in_that_channel(database_url: tuple[str | None, str]) -> None:
    store = await _open(database_url)
    try:
        w = store.watches
        a = await w.create(team="T", channel="C1", creator="U", filters={"mpc_name": "a"})
        b = await w.create(team="T", channel="C1", creator="U", filters={"mpc_name": "b"})
        other = await w.create(team="T", channel="C2", creator="U", filters={})
        assert await w.remove("C1", [other.id]) == []  # not this channel's
        assert [x.id for x in await w.remove("C1", [a.id])] == [a.id]
        assert await w.remove("C1", [a.id]) == []
        assert [x.id for x in await w.remove("C1")] == [b.id]
        assert [x.id for x in await w.active()] == [other.id]
    finally:
        await store.aclose()


async def test_pause_reports_only_the_first_time(database_url: tuple[str | None, str]) -> None:
    store = await _open(database_url)
    try:
        watch = await store.watches.create(team="T", channel="C", creator="U", filters={})
        assert await store.watches.pause(watch.id, "is_archived") is True
        assert await store.watches.pause(watch.id, "is_archived") is False
        paused = await store.watches.get(watch.id)
        assert paused is not None and paused.paused and paused.paused_reason == "is_archived"
        assert await store.watches.active() == []
    finally:
        await store.aclose()


async def test_a_recording_is_claimed_once_even_by_racing_pollers(
    database_url: tuple[str | None, str],
) -> None:
    stores = [await _open(database_url) for _ in range(3)]
    try:
        watch = await stores[0].watches.create(team="T", channel="C", creator="U", filters={})
        ids = [f"rec-{n}" for n in range(30)]
        results = await asyncio.gather(
            *(s.watches.claim(watch.id, ids, stale_before=0.0) for s in stores for _ in range(2))
        )
        claimed = [rid for result in results for rid in result]
        assert sorted(claimed) == sorted(ids)  # each exactly once, whoever won it
        await stores[0].watches.posted(watch.id, ids[:10])
        # A later poll sees them all again (the overlap): none is claimed a second time.
        assert await stores[1].watches.claim(watch.id, ids, stale_before=0.0) == []
        watch_now = await stores[0].watches.get(watch.id)
        assert watch_now is not None and watch_now.posted == 10
    finally:
        for store in stores:
            await store.aclose()


async def test_a_claim_never_marked_posted_is_retried_once_stale(
    database_url: tuple[str | None, str],
) -> None:
    now = [1000.0]
    store = await _open(database_url)
    store.watches._clock = lambda: now[0]
    try:
        watch = await store.watches.create(team="T", channel="C", creator="U", filters={})
        assert await store.watches.claim(watch.id, ["a", "b"], stale_before=0) == ["a", "b"]
        await store.watches.posted(watch.id, ["a"])
        now[0] = 1060.0
        # "b" was claimed, then the poster died before marking it: the next poll posts it again.
        assert await store.watches.claim(watch.id, ["a", "b"], stale_before=1000.5) == ["b"]
        assert await store.watches.claim(watch.id, ["a", "b"], stale_before=1000.5) == []
        await store.watches.release(watch.id, ["b"])
        assert await store.watches.claim(watch.id, ["b"], stale_before=0) == ["b"]
        assert await store.watches.prune(older_than=1061.0) == 2
    finally:
        await store.aclose()


async def test_cursor(database_url: tuple[str | None, str]) -> None:
    store = await _open(database_url)
    try:
        assert await store.watches.cursor() is None
        await store.watches.set_cursor(12.5)
        await store.watches.set_cursor(13.5)
        assert await store.watches.cursor() == 13.5
    finally:
        await store.aclose()
