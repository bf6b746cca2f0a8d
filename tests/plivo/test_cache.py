"""The row cache: Plivo is asked for 20 rows whenever a page needs fewer, and pages of the same
series (filters, window) are cut from rows already fetched while they may be reused: a window that
closed a while ago for anyone, a window pinned at "now" for the Prev/Next of the same query. All on
a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.plivo import PlivoClient, PlivoError, PlivoUnavailable
from bot.plivo.cache import ROW_BYTES, PageCache, _merged, _Run
from bot.plivo.models import PageMeta, Recording, RecordingList
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo

NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


def client_with(
    cache: PageCache | None, sample: SampleApi, seen: list[httpx.Request], fail: bool = False
) -> PlivoClient:
    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if fail:
            return httpx.Response(503, json={"api_id": "x", "error": "down"})
        return await sample.handler(request)

    return mock_plivo(handler, cache=cache, max_retries=0)


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(now=NOW)


YESTERDAY = (NOW - timedelta(days=1, hours=22), NOW - timedelta(hours=22))  # closed long ago
LAST_DAY = (NOW - timedelta(days=1), NOW)  # ends now: open
SIXTY_DAYS = (NOW - timedelta(days=61), NOW - timedelta(days=1))  # two 30-day windows, closed


def ids(page: object) -> list[str]:
    return [r.recording_id for r in page.recordings]  # type: ignore[attr-defined]


def wire(request: httpx.Request) -> tuple[int, int]:
    return int(request.url.params["offset"]), int(request.url.params["limit"])


async def truth(sample: SampleApi, filters: dict[str, str], start, end, **kwargs):  # type: ignore[no-untyped-def]
    """The page as a client without a cache gets it."""
    plain = client_with(None, sample, [])
    try:
        return await plain.list_range(filters, start, end, **kwargs)
    finally:
        await plain.aclose()


# --- 20 rows per request, and the following pages from them -------------------------------


async def test_a_page_of_fewer_than_20_asks_for_20_and_the_next_page_costs_nothing(
    sample: SampleApi,
) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    first = await client.list_range({}, *YESTERDAY, limit=10)
    assert [wire(r) for r in seen] == [(0, 20)]
    assert ids(first) == ids(await truth(sample, {}, *YESTERDAY, limit=10))
    assert first.requests == 1 and first.total is not None and first.total > 40
    second = await client.list_range({}, *YESTERDAY, limit=10, offset=10, counts=first.counts)
    assert len(seen) == 1 and second.requests == 0
    expected = await truth(sample, {}, *YESTERDAY, limit=10, offset=10)
    assert ids(second) == ids(expected)
    assert (second.total, second.has_more) == (expected.total, expected.has_more)
    await client.aclose()


async def test_a_page_beyond_the_rows_held_asks_from_where_they_end(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    await client.list_range({}, *YESTERDAY, limit=8)  # rows 0–19
    page = await client.list_range({}, *YESTERDAY, limit=8, offset=16)  # 16–23: 16–19 held
    assert [wire(r) for r in seen] == [(0, 20), (20, 20)]
    assert page.requests == 1
    assert ids(page) == ids(await truth(sample, {}, *YESTERDAY, limit=8, offset=16))
    # Rows 0–39 are now one run: any page inside it is free.
    for offset, limit in ((24, 8), (5, 20), (39, 1)):
        got = await client.list_range({}, *YESTERDAY, limit=limit, offset=offset)
        assert got.requests == 0
        assert ids(got) == ids(await truth(sample, {}, *YESTERDAY, limit=limit, offset=offset))
    assert len(seen) == 2
    await client.aclose()


async def test_overlapping_pages_of_other_sizes_reuse_the_rows(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    await client.list_range({"conference_name": "sales"}, *SIXTY_DAYS, limit=10)
    asked = len(seen)
    for offset, limit in ((3, 5), (0, 20), (12, 7)):
        got = await client.list_range(
            {"conference_name": "sales"}, *SIXTY_DAYS, limit=limit, offset=offset
        )
        want = await truth(
            sample, {"conference_name": "sales"}, *SIXTY_DAYS, limit=limit, offset=offset
        )
        assert ids(got) == ids(want) and got.total == want.total and got.requests == 0
    assert len(seen) == asked
    await client.aclose()


async def test_every_page_of_a_long_range_matches_a_client_without_a_cache(
    sample: SampleApi,
) -> None:
    """Paging forward and back through two windows, page sizes 3 to 20: the same rows, totals
    and `has_more` as without a cache, and fewer requests."""
    filters = {"conference_name": "sales"}
    for limit in (3, 7, 10, 13, 20):
        seen: list[httpx.Request] = []
        client = client_with(PageCache(clock=Clock()), sample, seen)
        plain_seen: list[httpx.Request] = []
        plain = client_with(None, sample, plain_seen)
        counts = plain_counts = None
        offsets = [*range(0, 60, limit), *reversed(range(0, 60, limit))]
        for offset in offsets:
            got = await client.list_range(filters, *SIXTY_DAYS, limit=limit, offset=offset)
            want = await plain.list_range(
                filters, *SIXTY_DAYS, limit=limit, offset=offset, counts=plain_counts
            )
            counts, plain_counts = got.counts, want.counts
            assert ids(got) == ids(want), (limit, offset)
            assert (got.total, got.has_more, got.counts) == (want.total, want.has_more, counts)
        assert len(seen) < len(plain_seen)
        await client.aclose()
        await plain.aclose()


async def test_the_end_of_the_list_answers_every_page_after_it(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    small = {"mpc_name": "war-room"}
    first = await client.list_range(small, *YESTERDAY, limit=3)
    want = await truth(sample, small, *YESTERDAY, limit=20)
    assert want.total is not None and want.total < 20  # one request holds the whole list
    for offset in range(0, want.total + 3, 3):
        got = await client.list_range(small, *YESTERDAY, limit=3, offset=offset)
        assert ids(got) == ids(want)[offset : offset + 3]
        assert got.has_more == (offset + 3 < want.total)
    assert len(seen) == 1 and first.total == want.total
    await client.aclose()


# --- who may reuse rows, and for how long -------------------------------------------------


async def test_a_closed_window_serves_everyone_until_it_expires(sample: SampleApi) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock, ttl_s=300), sample, seen)
    first = await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    again = await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    assert len(seen) == 1 and again.requests == 0 and ids(again) == ids(first)
    clock.now += 299
    await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    assert len(seen) == 1
    clock.now += 2
    await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    assert len(seen) == 2
    await client.aclose()


async def test_other_filters_or_another_window_are_another_series(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    await client.list_range({"conference_name": "sales"}, *YESTERDAY, limit=5)
    await client.list_range({"conference_name": "standup"}, *YESTERDAY, limit=5)
    start, end = YESTERDAY
    await client.list_range({"conference_name": "sales"}, start, end + timedelta(seconds=1))
    await client.list_range({"conference_name": "sales"}, *YESTERDAY, end_op="lte", limit=5)
    assert len(seen) == 4
    await client.aclose()


async def test_a_window_ending_now_is_reused_for_the_same_pinned_range_only(
    sample: SampleApi,
) -> None:
    clock, seen = Clock(), []
    cache = PageCache(clock=clock, open_ttl_s=120)
    client = client_with(cache, sample, seen)
    first = await client.list_range({}, *LAST_DAY, end_op="lte", limit=10)
    assert not cache.settled(LAST_DAY[1])
    # Next and Prev carry the same absolute range: no request.
    clock.now += 30
    page2 = await client.list_range({}, *LAST_DAY, end_op="lte", limit=10, offset=10)
    back = await client.list_range({}, *LAST_DAY, end_op="lte", limit=10)
    assert len(seen) == 1 and ids(back) == ids(first)
    assert ids(page2) == ids(await truth(sample, {}, *LAST_DAY, end_op="lte", limit=10, offset=10))
    # The same words typed again end at a later now: another range, asked afresh.
    later = (LAST_DAY[0] + timedelta(seconds=30), LAST_DAY[1] + timedelta(seconds=30))
    await client.list_range({}, *later, end_op="lte", limit=10)
    assert len(seen) == 2
    # Rows of an open window are kept for `open_ttl_s` only.
    clock.now += 91
    await client.list_range({}, *LAST_DAY, end_op="lte", limit=10, offset=10)
    assert len(seen) == 3
    await client.aclose()


async def test_a_new_search_reuses_rows_of_closed_windows_only(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(PageCache(clock=Clock()), sample, seen)
    # The same range ending now, typed twice in the same second: asked twice.
    for _ in range(2):
        await client.list_range({}, *LAST_DAY, end_op="lte", limit=10, new_search=True)
    assert len(seen) == 2
    # Its Next click (not a new search) is cut from the rows fetched.
    await client.list_range({}, *LAST_DAY, end_op="lte", limit=10, offset=10)
    assert len(seen) == 2
    for _ in range(2):
        await client.list_range({}, *YESTERDAY, limit=10, new_search=True)
    assert len(seen) == 3
    await client.aclose()


async def test_commands_are_answered_from_the_cache_only_for_closed_windows(
    sample: SampleApi,
) -> None:
    clock, seen = Clock(), []
    client = client_with(PageCache(clock=clock), sample, seen)
    assert await client.cached_range({}, *SIXTY_DAYS, limit=5, offset=7) is None
    assert seen == []  # it never asks Plivo
    fetched = await client.list_range({}, *SIXTY_DAYS, limit=5, offset=7)
    asked = len(seen)
    cached = await client.cached_range({}, *SIXTY_DAYS, limit=5, offset=7)
    assert cached is not None and len(seen) == asked
    assert ids(cached) == ids(fetched)
    assert (cached.total, cached.counts, cached.has_more, cached.requests) == (
        fetched.total,
        fetched.counts,
        fetched.has_more,
        0,
    )
    # A page it has not seen yet is not made up from the others.
    assert await client.cached_range({}, *SIXTY_DAYS, limit=5, offset=300) is None
    # An open window is held (for Next/Prev) but never answers a command in the ack.
    await client.list_range({}, *LAST_DAY, end_op="lte", limit=5)
    assert await client.cached_range({}, *LAST_DAY, end_op="lte", limit=5) is None
    await client.aclose()


async def test_cached_range_without_a_cache_is_none(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    client = client_with(None, sample, seen)
    await client.list_range({}, *YESTERDAY, limit=5)
    assert await client.cached_range({}, *YESTERDAY, limit=5) is None
    assert [wire(r) for r in seen] == [(0, 5)]  # without a cache, no rows are asked in vain
    await client.aclose()


async def test_failures_are_not_cached(sample: SampleApi) -> None:
    seen: list[httpx.Request] = []
    cache = PageCache(clock=Clock())
    failing = client_with(cache, sample, seen, fail=True)
    with pytest.raises(PlivoUnavailable):
        await failing.list_range({}, *YESTERDAY, limit=5)
    assert len(cache) == 0 and cache.rows == 0
    await failing.aclose()


# --- requests in flight ---------------------------------------------------------------------


async def test_pages_inside_a_request_under_way_wait_for_it(sample: SampleApi) -> None:
    gate, arrived = asyncio.Event(), asyncio.Event()
    seen: list[httpx.Request] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        arrived.set()
        await gate.wait()
        return await sample.handler(request)

    client = mock_plivo(slow, cache=PageCache(clock=Clock()))
    pages = [
        asyncio.create_task(client.list_range({}, *YESTERDAY, limit=5, offset=offset))
        for offset in (0, 5, 15)
    ]
    # Each asker's first step runs before the request reaches Plivo: the second and third find
    # the first one's request under way.
    await arrived.wait()
    gate.set()
    got = await asyncio.gather(*pages)
    assert len(seen) == 1 and client.shared_requests == 2
    for page, offset in zip(got, (0, 5, 15), strict=True):
        assert ids(page) == ids(await truth(sample, {}, *YESTERDAY, limit=5, offset=offset))
    await client.aclose()


async def test_a_failed_request_fails_every_page_waiting_on_it_and_keeps_nothing(
    sample: SampleApi,
) -> None:
    gate, arrived = asyncio.Event(), asyncio.Event()
    seen: list[httpx.Request] = []

    async def failing(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        arrived.set()
        await gate.wait()
        return httpx.Response(400, json={"api_id": "x", "error": "bad filter"})

    cache = PageCache(clock=Clock())
    client = mock_plivo(failing, cache=cache, max_retries=0)
    pages = [
        asyncio.create_task(client.list_range({}, *YESTERDAY, limit=5, offset=offset))
        for offset in (0, 10)
    ]
    other = asyncio.create_task(client.list_range({"mpc_name": "war-room"}, *YESTERDAY, limit=5))
    await arrived.wait()
    gate.set()
    outcomes = await asyncio.gather(*pages, other, return_exceptions=True)
    assert all(isinstance(outcome, PlivoError) for outcome in outcomes)
    # One request for the two pages of one series; the other series asked on its own.
    assert len(seen) == 2 and client.shared_requests == 1
    assert len(cache) == 0
    await client.aclose()


# --- the bound ------------------------------------------------------------------------------


def _rows(n: int, prefix: str = "r") -> list[Recording]:
    return [Recording(recording_id=f"{prefix}{i}") for i in range(n)]


def _page(offset: int, rows: list[Recording], *, more: bool, total: int | None = None):  # type: ignore[no-untyped-def]
    meta = PageMeta(limit=20, offset=offset, next="/next" if more else None, total_count=total)
    return RecordingList(meta=meta, objects=[r.model_dump() for r in rows])


def test_the_least_recently_used_series_goes_first_when_there_are_too_many() -> None:
    cache = PageCache(clock=Clock(), max_series=3)
    keys = [cache.key({"add_time__lt": f"2026-03-0{day} 00:00:00"}) for day in range(1, 6)]
    end = NOW - timedelta(days=1)
    for key in keys[:3]:
        cache.put(key, 0, _page(0, _rows(5), more=False), end=end)
    assert cache.get(keys[0], 0, 5) is not None  # used: now the most recent
    for key in keys[3:]:
        cache.put(key, 0, _page(0, _rows(5), more=False), end=end)
    assert len(cache) == 3
    assert [cache.get(key, 0, 5) is not None for key in keys] == [True, False, False, True, True]


def test_the_rows_held_are_bounded_by_their_memory() -> None:
    cache = PageCache(clock=Clock(), max_bytes=50 * ROW_BYTES)
    end = NOW - timedelta(days=1)
    keys = [cache.key({"conference_name": str(n)}) for n in range(4)]
    for key in keys:
        cache.put(key, 0, _page(0, _rows(20), more=True), end=end)
        assert cache.rows <= 50
    assert len(cache) == 2 and cache.rows == 40
    assert cache.get(keys[0], 0, 1) is None and cache.get(keys[3], 0, 1) is not None
    # Rows added to a series count too.
    cache.put(keys[3], 20, _page(20, _rows(20), more=True), end=end)
    assert cache.rows == 40 and len(cache) == 1


# --- runs -----------------------------------------------------------------------------------


def _run(start: int, n: int, *, complete: bool = False, prefix: str = "r", expires: float = 9e9):
    return _Run(start, _rows(n, prefix)[:n], complete, expires)


def test_runs_that_touch_or_overlap_join_and_the_newest_rows_win() -> None:
    old = [_run(0, 10, prefix="a"), _run(30, 5, prefix="b")]
    joined = _merged(old, _Run(10, _rows(20, "c"), False, 9e9), now=0)
    assert [(r.start, r.end) for r in joined] == [(0, 35)]
    assert joined[0].rows[9].recording_id == "a9" and joined[0].rows[10].recording_id == "c0"
    assert joined[0].rows[29].recording_id == "c19" and joined[0].rows[30].recording_id == "b0"
    apart = _merged([_run(0, 5)], _run(10, 5), now=0)
    assert [(r.start, r.end) for r in apart] == [(0, 5), (10, 15)]


def test_a_run_that_reaches_the_end_drops_rows_said_to_be_after_it() -> None:
    runs = _merged([_run(0, 20), _run(30, 10)], _run(15, 3, complete=True, prefix="z"), now=0)
    assert [(r.start, r.end, r.complete) for r in runs] == [(0, 18, True)]
    assert runs[0].covers(40, 10)  # past the end: no rows, and nothing to ask


def test_expired_runs_are_dropped_when_rows_arrive() -> None:
    runs = _merged([_run(0, 20, expires=5)], _run(40, 5, expires=100), now=10)
    assert [(r.start, r.end) for r in runs] == [(40, 45)]


def test_a_joined_run_expires_with_its_oldest_rows() -> None:
    runs = _merged([_run(0, 20, expires=50)], _run(20, 20, expires=100), now=10)
    assert runs[0].expires == 50


def test_direct_clients_do_not_cache() -> None:
    # Those the app assembles do (tests/test_runtime.py).
    assert PlivoClient(auth_id="MA1", auth_token="t")._cache is None
