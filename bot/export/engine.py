"""The export itself: a query's every recording, fetched from Plivo and written to a CSV file.

Two steps. `count` asks each of the range's 30-day windows for its first page (at `limit=20`,
Plivo's largest), whose `total_count` says how many match, so an export over the row limit is
refused before anything else is fetched. `write` then pages through each window newest first,
a few pages in flight, and writes every row to the file as its page arrives, in order: only the
pages in flight are ever held in memory, however many rows the export has.

Every request is `Priority.BACKGROUND` in the account's limiter, and all exports together also
pass a limiter of their own set below the account's rate (`EXPORT_SHARE`), so the account's
schedule always has room left and a person's search never queues behind an export.
"""

from __future__ import annotations

import asyncio
import csv
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.plivo import PlivoClient, Priority, RateLimiter, RecordingList
from bot.plivo.windows import Window, split_range
from bot.query import Query
from bot.wire import MAX_LIMIT

from . import csvfile

PAGE = MAX_LIMIT
IN_FLIGHT = 8  # pages one export asks for at once: enough to keep up with Plivo's latency
# Plivo's allowance is 300 requests per 5 s per account; exports together take at most this share,
# leaving the rest to people searching even when the limiter serves in arrival order.
EXPORT_SHARE = 0.8
ACCOUNT_REQUESTS, ACCOUNT_PERIOD_S = 300, 5.0


def export_limiter() -> RateLimiter:
    """The limiter every export of this process shares (on top of the account's)."""
    return RateLimiter(int(ACCOUNT_REQUESTS * EXPORT_SHARE), ACCOUNT_PERIOD_S)


class TooManyRows(Exception):
    """More recordings match than one export may hold."""

    def __init__(self, matched: int, limit: int, *, at_least: bool = False) -> None:
        super().__init__(f"{'at least ' if at_least else ''}{matched} recordings match")
        self.matched = matched
        self.limit = limit
        self.at_least = at_least


@dataclass
class Plan:
    """The range's windows, newest first, each with its first page (and so its count)."""

    query: Query
    windows: list[Window]
    firsts: list[RecordingList]

    @property
    def total(self) -> int | None:
        """How many recordings match; None when Plivo did not say for every window."""
        counts = [page.meta.total_count for page in self.firsts]
        return None if any(c is None for c in counts) else sum(c or 0 for c in counts)


@dataclass
class Written:
    rows: int
    bytes: int


Progress = Callable[[int], None]


class Exporter:
    """Runs exports against one Plivo client; `limiter` is shared by every export it runs."""

    def __init__(
        self,
        plivo: PlivoClient,
        *,
        max_rows: int,
        limiter: RateLimiter | None = None,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self.plivo = plivo
        self.max_rows = max_rows
        self.limiter = limiter or export_limiter()
        self.in_flight = max(1, in_flight)

    async def _page(self, query: Query, window: Window, offset: int, who: str) -> RecordingList:
        await self.limiter.acquire(who=who, priority=Priority.BACKGROUND)
        return await self.plivo.list_recordings(
            {**query.filters, **window.params()},
            limit=PAGE,
            offset=offset,
            who=who,
            priority=Priority.BACKGROUND,
        )

    async def count(self, query: Query, *, who: str) -> Plan:
        """Each window's first page; raises TooManyRows when the total is over the limit."""
        windows = split_range(query.start, query.end, query.start_op, query.end_op)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._page(query, w, 0, who)) for w in windows]
        plan = Plan(query, windows, [task.result() for task in tasks])
        total = plan.total
        if total is not None and total > self.max_rows:
            raise TooManyRows(total, self.max_rows)
        return plan

    async def write(self, plan: Plan, sink: TextIO, *, who: str, progress: Progress) -> int:
        """Write the header and every row to `sink`, calling `progress(rows)` after each page;
        returns the number of rows. Raises PlivoError (after the client's retries) or
        TooManyRows (when Plivo gave no count and the rows passed the limit)."""
        writer = csv.writer(sink, lineterminator="\r\n")
        writer.writerow(csvfile.HEADER)
        zone = ZoneInfo(plan.query.tz)
        rows = 0

        def put(page: RecordingList) -> None:
            nonlocal rows
            if rows + len(page.objects) > self.max_rows:
                raise TooManyRows(rows + len(page.objects), self.max_rows, at_least=True)
            writer.writerows(csvfile.row(rec, zone) for rec in page.objects)
            rows += len(page.objects)
            progress(rows)

        for window, first in zip(plan.windows, plan.firsts, strict=True):
            put(first)
            total = first.meta.total_count
            if total is None:  # Plivo withheld the count: follow `next` one page at a time
                page, offset = first, 0
                while page.meta.next is not None and page.objects:
                    offset += PAGE
                    page = await self._page(plan.query, window, offset, who)
                    put(page)
                continue
            await self._pages(plan.query, window, range(PAGE, total, PAGE), who, put)
        return rows

    async def _pages(
        self,
        query: Query,
        window: Window,
        offsets: range,
        who: str,
        put: Callable[[RecordingList], None],
    ) -> None:
        """Fetch the pages at `offsets`, `in_flight` at a time, and `put` them in order."""
        pending: deque[asyncio.Task[RecordingList]] = deque()
        upcoming = iter(offsets)
        try:
            for offset in upcoming:
                pending.append(asyncio.create_task(self._page(query, window, offset, who)))
                if len(pending) >= self.in_flight:
                    put(await pending.popleft())
            while pending:
                put(await pending.popleft())
        finally:
            for task in pending:  # a failure or a cancel: nobody wants these pages any more
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


class Estimate:
    """Rows per second since the fetching began, and the time left at that pace."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._began = clock()

    def left_s(self, done: int, total: int | None) -> float | None:
        elapsed = self._clock() - self._began
        if total is None or done <= 0 or elapsed <= 0:
            return None
        return max(0.0, (total - done) / (done / elapsed))
