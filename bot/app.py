"""Builds the Bolt app and wires the listeners; nothing else lives here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import listeners
from bot.blocks import ACTION_NEXT, ACTION_OPEN, ACTION_PREV, COMMAND
from bot.services import Services


class _TokenNotice(logging.Filter):
    """Drops Bolt's start-up notices that the token is "ignored" or "unused".

    Bolt reads SLACK_BOT_TOKEN from the environment itself and warns when a client or an
    `authorize` function is given too; here both are deliberate (the token reaches every request
    through `authorize`, see `bot.runtime.BotIdentity`), and an admin reading the logs should not
    be told the token they set is ignored.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token`" not in record.getMessage()


BOLT_LOG = logging.getLogger("bot.bolt")
BOLT_LOG.addFilter(_TokenNotice())


def register(app: AsyncApp) -> None:
    app.command(COMMAND)(listeners.recordings_command)
    app.action(ACTION_NEXT)(listeners.recordings_page)
    app.action(ACTION_PREV)(listeners.recordings_page)
    app.action(ACTION_OPEN)(listeners.recordings_open)


def build_app(
    services: Services,
    *,
    client: AsyncWebClient,
    signing_secret: str,
    authorize: Callable[..., Awaitable[Any]] | None = None,
) -> AsyncApp:
    # process_before_response: the listeners ack and hand the slow part to a task themselves, so
    # Bolt need not poll for the ack (its other mode checks every 10 ms, adding latency and CPU).
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        authorize=authorize,
        process_before_response=True,
        logger=BOLT_LOG,
        name="recordings-bot",
    )

    async def attach_services(context: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        context["services"] = services
        return await next()

    app.use(attach_services)
    register(app)
    return app
