"""`/recordings watch <filters>`, `/recordings watch list`, `/recordings unwatch <id> | all`.

Dispatched by the command listener after its access check. Mistakes are answered in the ack; the
database and Slack work happens in a tracked task that answers through the command's response_url.
Starting a watch posts a notice in the channel, which is also how the bot learns whether it may
post there: if it may not, the watch is dropped and the answer says how to invite it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.audit import audit
from bot.logs import fields
from bot.query import ParseError
from bot.query.watch import WATCH, parse_unwatch, parse_watch
from bot.slack import blocks
from bot.slack.watch_blocks import (
    render_cannot_post,
    render_unwatched,
    render_watch_list,
    render_watch_started,
)

if TYPE_CHECKING:
    from bot.services import Services
    from bot.store.watches import WatchStore
    from bot.watch.poster import SlackPoster

log = logging.getLogger("bot.watch.commands")

Ack = Callable[..., Awaitable[Any]]

NEEDS_A_FILTER = (
    "What should I watch? Give at least one filter, e.g. `/recordings watch conference=support` "
    "or `/recordings watch from=+14155550100`. `/recordings watch list` shows this channel's "
    "watches."
)
NOT_HERE = (
    "Watches need the bot running as the Slack app (`python -m bot serve` or `socket`): the "
    "console cannot post in channels."
)


@dataclass
class Watching:
    """What the watch commands work with: the watches' table and a way to post in channels."""

    store: WatchStore
    poster: SlackPoster


async def watch_command(
    ack: Ack, command: dict[str, Any], sub: str, rest: str, text: str, *, services: Services
) -> None:
    """The `watch`/`unwatch` subcommands; `text` is the whole command text, for quoting."""
    user = command.get("user_id") or ""
    channel = command.get("channel_id") or ""
    team = command.get("team_id") or ""
    response_url = command.get("response_url") or ""
    watching = services.watching
    if watching is None:
        await ack(blocks.render_error(text, NOT_HERE))
        return
    try:
        if sub == WATCH and rest.lower() == "list":
            work = _list(watching, channel)
        elif sub == WATCH:
            filters = parse_watch(rest, phone_region=services.settings.phone_region)
            if not filters:
                raise ParseError(NEEDS_A_FILTER)
            work = _create(watching, text, team, channel, user, filters)
        else:
            work = _remove(watching, team, channel, user, parse_unwatch(rest))
    except ParseError as exc:
        await ack(blocks.render_error(text, exc.message))
        log.info(fields(event="command", user=user, outcome="parse_error", sub=sub))
        return
    await ack()

    async def answer() -> None:
        try:
            message = await work
        except Exception:
            log.exception(fields(event="command", user=user, sub=sub, outcome="internal_error"))
            message = blocks.render_internal_error(text)
        if message is not None:
            await services.replier.reply(response_url, message)

    services.tasks.spawn(answer())


async def _list(watching: Watching, channel: str) -> dict[str, Any]:
    return render_watch_list(await watching.store.in_channel(channel))


async def _create(
    watching: Watching, text: str, team: str, channel: str, user: str, filters: dict[str, str]
) -> dict[str, Any] | None:
    watch = await watching.store.create(team=team, channel=channel, creator=user, filters=filters)
    posted = await watching.poster.post(channel, render_watch_started(watch))
    if posted.ok:
        audit(
            "watch.created",
            user=user,
            team=team,
            channel=channel,
            watch_id=watch.id,
            filters=filters,
        )
        log.info(fields(event="command", user=user, sub="watch", outcome="ok", watch=watch.id))
        return None  # the notice in the channel is the answer, for everyone there
    await watching.store.remove(channel, [watch.id])
    audit(
        "watch.created",
        user=user,
        team=team,
        channel=channel,
        outcome="refused",
        filters=filters,
        reason=posted.error,
    )
    log.info(fields(event="command", user=user, sub="watch", outcome=posted.error))
    if posted.channel_gone:
        return render_cannot_post(text, posted.error)
    return blocks.render_error(
        text,
        f"Slack did not accept my notice in this channel (`{posted.error}`), so the watch was "
        "not started. Please try again in a minute.",
    )


async def _remove(
    watching: Watching, team: str, channel: str, user: str, ids: list[int] | None
) -> dict[str, Any]:
    removed = await watching.store.remove(channel, ids)
    for watch in removed:
        audit(
            "watch.removed",
            user=user,
            team=team,
            channel=channel,
            watch_id=watch.id,
            filters=watch.filters,
        )
    log.info(fields(event="command", user=user, sub="unwatch", removed=len(removed)))
    return render_unwatched(user, removed, ids)
