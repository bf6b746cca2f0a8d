"""The Plivo account's request budget, shared by every process through the database.

Plivo allows an account 300 requests in any 5 seconds. Each process's own limiter cannot see the
others', so with two or more processes the limit is kept here instead: one row per budget holds a
generic cell-rate schedule (GCRA) — `tat`, the moment the next request is due at the steady rate —
and each admission is one atomic `UPDATE … RETURNING` on it. A request is admitted when `tat` is no
more than `tolerance` ahead of now, and then moves `tat` one interval on; otherwise it waits until
`tat - tolerance` and asks again. The row lock serialises admissions across processes.

The schedule runs at `headroom` of Plivo's rate with a burst of `burst`, chosen so that even counted
in the worst 5-second window the admissions stay under the limit:
`(period + tolerance) / interval + 1 <= max_requests`. The times are the processes' wall clocks
(NTP keeps dynos within milliseconds of each other; the headroom covers that and network jitter).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.plivo.limiter import Priority, RateLimiter

log = logging.getLogger("bot.store.budget")

_ADMIT = {
    "postgresql": sa.text(
        "UPDATE rate_budget SET ok = (tat - :now <= :tolerance), "
        "tat = CASE WHEN tat - :now <= :tolerance THEN GREATEST(tat, :now) + :interval "
        "ELSE tat END WHERE name = :name RETURNING ok, tat"
    ),
    "sqlite": sa.text(
        "UPDATE rate_budget SET ok = (tat - :now <= :tolerance), "
        "tat = CASE WHEN tat - :now <= :tolerance THEN MAX(tat, :now) + :interval "
        "ELSE tat END WHERE name = :name RETURNING ok, tat"
    ),
}
# 48 requests a second with bursts of 10: at most 250 in any 5 s as admitted, which leaves 50 for
# requests that reach Plivo bunched closer than they were admitted (a busy event loop, network
# jitter). At 90% and 20 (290 at most) a loaded test machine still got 429s.
HEADROOM = 0.8
BURST = 10

_CREATE = sa.text(
    "INSERT INTO rate_budget (name, tat, ok) VALUES (:name, 0, true) ON CONFLICT (name) DO NOTHING"
)


def worst_window(max_requests: int, period_s: float, headroom: float, burst: int) -> int:
    """The most admissions the schedule allows in any window of `period_s` (for the docs and
    tests: it must not exceed `max_requests`)."""
    interval = period_s / (max_requests * headroom)
    tolerance = (burst - 1) * interval
    return math.floor((period_s + tolerance) / interval + 1e-9) + 1


class SharedBudget:
    """`await budget.acquire()` before each Plivo request; every process shares the one budget.

    If the database cannot be reached, requests fall back to this process's own limiter (and the
    failure is logged) rather than stop answering.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        name: str = "plivo",
        max_requests: int = 300,
        period_s: float = 5.0,
        headroom: float = HEADROOM,
        burst: int = BURST,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if worst_window(max_requests, period_s, headroom, burst) > max_requests:
            raise ValueError("that burst and headroom could exceed the limit in one window")
        # One statement is atomic on its own: no BEGIN/COMMIT round trips around it.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._name = name
        self.interval_s = period_s / (max_requests * headroom)
        self.tolerance_s = (burst - 1) * self.interval_s
        self._clock = clock
        self._sleep = sleep
        self._admit = _ADMIT[engine.url.get_backend_name()]
        self._queue = asyncio.Lock()  # one waiter per process asks the database; the rest queue
        self._created = False
        self._fallback = RateLimiter(max_requests, period_s)
        self.round_trips = 0
        self._complained = float("-inf")

    async def _try(self) -> float:
        """Admit one request and return 0, or return how long to wait before asking again."""
        params = {
            "name": self._name,
            "now": self._clock(),
            "tolerance": self.tolerance_s,
            "interval": self.interval_s,
        }
        async with self._engine.connect() as connection:
            if not self._created:
                await connection.execute(_CREATE, {"name": self._name})
                self._created = True
            row = (await connection.execute(self._admit, params)).one()
        self.round_trips += 1
        ok, tat = bool(row[0]), float(row[1])
        if ok:
            return 0.0
        return max(tat - self.tolerance_s - params["now"], 1e-4)

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None:
        """Wait until the shared budget admits a request. `who` and `priority` are for a queue in
        front of this (this budget serves its callers in arrival order)."""
        async with self._queue:
            while True:
                try:
                    wait = await self._try()
                except Exception:
                    # Once a minute, not once per request, while the database stays away.
                    if time.monotonic() - self._complained >= 60.0:
                        self._complained = time.monotonic()
                        log.exception(
                            "the shared Plivo budget is unreachable; using this process's own"
                        )
                    await self._fallback.acquire(who=who, priority=priority)
                    return
                if wait == 0.0:
                    return
                await self._sleep(wait)
