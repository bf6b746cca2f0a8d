"""Builds the Bolt app and wires the listeners; nothing else lives here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial, update_wrapper
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.slack import export, listen, listeners
from bot.slack.blocks import (
    ACTION_EXPORT,
    ACTION_LISTEN,
    ACTION_NEXT,
    ACTION_OPEN,
    ACTION_PREV,
    COMMAND,
)
from bot.slack.export_blocks import ACTION_CANCEL


class _TokenNotice(logging.Filter):
    """Drops Bolt's start-up notices that the token is "ignored" or "unused".

    Bolt reads SLACK_BOT_TOKEN from the environment itself and warns when a client or an
    `authorize` function is given too; here both are deliberate (the token reaches every request
    through `authorize`, see `bot.runtime.BotIdentity`), and an admin reading the logs should not
    be told the token they set is ignored.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token`" not in record.getMessage()


class _UnhandledBody(logging.Filter):
    """Shortens Bolt's "Unhandled request" warning to one line without the request's body.

    Bolt writes the whole body (a user's text, a message's content) and a page of suggested code
    into that warning; a request no listener handles needs only saying so.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Unhandled request"):
            record.msg, record.args = "Unhandled request: no listener for it (body not logged)", ()
        return True


BOLT_LOG = logging.getLogger("bot.bolt")
BOLT_LOG.addFilter(_TokenNotice())
BOLT_LOG.addFilter(_UnhandledBody())


def _bound(listener: Callable[..., Awaitable[None]], services: Services) -> Callable[..., Any]:
    """The listener with its services given once, here, rather than by a middleware that Bolt
    would run (building its keyword arguments) on every request. Bolt passes a listener the
    arguments its positional parameters name, so the keyword-only `services` is left alone."""
    return update_wrapper(partial(listener, services=services), listener)


def register(app: AsyncApp, services: Services) -> None:
    app.command(COMMAND)(_bound(listeners.recordings_command, services))
    app.action(ACTION_NEXT)(_bound(listeners.recordings_page, services))
    app.action(ACTION_PREV)(_bound(listeners.recordings_page, services))
    app.action(ACTION_LISTEN)(_bound(listen.recordings_listen, services))
    app.action(ACTION_OPEN)(listeners.recordings_open)
    app.action(ACTION_EXPORT)(_bound(export.export_click, services))
    app.action(ACTION_CANCEL)(_bound(export.cancel_click, services))


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
    register(app, services)
    return app
