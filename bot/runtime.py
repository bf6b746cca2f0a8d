"""Start-up and shutdown: opens each upstream's HTTP client once, builds the app, and on the way out
lets acknowledged commands finish their answers before closing everything.

Shared by every entry point (`serve`, `socket`, `console`), so all three run the same app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import aiohttp
import httpx
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.listen.hosts import host_of, insecure_public_url, parse_media_hosts
from bot.listen.media import MediaClient
from bot.listen.service import Listening, ListenMode
from bot.listen.upload import DmUploader
from bot.plivo import PlivoClient
from bot.plivo.cache import PageCache
from bot.plivo.fair import Budget
from bot.plivo.transport import pooled_transport
from bot.query import warm_up
from bot.services import Services
from bot.signing import Signer
from bot.slack.access import (
    Access,
    Organisation,
    UserGroups,
    button_sealer,
    button_signer,
    slack_members,
)
from bot.slack.app import build_app
from bot.slack.export import exports_from_settings
from bot.slack.replies import Replier, ResponseUrlReplier
from bot.slack.timezones import UserTimezones
from bot.store import Lease, SharedBudget, Store, open_store
from bot.watch.commands import Watching
from bot.watch.poller import LEASE, WatchPoller, holder_name
from bot.watch.poster import SlackPoster

if TYPE_CHECKING:
    from bot.sample_api import SampleApi

log = logging.getLogger("bot.runtime")

# Heroku sends SIGKILL 30 s after SIGTERM: uvicorn's own drain of open requests (acks: well under a
# second, at most 5 s), then this for answers in flight, then 3 s to tell the rest to retry.
SHUTDOWN_GRACE_S = 21.0
AUTH_TEST_TIMEOUT_S = 10.0
# Sample mode's requests never leave the process; the name only fills in the request URL.
SAMPLE_BASE_URL = "http://sample-api.invalid"


def plivo_client(
    settings: Settings, sample: SampleApi | None = None, *, limiter: Budget | None = None
) -> PlivoClient:
    """The Plivo client the settings describe: Plivo itself over aiohttp's connection pool, or
    (`PLIVO_SAMPLE_DATA`) the built-in sample API (`sample`, or a new one), answering in-process.
    `limiter`: the account's request budget when it is shared with other processes (else the
    client's own limiter)."""
    auth_id, auth_token = settings.plivo_credentials
    common: dict[str, Any] = {
        "auth_id": auth_id,
        "auth_token": auth_token,
        "timeout_s": settings.plivo_timeout_s,
        "max_retries": settings.plivo_max_retries,
        "cache": PageCache(),
        "limiter": limiter,
    }
    if not settings.plivo_sample_data:
        return PlivoClient(base_url=settings.plivo_base_url, transport=pooled_transport(), **common)
    api = sample or sample_api(settings)
    transport = httpx.MockTransport(api.handler)
    return PlivoClient(base_url=SAMPLE_BASE_URL, transport=transport, **common)


def sample_api(settings: Settings) -> SampleApi:
    from bot.sample_api import SampleApi  # only sample mode pays for building the data set

    return SampleApi(now=settings.plivo_sample_now)


class BotIdentity:
    """Bolt's authorization for the one workspace and token this bot has, never waiting on Slack.

    Bolt's default asks `auth.test` on the first request and holds that request until Slack
    answers, so after every restart a slow Slack API could push a command's ack past Slack's 3 s.
    Here `auth.test` is asked in the background at start-up (by `access.Organisation`), for the
    bot's ids, its team and Enterprise Grid ids (the access check's "our organisation") and to log a
    bad token; requests are authorized with the token whether or not it has answered.
    """

    def __init__(self, client: AsyncWebClient, token: str) -> None:
        self._client = client
        self._token = token
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None

    async def ask(self) -> tuple[str, str] | None:
        """The bot's team and Enterprise Grid ids (for the access check), or None on failure."""
        try:
            async with asyncio.timeout(AUTH_TEST_TIMEOUT_S):
                response = await self._client.auth_test()
        except Exception as exc:  # Slack slow, down, or refusing the token
            log.warning("auth.test failed: %s; asking again when a request needs it", exc)
            return None
        self.bot_user_id = response.get("user_id")
        self.bot_id = response.get("bot_id")
        return str(response.get("team_id") or ""), str(response.get("enterprise_id") or "")

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        # A plain function: Bolt passes the arguments its signature names.
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_token=self._token,
                bot_user_id=self.bot_user_id,
                bot_id=self.bot_id,
            )

        return authorize


def _media_client(settings: Settings, transport: httpx.AsyncBaseTransport | None) -> MediaClient:
    """The one client for recordings' audio (`transport`: the sample's media, in sample mode)."""
    hosts = parse_media_hosts(settings.media_hosts)
    # The account's credentials go to Plivo's own hosts only (not, say, to S3).
    plivo_hosts = {host_of(settings.plivo_base_url)} | {
        host for host in hosts if host == "plivo.com" or host.endswith(".plivo.com")
    }
    usable = settings.plivo_sample_data or (settings.plivo_auth_id and settings.plivo_auth_token)
    return MediaClient(
        hosts,
        credentials=settings.plivo_credentials if usable else None,
        credential_hosts=frozenset(plivo_hosts),
        transport=transport,
    )


async def _open_store(settings: Settings) -> Store:
    url = settings.database_url.get_secret_value() if settings.database_url else None
    store = await open_store(url, settings.data_dir)
    if store.shared:
        log.info("state: PostgreSQL (shared by every process); watches and Plivo budget shared")
    else:
        log.warning(
            "DATABASE_URL is not set: watches are kept in SQLite under %s and, like the Plivo "
            "request budget, belong to this process alone; run more than one process (or deploy "
            "to Heroku, whose disk is wiped on restart) only with DATABASE_URL set",
            settings.data_dir,
        )
    return store


