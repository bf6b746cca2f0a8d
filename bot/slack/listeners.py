"""The Bolt listeners: `/recordings` and the Prev/Next buttons (▶ Listen: `bot.slack.listen`).

Plain functions, registered by `bot.slack.app.register`, so tests can call them directly; their
collaborators arrive as the keyword `services`, bound once at registration. A command is
acknowledged at once (help, refusals, parse errors and pages already in the page cache ride in the
ack itself); the Plivo call and the answer happen in a tracked background task that posts to the
command's `response_url`, so Slack's 3-second limit never depends on Plivo.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from bot.audit import audit
from bot.logs import fields, mask_phone_numbers
from bot.plivo import PlivoError, RangePage
from bot.query import ParseError, Query, is_help, parse
from bot.query.parser import date_order_for_locale
from bot.query.watch import WATCH, subcommand
from bot.services import Services
from bot.slack import blocks, clicks, export
from bot.slack.access import Refusal, Requester
from bot.slack.clicks import not_replacing
from bot.watch.commands import watch_command

log = logging.getLogger("bot.slack.listeners")

Ack = Callable[..., Awaitable[Any]]


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def range_args(query: Query) -> dict[str, Any]:
    """The query as the arguments of `PlivoClient.list_range` (and `cached_range`)."""
    return {
        "filters": query.filters,
        "start": query.start,
        "end": query.end,
        "start_op": query.start_op,
        "end_op": query.end_op,
        "limit": query.page_size,
        "offset": query.offset,
        "counts": query.window_counts,
    }


def _range(query: Query) -> str:
    start = query.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = query.end.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{start}/{end}"


ACCESS_BUDGET_S = 1.5  # of Slack's 3 s for the ack; a slower check answers by response_url


async def recordings_command(ack: Ack, command: dict[str, Any], *, services: Services) -> None:
    """`/recordings …`: the access check, then help, refusal or parse error in the ack; else an
    empty ack and the answer later."""
    started = time.perf_counter()
    now = services.clock()
    who = Requester.from_command(command)
    check = asyncio.ensure_future(services.access.check(who))
    done, _ = await asyncio.wait({check}, timeout=ACCESS_BUDGET_S)
    if done:
        await _command(ack, command, who, check.result(), services, now=now, started=started)
        return
    # Slack is slow to say who we are or who is in a user group: acknowledge now, and answer
    # through the response_url once the check is done.
    await ack()
    services.tasks.spawn(_late_command(check, command, who, services, now=now, started=started))


async def _late_command(
    check: asyncio.Future[Refusal | None],
    command: dict[str, Any],
    who: Requester,
    services: Services,
    *,
    now: datetime,
    started: float,
) -> None:
    response_url = _str(command.get("response_url"))

    async def respond(message: dict[str, Any] | None = None) -> None:
        if message is not None:
            await services.replier.reply(response_url, message)

    await _command(respond, command, who, await check, services, now=now, started=started)


async def _command(
    ack: Ack,
    command: dict[str, Any],
    who: Requester,
    refusal: Refusal | None,
    services: Services,
    *,
    now: datetime,
    started: float,
) -> None:
    text = printable(command.get("text") or "")
    if refusal is not None:
        await ack(blocks.render_refusal(text, refusal.message))
        return
    if wait_s := services.user_limits.check(who.user):
        await ack(blocks.render_slow_down(text, wait_s, services.user_limits.per_minute))
        log.info(fields(event="command", user=who.user, outcome="slowed_down", wait_s=wait_s))
        return
    if export.subcommand(text) is not None:
        await export.export_command(
            ack, who, text, _str(command.get("response_url")), services=services
        )
        return
    if (sub := subcommand(text)) is not None:
        # A watch posts in the channel for everyone, as `share` does: the same rule applies.
        if sub[0] == WATCH and sub[1].lower() != "list":
            refusal = services.access.share_refusal(who)
            if refusal is not None:
                await ack(blocks.render_refusal(text, refusal.message))
                return
        await watch_command(ack, command, *sub, text, services=services)
        return
    if is_help(text):
        await ack(blocks.render_help())
        log.info(fields(event="command", user=who.user, outcome="help"))
        return
    tz = await services.timezones.get(who.user)
    locale = await services.timezones.locale(who.user)  # cached with the zone: no second call
    try:
        query = parse(
            text,
            now,
            tz,
            page_size=services.settings.page_size,
            phone_region=services.settings.phone_region,
            date_order=date_order_for_locale(locale, services.settings.date_order),
        )
    except ParseError as exc:
        await ack(blocks.render_error(text, exc.message))
        log.info(
            fields(
                event="command",
                user=who.user,
                outcome="parse_error",
                token=mask_phone_numbers(exc.token or "")[:_MAX_LOGGED_TOKEN],
                latency_ms=_elapsed_ms(started),
            )
        )
        return
    if query.share:
        refusal = services.access.share_refusal(who)
        if refusal is not None:
            await ack(blocks.render_refusal(text, refusal.message))
            return
    hint = blocks.EMPTY_COMMAND_HINT if not text.strip() else None
    try:
        page = await services.plivo.cached_range(**range_args(query))
    except Exception:
        # Only a shortcut failed: the search below still answers (and reports what it meets), but
        # a broken cache must not go unseen.
        log.exception(fields(event="command", user=who.user, outcome="cache_error"))
        page = None
    if page is not None:
        # Every page it needs is cached (a window that closed a while ago): the answer rides in
        # the ack, at once, and spends none of the response_url's five posts.
        await ack(blocks.render_page(query, page, sign=_signer(services, who), hint=hint))
        _log_answer("command", who, query, page, "ok", "in_ack", started)
        return
    await ack()
    services.tasks.spawn(
        answer(
            services,
            query,
            text,
            _str(command.get("response_url")),
            event="command",
            who=who,
            started=started,
            hint=hint,
        )
    )


def _signer(services: Services, who: Requester) -> blocks.Sign:
    """Button values for `who`'s answer: signed, and bound to their team and channel."""
    return partial(services.access.sign_button, who=who)


