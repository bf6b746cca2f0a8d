"""The client-side rate limit (300 request starts per 5 s, sliding, paced at that rate beyond a
burst), on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot.plivo import RateLimiter
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        assert delay > 0
        self.sleeps.append(delay)
        # Let every runnable task reach its next wait first, so no request is stamped late.
        for _ in range(20):
            await asyncio.sleep(0)
        self.now += delay


def most_in_any_window(times: list[float], period: float) -> int:
    """The largest number of timestamps inside any half-open interval [t, t + period)."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - period:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def test_most_in_any_window_counts_what_it_should() -> None:
    assert most_in_any_window([0, 1, 4.99, 5, 9.99, 10], 5) == 3
    assert most_in_any_window([0, 5, 10], 5) == 1
    assert most_in_any_window([], 5) == 0


async def test_without_pacing_below_the_limit_nobody_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep, burst=None)
    for _ in range(300):
        await limiter.acquire()
    assert clock.sleeps == []


async def test_the_301st_start_waits_until_the_first_leaves_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep, burst=None)
    for _ in range(100):
        await limiter.acquire()
    clock.now += 2.0
    for _ in range(200):
        await limiter.acquire()
    clock.now += 1.0  # t = 3: 300 starts in the last 5 s
    await limiter.acquire()
    assert clock.sleeps == [pytest.approx(2.0)]  # until t = 5, when the first 100 expire
    assert clock.now == pytest.approx(1005.0)
    for _ in range(99):  # the rest of the room the first hundred left
        await limiter.acquire()
    assert len(clock.sleeps) == 1
    await limiter.acquire()  # the next room opens when the t = 2 starts expire, at t = 7
    assert clock.now == pytest.approx(1007.0)


async def test_waiters_are_served_in_arrival_order() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, 1.0, clock=clock, sleep=clock.sleep, burst=None)
    order: list[int] = []

    async def one(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(7)))
    assert order == list(range(7))
    assert clock.now == pytest.approx(1003.0)


async def test_a_newcomer_does_not_overtake_a_waiter_when_room_opens() -> None:
    clock = FakeClock()
    wake = asyncio.Event()

    async def held_sleep(delay: float) -> None:
        await wake.wait()
        clock.now += delay

    limiter = RateLimiter(1, 1.0, clock=clock, sleep=held_sleep, burst=None)
    order: list[str] = []

    async def one(name: str) -> None:
        await limiter.acquire()
        order.append(name)

    await limiter.acquire()
    first = asyncio.create_task(one("waiter"))
    await asyncio.sleep(0)
    clock.now += 1.0  # room opens while the waiter still sleeps
    second = asyncio.create_task(one("newcomer"))
    await asyncio.sleep(0)
    assert order == []
    wake.set()
    await asyncio.gather(first, second)
    assert order == ["waiter", "newcomer"]


async def test_a_burst_goes_at_once_then_starts_are_paced_at_the_windows_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep, burst=30)
    for _ in range(30):
        await limiter.acquire()
    assert clock.sleeps == []
    await limiter.acquire()  # the 31st waits one step of 5 s / 300
    assert clock.sleeps == [pytest.approx(5.0 / 300)]


async def test_below_the_limit_requests_at_a_steady_rate_never_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep)
    for n in range(2000):  # 54 a second, 90% of the limit, in clusters of three
        if n % 3 == 0:
            clock.now += 3 / 54
        await limiter.acquire()
    assert clock.sleeps == []


async def test_sustained_overload_is_served_evenly_not_in_bursts_and_stalls() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3000):  # callers always waiting: far more than 60 a second is asked for
        await limiter.acquire()
        starts.append(clock.now)
    assert most_in_any_window(starts, 5.0) <= 300
    gaps = [b - a for a, b in pairwise(starts)]
    # No stall while the first burst ages out of the window: as the window nears full the
    # starts slow to at most twice the step for a moment, instead of all waiting half a second.
    assert max(gaps) <= 2 * 5.0 / 300
    assert len(starts) / (starts[-1] - starts[0]) == pytest.approx(60, rel=0.02)


async def test_without_pacing_the_window_bursts_and_stalls() -> None:
    clock = FakeClock()
    limiter = RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep, burst=None)
    starts = []
    for _ in range(1000):
        await limiter.acquire()
        starts.append(clock.now)
    gaps = [b - a for a, b in pairwise(starts)]
    assert max(gaps) >= 4.9  # what pacing exists to prevent


def test_limiter_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_requests"):
        RateLimiter(0, 5.0)
    with pytest.raises(ValueError, match="period_s"):
        RateLimiter(10, 0)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(10, 1.0, burst=0)


async def test_a_burst_of_500_calls_never_exceeds_300_in_any_5_seconds() -> None:
    clock = FakeClock()
    api = SampleApi(NOW, count=1000, clock=clock)
    client = mock_plivo(api.handler, limiter=RateLimiter(clock=clock, sleep=clock.sleep))
    async with client:
        pages = await asyncio.gather(
            # 500 different pages: identical requests in flight would share one.
            *(client.list_recordings({}, limit=1 + n % 20, offset=n // 20) for n in range(500))
        )
    assert len(pages) == 500
    assert all(page.objects for page in pages)
    stamps = [logged.at for logged in api.requests]
    assert len(stamps) == 500
    assert most_in_any_window(stamps, 5.0) == 300  # the limit is reached, never passed
    assert max(stamps) - min(stamps) >= 5.0  # so the burst was spread, not refused


async def test_range_requests_share_the_limit_of_their_client() -> None:
    clock = FakeClock()
    api = SampleApi(NOW, count=300, clock=clock)
    client = mock_plivo(api.handler, limiter=RateLimiter(20, 5.0, clock=clock, sleep=clock.sleep))
    end = NOW - timedelta(hours=1)
    async with client:
        # Thirteen windows each: 5 concurrent year-long first pages are 65 requests.
        await asyncio.gather(
            *(client.list_range({}, end - timedelta(days=366), end, limit=10 + n) for n in range(5))
        )
    stamps = [logged.at for logged in api.requests]
    assert len(stamps) == 65
    assert most_in_any_window(stamps, 5.0) == 20