def _start_poller(poller: WatchPoller) -> Callable[[], Awaitable[None]]:
    """Start the watch poll in the background; the closer that stops it (and hands over the
    lease)."""
    task = asyncio.get_running_loop().create_task(poller.run(), name="watch-poll")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await poller.stop()

    return stop


@dataclass
class Runtime:
    settings: Settings
    services: Services
    app: AsyncApp
    _closers: list[Callable[[], Awaitable[Any]]]

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        replier: Replier | None = None,
        plivo: PlivoClient | None = None,
        clock: Callable[[], datetime] | None = None,
        timezones: UserTimezones | None = None,
        signing_secret: str | None = None,
        authorize: Callable[..., Awaitable[Any]] | None = None,
        organisation: Organisation | None = None,
        listen_mode: ListenMode | None = None,
        media_transport: httpx.AsyncBaseTransport | None = None,
        durable: bool = False,
    ) -> Runtime:
        """Open the clients and build the app. `durable`: open the database and run watches (the
        Slack app's processes; not the console, which has no channel to post in)."""
        began = time.perf_counter()
        warm_up()
        store = await _open_store(settings) if durable else None
        session = aiohttp.ClientSession()
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        web_client = AsyncWebClient(
            token=token, base_url=settings.slack_api_url, session=session, timeout=5
        )
        budget = SharedBudget(store.engine) if store is not None and store.shared else None
        if plivo is None:
            try:
                # In sample mode one sample API answers both the Plivo API and its media host.
                sample = sample_api(settings) if settings.plivo_sample_data else None
                plivo = plivo_client(settings, sample, limiter=budget)
            except BaseException:
                await session.close()  # no "Unclosed client session" on top of the real error
                raise
            if media_transport is None and sample is not None:
                media_transport = httpx.MockTransport(sample.handler)
        closers: list[Callable[[], Awaitable[Any]]] = [plivo.aclose, session.close]
        if store is not None:
            closers.append(store.aclose)
        if signing_secret is None and settings.slack_signing_secret:
            signing_secret = settings.slack_signing_secret.get_secret_value()
        identity = BotIdentity(web_client, token) if token else None
        if organisation is None:
            organisation = Organisation(identity.ask if identity else None)
        organisation.start()  # auth.test in the background: a slow Slack never delays start-up
        closers.insert(0, organisation.aclose)
        access = Access(
            settings,
            organisation,
            UserGroups(slack_members(web_client)) if settings.allowed_usergroup_ids else None,
            button_signer(settings, signing_secret),
            button_sealer(settings, signing_secret),
        )
        access.log_configuration()
        services = Services(
            settings=settings,
            plivo=plivo,
            # It shares the session above, which `closers` closes.
            replier=replier or ResponseUrlReplier(session, slack_api_url=settings.slack_api_url),
            timezones=timezones or UserTimezones(web_client, settings.default_timezone),
            access=access,
        )
        if store is not None:
            poster = SlackPoster(web_client)
            services.watching = Watching(store.watches, poster)
            poller = WatchPoller(
                store.watches,
                Lease(store.engine, LEASE, holder_name(), ttl_s=settings.watch_interval_s * 1.25),
                plivo,
                poster,
                interval_s=settings.watch_interval_s,
                overlap_s=settings.watch_overlap_s,
                sign_for=lambda watch: partial(
                    access.signer.sign,
                    team=watch.team,
                    channel=watch.channel,
                    ttl_s=settings.button_ttl_s,
                ),
            )
            closers.insert(0, _start_poller(poller))
        if clock is None and settings.plivo_sample_data and settings.plivo_sample_now:
            # A reproducible demo: it is always the moment the sample data was laid out around.
            pinned = settings.plivo_sample_now
            clock = lambda: pinned  # noqa: E731
        if clock is not None:
            services.clock = clock
        services.exports = exports_from_settings(settings, web_client, plivo, access.signer)
        media = _media_client(settings, media_transport)
        closers.insert(0, media.aclose)
        mode: ListenMode = listen_mode or (
            "link" if settings.public_url and settings.listen_mode != "upload" else "upload"
        )
        if mode == "link" and settings.public_url and insecure_public_url(settings.public_url):
            log.warning(
                "PUBLIC_URL is http://, so listening links travel unencrypted; use https://"
            )
        services.listening = Listening(
            plivo=plivo,
            media=media,
            # The buttons' key, another purpose: a button's value never passes for a link's token.
            signer=Signer(settings.button_key or signing_secret or "", "listen"),
            mode=mode,
            link_ttl_s=settings.listen_link_ttl_s,
            max_bytes=settings.listen_max_mb * 1024 * 1024,
            public_url=settings.public_url,
            uploader=DmUploader(web_client, session),
        )
        if authorize is None and identity is not None:
            authorize = identity.authorizer()
        app = build_app(
            services, client=web_client, signing_secret=signing_secret or "", authorize=authorize
        )
        log.info(
            "ready in %d ms (plivo: %s)",
            (time.perf_counter() - began) * 1000,
            "built-in sample data" if settings.plivo_sample_data else settings.plivo_base_url,
        )
        return cls(settings, services, app, closers)

    async def stop(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Let answers in flight finish, then stop the watch poll and close every client."""
        pending = len(self.services.tasks)
        if pending:
            log.info("shutdown: letting %d answers finish", pending)
        await self.services.tasks.drain(grace_s)
        for close in self._closers:
            try:
                await close()
            except Exception:
                log.exception("shutdown: closing a client failed")
