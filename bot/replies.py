"""Delivery of answers to a command's or a click's `response_url`, through one long-lived client.

Bolt's own `respond()` opens a new HTTP session per reply; this keeps one pool for the process. A
failed post (5xx, 429, timeout, connection error) is retried a bounded number of times with backoff;
once Slack has answered 2xx it is never sent again, and a 4xx is final (the URL expired or the
body is wrong).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx

from bot import __version__

log = logging.getLogger("bot.replies")

Message = dict[str, Any]


class Replier(Protocol):
    """Where answers go: Slack's `response_url` in production, a list in the console."""

    async def reply(self, response_url: str, message: Message) -> bool: ...


class ResponseUrlReplier:
    """Posts messages to `response_url`s; `reply` returns whether Slack took it."""

    def __init__(
        self,
        *,
        timeout_s: float = 5.0,
        attempts: int = 4,
        backoff_s: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            headers={"User-Agent": f"recordings-bot/{__version__}"},
            transport=transport,
        )

    async def reply(self, response_url: str, message: Message) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self._http.post(response_url, json=message)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                # No response_url, or not an http(s) one: no retry can deliver it.
                log.error("reply impossible: unusable response_url (%s)", type(exc).__name__)
                return False
            except httpx.HTTPError as exc:
                outcome = f"{type(exc).__name__}"
            else:
                if response.is_success:
                    return True
                outcome = f"HTTP {response.status_code}"
                if response.status_code < 500 and response.status_code != 429:
                    log.error("reply refused by Slack: %s (not retried)", outcome)
                    return False
            if attempt < self.attempts:
                # ±25% jitter: enough to spread retries, never so much that a retry comes sooner
                # than the one before it (±50% could, and then it is not backing off).
                delay = self.backoff_s * 2 ** (attempt - 1) * (0.75 + random.random() / 2)
                log.warning("reply failed: %s; retry %d in %.2fs", outcome, attempt, delay)
                await self._sleep(delay)
            else:
                log.error("reply lost after %d attempts: %s", self.attempts, outcome)
        return False

    async def aclose(self) -> None:
        await self._http.aclose()
