"""Watches over the real `python -m bot serve`: a watch posts each recording the fake Plivo adds
afterwards, once, within an interval; a restart loses no watch and posts nothing twice; unwatch
stops it. Then three processes sharing one PostgreSQL and one fake Plivo that answers 429 above 300
requests in 5 s: 50 people at once get every answer with no 429, each new recording is posted once,
and killing the poller hands the poll to another process within two intervals.

Every wait is on the fake Slack receiving something (or on the database), with a deadline.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.sample_api import SampleApi
from tests.conftest import command_body
from tests.fakes.postgres import LocalPostgres
from tests.fakes.servers import AsgiServer, BotProcess
from tests.fakes.slack import BOT_TOKEN, FakeSlack

SECRET = "e2e-watch-signing-secret-9a1f"
USER = "U0TESTER"
INTERVAL_S = 1.0
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
            "ALLOW_EVERYONE": "true",
            "WATCH_INTERVAL_S": str(INTERVAL_S),
            "LOG_LEVEL": "INFO",
            **extra,
        }

    async def bot(self, **extra: str) -> BotProcess:
        bot = await BotProcess(env=self.env(**extra)).start()
        self.bots.append(bot)
        deadline = time.monotonic() + 20
        while True:  # uvicorn logs "startup complete" before it binds: wait for the port too
            try:
                if (await self.http.get(f"{bot.url}/healthz")).status_code == 200:
                    return bot
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.05)  # polling for the port, bounded by the deadline

    async def command(
        self, bot: BotProcess, text: str, *, channel: str, user: str = USER
    ) -> tuple[httpx.Response, str]:
        """Send `/recordings text` as Slack would; the ack and the response_url's key."""
        self.serial += 1
        key = f"w{self.serial}"
        body = command_body(text, self.slack.response_url(key), user=user, channel=channel)
        ts = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            ),
        }
        response = await self.http.post(f"{bot.url}/slack/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response, key

    def call_of(self, body: dict[str, Any]) -> str:
        return str(body["call_uuid"])


def _calls_posted(posts: list[dict[str, Any]]) -> list[str]:
    """The call ids shown in a channel's watch posts, in order (the notices show none)."""
    text = json.dumps([p["blocks"] for p in posts if "new recording" in p["text"]])
    found = []
    for chunk in text.split("call `")[1:]:
        found.append(chunk.split("`", 1)[0])
    return found


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def servers() -> AsyncIterator[Servers]:
    # Plivo's account limit, enforced as Plivo does: 429 above 300 requests in any 5 s.
    sample = SampleApi(count=3000, rate_limit=(300, 5.0))
    plivo = await AsgiServer(sample.asgi()).start()
    slack = await FakeSlack().start()
    async with httpx.AsyncClient(timeout=30) as http:
        yield Servers(slack, sample, plivo, http)
    await slack.stop()
    await plivo.stop()


async def test_a_watch_posts_each_new_recording_once_across_a_restart(
    servers: Servers, tmp_path: Path
) -> None:
    channel, other = "C0SUPPORT", "C0OTHER"
    env = {"DATA_DIR": str(tmp_path / "data")}
    bot = await servers.bot(**env)
    try:
        response, _ = await servers.command(bot, "watch conference=support", channel=channel)
        assert response.text == ""
        (notice,) = await servers.slack.wait_for_posts(channel, 1)
        assert "Watch 1 started" in notice["text"]

        first = servers.sample.add(conference_name="support", from_number="+14155550123")
        servers.sample.add(conference_name="sales")  # not this watch's
        added = time.monotonic()
        posts = await servers.slack.wait_for_posts(channel, 2, timeout=10 * INTERVAL_S)
        took = time.monotonic() - added
        assert posts[1]["text"] == "1 new recording · conference support"
        assert _calls_posted(posts) == [servers.call_of(first)]
        assert "+14155550123" not in json.dumps(posts) and "0123" in json.dumps(posts)
        print(f"posted {took:.2f}s after Plivo saved it (interval {INTERVAL_S}s)")

        # The post is counted just after Slack accepts it; its audit line says it was.
        await bot.wait_for_log(lambda line: '"event":"watch.posted"' in line)
        _, key = await servers.command(bot, "watch list", channel=channel)
        (listing,) = await servers.slack.wait_for(key)
        assert "conference *support*" in json.dumps(listing) and "1 posted" in json.dumps(listing)
        assert await bot.stop() == 0

        # Down for a while: a recording saved meanwhile is posted after the restart, once, and
        # nothing posted before is posted again.
        second = servers.sample.add(conference_name="support")
        bot = await servers.bot(**env)
        posts = await servers.slack.wait_for_posts(channel, 3, timeout=20 * INTERVAL_S)
        third = servers.sample.add(conference_name="support")
        posts = await servers.slack.wait_for_posts(channel, 4, timeout=10 * INTERVAL_S)
        assert _calls_posted(posts) == [servers.call_of(b) for b in (first, second, third)]

        # Unwatch: the next recording is not posted. A watch in another channel on the same
        # conference proves a poll ran after it.
        _, key = await servers.command(bot, "unwatch 1", channel=channel)
        (gone,) = await servers.slack.wait_for(key)
        assert "stopped watch *1*" in json.dumps(gone)
        await servers.command(bot, "watch conference=support", channel=other)
        await servers.slack.wait_for_posts(other, 1)
        fourth = servers.sample.add(conference_name="support")
        other_posts = await servers.slack.wait_for_posts(other, 2, timeout=10 * INTERVAL_S)
        assert _calls_posted(other_posts) == [servers.call_of(fourth)]
        assert len(servers.slack.posts[channel]) == 4  # nothing more for the stopped watch
        assert servers.sample.rejected == 0
    finally:
        await bot.stop()


@pytest.fixture(scope="module")
def database(postgres: LocalPostgres) -> str:
    return postgres.create_database()


def _poller(database_url: str) -> str | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT holder FROM leases WHERE name = 'watch-poll' AND expires_at >= %s",
            (time.time(),),
        ).fetchone()
    return str(row[0]) if row else None


