"""A sliding-window limit on request starts, shared by every call of one `PlivoClient`.

Plivo allows an account 300 API requests per 5 seconds and answers 429 above that. Queueing here
turns a burst into a short delay instead of failures. The window slides: in no interval of
`period_s` do more than `max_requests` requests start. Far below the limit an acquire is a deque
append.

A window alone lets a burst of `max_requests` through at once and then stalls everything until the
burst ages out, and under sustained load that burst-and-stall repeats every `period_s` (seen in
the benchmark as 0.7 s waits every 5 s). So once the window is more than `pace_above` full, starts
are also spaced `period_s / max_requests` apart: bursts of ordinary size still go at once, and a
saturated account is served at an even 60 per second, each request waiting a few milliseconds
(after one stall while the first burst ages out).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class RateLimiter:
    """Admit at most `max_requests` starts in any `period_s` seconds; callers queue in order."""

    def __init__(
        self,
        max_requests: int = 300,
        period_s: float = 5.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        pace_above: float | None = 0.8,
    ) -> None:
        if max_requests < 1 or period_s <= 0:
            raise ValueError("max_requests must be >= 1 and period_s > 0")
        self.max_requests = max_requests
        self.period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._pace_from = max_requests if pace_above is None else int(max_requests * pace_above)
        self._spacing = period_s / max_requests
        self._queue = asyncio.Lock()  # FIFO, so a waiting caller is not overtaken by later ones

    def _try_admit(self) -> float:
        """Record a start and return 0, or return how long to wait before trying again."""
        now = self._clock()
        starts = self._starts
        horizon = now - self.period_s
        while starts and starts[0] <= horizon:
            starts.popleft()
        if len(starts) < self.max_requests:
            # A microsecond of slack, so float rounding can never ask for an endless tiny wait.
            if len(starts) >= self._pace_from and (
                (wait := starts[-1] + self._spacing - now) > 1e-6
            ):
                return wait
            starts.append(now)
            return 0.0
        return starts[0] - horizon

    async def acquire(self) -> None:
        """Wait until a request may start, then count it as started."""
        if not self._queue.locked() and self._try_admit() == 0.0:
            return
        async with self._queue:
            while (wait := self._try_admit()) > 0.0:
                await self._sleep(wait)
