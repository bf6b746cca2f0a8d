"""Each Slack user's IANA time zone, from `users.info`, cached per user for an hour.

A slash command carries no time zone, so the first command of a user costs one `users.info` call;
later ones cost nothing. A slow or failing `users.info` never fails a command: the default zone
stands in (and is remembered only briefly, so the real zone is picked up soon after).
"""

from __future__ import annotations

import asyncio
import logging
import time
import zoneinfo
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("bot.slack.timezones")

HIT_TTL_S = 3600.0
MISS_TTL_S = 60.0
MAX_USERS = 10_000


class UserTimezones:
    def __init__(
        self,
        client: AsyncWebClient | None,
        default: str,
        *,
        timeout_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.default = default
        self._timeout_s = timeout_s
        self._clock = clock
        self._cache: dict[str, tuple[float, str]] = {}

    def remember(self, user_id: str, tz: str, ttl_s: float = HIT_TTL_S) -> None:
        if len(self._cache) >= MAX_USERS:
            # Oldest insertions first: dicts keep insertion order, so this drops the stalest.
            for key in list(self._cache)[: MAX_USERS // 10]:
                del self._cache[key]
        self._cache[user_id] = (self._clock() + ttl_s, tz)

    async def get(self, user_id: str) -> str:
        cached = self._cache.get(user_id)
        if cached and cached[0] > self._clock():
            return cached[1]
        tz = await self._lookup(user_id)
        self.remember(user_id, tz or self.default, HIT_TTL_S if tz else MISS_TTL_S)
        return tz or self.default

    async def _lookup(self, user_id: str) -> str | None:
        if self._client is None or not user_id:
            return None
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.users_info(user=user_id)
        except Exception as exc:  # any failure of Slack falls back to the default zone
            log.warning("users.info failed for %s: %s; using %s", user_id, exc, self.default)
            return None
        tz = (response.get("user") or {}).get("tz")
        if not isinstance(tz, str):
            return None
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("users.info gave an unknown zone %r for %s", tz, user_id)
            return None
        return tz
