"""A sliding-window limit on request starts, shared by every call of one `PlivoClient`.

Plivo allows an account 300 API requests per 5 seconds and answers 429 above that. Queueing here
turns a burst into a short delay instead of failures. The window slides: in no interval of
`period_s` do more than `max_requests` requests start. Far below the limit an acquire is a deque
append.

A window alone lets a burst of `max_requests` through at once and then stalls everything until the
burst ages out; under sustained load that burst-and-stall repeats every `period_s` (seen in the
benchmark as 0.7 s waits every 5 s). So starts are also paced at the window's own rate,
`max_requests / period_s`, with room for a burst of `burst` above it (a "generic cell rate"
schedule): short clusters of requests go at once, and a saturated account is served at an even 60
per second. That schedule with its burst would fill the window a burst's worth before its oldest
start ages out, and then stall everyone for up to `burst` steps (half a second: a search queued
behind it, however fairly, waits that long); so within a burst of full, the room left is spread
evenly until the oldest start ages out (starts slow to about half the rate for a moment). After a
stall of the window itself (without pacing) the schedule starts afresh, without a burst. (Pacing
from a fixed fill of the window instead, as a first version did, made requests wait at 54 a
second, well below the limit: every start had to keep its distance.)
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class Priority(enum.IntEnum):
    """Whose request goes first when the account's budget is the bottleneck: a person waiting on an
    answer (INTERACTIVE) before work nobody watches live (BACKGROUND: exports, the watch poll)."""

    INTERACTIVE = 0
    BACKGROUND = 1


# A microsecond of slack, so float rounding can never ask for an endless tiny wait.
_SLACK_S = 1e-6


class RateLimiter:
    """Admit at most `max_requests` starts in any `period_s` seconds; callers queue in order."""

    def __init__(
        self,
        max_requests: int = 300,
        period_s: float = 5.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        burst: int | None = 30,
    ) -> None:
        if max_requests < 1 or period_s <= 0:
            raise ValueError("max_requests must be >= 1 and period_s > 0")
        if burst is not None and burst < 1:
            raise ValueError("burst must be >= 1, or None for no pacing")
        self.max_requests = max_requests
        self.period_s = period_s
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._spacing = period_s / max_requests
        # How far the schedule may run ahead of the clock: `burst` starts at once, no more.
        self._tolerance = None if burst is None else (burst - 1) * self._spacing
        self._burst = burst or 0
        self._scheduled = float("-inf")  # when the next start is due, at the paced rate
        self._queue = asyncio.Lock()  # FIFO, so a waiting caller is not overtaken by later ones

    def _try_admit(self) -> float:
        """Record a start and return 0, or return how long to wait before trying again."""
        now = self._clock()
        starts = self._starts
        horizon = now - self.period_s
        while starts and starts[0] <= horizon:
            starts.popleft()
        if len(starts) >= self.max_requests:
            wait = starts[0] - horizon
            if self._tolerance is not None:
                # Resume at the paced rate once room opens, not with a burst that would fill the
                # window again at once and stall again a period later.
                self._scheduled = max(self._scheduled, now + wait + self._tolerance)
            return wait
        if self._tolerance is not None:
            wait = self._scheduled - self._tolerance - now
            if wait > _SLACK_S:
                return wait
            room = self.max_requests - len(starts)
            if starts and room <= self._burst:
                # Within a burst of full (a burst went out a period ago and the rate has been
                # kept since): spread the room left evenly until the oldest start ages out,
                # rather than use it up and stall until then. A stall holds everyone, however
                # fairly they are queued; this slows starts for a moment instead.
                wait = starts[-1] + (starts[0] + self.period_s - now) / (room + 1) - now
                if wait > _SLACK_S:
                    return wait
            self._scheduled = max(self._scheduled, now) + self._spacing
        starts.append(now)
        return 0.0

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None:
        """Wait until a request may start, then count it as started.

        `who` (a Slack user id, "" for the bot itself) and `priority` say whose request it is; this
        limiter serves its callers in arrival order whatever they say: it is the budget, the
        "when". `bot.plivo.fair.FairQueue` in front of it (the Plivo client puts one there)
        chooses who comes next.
        """
        if not self._queue.locked() and self._try_admit() == 0.0:
            return
        async with self._queue:
            while (wait := self._try_admit()) > 0.0:
                await self._sleep(wait)
