"""Who is exporting: at most one export per person, at most `concurrency` running at once, the
rest waiting in arrival order with their place known (so the progress message can show it).

In-process state: a Cancel click reaches the process that runs the export (one web dyno).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class AlreadyExporting(Exception):
    """This person has an export running or waiting."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.user)
        self.job = job


@dataclass(eq=False)
class Job:
    """One export asked for by `user` in `channel`; `task` runs it, `cancelled_by` says who
    stopped it."""

    user: str
    channel: str = ""
    id: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    task: asyncio.Task[Any] | None = None
    cancelled_by: str | None = None

    def cancel(self, by: str) -> bool:
        """Stop it (it stops at its next await); False if it had already ended."""
        if self.task is None or self.task.done():
            return False
        self.cancelled_by = by
        self.task.cancel()
        return True


class ExportQueue:
    def __init__(self, concurrency: int) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.concurrency = concurrency
        self._running: set[Job] = set()
        self._waiting: deque[Job] = deque()
        self._jobs: dict[str, Job] = {}
        self._by_user: dict[str, Job] = {}
        self._changed = asyncio.Condition()

    def add(self, user: str, channel: str = "") -> Job:
        """A new job for `user`, not yet in line; AlreadyExporting if they have one."""
        if (current := self._by_user.get(user)) is not None:
            raise AlreadyExporting(current)
        job = Job(user, channel)
        self._by_user[user] = job
        self._jobs[job.id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def of(self, user: str) -> Job | None:
        return self._by_user.get(user)

    def place(self, job: Job) -> int:
        """0 while running (or not yet in line); else 1 for the next to run, 2, …"""
        try:
            return self._waiting.index(job) + 1
        except ValueError:
            return 0

    @property
    def running(self) -> int:
        return len(self._running)

    async def turn(self, job: Job, on_place: Callable[[int], Any] | None = None) -> None:
        """Wait in line until `job` may run; `on_place(n)` each time its place changes."""
        async with self._changed:
            self._waiting.append(job)
            shown = 0
            try:
                while not (self._waiting[0] is job and len(self._running) < self.concurrency):
                    place = self.place(job)
                    if place != shown and on_place is not None:
                        shown = place
                        on_place(place)
                    await self._changed.wait()
            except BaseException:
                self._waiting.remove(job)
                self._changed.notify_all()
                raise
            self._waiting.popleft()
            self._running.add(job)
            self._changed.notify_all()  # the next in line may start too, or moved up a place

    async def done(self, job: Job) -> None:
        """`job` ended (finished, failed or cancelled): free its slot and its user."""
        async with self._changed:
            self._running.discard(job)
            if job in self._waiting:
                self._waiting.remove(job)
            self._jobs.pop(job.id, None)
            if self._by_user.get(job.user) is job:
                del self._by_user[job.user]
            self._changed.notify_all()
