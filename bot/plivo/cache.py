"""Rows of Plivo's recording list kept for a while, by (filters, time window, offset range).

Plivo lists at most 20 recordings per request, and each request spends the account's budget of
300 per 5 s. The client asks for 20 whenever a page needs fewer and keeps what it got here, so the
next page of the same search (`Next ▶`, `◀ Prev`, a page that overlaps one already shown) is cut
from rows already fetched instead of costing a request.

Rows are kept per *series*: Plivo's filters and one window's `add_time` bounds, without
limit/offset. A series holds runs of consecutive rows (`offset` → rows), merged as pages arrive,
so any page inside a run is answered from memory. A run that reached the end of the list (Plivo
sent no `next`) also answers every page past its last row (with no rows).

When rows may be reused:
- A window that closed a while ago (`settled_after_s`) no longer changes: Plivo stamps `add_time`
  when a recording is added, so none can arrive in the past (only deletions can change it). Its
  rows are kept `ttl_s`, and serve anyone running the same search (`yesterday`, `last month`).
- A window that ends now was pinned to an absolute end when its first page was shown; the Prev
  and Next buttons carry that end, so their windows are the same series. A new command ending now
  has a later end: a series of its own, never the old rows. These rows are kept `open_ttl_s`,
  shorter, because a recording can reach Plivo's list a little after the instant it is stamped.

The cache is per process (with several web processes, a click may land on one that has not seen
the search, and asks Plivo) and bounded by series (`max_series`) and by an estimate of the memory
its rows take (`max_bytes`): the least recently used series go first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .models import PageMeta, Recording, RecordingList

SeriesKey = tuple[tuple[str, str], ...]
"""Plivo's filters and one window's `add_time` bounds (no limit or offset), sorted."""

ROW_BYTES = 2_000
"""Memory of one parsed recording, as measured (tracemalloc, the sample data): 1.9 KB a row."""

# Stands in for the `next` link of a page cut from the cache: only its presence is read.
_MORE = "cached"


@dataclass(slots=True)
class _Run:
    """Consecutive rows of one series from `start`; `complete`: the list ends after them."""

    start: int
    rows: list[Recording]
    complete: bool
    expires: float

    @property
    def end(self) -> int:
        return self.start + len(self.rows)

    def covers(self, offset: int, limit: int) -> bool:
        return self.start <= offset and (offset + limit <= self.end or self.complete)


@dataclass(slots=True)
class _Series:
    runs: list[_Run] = field(default_factory=list)  # disjoint, not touching, by start
    total: int | None = None  # Plivo's latest total_count for the series
    rows: int = 0


class PageCache:
    """Rows per series, in runs; see the module's docstring for when they may be reused."""

    def __init__(
        self,
        *,
        ttl_s: float = 300.0,
        open_ttl_s: float = 120.0,
        settled_after_s: float = 600.0,
        max_series: int = 512,
        max_bytes: int = 8_000_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl_s = ttl_s
        self.open_ttl_s = open_ttl_s
        self.settled_after_s = settled_after_s
        self.max_series = max_series
        self.max_rows = max(1, max_bytes // ROW_BYTES)
        self._clock = clock
        self._series: OrderedDict[SeriesKey, _Series] = OrderedDict()
        self._rows = 0
        self.hits = 0
        """Pages answered from rows held here."""

    @staticmethod
    def key(params: Mapping[str, str]) -> SeriesKey:
        """The series of a request: its parameters without `limit` and `offset`."""
        return tuple(sorted((k, v) for k, v in params.items() if k not in ("limit", "offset")))

    def settled(self, end: datetime) -> bool:
        """Whether a window ending at `end` (aware) closed long enough ago to be final."""
        return end.timestamp() <= self._clock() - self.settled_after_s

    def get(
        self, key: SeriesKey, offset: int, limit: int, *, hit: bool = True
    ) -> RecordingList | None:
        """Rows [offset, offset+limit) of the series as a page, if held; else None. `hit`: count
        it as a page answered from the cache (and mark the series recently used)."""
        series = self._series.get(key)
        if series is None:
            return None
        run = self._run(series, offset, limit)
        if run is None:
            return None
        if hit:
            self._series.move_to_end(key)
            self.hits += 1
        return _page(series, run, offset, limit)

    def missing_from(self, key: SeriesKey, offset: int) -> int:
        """Where a request for rows from `offset` should start: at the first of them not held,
        so that the rows held and the ones fetched join into one run."""
        series = self._series.get(key)
        if series is None:
            return offset
        now = self._clock()
        for run in series.runs:
            if run.expires > now and run.start <= offset < run.end:
                return run.end
        return offset

    def put(self, key: SeriesKey, offset: int, page: RecordingList, *, end: datetime) -> None:
        """Keep the rows of a page Plivo sent from `offset` of the series of a window ending at
        `end`."""
        meta = page.meta
        ttl = self.ttl_s if self.settled(end) else self.open_ttl_s
        # No `next`: the list ends here. (Not "fewer rows than asked": duplicates Plivo repeats
        # within a page are dropped, so a short page with a `next` is not the end.)
        fresh = _Run(offset, list(page.objects), meta.next is None, self._clock() + ttl)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = _Series()
        self._series.move_to_end(key)
        if meta.total_count is not None:
            series.total = meta.total_count
        self._replace_runs(series, _merged(series.runs, fresh, self._clock()))
        self._evict()

    def _run(self, series: _Series, offset: int, limit: int) -> _Run | None:
        now = self._clock()
        for run in series.runs:
            if run.covers(offset, limit):
                return run if run.expires > now else None
        return None

    def _replace_runs(self, series: _Series, runs: list[_Run]) -> None:
        rows = sum(len(run.rows) for run in runs)
        self._rows += rows - series.rows
        series.runs, series.rows = runs, rows

    def _evict(self) -> None:
        while self._series and (len(self._series) > self.max_series or self._rows > self.max_rows):
            _, oldest = self._series.popitem(last=False)
            self._rows -= oldest.rows

    def __len__(self) -> int:
        """Series held."""
        return len(self._series)

    @property
    def rows(self) -> int:
        """Rows held, over every series (about `ROW_BYTES` each)."""
        return self._rows


def _merged(runs: list[_Run], fresh: _Run, now: float) -> list[_Run]:
    """`runs` with `fresh` laid over them: runs it overlaps or touches join it (its rows win
    where they overlap, and it is the newest word on where the list ends); expired runs go."""
    out: list[_Run] = []
    for run in runs:
        if run.expires <= now:
            continue
        if run.end < fresh.start or (fresh.end < run.start and not fresh.complete):
            out.append(run)
            continue
        if fresh.complete and run.start > fresh.end:
            continue  # rows past where the list now ends are gone
        head = run.rows[: max(0, fresh.start - run.start)] if run.start < fresh.start else []
        tail = [] if fresh.complete or run.end <= fresh.end else run.rows[fresh.end - run.start :]
        fresh = _Run(
            min(run.start, fresh.start),
            head + fresh.rows + tail,
            fresh.complete or (run.complete and run.end > fresh.end),
            min(run.expires, fresh.expires),  # a run is as old as its oldest rows
        )
    out.append(fresh)
    out.sort(key=lambda run: run.start)
    return out


def _page(series: _Series, run: _Run, offset: int, limit: int) -> RecordingList:
    """Rows [offset, offset+limit) of `run` in the shape of Plivo's page (built unvalidated:
    every row was validated when it arrived)."""
    rows = run.rows[offset - run.start : offset - run.start + limit]
    more = offset + limit < run.end or not run.complete
    meta = PageMeta.model_construct(
        limit=limit,
        offset=offset,
        next=_MORE if more and rows else None,
        previous=None,
        total_count=series.total,
    )
    return RecordingList.model_construct(api_id=None, meta=meta, objects=rows)


def cut_page(
    held: list[Recording], page: RecordingList, skip: int, offset: int, limit: int
) -> RecordingList:
    """The page [offset, offset+limit): the rows `held`, then rows of `page` from its `skip`th
    (`page` was asked from where `held` ends, or `skip` rows before)."""
    if not held and skip == 0 and page.meta.offset == offset and page.meta.limit == limit:
        return page
    wanted = limit - len(held)
    rows = [*held, *page.objects[skip : skip + wanted]]
    more = page.meta.next is not None or len(page.objects) > skip + wanted
    meta = PageMeta.model_construct(
        limit=limit,
        offset=offset,
        next=(page.meta.next or "more") if more and rows else None,
        previous=page.meta.previous,
        total_count=page.meta.total_count,
    )
    return RecordingList.model_construct(api_id=page.api_id, meta=meta, objects=rows)
