"""Socket Mode: the same app over Slack's WebSocket, for hosts without inbound HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.config import Settings
from bot.runtime import Runtime

log = logging.getLogger("bot.socket")


async def run_socket_mode(settings: Settings) -> int:
    assert settings.slack_app_token is not None  # checked by Settings.require("socket")
    runtime = await Runtime.start(settings)
    handler = AsyncSocketModeHandler(runtime.app, settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await handler.connect_async()
        log.info("connected to Slack over Socket Mode")
        await stop.wait()
    finally:
        await handler.close_async()
        await runtime.stop()
    return 0
