"""Assembling one page of a multi-window range from Plivo's per-window pages.

With every window's `total_count` known, the page at a global offset is a slice of one window, or
of two where it straddles a boundary (`plan_page`). Unknown counts are gathered by asking every
window at once, the newest for the page itself. Where Plivo sends no `total_count`, the windows are
walked newest first in fixed pages of 20, counting as they go, which defines the same list whatever
the caller's page size.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from .models import Recording, RecordingList, unique
from .windows import plan_page

Job = tuple[int, int, int]  # (window index, offset within the window, limit)
FetchMany = Callable[[Sequence[Job]], Awaitable[list[RecordingList]]]

WALK_PAGE = 20


@dataclass(frozen=True, slots=True)
class Assembled:
    recordings: list[Recording]
    total: int | None
    has_more: bool
    counts: tuple[int, ...] | None


class RangePager:
    """One `list_range` call: fetches what the page needs, reusing every page already fetched."""

    def __init__(self, fetch_many: FetchMany, windows: int, offset: int, limit: int) -> None:
        self._fetch_many = fetch_many
        self._windows = windows
        self._offset = offset
        self._limit = limit
        self._fetched: dict[Job, RecordingList] = {}

    async def _fetch(self, jobs: Sequence[Job]) -> None:
        pages = await self._fetch_many(jobs)
        self._fetched.update(zip(jobs, pages, strict=True))

    async def discover(self) -> tuple[int, ...] | None:
        """Every window's count (None if Plivo withholds any), fetching the newest's page too."""
        jobs = [(0, self._offset, self._limit)]
        jobs += [(w, 0, self._limit) for w in range(1, self._windows)]
        await self._fetch(jobs)
        totals = [self._fetched[job].meta.total_count for job in jobs]
        if any(total is None for total in totals):
            return None
        return tuple(total or 0 for total in totals)

    def single_window_page(self) -> Assembled:
        """The page of a one-window range whose count Plivo withheld: take it as Plivo gave it."""
        page = self._fetched[(0, self._offset, self._limit)]
        return Assembled(page.objects, None, page.meta.next is not None, None)

    async def by_counts(self, counts: tuple[int, ...]) -> Assembled:
        slices = plan_page(counts, self._offset, self._limit)
        missing = [
            (s.window, s.offset, s.limit)
            for s in slices
            if self._covering(s.window, s.offset, s.limit) is None
        ]
        if missing:
            await self._fetch(missing)
            fresh = list(counts)
            for job in missing:  # a fresher count is a better one to hand back
                total = self._fetched[job].meta.total_count
                if total is not None:
                    fresh[job[0]] = total
            counts = tuple(fresh)
        recordings: list[Recording] = []
        for s in slices:
            found = self._covering(s.window, s.offset, s.limit)
            assert found is not None
            start = s.offset - found[0]
            recordings.extend(found[1].objects[start : start + s.limit])
        total = sum(counts)
        return Assembled(unique(recordings), total, self._offset + self._limit < total, counts)

    async def walk(self) -> Assembled:
        """Page without counts: walk windows newest first in pages of 20, counting as we go."""
        skip, limit = self._offset, self._limit
        recordings: list[Recording] = []
        for window in range(self._windows):
            window_offset = 0
            while True:
                job = (window, window_offset, WALK_PAGE)
                if job not in self._fetched:
                    await self._fetch([job])
                page = self._fetched[job]
                objects = page.objects
                if skip >= len(objects):
                    skip -= len(objects)
                else:
                    taken = objects[skip : skip + limit - len(recordings)]
                    recordings.extend(taken)
                    left_in_page = len(objects) > skip + len(taken)
                    skip = 0
                    if len(recordings) == limit:
                        more = left_in_page or has_next(page) or await self._any_after(window)
                        return Assembled(unique(recordings), None, more, None)
                if not has_next(page):
                    break
                window_offset += WALK_PAGE
        return Assembled(unique(recordings), None, False, None)

    async def _any_after(self, window: int) -> bool:
        for later in range(window + 1, self._windows):
            [page] = await self._fetch_many([(later, 0, 1)])
            if page.objects:
                return True
        return False

    def _covering(self, window: int, offset: int, limit: int) -> tuple[int, RecordingList] | None:
        for (w, off, lim), page in self._fetched.items():
            if w == window and off <= offset and offset + limit <= off + lim:
                return off, page
        return None


def has_next(page: RecordingList) -> bool:
    return page.meta.next is not None and bool(page.objects)
