"""The export queue: one export per person, `concurrency` at once, the rest in line with places."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.export.queue import AlreadyExporting, ExportQueue


async def settle(condition: Callable[[], bool], steps: int = 1000) -> None:
    """Let the other tasks run until `condition` holds (a bounded number of loop turns)."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the queue never got there")


async def test_one_export_per_person() -> None:
    queue = ExportQueue(2)
    job = queue.add("U1")
    with pytest.raises(AlreadyExporting) as refused:
        queue.add("U1")
    assert refused.value.job is job and queue.of("U1") is job and queue.get(job.id) is job
    await queue.done(job)
    assert queue.of("U1") is None and queue.get(job.id) is None
    assert queue.add("U1") is not job


async def test_concurrency_and_places_in_line() -> None:
    queue = ExportQueue(2)
    jobs = [queue.add(f"U{n}") for n in range(4)]
    places: dict[str, list[int]] = {job.user: [] for job in jobs}
    started: list[str] = []
    release = {job.user: asyncio.Event() for job in jobs}

    async def run(job_index: int) -> None:
        job = jobs[job_index]
        await queue.turn(job, places[job.user].append)
        started.append(job.user)
        await release[job.user].wait()
        await queue.done(job)

    tasks = [asyncio.create_task(run(n)) for n in range(4)]
    await settle(lambda: len(started) == 2 and queue.place(jobs[3]) == 2)
    assert started == ["U0", "U1"] and queue.running == 2
    assert queue.place(jobs[2]) == 1 and queue.place(jobs[0]) == 0
    release["U1"].set()
    await settle(lambda: len(started) == 3 and places["U3"][-1:] == [1])
    assert started == ["U0", "U1", "U2"]
    assert places["U2"] == [1] and places["U3"] == [2, 1]
    for event in release.values():
        event.set()
    await asyncio.gather(*tasks)
    assert started == ["U0", "U1", "U2", "U3"] and queue.running == 0


async def test_a_cancelled_waiter_leaves_the_line() -> None:
    queue = ExportQueue(1)
    first, second, third = queue.add("U1"), queue.add("U2"), queue.add("U3")
    await queue.turn(first)
    waiting = asyncio.create_task(queue.turn(second))
    behind = asyncio.create_task(queue.turn(third))
    await settle(lambda: queue.place(third) == 2)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await queue.done(second)
    assert queue.place(third) == 1
    await queue.done(first)
    async with asyncio.timeout(5):
        await behind
    assert queue.running == 1 and queue.of("U2") is None
