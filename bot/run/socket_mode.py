"""Socket Mode: the same app over Slack's WebSocket, for hosts without inbound HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.config import Settings
from bot.runtime import Runtime

log = logging.getLogger("bot.socket")


class _OneLine(logging.Filter):
    """Drops the traceback from the SDK's own log records.

    While Slack is unreachable the SDK retries every 10 s and logs each failure with
    `logger.exception`: 60 lines of aiohttp internals each time. Its message already names the
    error, so one line per attempt says all there is to say.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True


def sdk_logger() -> logging.Logger:
    logger = logging.getLogger("bot.socket.slack")
    if not any(isinstance(f, _OneLine) for f in logger.filters):
        logger.addFilter(_OneLine())
    return logger


async def run_socket_mode(settings: Settings) -> int:
    assert settings.slack_app_token is not None  # checked by Settings.require("socket")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # No web server here to serve listening links: ▶ Listen sends the file to the clicker's DMs.
    runtime = await Runtime.start(settings, listen_mode="upload", durable=True)
    handler = AsyncSocketModeHandler(
        runtime.app, settings.slack_app_token.get_secret_value(), logger=sdk_logger()
    )
    # The SDK's connect retries until it gets through, however long Slack is unreachable: race it
    # against the signal so that a stop request is heard meanwhile too.
    connecting = asyncio.create_task(handler.connect_async())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if connecting.done():
            connecting.result()  # a failure the SDK does not retry stops the process
            log.info("connected to Slack over Socket Mode")
            await stopping
        else:
            log.info("stopping before Slack answered")
    finally:
        for task in (connecting, stopping):
            task.cancel()
        # Their outcome is known by now (raised above, or not wanted): just let them finish.
        await asyncio.gather(connecting, stopping, return_exceptions=True)
        await handler.close_async()
        await runtime.stop()
    return 0
