"""The export engine against the sample Plivo API in-process: every matching recording, in Plivo's
order, counted before fetching, at background priority, and never all in memory at once."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.export import csvfile
from bot.export.engine import PAGE, Exporter, TooManyRows
from bot.plivo import PlivoError, Priority, RateLimiter
from bot.query import Query, parse
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo

NOW = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


class RecordingLimiter(RateLimiter):
    """Admits everything at once, and remembers whose request each was."""

    def __init__(self) -> None:
        super().__init__(10**9, 1.0, burst=None)
        self.seen: list[tuple[str, Priority]] = []

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None:
        self.seen.append((who, priority))
        await super().acquire(who, priority)


def unlimited() -> RateLimiter:
    return RateLimiter(10**9, 1.0, burst=None)


def exporter(sample: SampleApi, *, max_rows: int = 50_000, **options: Any) -> Exporter:
    plivo = mock_plivo(sample.handler, limiter=options.pop("limiter", unlimited()), **options)
    return Exporter(plivo, max_rows=max_rows, limiter=unlimited())


def expected(sample: SampleApi, query: Query) -> list[str]:
    return [row["recording_id"] for row in sample.query(query.plivo_params(), enforce_span=False)]


async def export(engine: Exporter, query: Query) -> tuple[int, list[list[str]], list[int]]:
    plan = await engine.count(query, who="U1")
    out = io.StringIO(newline="")
    seen: list[int] = []
    rows = await engine.write(plan, out, who="U1", progress=seen.append)
    parsed = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    return rows, parsed, seen


@pytest.fixture(scope="module")
def sample() -> SampleApi:
    return SampleApi(now=NOW)


async def test_a_70_day_export_is_every_match_in_plivos_order(sample: SampleApi) -> None:
    query = parse("last 70 days", NOW, "Europe/London")
    engine = exporter(sample)
    plan = await engine.count(query, who="U1")
    assert len(plan.windows) == 3
    want = expected(sample, query)
    assert plan.total == len(want) > 4000
    rows, parsed, seen = await export(engine, query)
    assert parsed[0] == list(csvfile.HEADER)
    ids = [line[csvfile.HEADER.index("recording_id")] for line in parsed[1:]]
    assert ids == want and rows == len(want)
    assert seen == sorted(seen) and seen[-1] == rows  # progress only ever grows, to the end


async def test_filters_reach_plivo_and_requests_are_background_of_the_user(
    sample: SampleApi,
) -> None:
    query = parse("conference=sales last 40 days", NOW, "UTC")
    limiter = RecordingLimiter()
    _, parsed, _ = await export(exporter(sample, limiter=limiter), query)
    assert [line[csvfile.HEADER.index("recording_id")] for line in parsed[1:]] == expected(
        sample, query
    )
    assert {line[csvfile.HEADER.index("conference_name")] for line in parsed[1:]} == {"sales"}
    assert limiter.seen and set(limiter.seen) == {("U1", Priority.BACKGROUND)}
    assert len(limiter.seen) == 2 + sum(-(-n // PAGE) - 1 for n in _counts(sample, query) if n)


def _counts(sample: SampleApi, query: Query) -> list[int]:
    from bot.plivo.windows import split_range

    windows = split_range(query.start, query.end, query.start_op, query.end_op)
    return [len(sample.query({**query.filters, **w.params()})) for w in windows]


async def test_over_the_limit_is_refused_after_counting_only(sample: SampleApi) -> None:
    query = parse("last 60 days", NOW, "UTC")
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return await sample.handler(request)

    engine = Exporter(mock_plivo(handler, limiter=unlimited()), max_rows=100, limiter=unlimited())
    with pytest.raises(TooManyRows) as refused:
        await engine.count(query, who="U1")
    assert refused.value.matched == len(expected(sample, query))
    assert refused.value.limit == 100 and not refused.value.at_least
    assert len(seen) == 2  # one first page per 30-day window, nothing more


async def test_without_total_count_it_follows_next_and_still_stops_at_the_limit() -> None:
    sample = SampleApi(now=NOW, with_total_count=False)
    query = parse("conference=support last 35 days", NOW, "UTC")
    _, parsed, _ = await export(exporter(sample), query)
    assert [line[csvfile.HEADER.index("recording_id")] for line in parsed[1:]] == expected(
        sample, query
    )
    engine = exporter(sample, max_rows=50)
    plan = await engine.count(query, who="U1")
    assert plan.total is None
    with pytest.raises(TooManyRows) as refused:
        await engine.write(plan, io.StringIO(), who="U1", progress=lambda n: None)
    assert refused.value.at_least and refused.value.matched > 50


async def test_a_plivo_failure_midway_is_raised_after_the_retries(sample: SampleApi) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 5:
            return httpx.Response(503, json={"error": "down"})
        return await sample.handler(request)

    engine = Exporter(
        mock_plivo(handler, limiter=unlimited(), max_retries=2), max_rows=10**5, limiter=unlimited()
    )
    plan = await engine.count(parse("last 20 days", NOW, "UTC"), who="U1")
    with pytest.raises(PlivoError):
        await engine.write(plan, io.StringIO(), who="U1", progress=lambda n: None)


async def test_rows_go_to_the_file_as_they_arrive_not_into_memory() -> None:
    """Generous: 9,000 rows parsed as objects would take some 25 MB; the export holds only the
    pages in flight."""
    big = SampleApi(now=NOW, count=10_000)
    query = parse("last 74 days", NOW, "UTC")
    engine = exporter(big)
    plan = await engine.count(query, who="U1")
    assert plan.total is not None and plan.total > 9_000

    class Discard(io.TextIOBase):
        written = 0

        def write(self, text: str) -> int:
            self.written += len(text)
            return len(text)

    sink = Discard()
    tracemalloc.start()
    try:
        rows = await engine.write(plan, sink, who="U1", progress=lambda n: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == plan.total and sink.written > 1_000_000
    assert peak < 5_000_000, f"peak {peak:,} bytes"
