"""The async client of Plivo's List Recordings API, including paging over long time ranges.

One long-lived `httpx.AsyncClient` per `PlivoClient` keeps connections warm; a shared `RateLimiter`
keeps the account under Plivo's 300 requests per 5 s; with a `PageCache`, Plivo is asked for 20
rows whenever a page needs fewer and later pages of the same search are cut from them (cache.py);
a request in flight that brings the rows a page needs (an identical one, say) is made once;
429, 5xx, connection failures and timeouts are retried with capped, jittered exponential backoff
(or Plivo's `Retry-After`). Every failure of Plivo or of the network surfaces as a `PlivoError`
whose `user_message` can be shown to the person who asked; a `ValueError` means the caller passed
something malformed (a bug, not a user error).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import httpx

from bot import USER_AGENT
from bot.wire import MAX_LIMIT

from .cache import PageCache, cut_page
from .errors import (
    PlivoError,
    PlivoNotFound,
    PlivoRateLimited,
    PlivoTimeout,
    PlivoUnavailable,
    RecordingGone,
)
from .fair import Budget, FairQueue, SlotThenBudget
from .flights import Flights
from .limiter import Priority, RateLimiter
from .models import RangePage, Recording, RecordingList
from .paging import Job, RangePager
from .responses import error_for, parse_page, parse_recording, retry_after
from .windows import EndOp, StartOp, Window, split_range

log = logging.getLogger(__name__)

_T = TypeVar("_T")

TIME_FILTERS = frozenset({"add_time__gt", "add_time__gte", "add_time__lt", "add_time__lte"})
FILTERS = TIME_FILTERS | {
    "from_number",
    "to_number",
    "subaccount",
    "call_uuid",
    "mpc_name",
    "mpc_uuid",
    "conference_name",
    "conference_uuid",
    "recording_storage_duration",
    "recording_storage_duration__gt",
    "recording_storage_duration__gte",
    "recording_storage_duration__lt",
    "recording_storage_duration__lte",
}


class _NotCached(Exception):
    """A page `cached_range` needs is not in the cache."""


class _Tally:
    """One call's requests: how many it made, and whose they are (for the limiter's queue)."""

    __slots__ = ("new_search", "priority", "requests", "who")

    def __init__(
        self, who: str = "", priority: Priority = Priority.INTERACTIVE, new_search: bool = False
    ) -> None:
        self.requests = 0
        self.who = who
        self.priority = priority
        self.new_search = new_search


class PlivoClient:
    """Lists recordings; `list_range` pages a range of up to 366 days as one newest-first list."""

    def __init__(
        self,
        *,
        auth_id: str,
        auth_token: str,
        base_url: str = "https://api.plivo.com",
        timeout_s: float = 10.0,
        max_retries: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
        limiter: Budget | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        backoff_base_s: float = 0.2,
        backoff_cap_s: float = 4.0,
        max_retry_after_s: float = 10.0,
        max_in_flight: int = 40,
        cache: PageCache | None = None,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/v1/Account/{quote(auth_id, safe='')}/Recording/"
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(auth_id, auth_token),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s),
            # Chosen where the app is assembled (bot/runtime.py): aiohttp's pool in production,
            # the in-process sample API in sample mode; httpx's own when none is given. Its pool
            # size is the transport's: httpx ignores `limits` when it is given a transport.
            transport=transport,
        )
        # Requests queue here rather than inside a connection pool (httpcore's spent CPU per
        # queued request on every state change, stalling the event loop for seconds under a
        # burst): 40 in flight is ~100 req/s at Plivo's usual latency, above its 60 req/s limit.
        self._in_flight = asyncio.Semaphore(max(1, max_in_flight))
        self._cache = cache
        self._timeout_s = timeout_s
        self._max_retries = max(0, max_retries)
        # Whose request starts next is the fair queue's choice (round-robin across people,
        # searches before exports); when, the budget's: this process's pacing by default. The
        # queue covers the wait for a slot in flight too, which would otherwise be first come,
        # first served.
        self._budget = limiter or RateLimiter()
        self._limiter = FairQueue(SlotThenBudget(self._in_flight, self._budget))
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._backoff_base_s = backoff_base_s
        self._backoff_cap_s = backoff_cap_s
        self._max_retry_after_s = max_retry_after_s
        # Once Plivo is seen omitting total_count, skip the count-gathering requests that would
        # only be thrown away.
        self._no_total_count = False
        # Requests under way: one that brings what another asker needs (several people running
        # the same search at once) is made once, instead of costing another request.
        self._flights = Flights()

    @property
    def shared_requests(self) -> int:
        """How many asks were answered by joining a request already under way."""
        return self._flights.shared

    async def aclose(self) -> None:
        await self._flights.cancel_all()  # nobody waits for them: their askers were cancelled
        await self._http.aclose()

    async def __aenter__(self) -> PlivoClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def list_recordings(
        self,
        filters: Mapping[str, str],
        *,
        limit: int = 20,
        offset: int = 0,
        who: str = "",
        priority: Priority = Priority.INTERACTIVE,
    ) -> RecordingList:
        """One page of List Recordings with Plivo's own filters (one API call, plus retries)."""
        _check_filters(filters, FILTERS)
        _check_paging(limit, offset)
        params = {**filters, "limit": str(limit), "offset": str(offset)}
        return await self._request(params, _Tally(who, priority))

    async def get_recording(
        self, recording_id: str, *, who: str = "", priority: Priority = Priority.INTERACTIVE
    ) -> Recording:
        """Plivo's "Retrieve a recording" (`GET …/Recording/{id}/`): its details, the media URL
        among them. Raises `RecordingGone` when Plivo no longer has it, else a PlivoError."""
        if not recording_id or recording_id in (".", ".."):
            raise ValueError("a recording id is needed")
        url = httpx.URL(f"{self._url}{quote(recording_id, safe='')}/")
        try:
            return await self._get(url, _Tally(who, priority), parse_recording)
        except PlivoNotFound as exc:
            raise RecordingGone(str(exc), status=exc.status, api_id=exc.api_id) from None

    async def list_range(
        self,
        filters: Mapping[str, str],
        start: datetime,
        end: datetime,
        *,
        start_op: StartOp = "gte",
        end_op: EndOp = "lt",
        limit: int = 20,
        offset: int = 0,
        counts: tuple[int, ...] | None = None,
        who: str = "",
        priority: Priority = Priority.INTERACTIVE,
        new_search: bool = False,
    ) -> RangePage:
        """The page at `offset` of every recording added in the range, newest first.

        `filters` are Plivo's filters other than add_time/limit/offset. A range over 30 days is
        asked of Plivo in 30-day windows; pass the returned `counts` back for later pages of the
        same query so they need only the one or two requests holding the page. `who` (a Slack
        user id) and `priority` place its requests in the limiter's queue. `new_search`: a
        command just typed, which does not reuse rows of a window that is still open (those
        are kept for the Prev/Next of the query that pinned it; a new search ending "now" in
        the same second would otherwise get them too).
        """
        tally = _Tally(who, priority, new_search)

        async def fetch(requests: list[tuple[dict[str, str], datetime]]) -> list[RecordingList]:
            return await self._gather([self._request(p, tally, end) for p, end in requests])

        return await self._range(
            filters, start, end, start_op, end_op, limit, offset, counts, fetch, tally
        )

    async def cached_range(
        self,
        filters: Mapping[str, str],
        start: datetime,
        end: datetime,
        *,
        start_op: StartOp = "gte",
        end_op: EndOp = "lt",
        limit: int = 20,
        offset: int = 0,
        counts: tuple[int, ...] | None = None,
    ) -> RangePage | None:
        """What `list_range` would return, if the page cache holds every page it needs (time
        windows that closed a while ago); None otherwise. Never asks Plivo, so never waits."""
        cache = self._cache
        if cache is None or not cache.settled(end):
            return None  # the newest window reaches too close to now to be cached

        async def fetch(requests: list[tuple[dict[str, str], datetime]]) -> list[RecordingList]:
            pages = []
            for params, _ in requests:
                page = cache.get(cache.key(params), int(params["offset"]), int(params["limit"]))
                if page is None:
                    raise _NotCached
                pages.append(page)
            return pages

        try:
            return await self._range(
                filters, start, end, start_op, end_op, limit, offset, counts, fetch, _Tally()
            )
        except _NotCached:
            return None

    async def _range(
        self,
        filters: Mapping[str, str],
        start: datetime,
        end: datetime,
        start_op: StartOp,
        end_op: EndOp,
        limit: int,
        offset: int,
        counts: tuple[int, ...] | None,
        fetch: Callable[[list[tuple[dict[str, str], datetime]]], Awaitable[list[RecordingList]]],
        tally: _Tally,
    ) -> RangePage:
        """The page, from whatever `fetch` gives for a list of requests (each its parameters and
        its window's end); `tally` counts them."""
        _check_filters(filters, FILTERS - TIME_FILTERS)
        _check_paging(limit, offset)
        windows = split_range(start, end, start_op, end_op)
        if counts is not None and (len(counts) != len(windows) or any(c < 0 for c in counts)):
            log.debug("ignoring counts that do not fit this range: %r", counts)
            counts = None

        async def fetch_many(jobs: Sequence[Job]) -> list[RecordingList]:
            return await fetch(
                [(_params(filters, windows[w], n, o), windows[w].end) for w, o, n in jobs]
            )

        pager = RangePager(fetch_many, len(windows), offset, limit)
        if counts is not None:
            done = await pager.by_counts(counts)
        elif self._no_total_count and len(windows) > 1:
            done = await pager.walk()
        elif (counts := await pager.discover()) is not None:
            done = await pager.by_counts(counts)
        else:
            self._no_total_count = True
            done = pager.single_window_page() if len(windows) == 1 else await pager.walk()
        return RangePage(
            recordings=done.recordings,
            offset=offset,
            limit=limit,
            total=done.total,
            has_more=done.has_more,
            counts=done.counts,
            requests=tally.requests,
        )

    @staticmethod
    async def _gather(calls: list[Coroutine[Any, Any, RecordingList]]) -> list[RecordingList]:
        """Run the calls concurrently; on the first failure cancel the rest and raise it."""
        if len(calls) == 1:
            return [await calls[0]]
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(call) for call in calls]
        except BaseExceptionGroup as failures:
            raise _first_leaf(failures) from None
        return [task.result() for task in tasks]

    async def _request(
        self, params: dict[str, str], tally: _Tally, end: datetime | None = None
    ) -> RecordingList:
        """The page for these parameters: from rows already fetched (for a window ending at
        `end`), from a request already in flight that brings them, or from Plivo; raises a
        PlivoError."""
        cache = self._cache
        if cache is None or end is None:
            return await self._share(tuple(sorted(params.items())), params, tally)
        key = cache.key(params)
        offset, limit = int(params["offset"]), int(params["limit"])
        start, held = offset, None
        if not tally.new_search or cache.settled(end):
            if (cached := cache.get(key, offset, limit)) is not None:
                return cached
            # Rows held up to `start` are used; Plivo is asked from there, for as many rows as
            # it gives (20), so that the next page (most Next clicks) is already here.
            start = cache.missing_from(key, offset)
            held = cache.get(key, offset, start - offset, hit=False) if start > offset else None
            if held is None:
                start = offset
        joined = self._flights.covering(key, start, offset + limit)
        if joined is not None:
            begun, flight = joined
        else:
            begun = start
            asked = {**params, "offset": str(start), "limit": str(MAX_LIMIT)}
            keep = partial(cache.put, key, start, end=end)
            fetch = self._fetch(asked, tally, keep)
            flight = self._flights.launch((key, start), fetch, rows=(key, start, start + MAX_LIMIT))
        page = await asyncio.shield(flight)
        return cut_page(held.objects if held else [], page, start - begun, offset, limit)

    async def _share(self, flight_key: Hashable, params: dict[str, str], tally: _Tally) -> Any:
        flight = self._flights.get(flight_key)
        if flight is None:
            flight = self._flights.launch(flight_key, self._fetch(params, tally))
        return await asyncio.shield(flight)

    async def _fetch(
        self,
        params: dict[str, str],
        tally: _Tally,
        keep: Callable[[RecordingList], None] | None = None,
    ) -> RecordingList:
        """GET the list with retries; return the parsed page (given to `keep` first) or raise a
        PlivoError."""
        page = await self._get(self._request_url(params), tally, parse_page)
        if keep is not None:
            keep(page)
        return page

    async def _get(
        self, url: httpx.URL, tally: _Tally, parse: Callable[[httpx.Response], _T]
    ) -> _T:
        """GET `url` with retries; return `parse` of the answer or raise a PlivoError."""
        attempt = 0
        while True:
            tally.requests += 1
            delay: float | None = None
            try:
                # A slot in flight, then the budget (last, so it counts real starts, not places
                # in a queue), in the fair queue's order; the slot is held until the answer.
                await self._limiter.acquire(who=tally.who, priority=tally.priority)
                try:
                    # httpx's timeout bounds each read, so a server dripping a byte a second would
                    # never time out; this bounds the whole attempt.
                    async with asyncio.timeout(self._timeout_s):
                        response = await self._http.get(url)
                finally:
                    self._in_flight.release()
            except TimeoutError:
                failure: PlivoError = PlivoTimeout(
                    f"Plivo did not finish answering within {self._timeout_s}s"
                )
            except httpx.TimeoutException as exc:
                failure = PlivoTimeout(
                    f"Plivo did not answer within {self._timeout_s}s ({type(exc).__name__})"
                )
            except httpx.RequestError as exc:  # refused, reset, protocol or decoding failures
                failure = PlivoUnavailable(f"could not reach Plivo: {type(exc).__name__}: {exc}")
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return parse(response)
                failure = error_for(response)
                if status != 429 and status < 500:
                    raise failure
                delay = retry_after(response.headers.get("retry-after"), self._wall_clock())
                if delay is not None and delay > self._max_retry_after_s:
                    if isinstance(failure, PlivoRateLimited):
                        failure.retry_after_s = delay
                    raise failure
            if attempt >= self._max_retries:
                raise failure
            if delay is None:
                delay = self._backoff(attempt)
            log.info("retrying Plivo after %.2fs: %s", delay, failure)
            await self._sleep(delay)
            attempt += 1

    def _request_url(self, params: dict[str, str]) -> httpx.URL:
        # Encoded here (as httpx would) and parsed once: given `params=`, httpx parses the URL
        # twice, about a tenth of the request's CPU.
        return httpx.URL(f"{self._url}?{urlencode(params)}")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self._backoff_cap_s, self._backoff_base_s * (2**attempt))
        # "Equal jitter": never less than half the step, so retries still back off.
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


def _params(filters: Mapping[str, str], window: Window, limit: int, offset: int) -> dict[str, str]:
    return {**filters, **window.params(), "limit": str(limit), "offset": str(offset)}


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _check_filters(filters: Mapping[str, str], allowed: frozenset[str]) -> None:
    unknown = sorted(set(filters) - allowed)
    if unknown:
        raise ValueError(f"unsupported Plivo filter(s): {', '.join(unknown)}")
    for name, value in filters.items():
        if not isinstance(value, str):
            raise ValueError(f"filter {name} must be a string, got {type(value).__name__}")


def _check_paging(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset}")
