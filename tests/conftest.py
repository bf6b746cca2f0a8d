"""Shared fixtures: a pinned clock, the sample Plivo API, a fake Slack, and a running app."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN, Settings
from bot.plivo import PlivoClient
from bot.runtime import Runtime
from bot.sample_api import SampleApi
from tests.fakes.postgres import LocalPostgres
from tests.fakes.slack import BOT_TOKEN, FakeSlack

# Wed 2026-03-11 15:30 in Los Angeles: after that year's DST change, as in the examples.
NOW = datetime(2026, 3, 11, 22, 30, 0, tzinfo=UTC)
SIGNING_SECRET = "test-signing-secret-5f2a"
USER = "U0TESTER"
CHANNEL = "C0GENERAL"
TEAM = "T0FAKE"  # the fake Slack's team (auth.test), and the team of every request sent here


@pytest.fixture(scope="session")
def sample() -> SampleApi:
    return SampleApi(now=NOW)


@dataclass
class Harness:
    """The real app, dispatched in-process; Slack faked on 127.0.0.1; Plivo the sample API."""

    runtime: Runtime
    slack: FakeSlack
    sample: SampleApi
    plivo_requests: list[httpx.Request]
    _serial: int = 0

    @property
    def services(self) -> Any:
        return self.runtime.services

    def sign(self, body: str, *, timestamp: int | None = None) -> dict[str, list[str]]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        return {
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [ts],
            "x-slack-signature": [signature],
        }

    def button(self, payload: str, *, team: str = TEAM, channel: str = CHANNEL) -> str:
        """`payload` signed as the app signs a button posted in `team` and `channel`."""
        return self.services.signer.sign(payload, team=team, channel=channel)

    def next_key(self) -> str:
        self._serial += 1
        return f"r{self._serial}"

    async def dispatch(
        self, body: str, headers: dict[str, list[str]] | None = None
    ) -> BoltResponse:
        request = AsyncBoltRequest(body=body, headers=headers or self.sign(body))
        return await self.runtime.app.async_dispatch(request)

    async def command(
        self, text: str, *, user: str = USER, channel: str = CHANNEL, **fields: Any
    ) -> tuple[BoltResponse, list[dict[str, Any]]]:
        """Send `/recordings text`; return the ack and whatever reached the response_url.
        `fields` add to or replace the payload's (`team_id`, `user_team`, `enterprise_id`, …)."""
        key = self.next_key()
        body = command_body(
            text, self.slack.response_url(key), user=user, channel=channel, **fields
        )
        response = await self.dispatch(body)
        await self.services.tasks.drain(30)
        return response, list(self.slack.responses.get(key, []))

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = USER,
        channel: str = CHANNEL,
        **fields: Any,
    ) -> tuple[BoltResponse, list[dict[str, Any]]]:
        key = self.next_key()
        body = action_body(
            action_id, value, self.slack.response_url(key), user=user, channel=channel, **fields
        )
        response = await self.dispatch(body)
        await self.services.tasks.drain(30)
        return response, list(self.slack.responses.get(key, []))


def command_body(
    text: str, response_url: str, *, user: str = USER, channel: str = CHANNEL, **fields: Any
) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "tester",
            "command": "/recordings",
            "text": text,
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
            **fields,
        }
    )


def action_body(
    action_id: str,
    value: str,
    response_url: str,
    *,
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
    user_team: str | None = None,
    enterprise: str | None = None,
    ext_shared: bool | None = None,
) -> str:
    """A `block_actions` payload as Slack sends it for a click on a button of ours."""
    user_object: dict[str, Any] = {
        "id": user,
        "username": "tester",
        "team_id": team if user_team is None else user_team,
    }
    channel_object: dict[str, Any] = {"id": channel, "name": "general"}
    if ext_shared is not None:
        channel_object["is_ext_shared_channel"] = ext_shared
    payload = {
        "type": "block_actions",
        "team": {"id": team, "domain": "fake"},
        "user": user_object,
        "api_app_id": "A0APP",
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": "1.2",
            "channel_id": channel,
            "is_ephemeral": True,
        },
        "trigger_id": "1.2.3",
        "channel": channel_object,
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "paging",
                "text": {"type": "plain_text", "text": "Next ▶"},
                "value": value,
                "type": "button",
                "action_ts": "1.3",
            }
        ],
    }
    if enterprise is not None:
        payload["enterprise"] = {"id": enterprise, "name": "Grid"}
        payload["is_enterprise_install"] = False
    return urlencode({"payload": json.dumps(payload)})


def mock_plivo(handler: Callable[[httpx.Request], Any], **options: Any) -> PlivoClient:
    """A Plivo client whose requests `handler` answers in-process; retries never really sleep."""
    return PlivoClient(
        auth_id=SAMPLE_AUTH_ID,
        auth_token=SAMPLE_AUTH_TOKEN,
        transport=httpx.MockTransport(handler),
        sleep=_no_sleep,
        **options,
    )


def recording_client(sample: SampleApi, seen: list[httpx.Request]) -> PlivoClient:
    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return await sample.handler(request)

    return mock_plivo(handler)


async def _no_sleep(_: float) -> None:
    return None


HarnessFactory = Callable[..., Any]
ACCESS_SETTINGS = (
    "allow_everyone",
    "allowed_user_ids",
    "allowed_usergroup_ids",
    "allowed_channel_ids",
)


@pytest.fixture
async def make_harness(sample: SampleApi, tmp_path: Any) -> AsyncIterator[HarnessFactory]:
    made: list[Harness] = []

    async def make(
        *,
        user_zones: dict[str, str] | None = None,
        plivo: PlivoClient | None = None,
        slack_options: dict[str, Any] | None = None,
        durable: bool = False,
        **settings: Any,
    ) -> Harness:
        """`durable`: with a database (SQLite in a temporary DATA_DIR unless `database_url` is
        given) and the watch poll running, as in `serve`."""
        zones = user_zones or {USER: "America/Los_Angeles"}
        slack = await FakeSlack(user_zones=zones, **(slack_options or {})).start()
        values = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": slack.api_url,
            "plivo_sample_data": True,
            "data_dir": str(tmp_path / "data"),
            **settings,
        }
        if not any(name in settings for name in ACCESS_SETTINGS):
            # The bot is closed by default; most tests are about what an allowed person sees.
            values["allow_everyone"] = True
        seen: list[httpx.Request] = []
        runtime = await Runtime.start(
            Settings(_env_file=None, **values),  # type: ignore[call-arg]
            plivo=plivo or recording_client(sample, seen),
            clock=lambda: NOW,
            media_transport=httpx.MockTransport(sample.handler),
            durable=durable,
        )
        harness = Harness(runtime, slack, sample, seen)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.runtime.stop()
        await harness.slack.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A real PostgreSQL server for the whole session (never skipped: it fails loudly if it cannot
    start, see tests/fakes/postgres.py for where its programs come from)."""
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> tuple[str | None, str]:
    """(DATABASE_URL, DATA_DIR) for a fresh, empty database of each kind."""
    if request.param == "sqlite":
        return None, str(tmp_path / "data")
    server: LocalPostgres = request.getfixturevalue("postgres")
    return server.create_database(), str(tmp_path / "data")


@pytest.fixture(scope="session", autouse=True)
def _state_outside_the_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Servers started in-process (the ASGI app's lifespan opens the database) keep their SQLite
    state in a temporary DATA_DIR, never in ./data of the working tree."""
    before = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    yield
    if before is None:
        os.environ.pop("DATA_DIR", None)
    else:
        os.environ["DATA_DIR"] = before
