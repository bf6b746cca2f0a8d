"""`/recordings export …`, the **Export CSV** and **Cancel** buttons, and the export's life in the
requester's DM: a progress message updated at most every 2 s, then the file uploaded under it.

The engine (`bot.export`) knows nothing of Slack; this module turns its progress into messages and
its file into an upload (Slack's external upload, streamed by `export_upload`). Access and the
buttons' signatures are checked before anything else, as for every command and click.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.audit import audit
from bot.export import csvfile
from bot.export.engine import Estimate, Exporter, TooManyRows
from bot.export.queue import AlreadyExporting, ExportQueue, Job
from bot.logs import fields
from bot.plivo import PlivoClient, PlivoError
from bot.query import ParseError, Query, parse
from bot.signing import Signer
from bot.slack import blocks, clicks
from bot.slack import export_blocks as render
from bot.slack.access import Requester
from bot.slack.clicks import not_replacing
from bot.slack.export_progress import UPDATE_EVERY_S, Progress
from bot.slack.export_upload import UploadFailed, upload

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.services import Services

log = logging.getLogger("bot.slack.export")

Ack = Callable[..., Awaitable[Any]]
Message = dict[str, Any]
UPLOAD_TIMEOUT_S = 120.0  # to send some megabytes to Slack's upload URL


class Exports:
    """What exports need in this process: the queue, the engine, the Slack client, the signer."""

    def __init__(
        self, client: AsyncWebClient, exporter: Exporter, signer: Signer, *, concurrency: int
    ) -> None:
        self.client = client
        self.exporter = exporter
        self.signer = signer
        self.queue = ExportQueue(concurrency)
        self.progress_every_s = UPDATE_EVERY_S


def exports_from_settings(
    settings: Settings, client: AsyncWebClient, plivo: PlivoClient, signer: Signer
) -> Exports:
    """The process's exports; `signer` is the button signer (Cancel values are signed with it)."""
    exporter = Exporter(plivo, max_rows=settings.export_max_rows)
    return Exports(client, exporter, signer, concurrency=settings.export_concurrency)


def subcommand(text: str) -> str | None:
    """The rest of `export …` (the query), or None if the command is not an export."""
    head, _, rest = text.strip().partition(" ")
    return rest.strip() if head.lower() == "export" else None


def _exports(services: Services) -> Exports:
    exports = services.exports
    assert exports is not None, "Runtime.start sets up exports"
    return exports


async def export_command(
    ack: Ack, who: Requester, text: str, response_url: str, *, services: Services
) -> None:
    """`/recordings export <filters> <time range>`: called after the access check."""
    exports = _exports(services)
    if exports.queue.of(who.user) is not None:
        await ack(render.already_running(text))
        return
    tz = await services.timezones.get(who.user)
    try:
        query = parse(
            subcommand(text) or "",
            services.clock(),
            tz,
            page_size=services.settings.page_size,
            phone_region=services.settings.phone_region,
        )
    except ParseError as exc:
        await ack(blocks.render_error(text, exc.message))
        return
    start(services, query, text, who=who, response_url=response_url)
    await ack(render.started(f"/recordings export {query.command()}"))


def start(
    services: Services, query: Query, text: str, *, who: Requester, response_url: str
) -> Job | None:
    """Put an export in line and run it in the background; None if the user already has one."""
    exports = _exports(services)
    # "→ now" would read wrong in a DM read later: the range ends when it was asked for.
    query = query.model_copy(update={"end_is_now": False})
    try:
        # Where it was asked for: a Cancel click is checked against that channel.
        job = exports.queue.add(who.user, who.channel)
    except AlreadyExporting:
        return None
    job.task = services.tasks.spawn(
        _run(services, exports, job, query, text, team=who.team, response_url=response_url)
    )
    return job


async def export_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], *, services: Services
) -> None:
    """**Export CSV** under an answer: the same export as the command, of that answer's query."""
    await ack()
    click = await clicks.admit(services, body, action)
    if click is None:
        return
    who, response_url, payload = click.who, click.response_url, click.payload
    reply = services.replier.reply
    try:
        query = Query.decode(payload)
    except ParseError as exc:
        log.info(fields(event="export_click", user=who.user, outcome="stale", detail=exc.message))
        await reply(response_url, not_replacing(blocks.render_stale_button()))
        return
    text = f"export {query.command()}"
    job = start(services, query, text, who=who, response_url=response_url)
    message = render.started(f"/recordings {text}") if job else render.already_running(text)
    await reply(response_url, not_replacing(message))


async def cancel_click(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], *, services: Services
) -> None:
    """**Cancel** on a progress message in the DM: stop that export (only its owner can)."""
    await ack()
    who = Requester.from_action(body)
    response_url = str(body.get("response_url") or "")
    exports = _exports(services)
    # Signed for the DM it was posted in; the job is looked up only from a genuine value.
    job_id = services.access.open_button(str(action.get("value") or ""), who)
    job = exports.queue.get(job_id) if job_id else None
    if job is not None and job.user == who.user:
        # The access check of the place the export was asked from: a channel list
        # (ALLOWED_CHANNEL_IDS) never names the DM itself.
        asked_in = replace(who, channel=job.channel or who.channel)
        refusal = await services.access.check(asked_in)
        if refusal is not None:
            message = blocks.render_refusal("", refusal.message)
            await services.replier.reply(response_url, not_replacing(message))
            return
        if job.cancel(who.user):
            log.info(fields(event="export_cancel", user=who.user, job=job.id, outcome="ok"))
            return
    log.info(fields(event="export_cancel", user=who.user, outcome="nothing_to_cancel"))
    await services.replier.reply(response_url, not_replacing(render.cancel_unknown()))


