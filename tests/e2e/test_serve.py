"""The real `python -m bot serve` (the Procfile's web line) over real sockets: a fake Slack Web API
and the sample Plivo API on 127.0.0.1, requests signed and encoded exactly as Slack sends them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.query import Query
from bot.sample_api import SampleApi
from tests.conftest import action_body, command_body
from tests.fakes.servers import AsgiServer, BotProcess
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack.test_app import assert_valid, button_query, buttons, shown_ids

SECRET = "e2e-signing-secret-7c1d"
pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Stack:
    bot: BotProcess
    slack: FakeSlack
    sample: SampleApi
    http: httpx.AsyncClient
    serial: int = 0

    def signed(self, body: str, *, age_s: int = 0) -> dict[str, str]:
        ts = str(int(time.time()) - age_s)
        return {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            ),
        }

    async def post(self, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(
            f"{self.bot.url}/slack/events", content=body, headers=headers or self.signed(body)
        )

    def key(self) -> str:
        self.serial += 1
        return f"e2e{self.serial}"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack() -> AsyncIterator[Stack]:
    sample = SampleApi()
    plivo = await AsgiServer(sample.asgi()).start()
    slack = await FakeSlack(user_zones={"U0TESTER": "America/New_York"}).start()
    bot = BotProcess(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
            "ALLOW_EVERYONE": "true",  # closed by default
            "PLIVO_BASE_URL": plivo.url,
        }
    )
    await bot.start()
    async with httpx.AsyncClient(timeout=10) as http:
        yield Stack(bot, slack, sample, http)
    assert await bot.stop() == 0
    await slack.stop()
    await plivo.stop()


def expected(stack: Stack, query: Query) -> list[str]:
    rows = stack.sample.query(query.plivo_params(), enforce_span=False)
    return [row["recording_id"] for row in rows]


async def test_healthz(stack: Stack) -> None:
    response = await stack.http.get(f"{stack.bot.url}/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


async def test_first_page_and_next(stack: Stack) -> None:
    key = stack.key()
    response = await stack.post(
        command_body("conference=sales last 14 days", stack.slack.response_url(key))
    )
    assert response.status_code == 200 and response.text == ""
    (first,) = await stack.slack.wait_for(key)
    assert_valid(first)
    nxt = buttons(first)["recordings_next"]["value"]
    query = button_query(nxt, SECRET)
    everything = expected(stack, query)
    assert shown_ids(first) == everything[:10]
    assert query.tz == "America/New_York"  # from users.info

    key = stack.key()
    click = action_body("recordings_next", nxt, stack.slack.response_url(key))
    response = await stack.post(click)
    assert response.status_code == 200
    (second,) = await stack.slack.wait_for(key)
    assert_valid(second)
    assert second["replace_original"] is True
    assert shown_ids(second) == everything[10:20]


async def test_parse_error_is_the_ack(stack: Stack) -> None:
    key = stack.key()
    response = await stack.post(command_body("confrence=sales", stack.slack.response_url(key)))
    assert response.status_code == 200
    message: dict[str, Any] = response.json()
    assert_valid(message)
    assert "confrence" in message["blocks"][0]["text"]["text"]
    assert "conference" in message["blocks"][0]["text"]["text"]


async def test_help_is_the_ack(stack: Stack) -> None:
    response = await stack.post(command_body("help", stack.slack.response_url(stack.key())))
    assert response.status_code == 200
    assert_valid(response.json())
    assert response.json()["blocks"][0]["text"]["text"] == "/recordings help"


async def test_bad_signature_is_401(stack: Stack) -> None:
    body = command_body("today", stack.slack.response_url(stack.key()))
    headers = stack.signed(body)
    headers["x-slack-signature"] = "v0=" + "a" * 64
    assert (await stack.post(body, headers)).status_code == 401


async def test_stale_timestamp_is_401(stack: Stack) -> None:
    body = command_body("today", stack.slack.response_url(stack.key()))
    assert (await stack.post(body, stack.signed(body, age_s=301))).status_code == 401


async def test_missing_headers_are_401(stack: Stack) -> None:
    body = command_body("today", stack.slack.response_url(stack.key()))
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert (await stack.post(body, headers)).status_code == 401


async def test_last_sigterm_exits_0_and_logs_are_clean(stack: Stack) -> None:
    """Runs last: stops the server as Heroku does, then reads everything it logged."""
    assert await stack.bot.stop() == 0
    lines = [line for line in stack.bot.logs if "event=command" in line and "outcome=ok" in line]
    assert lines, stack.bot.logs[-20:]
    assert all("latency_ms=" in line and "plivo_requests=" in line for line in lines)
    # The forged requests above are counted, one line per address a minute and one at shutdown.
    probes = [line for line in stack.bot.logs if "failed signature checks from" in line]
    assert 1 <= len(probes) <= 2 and all(" WARNING " in line for line in probes)
    # Otherwise a clean run warns about nothing: an admin should find no false alarm.
    noisy = [line for line in stack.bot.logs if " WARNING " in line or " ERROR " in line]
    # The one true notice: without DATABASE_URL, watches and the Plivo budget are per process.
    per_process = [line for line in noisy if "DATABASE_URL is not set" in line]
    assert len(per_process) == 1
    assert [line for line in noisy if line not in probes and line not in per_process] == []
    url = stack.sample.recordings[0]["recording_url"]
    for line in stack.bot.logs:
        assert BOT_TOKEN not in line and SECRET not in line and SAMPLE_AUTH_TOKEN not in line
        assert url.split("/Recording/")[0] + "/Recording/" not in line
