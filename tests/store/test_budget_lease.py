"""The shared Plivo budget and the poll's lease, on real databases, driven by a fake clock."""

from __future__ import annotations

import bisect
import logging

import pytest

from bot.store import Lease, SharedBudget, Store, open_store
from bot.store.budget import BURST, HEADROOM, worst_window


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_schedule_fits_plivos_window_with_room() -> None:
    assert (
        worst_window(300, 5.0, HEADROOM, BURST) == 250
    )  # 50 spare for requests bunched on the way
    assert worst_window(300, 5.0, 1.0, 30) > 300  # the full rate plus a burst would not


async def test_a_schedule_that_could_exceed_the_limit_is_refused(tmp_path: object) -> None:
    store = await open_store(None, str(tmp_path))
    try:
        with pytest.raises(ValueError, match="exceed"):
            SharedBudget(store.engine, headroom=1.0, burst=30)
    finally:
        await store.aclose()


def _most_in_any_window(times: list[float], period: float) -> int:
    times = sorted(times)
    return max((bisect.bisect_left(times, t + period) - i for i, t in enumerate(times)), default=0)


async def test_three_processes_never_exceed_the_account_limit(
    database_url: tuple[str | None, str],
) -> None:
    """Three processes (three engines) asking as fast as they are let, for 9 simulated seconds:
    counted in any 5-second window, together they stay at or under 300 — and near it."""
    stores: list[Store] = [await open_store(*database_url) for _ in range(3)]
    clock = Clock()
    budgets = [SharedBudget(s.engine, clock=clock) for s in stores]
    start = clock.now
    next_try = [start, start, start]
    admitted: list[float] = []
    try:
        while True:
            who = min(range(3), key=lambda i: next_try[i])
            clock.now = next_try[who]
            if clock.now - start > 9.0:
                break
            wait = await budgets[who]._try()
            if wait == 0.0:
                admitted.append(clock.now)
            next_try[who] = clock.now + wait
    finally:
        for store in stores:
            await store.aclose()
    assert 240 <= _most_in_any_window(admitted, 5.0) <= worst_window(300, 5.0, HEADROOM, BURST)
    assert len(admitted) >= 9 * 48 * 0.95  # the steady rate: 80% of Plivo's 60 per second
    assert {budget.round_trips > 50 for budget in budgets} == {True}  # all three got turns


async def test_acquire_waits_for_the_schedule(database_url: tuple[str | None, str]) -> None:
    store = await open_store(*database_url)
    clock = Clock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    budget = SharedBudget(
        store.engine,
        max_requests=10,
        period_s=1.0,
        headroom=0.5,
        burst=2,
        clock=clock,
        sleep=sleep,
    )
    try:
        for _ in range(5):
            await budget.acquire(who="U1")
        assert slept and all(s > 0 for s in slept)
        assert clock.now - 1_000_000.0 == pytest.approx(3 * budget.interval_s, abs=1e-6)
    finally:
        await store.aclose()


async def test_one_holder_at_a_time_and_takeover_after_expiry(
    database_url: tuple[str | None, str],
) -> None:
    stores = [await open_store(*database_url) for _ in range(2)]
    clock = Clock()
    a = Lease(stores[0].engine, "watch-poll", "process-a", 10.0, clock=clock)
    b = Lease(stores[1].engine, "watch-poll", "process-b", 10.0, clock=clock)
    try:
        assert await a.hold() is True
        assert await b.hold() is False
        clock.now += 9.0
        assert await a.hold() is True  # renewed: good for 10 s from now
        clock.now += 9.0
        assert await b.hold() is False
        assert await a.current() == "process-a"
        clock.now += 1.5  # a stopped renewing (it died): the lease runs out
        assert await b.hold() is True
        assert await a.hold() is False
        await b.release()  # a clean stop hands it over at once
        assert await a.current() is None
        assert await a.hold() is True
    finally:
        for store in stores:
            await store.aclose()


async def test_an_unreachable_database_falls_back_to_this_processs_limiter(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.store.engine import create_engine, postgres_url
    from tests.fakes.servers import free_port

    engine = create_engine(postgres_url(f"postgresql://nobody@127.0.0.1:{free_port()}/none"))
    budget = SharedBudget(engine)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.store.budget"):
            await budget.acquire(who="U1")  # answered by the local limiter, not stuck or raised
            await budget.acquire(who="U2")
        assert budget.round_trips == 0
        assert caplog.text.count("unreachable") == 1  # said once, not once per request
    finally:
        await engine.dispose()
