"""A fair share for each person: at most `per_minute` commands and clicks in any minute.

A sliding window per Slack user id: one deque of recent start times each, pruned as it is read.
Beyond the limit the caller is told how long until the oldest of those ages out, and nothing is
asked of Plivo. The users are Slack's (every request is signed), so their number is the
workspace's; users quiet for a minute are forgotten when the table grows.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class UserLimits:
    def __init__(
        self,
        per_minute: int,
        *,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 10_000,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be >= 1")
        self.per_minute = per_minute
        self.window_s = window_s
        self._clock = clock
        self._max_users = max_users
        self._starts: dict[str, deque[float]] = {}

    def check(self, user: str) -> int:
        """0 if `user` may go ahead (and count it), else whole seconds to wait (at least 1)."""
        now = self._clock()
        horizon = now - self.window_s
        starts = self._starts.get(user)
        if starts is None:
            if len(self._starts) >= self._max_users:
                self._forget_quiet(horizon)
            starts = self._starts[user] = deque()
        while starts and starts[0] <= horizon:
            starts.popleft()
        if len(starts) >= self.per_minute:
            return max(1, math.ceil(starts[0] - horizon))
        starts.append(now)
        return 0

    def _forget_quiet(self, horizon: float) -> None:
        for user, starts in list(self._starts.items()):
            if not starts or starts[-1] <= horizon:
                del self._starts[user]
