"""The fair queue in front of the Plivo budget, on a fake clock: round-robin across people,
searches before background work, one person's backlog delaying another's single request by a
slot or two, cancellation passing the turn on, and the Plivo client using it."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.plivo import FairQueue, Priority, RateLimiter
from bot.sample_api import SampleApi
from tests.conftest import mock_plivo
from tests.plivo.test_limiter import FakeClock

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


def paced(clock: FakeClock, per_second: int = 10) -> RateLimiter:
    """A budget of `per_second` starts a second, evenly spaced, no burst: always the bottleneck."""
    return RateLimiter(per_second, 1.0, clock=clock, sleep=clock.sleep, burst=1)


class Recorder:
    """Runs acquires on a queue and notes who got each start, in order."""

    def __init__(self, queue: FairQueue) -> None:
        self.queue = queue
        self.starts: list[str] = []
        self.tasks: list[asyncio.Task[None]] = []

    def ask(self, who: str, n: int = 1, priority: Priority = Priority.INTERACTIVE) -> None:
        for _ in range(n):
            self.tasks.append(asyncio.create_task(self._one(who, priority)))

    async def _one(self, who: str, priority: Priority) -> None:
        await self.queue.acquire(who=who, priority=priority)
        self.starts.append(who)

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def done(self) -> None:
        await asyncio.gather(*self.tasks)


async def test_with_nobody_waiting_acquire_does_not_switch_tasks() -> None:
    clock = FakeClock()
    queue = FairQueue(RateLimiter(300, 5.0, clock=clock, sleep=clock.sleep))
    for _ in range(10):
        await queue.acquire(who="U1")  # the budget's fast path: no sleep, no waiting
    assert clock.sleeps == [] and queue.waiting() == 0


async def test_a_single_request_waits_behind_a_backlog_only_a_slot_or_two() -> None:
    clock = FakeClock()
    recorder = Recorder(FairQueue(paced(clock)))
    recorder.ask("heavy", 100)  # a backlog: ten seconds of the budget
    await recorder.settle()
    recorder.ask("light")
    await recorder.done()
    # Right after the start under way when it asked (FIFO would have put it after 100).
    assert recorder.starts.index("light") == 2, recorder.starts[:5]
    assert recorder.starts.count("heavy") == 100


async def test_people_with_backlogs_take_turns() -> None:
    clock = FakeClock()
    recorder = Recorder(FairQueue(paced(clock)))
    recorder.ask("A", 6)
    recorder.ask("B", 3)
    recorder.ask("C", 2)
    await recorder.done()
    # A's first two got in before anyone else asked; then one each in turn, A's rest last.
    assert recorder.starts == ["A", "A", "B", "C", "A", "B", "C", "A", "B", "A", "A"]


async def test_interactive_requests_go_before_background_ones() -> None:
    clock = FakeClock()
    recorder = Recorder(FairQueue(paced(clock)))
    recorder.ask("export", 20, Priority.BACKGROUND)
    await recorder.settle()
    recorder.ask("U1", 2)
    recorder.ask("U2", 1)
    await recorder.done()
    # The two exports under way when they asked, then both people, then the exports' rest.
    assert recorder.starts[:5] == ["export", "export", "U1", "U2", "U1"]
    assert recorder.starts[5:] == ["export"] * 18


async def test_starts_keep_the_budgets_pace() -> None:
    clock = FakeClock()
    queue = FairQueue(paced(clock, per_second=10))
    times: list[float] = []

    async def one(who: str) -> None:
        await queue.acquire(who=who)
        times.append(clock.now)

    await asyncio.gather(*(one(f"U{n % 7}") for n in range(50)))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.1 - 1e-9  # never faster than the budget
    assert times[-1] - times[0] == pytest.approx(4.9)  # and never slower


async def test_a_cancelled_waiter_gives_up_its_turn_without_stalling_the_queue() -> None:
    clock = FakeClock()
    queue = FairQueue(paced(clock))
    recorder = Recorder(queue)
    recorder.ask("A", 3)
    await recorder.settle()
    doomed = asyncio.create_task(queue.acquire(who="B"))
    await recorder.settle()
    recorder.ask("C")
    await recorder.settle()
    doomed.cancel()
    await recorder.done()
    assert doomed.cancelled()
    assert sorted(recorder.starts) == ["A", "A", "A", "C"]
    assert queue.waiting() == 0
    await queue.acquire(who="D")  # the turn is free again


async def test_a_turn_handed_to_a_task_cancelled_at_that_moment_is_passed_on() -> None:
    clock = FakeClock()
    queue = FairQueue(paced(clock))
    await queue.acquire(who="A")  # A holds nothing now; make someone hold the turn:
    holder = asyncio.create_task(queue.acquire(who="A"))  # waits on the budget's pace
    await asyncio.sleep(0)
    nxt = asyncio.create_task(queue.acquire(who="B"))
    after = asyncio.create_task(queue.acquire(who="C"))
    await asyncio.sleep(0)
    await holder  # hands the turn to B...
    nxt.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await nxt
    await after  # C still gets its start
    assert queue.waiting() == 0


async def test_the_plivo_client_serves_a_light_user_between_a_heavy_users_windows() -> None:
    """A 366-day search is 13 requests; with the budget the bottleneck, someone else's one-window
    search starts after at most a couple of them, not after all 13 × 4."""
    clock = FakeClock()
    api = SampleApi(now=NOW)
    order: list[str] = []
    handler = api.handler

    def noting(request):  # type: ignore[no-untyped-def]
        order.append("light" if "light" in str(request.url) else "heavy")
        return handler(request)

    client = mock_plivo(noting, limiter=paced(clock, per_second=5))
    heavy = [
        asyncio.create_task(
            client.list_range(
                filters={"conference_name": f"heavy-{n}"},
                start=NOW - timedelta(days=366),
                end=NOW - timedelta(minutes=n),
                who="UHEAVY",
            )
        )
        for n in range(4)
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    light = await client.list_range(
        filters={"conference_name": "light"},
        start=NOW - timedelta(days=2),
        end=NOW,
        who="ULIGHT",
    )
    assert light.recordings == []
    assert order.index("light") <= 3, order[:6]
    await asyncio.gather(*heavy)
    assert order.count("heavy") >= 13 * 4
    await client.aclose()
