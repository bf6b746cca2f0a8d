"""A short-lived cache of Plivo pages for time windows that have closed.

A window that ended more than a few minutes ago no longer changes (Plivo stamps `add_time` when a
recording is added, so none can arrive in the past), except by deletion. When several people ask
about yesterday, or page back with `◀ Prev`, the answer comes from here, not from another request
against the account's 300-per-5-seconds allowance. Windows that reach up to now are never cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime

from .models import RecordingList

Key = tuple[tuple[str, str], ...]


class PageCache:
    def __init__(
        self,
        *,
        ttl_s: float = 300.0,
        settled_after_s: float = 600.0,
        max_entries: int = 512,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ttl_s = ttl_s
        self.settled_after_s = settled_after_s
        self.max_entries = max_entries
        self._clock = clock
        self._pages: OrderedDict[Key, tuple[float, RecordingList]] = OrderedDict()

    def key(self, params: Mapping[str, str], end: datetime) -> Key | None:
        """The cache key for a request of the window ending at `end` (aware), or None while that
        window is still open."""
        return tuple(sorted(params.items())) if self.settled(end) else None

    def settled(self, end: datetime) -> bool:
        """Whether a window ending at `end` (aware) closed long enough ago to be cached."""
        return end.timestamp() <= self._clock() - self.settled_after_s

    def get(self, key: Key) -> RecordingList | None:
        entry = self._pages.get(key)
        if entry is None:
            return None
        stored, page = entry
        if self._clock() - stored > self.ttl_s:
            del self._pages[key]
            return None
        self._pages.move_to_end(key)
        return page

    def put(self, key: Key, page: RecordingList) -> None:
        self._pages[key] = (self._clock(), page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.max_entries:
            self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
