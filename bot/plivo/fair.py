"""A fair queue in front of the Plivo account's budget: whose request goes next when the budget is
the bottleneck.

The budget (`RateLimiter`, this process's pacing of Plivo's 300 requests per 5 s, or a budget
shared by several processes through the database) decides *when* a request may start; it
serves its callers in arrival order. In front of it, this queue decides *who* starts next:

- INTERACTIVE requests (a person waiting on an answer) before BACKGROUND ones (exports, the
  watch poll);
- within a priority, round-robin across `who` (the Slack user id; "" for the bot itself): each
  person with requests waiting gets one start in turn, in their own order. One person's backlog
  (a 366-day search is 13 requests, and they may send several) therefore delays someone else's
  single request by at most one start per other person waiting, not by the whole backlog.

Only one caller at a time is inside `budget.acquire()`; the others wait here, where the order is
chosen. With nobody waiting, `acquire` is a flag set and the budget's own fast path: no task
switch. Any object with `async acquire()` is a budget.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from typing import Protocol

from .limiter import Priority


class Budget(Protocol):
    """Admits Plivo requests: this process's `RateLimiter`, or a budget shared by processes."""

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None: ...


class FairQueue:
    """`await queue.acquire(who=..., priority=...)` before each Plivo request."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._busy = False  # someone holds the turn: is in, or about to enter, budget.acquire()
        self._holder = ""  # whose request holds the turn (or held it last)
        # One queue per priority (index = Priority value): who → their waiting turns, in order;
        # the OrderedDict's order is the round-robin's.
        self._queues: tuple[OrderedDict[str, deque[asyncio.Future[None]]], ...] = tuple(
            OrderedDict() for _ in Priority
        )

    def waiting(self) -> int:
        """Callers waiting for their turn (for tests and logs)."""
        return sum(
            1 for queue in self._queues for turns in queue.values() for t in turns if not t.done()
        )

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None:
        """Wait for `who`'s turn, then for the budget to admit one request."""
        if self._busy:
            turn = asyncio.get_running_loop().create_future()
            self._queues[priority].setdefault(who, deque()).append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if not turn.cancelled():  # the turn was handed over just before: pass it on
                    self._hand_over()
                raise  # a turn cancelled while waiting is skipped when its time comes
        else:
            self._busy = True
        self._holder = who
        try:
            await self.budget.acquire(who=who, priority=priority)
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give the turn to whoever is next, or free it."""
        for queue in self._queues:
            if len(queue) > 1 and next(iter(queue)) == self._holder:
                # The holder's next request goes after everyone else's, whether the holder got
                # its turn from this queue or walked in when nobody was waiting.
                queue.move_to_end(self._holder)
            while queue:
                who, turns = next(iter(queue.items()))
                turn = turns.popleft()
                if turns:
                    queue.move_to_end(who)  # their next request waits for everyone else's turn
                else:
                    del queue[who]
                if not turn.done():  # not cancelled meanwhile
                    turn.set_result(None)
                    return
        self._busy = False


class SlotThenBudget:
    """A budget that first takes a slot of `in_flight` (a connection's worth of work), then waits
    for `budget`; the slot stays taken (its request releases it once answered) unless the wait
    fails. In the fair queue's turn, so the slots are handed out fairly too."""

    def __init__(self, in_flight: asyncio.Semaphore, budget: Budget) -> None:
        self._in_flight = in_flight
        self._budget = budget

    async def acquire(self, who: str = "", priority: Priority = Priority.INTERACTIVE) -> None:
        await self._in_flight.acquire()
        try:
            await self._budget.acquire(who=who, priority=priority)
        except BaseException:
            self._in_flight.release()
            raise
