"""Each Slack user's IANA time zone and locale, from `users.info`, cached per user for an hour.

A slash command carries no time zone, so the first command of a user costs one `users.info` call
(with `include_locale=true`: the locale decides how numeric dates such as `03/11` are read);
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
        # user -> (expiry, zone, locale or None)
        self._cache: dict[str, tuple[float, str, str | None]] = {}

    def remember(
        self, user_id: str, tz: str, ttl_s: float = HIT_TTL_S, locale: str | None = None
    ) -> None:
        if len(self._cache) >= MAX_USERS:
            # Oldest insertions first: dicts keep insertion order, so this drops the stalest.
            for key in list(self._cache)[: MAX_USERS // 10]:
                del self._cache[key]
        self._cache[user_id] = (self._clock() + ttl_s, tz, locale)

    async def get(self, user_id: str) -> str:
        """The user's zone (the default when Slack does not say)."""
        return (await self.profile(user_id))[0]

    async def locale(self, user_id: str) -> str | None:
        """The user's Slack locale (`en-GB`), or None when Slack does not say."""
        return (await self.profile(user_id))[1]

    async def profile(self, user_id: str) -> tuple[str, str | None]:
        """The user's zone and locale, from one `users.info` call an hour."""
        cached = self._cache.get(user_id)
        if cached and cached[0] > self._clock():
            return cached[1], cached[2]
        tz, locale = await self._lookup(user_id)
        self.remember(user_id, tz or self.default, HIT_TTL_S if tz else MISS_TTL_S, locale)
        return tz or self.default, locale

    async def _lookup(self, user_id: str) -> tuple[str | None, str | None]:
        if self._client is None or not user_id:
            return None, None
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._client.users_info(user=user_id, include_locale=True)
        except Exception as exc:  # any failure of Slack falls back to the default zone
            log.warning("users.info failed for %s: %s; using %s", user_id, exc, self.default)
            return None, None
        user = response.get("user") or {}
        locale = user.get("locale")
        locale = locale if isinstance(locale, str) and 0 < len(locale) <= 20 else None
        tz = user.get("tz")
        if not isinstance(tz, str):
            return None, locale
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("users.info gave an unknown zone %r for %s", tz, user_id)
            return None, locale
        return tz, locale
