"""The progress message of an export: `chat.update` at most every 2 s, only the latest state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import fields

log = logging.getLogger("bot.slack.export")

Message = dict[str, Any]
UPDATE_EVERY_S = 2.0  # Slack allows about one chat.update a second per message; half that


class Progress:
    """The DM's progress message, updated with `chat.update` at most every `every_s` seconds;
    only the latest state is sent, so a slow Slack never builds a backlog."""

    def __init__(
        self,
        client: AsyncWebClient,
        channel: str,
        ts: str,
        *,
        every_s: float = UPDATE_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._channel = channel
        self._ts = ts
        self._every_s = every_s
        self._clock = clock
        self._latest: Message | None = None
        self._dirty = asyncio.Event()
        self._last = clock()  # the message was just posted
        self._loop = asyncio.get_running_loop().create_task(self._send_loop())

    def show(self, message: Message) -> None:
        self._latest = message
        self._dirty.set()

    async def _send(self, message: Message) -> None:
        self._last = self._clock()
        try:
            await self._client.chat_update(channel=self._channel, ts=self._ts, **message)
        except Exception as exc:  # progress is a courtesy: the export carries on without it
            log.warning(fields(event="export_progress", outcome="update_failed", error=str(exc)))

    async def _wait_turn(self) -> None:
        # Pacing, not waiting for a result: Slack asks for updates of one message to be spaced.
        wait = self._last + self._every_s - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)

    async def _send_loop(self) -> None:
        while True:
            await self._dirty.wait()
            await self._wait_turn()
            self._dirty.clear()
            if self._latest is not None:
                await self._send(self._latest)

    async def close(self, final: Message) -> None:
        """Stop the updates and show `final` (spaced from the last update like the others)."""
        self._loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._loop
        await self._wait_turn()
        await self._send(final)
