"""Delivery of answers to a command's or a click's `response_url`, through one long-lived client.

Bolt's own `respond()` opens a new HTTP session per reply; this keeps one pool for the process. A
failed post (5xx, 429, timeout, connection error) is retried a bounded number of times with backoff;
once Slack has answered 2xx it is never sent again, and a 4xx is final (the URL expired or the
body is wrong). Only Slack's own hosts are posted to: a `response_url` comes from the request's
body, and a body naming another host must not turn the bot into a way to POST anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import orjson
from yarl import URL

from bot import USER_AGENT

log = logging.getLogger("bot.slack.replies")

Message = dict[str, Any]
_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": USER_AGENT,
}


SLACK_HOOKS = URL("https://hooks.slack.com/")


def _origin(url: URL) -> tuple[str, str, int | None]:
    return url.scheme.lower(), (url.host or "").lower(), url.port


def slack_origins(slack_api_url: str | None = None) -> frozenset[tuple[str, str, int | None]]:
    """Where answers may go: `https://hooks.slack.com`, plus the origin of `SLACK_API_URL`
    (a local fake Slack in tests, or a Slack proxy someone runs)."""
    origins = {_origin(SLACK_HOOKS)}
    if slack_api_url:
        origins.add(_origin(URL(slack_api_url)))
    return frozenset(origins)


def slack_url(response_url: str, origins: frozenset[tuple[str, str, int | None]]) -> URL | None:
    """`response_url` parsed (as aiohttp will parse it) if it points at one of `origins`."""
    try:
        url = URL(response_url)
    except (ValueError, TypeError):
        return None
    if not url.absolute or url.user is not None or url.password is not None:
        return None  # `https://hooks.slack.com@elsewhere/` names elsewhere
    return url if _origin(url) in origins else None


def _host_of(response_url: str) -> str:
    """For the log: the host the refused URL names, never its path (which may hold a token)."""
    try:
        return repr(URL(response_url).host or "")[:80]
    except (ValueError, TypeError):
        return "(unparsable)"


class Replier(Protocol):
    """Where answers go: Slack's `response_url` in production, a list in the console."""

    async def reply(self, response_url: str, message: Message) -> bool: ...


class ResponseUrlReplier:
    """Posts messages to `response_url`s; `reply` returns whether Slack took it.

    It speaks aiohttp, as slack-sdk does, and shares the session of the Slack Web API client when
    given one: every byte to Slack goes through one pool. (Profiled under load, posting through
    httpx cost several times the CPU of the same post through aiohttp.) aiohttp never re-sends a
    POST by itself, so each attempt here is exactly one delivery attempt.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        timeout_s: float = 5.0,
        attempts: int = 4,
        backoff_s: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        slack_api_url: str | None = None,
    ) -> None:
        self._origins = slack_origins(slack_api_url)
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created on first use, inside the running loop
            self._session = aiohttp.ClientSession()
        return self._session

    async def reply(self, response_url: str, message: Message) -> bool:
        if not response_url.startswith(("https://", "http://")):
            # No response_url, or not an http(s) one: no retry can deliver it.
            log.error("reply impossible: unusable response_url")
            return False
        url = slack_url(response_url, self._origins)
        if url is None:
            log.warning(
                "reply refused: response_url host %s is not Slack's; nothing posted",
                _host_of(response_url),
            )
            return False
        # Compact UTF-8, as json.dumps gives, for a twentieth of its CPU (2 µs a page, not 36).
        body = orjson.dumps(message)
        for attempt in range(1, self.attempts + 1):
            try:
                async with self._client().post(
                    url, data=body, headers=_HEADERS, timeout=self._timeout
                ) as response:
                    status = response.status
                    await response.read()  # hand the connection back to the pool
            except aiohttp.InvalidURL:
                log.error("reply impossible: unusable response_url")
                return False
            except (aiohttp.ClientError, TimeoutError) as exc:
                outcome = type(exc).__name__
            else:
                if 200 <= status < 300:
                    return True
                outcome = f"HTTP {status}"
                if status < 500 and status != 429:
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
        if self._owns_session and self._session is not None:
            await self._session.close()
