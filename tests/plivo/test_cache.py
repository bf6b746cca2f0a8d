"""The page cache: closed windows are answered once from Plivo, then from memory for a while;
windows that reach up to now, and failures, never are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.plivo import PlivoClient, PlivoUnavailable
from bot.plivo.cache import PageCache
from bot.plivo.windows import format_time
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo

NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def client_with(cache: PageCache, sample: SampleApi, seen: list[httpx.Request], fail: bool = False):
    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if fail:
            return httpx.Response(503, json={"api_id": "x", "error": "down"})
        return await sample.handler(request)

    return mock_plivo(handler, cache=cache, max_retries=0)


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(now=NOW)


YESTERDAY = (NOW - timedelta(days=1, hours=22), NOW - timedelta(hours=22))


async def test_a_closed_window_is_asked_once(sample: SampleApi) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock), sample, seen)
    first = await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    again = await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    assert len(seen) == 1
    assert again.recordings == first.recordings and again.requests == 0
    other = await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5, offset=5)
    assert len(seen) == 2 and other.recordings != first.recordings
    await client.aclose()


async def test_cached_range_answers_only_from_the_cache(sample: SampleApi) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock), sample, seen)
    sixty_days = (NOW - timedelta(days=61), NOW - timedelta(days=1))  # two 30-day windows
    assert await client.cached_range({}, *sixty_days, limit=5, offset=7) is None
    assert seen == []  # it never asks Plivo
    fetched = await client.list_range({}, *sixty_days, limit=5, offset=7)
    asked = len(seen)
    assert asked >= 2
    cached = await client.cached_range({}, *sixty_days, limit=5, offset=7)
    assert cached is not None and len(seen) == asked
    assert cached.recordings == fetched.recordings
    assert (cached.total, cached.counts, cached.has_more, cached.requests) == (
        fetched.total,
        fetched.counts,
        fetched.has_more,
        0,
    )
    # A page it has not seen yet is not made up from the others.
    assert await client.cached_range({}, *sixty_days, limit=5, offset=30) is None
    await client.aclose()


async def test_cached_range_without_a_cache_is_none(sample: SampleApi) -> None:
    client = mock_plivo(sample.handler)
    await client.list_range({}, *YESTERDAY, limit=5)
    assert await client.cached_range({}, *YESTERDAY, limit=5) is None
    await client.aclose()


async def test_cached_pages_expire(sample: SampleApi) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock, ttl_s=300), sample, seen)
    await client.list_range({}, *YESTERDAY, limit=5)
    clock.now += 301
    await client.list_range({}, *YESTERDAY, limit=5)
    assert len(seen) == 2
    await client.aclose()


@pytest.mark.parametrize("ended_ago", [timedelta(0), timedelta(minutes=9)])
async def test_a_window_still_settling_is_never_cached(
    sample: SampleApi, ended_ago: timedelta
) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock), sample, seen)
    end = NOW - ended_ago
    for _ in range(2):
        await client.list_range({}, end - timedelta(hours=2), end, end_op="lte", limit=5)
    assert len(seen) == 2
    await client.aclose()


async def test_failures_are_not_cached(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    cache = PageCache(clock=Clock())
    failing = client_with(cache, sample, seen, fail=True)
    with pytest.raises(PlivoUnavailable):
        await failing.list_range({}, *YESTERDAY, limit=5)
    assert len(cache) == 0
    await failing.aclose()


def test_the_cache_is_bounded() -> None:
    clock = Clock()
    cache = PageCache(clock=clock, max_entries=3)
    keys = []
    for day in range(5):
        end = datetime(2026, 3, day + 1, tzinfo=UTC)
        key = cache.key({"add_time__lt": format_time(end), "limit": "5"}, end)
        assert key is not None
        keys.append(key)
        cache.put(key, object())  # type: ignore[arg-type]
    assert len(cache) == 3
    assert cache.get(keys[0]) is None and cache.get(keys[4]) is not None


def test_direct_clients_do_not_cache() -> None:
    # Those the app assembles do (tests/test_runtime.py).
    assert PlivoClient(auth_id="MA1", auth_token="t")._cache is None