async def _wait_poller(database_url: str, *, not_pid: int | None, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        holder = await asyncio.to_thread(_poller, database_url)
        if holder is not None and (not_pid is None or f":{not_pid}:" not in holder):
            return holder
        assert time.monotonic() < deadline, f"no other poller within {timeout}s ({holder})"
        await asyncio.sleep(0.05)  # reading the lease table, bounded by the deadline


async def test_three_processes_share_plivos_limit_and_one_polls(
    servers: Servers, database: str
) -> None:
    env = {"DATABASE_URL": database}
    bots = [await servers.bot(**env) for _ in range(3)]
    try:
        # Two of them take a watch each; whichever polls posts each new recording once.
        await servers.command(bots[0], "watch mpc=war-room", channel="C0WARROOM")
        await servers.command(bots[1], "watch from=+14155550177", channel="C0ACCOUNT")
        await servers.slack.wait_for_posts("C0WARROOM", 1)
        await servers.slack.wait_for_posts("C0ACCOUNT", 1)

        # 50 people at once, spread over the three processes, each with searches of their own
        # over long ranges (several Plivo requests each): well above 300 requests in 5 s if
        # nothing shared the account's budget.
        people = [f"U0P{n:03d}" for n in range(50)]
        names = ["sales", "support", "standup", "Customer Success", "board"]
        sent: list[str] = []
        for round_ in range(3):
            for n, person in enumerate(people):
                days = 31 + (n * 7 + round_ * 13) % 300
                text = f"conference={names[(n + round_) % len(names)]!r} last {days} days"
                text = text.replace("'", '"')
                _, key = await servers.command(
                    bots[(n + round_) % 3], text, channel=f"C0P{n:03d}", user=person
                )
                sent.append(key)
        waited = [servers.slack.wait_for(key, timeout=120) for key in sent]
        answers = [messages[0] for messages in await asyncio.gather(*waited)]
        assert all("blocks" in a and "Problem with" not in a["text"] for a in answers), [
            a["text"] for a in answers if "Problem with" in a["text"]
        ][:3]
        assert servers.sample.rejected == 0  # not one 429 from the fake Plivo
        print(f"{len(servers.sample.requests)} requests to the fake Plivo, 0 answered 429")

        war = servers.sample.add(mpc_name="war-room")
        account = servers.sample.add(conference_name="board", from_number="+14155550177")
        await servers.slack.wait_for_posts("C0WARROOM", 2, timeout=10 * INTERVAL_S)
        await servers.slack.wait_for_posts("C0ACCOUNT", 2, timeout=10 * INTERVAL_S)

        # Kill the poller outright: another takes the poll over within two intervals.
        holder = await _wait_poller(database, not_pid=None, timeout=5)
        poller = next(b for b in bots if f":{b.process.pid}:" in holder)  # type: ignore[union-attr]
        poller.process.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        killed = time.monotonic()
        await poller.wait()
        await _wait_poller(database, not_pid=poller.process.pid, timeout=2 * INTERVAL_S + 0.5)  # type: ignore[union-attr]
        print(f"polling handed over {time.monotonic() - killed:.2f}s after the kill")
        later = servers.sample.add(mpc_name="war-room")
        posts = await servers.slack.wait_for_posts("C0WARROOM", 3, timeout=10 * INTERVAL_S)
        assert _calls_posted(posts) == [servers.call_of(war), servers.call_of(later)]
        assert _calls_posted(servers.slack.posts["C0ACCOUNT"]) == [servers.call_of(account)]
        assert servers.sample.rejected == 0
    finally:
        for bot in bots:
            await bot.kill()
