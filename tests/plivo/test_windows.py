"""Ranges longer than Plivo's 30-day window: splitting, page planning, and paging the sample API."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.plivo import MAX_RANGE, MAX_WINDOW, PlivoClient, RangeTooLong, RateLimiter, format_time
from bot.plivo.windows import plan_page, split_range
from bot.sample_api import SampleApi

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
# Not on a round hour, so window edges fall between recordings in awkward places.
END = NOW - timedelta(hours=3, minutes=17, seconds=41, microseconds=5)


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(NOW)


@pytest.fixture(scope="module")
def sample_without_totals() -> SampleApi:
    return SampleApi(NOW, count=1500, with_total_count=False)


def client_for(api: SampleApi) -> PlivoClient:
    return PlivoClient(
        auth_id=SAMPLE_AUTH_ID,
        auth_token=SAMPLE_AUTH_TOKEN,
        transport=httpx.MockTransport(api.handler),
        limiter=RateLimiter(10**9),
    )


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def expected_ids(
    api: SampleApi,
    filters: Mapping[str, str],
    start: datetime,
    end: datetime,
    start_op: str = "gte",
    end_op: str = "lt",
) -> list[str]:
    params = {
        **filters,
        f"add_time__{start_op}": format_time(start),
        f"add_time__{end_op}": format_time(end),
    }
    return [r["recording_id"] for r in api.query(params, enforce_span=False)]


@dataclass
class Walk:
    ids: list[str]
    requests: list[int]
    totals: list[int | None]


async def walk(
    client: PlivoClient,
    filters: Mapping[str, str],
    start: datetime,
    end: datetime,
    limit: int,
    **ops: Any,
) -> Walk:
    """Page from first to last the way the app does, handing counts back."""
    seen = Walk([], [], [])
    offset, counts = 0, None
    for _ in range(10_000):
        page = await client.list_range(
            filters, start, end, limit=limit, offset=offset, counts=counts, **ops
        )
        assert page.offset == offset
        assert page.limit == limit
        assert len(page.recordings) <= limit
        seen.ids += [r.recording_id for r in page.recordings]
        seen.requests.append(page.requests)
        seen.totals.append(page.total)
        if not page.has_more:
            assert page.recordings or offset == 0, "has_more promised a page that is empty"
            return seen
        assert len(page.recordings) == limit
        offset, counts = offset + limit, page.counts
    raise AssertionError("paging never ended")


def bounds(params: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The one lower and one upper add_time bound of a request (both must be there)."""
    [lower] = [v for k, v in params.items() if k in ("add_time__gt", "add_time__gte")]
    [upper] = [v for k, v in params.items() if k in ("add_time__lt", "add_time__lte")]
    return parse_utc(lower), parse_utc(upper)


def assert_no_request_spans_over_30_days(api: SampleApi) -> None:
    assert api.requests
    for logged in api.requests:
        lower, upper = bounds(logged.params)
        assert upper - lower <= MAX_WINDOW
        assert logged.status == 200


# --- splitting and planning -------------------------------------------------------------------


def test_thirty_days_is_one_window_and_31_is_two() -> None:
    [only] = split_range(END - timedelta(days=30), END)
    assert only.params() == {
        "add_time__gte": format_time(END - timedelta(days=30)),
        "add_time__lt": format_time(END),
    }
    newer, older = split_range(END - timedelta(days=31), END, "gt", "lte")
    assert (newer.start, newer.end, newer.start_op, newer.end_op) == (
        END - timedelta(days=30),
        END,
        "gte",
        "lte",
    )
    assert (older.start, older.end, older.start_op, older.end_op) == (
        END - timedelta(days=31),
        END - timedelta(days=30),
        "gt",
        "lt",
    )


def test_longest_range_is_thirteen_windows_and_one_more_day_is_refused() -> None:
    assert len(split_range(END - MAX_RANGE, END)) == 13
    with pytest.raises(RangeTooLong) as caught:
        split_range(END - MAX_RANGE - timedelta(days=1), END)
    message = caught.value.user_message
    assert "366 days" in message
    assert "since=" in message
    assert "last 90 days" in message


