"""Who may see recordings, over the real `python -m bot serve`: closed by default, a list that names
nobody stops start-up, other organisations are refused, shared pages mask numbers, edited buttons
are refused, and each of these leaves an audit line (at INFO, even with LOG_LEVEL=WARNING)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.sample_api import SampleApi
from tests.conftest import action_body, command_body
from tests.fakes.servers import READY_LINE, ROOT, AsgiServer, BotProcess, procfile_command
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack.test_app import assert_valid, buttons

SECRET = "e2e-access-signing-secret-41d0"
USER = "U0TESTER"
pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Servers:
    slack: FakeSlack
    sample: SampleApi
    plivo: AsgiServer
    http: httpx.AsyncClient
    serial: int = 0
    bots: list[BotProcess] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
            "PLIVO_BASE_URL": self.plivo.url,
            "LOG_LEVEL": "INFO",
            **extra,
        }

    async def bot(self, ready_line: str = READY_LINE, **extra: str) -> BotProcess:
        bot = await BotProcess(env=self.env(**extra), ready_line=ready_line).start()
        self.bots.append(bot)
        # uvicorn logs "startup complete" before it binds the port: wait for the port too.
        await self.healthy(bot)
        return bot

    async def healthy(self, bot: BotProcess, timeout: float = 20.0) -> None:
        """Wait until the bot answers /healthz (polled, with a deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if (await self.http.get(f"{bot.url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.05)  # a poll for the port to open, bounded by the deadline

    def key(self) -> str:
        self.serial += 1
        return f"acc{self.serial}"

    async def post(self, bot: BotProcess, body: str) -> httpx.Response:
        ts = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            ),
        }
        return await self.http.post(f"{bot.url}/slack/events", content=body, headers=headers)

    async def command(
        self, bot: BotProcess, text: str, **fields: str
    ) -> tuple[httpx.Response, str]:
        key = self.key()
        body = command_body(text, self.slack.response_url(key), **fields)
        return await self.post(bot, body), key

    async def click(self, bot: BotProcess, value: str, **fields: Any) -> dict[str, Any]:
        key = self.key()
        body = action_body("recordings_next", value, self.slack.response_url(key), **fields)
        response = await self.post(bot, body)
        assert response.status_code == 200
        (message,) = await self.slack.wait_for(key)
        assert_valid(message)
        return message


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def servers() -> AsyncIterator[Servers]:
    sample = SampleApi()
    plivo = await AsgiServer(sample.asgi()).start()
    slack = await FakeSlack(user_zones={USER: "America/New_York"}).start()
    async with httpx.AsyncClient(timeout=10) as http:
        made = Servers(slack, sample, plivo, http)
        yield made
        for bot in made.bots:
            assert await bot.stop() == 0
    await slack.stop()
    await plivo.stop()


async def logged(
    bot: BotProcess, predicate: Callable[[str], bool], timeout: float = 10.0
) -> list[str]:
    """The bot's log lines matching `predicate`, once there is one (polled, with a deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in bot.logs if predicate(line)]
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)  # a poll of the log, bounded by the deadline above


def audits(bot: BotProcess, event: str) -> list[dict[str, Any]]:
    lines = [line for line in bot.logs if " INFO bot.audit " in line]
    parsed = [json.loads(line.split(" bot.audit ", 1)[1]) for line in lines]
    return [entry for entry in parsed if entry["event"] == event]


async def audited(bot: BotProcess, event: str, count: int = 1) -> list[dict[str, Any]]:
    await logged(bot, lambda _: len(audits(bot, event)) >= count)
    return audits(bot, event)


# --- start-up ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [",", " , , "])
async def test_an_allow_list_naming_nobody_stops_start_up(servers: Servers, value: str) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **servers.env()}
    env["ALLOWED_USER_IDS"] = value
    process = await asyncio.create_subprocess_exec(
        *procfile_command("web"),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    text = output.decode()
    assert "configuration error: ALLOWED_USER_IDS is invalid: the list names no id" in text
    assert "Application startup complete" not in text


async def test_without_an_allow_list_it_runs_and_tells_the_admin_what_to_set(
    servers: Servers,
) -> None:
    # At WARNING uvicorn's "startup complete" is not logged; the access warning is, and the
    # audit trail below stays on.
    bot = await servers.bot(
        ready_line="every command is refused; set one of them", LOG_LEVEL="WARNING"
    )
    await servers.healthy(bot)
    response, key = await servers.command(bot, "conference=sales last 14 days")
    message = response.json()
    assert_valid(message)
    for name in ("ALLOWED_USER_IDS", "ALLOWED_USERGROUP_IDS", "ALLOWED_CHANNEL_IDS"):
        assert name in message["text"]
    assert "ALLOW_EVERYONE=true" in message["text"]
    (refused,) = await audited(bot, "command.refused")
    assert (refused["user"], refused["reason"], refused["outcome"]) == (
        USER,
        "not_configured",
        "refused",
    )
    assert servers.slack.responses[key] == []


# --- one running bot, open to one user -----------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(servers: Servers) -> BotProcess:
    return await servers.bot(ALLOWED_USER_IDS=USER)


async def _first_page(servers: Servers, bot: BotProcess, text: str) -> dict[str, Any]:
    response, key = await servers.command(bot, text)
    assert response.status_code == 200 and response.text == ""
    (message,) = await servers.slack.wait_for(key)
    assert_valid(message)
    return message


async def test_a_user_of_another_team_is_refused(servers: Servers, bot: BotProcess) -> None:
    response, _ = await servers.command(bot, "last 14 days", team_id="T0PARTNER")
    assert "another one" in response.json()["text"]
    response, _ = await servers.command(bot, "last 14 days", user_team="T0PARTNER")
    assert "another one" in response.json()["text"]
    page = await _first_page(servers, bot, "conference=sales last 14 days")
    value = buttons(page)["recordings_next"]["value"]
    clicked = await servers.click(bot, value, user_team="T0PARTNER")
    assert "another one" in clicked["text"] and clicked["replace_original"] is False
    assert len(await audited(bot, "command.refused", 2)) >= 2
    (click,) = await audited(bot, "click.refused")
    assert click["reason"] == "other_organisation" and click["team"] == "T0PARTNER"


async def test_a_shared_page_shows_masked_numbers(servers: Servers, bot: BotProcess) -> None:
    page = await _first_page(servers, bot, "from=+14155550131 last 30 days share")
    assert page["response_type"] == "in_channel"
    seen = json.dumps(
        [page["text"], *(b.get("text") or b.get("elements") for b in page["blocks"])],
        ensure_ascii=False,
    )
    assert "…0131" in seen and "from=…0131" in seen
    assert not re.search(r"\+?1?415555\d{4}", seen), seen
    # The same search for oneself shows them in full.
    own = await _first_page(servers, bot, "from=+14155550131 last 30 days")
    assert "+14155550131" in json.dumps(own, ensure_ascii=False)
    shared = [a for a in await audited(bot, "page.shown", 2) if a["shared"]]
    assert shared and shared[0]["user"] == USER
    # The audit line names the filter, and the log shows it masked like every line.
    line = next(line for line in bot.logs if '"shared":true' in line)
    assert "…0131" in line and "4155550131" not in line


async def test_a_tampered_button_value_is_refused(servers: Servers, bot: BotProcess) -> None:
    page = await _first_page(servers, bot, "conference=sales last 14 days")
    value = buttons(page)["recordings_next"]["value"]
    payload, expiry, mac = value.split("~")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for edited in (f"{forged}~{expiry}~{mac}", f"{payload}~ffffffff~{mac}"):
        message = await servers.click(bot, edited)
        assert "damaged or belongs elsewhere" in message["text"]
        assert message["replace_original"] is False
    elsewhere = await servers.click(bot, value, channel="C0ELSEWHERE")
    assert "damaged or belongs elsewhere" in elsewhere["text"]
    warnings = await logged(bot, lambda line: " WARNING " in line and "reason=button_" in line)
    assert warnings
    reasons = {a["reason"] for a in await audited(bot, "click.refused", 3)}
    assert "button_signature" in reasons
    # The untouched value still works, here.
    message = await servers.click(bot, value)
    assert message["replace_original"] is True
    await logged(bot, lambda line: '"event":"page.shown"' in line and '"via":"click"' in line)
    clicks = [a for a in audits(bot, "page.shown") if a["via"] == "click"]
    assert clicks and clicks[-1]["offset"] == 10