async def _open_dm(client: AsyncWebClient, user_id: str) -> str:
    opened = await client.conversations_open(users=user_id)
    return str(opened["channel"]["id"])


async def _run(
    services: Services,
    exports: Exports,
    job: Job,
    query: Query,
    text: str,
    *,
    team: str,
    response_url: str,
) -> None:
    """One export, from its place in line to the uploaded file (or the reason there is none)."""
    client, user = exports.client, job.user
    filters = query.plivo_params()
    progress: Progress | None = None
    stage, rows, total = "waiting in line", 0, None
    try:
        try:
            dm = await _open_dm(client, user)
            cancel_value = exports.signer.sign(job.id, team=team, channel=dm)
            posted = await client.chat_postMessage(
                channel=dm, **render.counting(query, cancel_value)
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "error")
            log.warning(fields(event="export", user=user, outcome="no_dm", error=error))
            audit("export.failed", user=user, team=team, outcome="no_dm", filters=filters)
            await services.replier.reply(response_url, not_replacing(render.no_dm(text, error)))
            return
        progress = Progress(client, dm, str(posted["ts"]), every_s=exports.progress_every_s)
        audit("export.started", user=user, team=team, channel=dm, filters=filters)
        log.info(fields(event="export", user=user, job=job.id, outcome="started"))
        waited = False

        def in_line(place: int) -> None:
            nonlocal waited
            waited = True
            progress.show(render.queued(query, place, cancel_value))

        await exports.queue.turn(job, in_line)
        stage = "counting the recordings"
        if waited:
            progress.show(render.counting(query, cancel_value))
        plan = await exports.exporter.count(query, who=user)
        total = plan.total
        if total == 0:
            await progress.close(render.nothing(query))
            progress = None
            audit("export.finished", user=user, team=team, channel=dm, filters=filters, rows=0)
            return
        stage = "fetching the recordings"
        estimate = Estimate()

        def on_rows(done: int) -> None:
            nonlocal rows
            rows = done
            progress.show(
                render.running(query, done, total, estimate.left_s(done, total), cancel_value)
            )

        progress.show(render.running(query, 0, total, None, cancel_value))
        name = csvfile.filename(query)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", prefix="export-", suffix=".csv"
        ) as sink:
            rows = await exports.exporter.write(plan, sink, who=user, progress=on_rows)
            sink.flush()
            size = os.fstat(sink.fileno()).st_size
            stage = "sending the file"
            await upload(
                client,
                Path(sink.name),
                size,
                channel=dm,
                thread_ts=str(posted["ts"]),
                filename=name,
                timeout_s=UPLOAD_TIMEOUT_S,
            )
        await progress.close(render.done(query, rows, name))
        progress = None
        audit(
            "export.finished",
            user=user,
            team=team,
            channel=dm,
            filters=filters,
            rows=rows,
            bytes=size,
        )
        log.info(fields(event="export", user=user, job=job.id, outcome="ok", rows=rows, bytes=size))
    except TooManyRows as exc:
        audit(
            "export.failed",
            user=user,
            team=team,
            outcome="too_many",
            filters=filters,
            matched=exc.matched,
        )
        if progress is not None:
            await progress.close(
                render.too_many(query, exc.matched, exc.limit, at_least=exc.at_least)
            )
    except PlivoError as exc:
        log.warning(
            fields(
                event="export",
                user=user,
                job=job.id,
                outcome="plivo_error",
                error=str(exc),
                status=exc.status,
                api_id=exc.api_id,
            )
        )
        audit(
            "export.failed", user=user, team=team, outcome="plivo_error", filters=filters, rows=rows
        )
        if progress is not None:
            await progress.close(render.failed(query, rows, total, stage, exc.user_message))
    except UploadFailed as exc:
        log.warning(
            fields(event="export", user=user, job=job.id, outcome="upload_failed", error=str(exc))
        )
        audit(
            "export.failed",
            user=user,
            team=team,
            outcome="upload_failed",
            filters=filters,
            rows=rows,
        )
        if progress is not None:
            await progress.close(render.failed(query, rows, total, stage, str(exc)))
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "error")
        log.warning(
            fields(event="export", user=user, job=job.id, outcome="slack_error", error=error)
        )
        audit(
            "export.failed", user=user, team=team, outcome="slack_error", filters=filters, rows=rows
        )
        if progress is not None:
            await progress.close(
                render.failed(query, rows, total, stage, f"Slack refused it (`{error}`).")
            )
    except asyncio.CancelledError:
        by_user = job.cancelled_by is not None
        outcome = "cancelled" if by_user else "interrupted"
        log.info(fields(event="export", user=user, job=job.id, outcome=outcome, rows=rows))
        audit("export.failed", user=user, team=team, outcome=outcome, filters=filters, rows=rows)
        if progress is not None:
            final = (
                render.cancelled(query, rows, total) if by_user else render.interrupted(query, rows)
            )
            await progress.close(final)
        if not by_user:
            raise  # shutdown: let it proceed
    except Exception:
        log.exception(fields(event="export", user=user, job=job.id, outcome="internal_error"))
        audit(
            "export.failed",
            user=user,
            team=team,
            outcome="internal_error",
            filters=filters,
            rows=rows,
        )
        if progress is not None:
            await progress.close(
                render.failed(
                    query,
                    rows,
                    total,
                    stage,
                    "Something went wrong on my side; it has been logged.",
                )
            )
    finally:
        await exports.queue.done(job)