def test_format_time_is_utc_and_drops_zero_microseconds() -> None:
    ist = datetime(2025, 1, 1, 11, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert format_time(ist) == "2025-01-01 05:30:00"
    assert format_time(datetime(2025, 1, 1, 0, 0, 0, 5, tzinfo=UTC)) == "2025-01-01 00:00:00.000005"
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2025, 1, 1))


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(
    end=moments,
    span=st.timedeltas(min_value=timedelta(0), max_value=MAX_RANGE),
    start_op=st.sampled_from(["gte", "gt"]),
    end_op=st.sampled_from(["lt", "lte"]),
)
def test_windows_tile_the_range_newest_first(
    end: datetime, span: timedelta, start_op: Any, end_op: Any
) -> None:
    start = end - span
    windows = split_range(start, end, start_op, end_op)
    assert windows[0].end == end
    assert windows[0].end_op == end_op
    assert windows[-1].start == start
    assert windows[-1].start_op == start_op
    for newer, older in itertools.pairwise(windows):
        assert older.end == newer.start  # contiguous, no gap and no overlap:
        assert (newer.start_op, older.end_op) == ("gte", "lt")  # [b, ...) then [..., b)
    for window in windows:
        assert window.end - window.start <= MAX_WINDOW
    assert len(windows) == max(1, -(-span // MAX_WINDOW))


@given(
    counts=st.lists(st.integers(0, 45), min_size=1, max_size=13),
    offset=st.integers(0, 600),
    limit=st.integers(1, 20),
)
def test_plan_page_picks_exactly_the_global_slice(
    counts: list[int], offset: int, limit: int
) -> None:
    items = [(w, i) for w, count in enumerate(counts) for i in range(count)]
    planned = [
        (s.window, s.offset + k)
        for s in plan_page(tuple(counts), offset, limit)
        for k in range(s.limit)
    ]
    assert planned == items[offset : offset + limit]


# --- paging the sample API ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "limit", "filters", "ops"),
    [
        (31, 20, {}, {}),
        (31, 7, {}, {"start_op": "gt", "end_op": "lte"}),
        (31, 1, {"conference_name": "board"}, {}),
        (90, 20, {}, {}),
        (90, 7, {"conference_name": "Customer Success"}, {}),
        (90, 1, {"mpc_name": "war-room"}, {}),
        (366, 20, {}, {}),
        (366, 7, {"conference_name": "sales"}, {}),
        (366, 1, {"conference_name": "board"}, {}),
    ],
)
async def test_long_ranges_list_every_recording_once_in_order(
    sample: SampleApi,
    days: int,
    limit: int,
    filters: dict[str, str],
    ops: dict[str, str],
) -> None:
    start = END - timedelta(days=days)
    want = expected_ids(
        sample, filters, start, END, ops.get("start_op", "gte"), ops.get("end_op", "lt")
    )
    assert want
    sample.requests.clear()
    async with client_for(sample) as client:
        got = await walk(client, filters, start, END, limit, **ops)
    assert got.ids == want
    assert len(set(got.ids)) == len(got.ids)
    assert set(got.totals) == {len(want)}
    assert_no_request_spans_over_30_days(sample)
    windows = {bounds(logged.params) for logged in sample.requests}
    assert len(windows) == -(-days // 30)
    # Only the first page asks every window; later pages need the one or two holding them.
    assert got.requests[0] <= len(windows) + 2
    assert max(got.requests[1:], default=0) <= 2


async def test_the_windows_meet_inside_the_data(sample: SampleApi) -> None:
    # Make sure the boundary tests above are not vacuous: recordings sit on both sides of each
    # inner boundary of a 90-day range, so a lost or doubled edge would change the list.
    start = END - timedelta(days=90)
    for window in split_range(start, END)[:2]:
        inside = sample.query(window.params())
        assert inside, window


async def test_first_page_of_a_short_range_is_one_request(sample: SampleApi) -> None:
    sample.requests.clear()
    async with client_for(sample) as client:
        page = await client.list_range({}, END - timedelta(days=30), END, limit=20, offset=40)
    assert page.requests == 1
    assert len(sample.requests) == 1
    assert page.counts is not None
    assert len(page.counts) == 1
    want = expected_ids(sample, {}, END - timedelta(days=30), END)
    assert [r.recording_id for r in page.recordings] == want[40:60]


async def test_a_later_page_from_handed_back_counts_straddles_two_windows(
    sample: SampleApi,
) -> None:
    start = END - timedelta(days=90)
    want = expected_ids(sample, {}, start, END)
    async with client_for(sample) as client:
        first = await client.list_range({}, start, END, limit=20)
        assert first.counts is not None
        boundary = first.counts[0]
        offset = boundary - 5  # five from the newest window, fifteen from the next
        sample.requests.clear()
        page = await client.list_range({}, start, END, limit=20, offset=offset, counts=first.counts)
    assert page.requests == 2
    assert len(sample.requests) == 2
    assert [r.recording_id for r in page.recordings] == want[offset : offset + 20]
    assert page.counts == first.counts
    assert page.total == len(want)


async def test_deep_page_without_counts_is_still_right(sample: SampleApi) -> None:
    start = END - timedelta(days=366)
    want = expected_ids(sample, {}, start, END)
    async with client_for(sample) as client:
        page = await client.list_range({}, start, END, limit=13, offset=3001)
    assert [r.recording_id for r in page.recordings] == want[3001:3014]
    assert page.total == len(want)
    assert page.has_more


async def test_counts_that_do_not_fit_the_range_are_ignored(sample: SampleApi) -> None:
    start = END - timedelta(days=90)
    want = expected_ids(sample, {}, start, END)
    async with client_for(sample) as client:
        page = await client.list_range({}, start, END, limit=5, offset=5, counts=(1, 2))
    assert [r.recording_id for r in page.recordings] == want[5:10]


async def test_past_the_end_is_an_empty_last_page(sample: SampleApi) -> None:
    start = END - timedelta(days=45)
    async with client_for(sample) as client:
        first = await client.list_range({}, start, END, limit=20)
        assert first.total is not None
        page = await client.list_range(
            {}, start, END, limit=20, offset=first.total + 100, counts=first.counts
        )
    assert page.recordings == []
    assert not page.has_more
    assert page.requests == 0


async def test_367_days_is_refused_before_any_request(sample: SampleApi) -> None:
    sample.requests.clear()
    async with client_for(sample) as client:
        with pytest.raises(RangeTooLong) as caught:
            await client.list_range({}, END - timedelta(days=367), END)
    assert sample.requests == []
    assert caught.value.status is None
    assert "366" in caught.value.user_message


async def test_a_range_older_than_the_data_is_empty(sample: SampleApi) -> None:
    end = NOW - timedelta(days=200)
    async with client_for(sample) as client:
        page = await client.list_range({}, end - timedelta(days=100), end)
    assert page.recordings == []
    assert page.total == 0
    assert not page.has_more


# --- without total_count --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "limit", "filters"),
    [
        (90, 7, {"conference_name": "board"}),
        (90, 20, {"conference_name": "standup"}),
        (366, 3, {"mpc_name": "escalation-desk"}),
        (31, 20, {}),
    ],
)
async def test_without_total_count_the_windows_are_walked(
    sample_without_totals: SampleApi, days: int, limit: int, filters: dict[str, str]
) -> None:
    api = sample_without_totals
    start = END - timedelta(days=days)
    want = expected_ids(api, filters, start, END)
    assert want
    api.requests.clear()
    async with client_for(api) as client:
        got = await walk(client, filters, start, END, limit)
    assert got.ids == want
    assert set(got.totals) == {None}
    assert_no_request_spans_over_30_days(api)


async def test_without_total_count_a_short_range_takes_plivos_page_as_is(
    sample_without_totals: SampleApi,
) -> None:
    api = sample_without_totals
    start = END - timedelta(days=20)
    want = expected_ids(api, {}, start, END)
    api.requests.clear()
    async with client_for(api) as client:
        await client.list_range({}, END - timedelta(days=60), END)  # learns: no total_count
        page = await client.list_range({}, start, END, limit=20, offset=20)
    assert page.requests == 1
    assert page.total is None
    assert page.counts is None
    assert page.has_more
    assert [r.recording_id for r in page.recordings] == want[20:40]


async def test_without_total_count_later_calls_skip_the_count_requests(
    sample_without_totals: SampleApi,
) -> None:
    api = sample_without_totals
    start = END - timedelta(days=366)
    want = expected_ids(api, {}, start, END)
    async with client_for(api) as client:
        first = await client.list_range({}, start, END, limit=20)
        second = await client.list_range({}, start, END, limit=20, offset=20)
    assert [r.recording_id for r in second.recordings] == want[20:40]
    # The first call learnt that counts are not coming; the second walks straight away:
    # two pages of 20 from the newest window, nothing else.
    assert first.requests == 13
    assert second.requests == 2


async def test_without_total_count_the_last_page_knows_it_is_last(
    sample_without_totals: SampleApi,
) -> None:
    api = sample_without_totals
    start = END - timedelta(days=366)
    filters = {"mpc_name": "war-room"}
    want = expected_ids(api, filters, start, END)
    assert 2 <= len(want) <= 20
    async with client_for(api) as client:
        page = await client.list_range(filters, start, END, limit=len(want))
        over = await client.list_range(filters, start, END, limit=len(want) - 1)
    assert [r.recording_id for r in page.recordings] == want
    assert not page.has_more
    assert over.has_more