async def recordings_page(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], *, services: Services
) -> None:
    """`◀ Prev` / `Next ▶`: ack, then (access and the value's signature checked) replace the
    message in place with the page it names."""
    started = time.perf_counter()
    await ack()
    services.tasks.spawn(_turn_page(services, body, action, started))


async def _turn_page(
    services: Services, body: dict[str, Any], action: dict[str, Any], started: float
) -> None:
    click = await clicks.admit(services, body, action)
    if click is None:
        return
    who, response_url = click.who, click.response_url
    try:
        query = Query.decode(click.payload)
    except ParseError as exc:
        log.info(fields(event="click", user=who.user, outcome="stale_button", detail=exc.message))
        await services.replier.reply(response_url, not_replacing(blocks.render_stale_button()))
        return
    await answer(
        services,
        query,
        query.command(),
        response_url,
        event="click",
        who=who,
        started=started,
        replace=True,
    )


async def recordings_open(ack: Ack) -> None:
    """The old link button, still in messages sent before ▶ Listen became a button: ack it."""
    await ack()


_MAX_LOGGED_TOKEN = 80
# C0 and C1 controls (and DEL): Slack shows them as garbage and they have no meaning in a query.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` with control characters as spaces."""
    return _CONTROLS.sub(" ", text)


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _interrupted(text: str) -> dict[str, Any]:
    return blocks.render_error(
        text,
        "The bot was restarting and could not finish this search in time. "
        "Please run the command again.",
    )


async def answer(
    services: Services,
    query: Query,
    text: str,
    response_url: str,
    *,
    event: str,
    who: Requester,
    started: float,
    replace: bool = False,
    hint: str | None = None,
) -> None:
    """Fetch the page from Plivo, render it, deliver it; one log line whatever happens."""
    outcome, page = "ok", None
    user_id = who.user
    try:
        page = await services.plivo.list_range(
            **range_args(query), who=user_id, new_search=event == "command"
        )
        message = blocks.render_page(query, page, sign=_signer(services, who), hint=hint)
        if replace:
            message["replace_original"] = True
    except PlivoError as exc:
        outcome = f"plivo_{type(exc).__name__}"
        detail = mask_phone_numbers(str(exc))
        # Plivo's api_id is what its support asks for when a request went wrong.
        log.warning(
            fields(
                event=event,
                user=user_id,
                plivo_error=detail,
                status=exc.status,
                api_id=exc.api_id,
            )
        )
        message = not_replacing(blocks.render_plivo_error(text, exc))
    except Exception:
        outcome = "internal_error"
        log.exception(fields(event=event, user=user_id, outcome=outcome))
        message = not_replacing(blocks.render_internal_error(text))
    except asyncio.CancelledError:
        # Shutdown ran out of grace before Plivo answered: say so, rather than fall silent.
        log.warning(fields(event=event, user=user_id, outcome="interrupted"))
        await services.replier.reply(response_url, not_replacing(_interrupted(text)))
        raise
    delivered = await services.replier.reply(response_url, message)
    _log_answer(event, who, query, page, outcome, delivered, started)


def _log_answer(
    event: str,
    who: Requester,
    query: Query,
    page: RangePage | None,
    outcome: str,
    delivered: bool | str,
    started: float,
) -> None:
    """The lines an answer leaves: the audit line of a page shown, and what was asked, what Plivo
    was asked, what was shown."""
    if page is not None and outcome == "ok":
        audit(
            "page.shown",
            user=who.user,
            team=who.user_team,
            channel=who.channel,
            outcome="ok" if delivered else "undelivered",
            via=event,
            filters=query.plivo_params(),
            shared=query.share,
            offset=query.offset,
            shown=len(page.recordings),
            total=page.total,
        )
    user_id = who.user
    if not log.isEnabledFor(logging.INFO):
        return  # building the line costs about 4% of a command's CPU; skip it when unread
    log.info(
        fields(
            event=event,
            user=user_id,
            query=mask_phone_numbers(query.summary()),
            range=_range(query),
            offset=query.offset,
            plivo_requests=page.requests if page else None,
            outcome=outcome,
            shown=len(page.recordings) if page else None,
            total=page.total if page else None,
            delivered=delivered,
            latency_ms=_elapsed_ms(started),
        )
    )
