"""▶ Listen over the real `python -m bot serve`: a fake Slack and a fake Plivo (API and media host)
on 127.0.0.1. A click gives a link; the link streams exactly the fake's bytes, seeks, expires; in
upload mode the file reaches the fake Slack's upload URL intact; no media URL reaches Slack."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.listen import tokens
from bot.listen.tokens import ListenGrant
from bot.sample_api import SampleApi
from bot.sample_api.audio import ToneWav
from bot.signing import Signer
from bot.slack import blocks
from tests.conftest import USER, action_body, command_body
from tests.fakes.servers import AsgiServer, BotProcess
from tests.fakes.slack import BOT_TOKEN, FakeSlack

SECRET = "e2e-listen-secret-41d9"
CHANNEL = "C0GENERAL"
MB = 1024 * 1024
pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Stack:
    link: BotProcess
    upload: BotProcess
    slack: FakeSlack
    sample: SampleApi
    plivo_url: str
    http: httpx.AsyncClient
    serial: int = 0

    def key(self) -> str:
        self.serial += 1
        return f"listen{self.serial}"

    async def post(self, bot: BotProcess, body: str) -> httpx.Response:
        ts = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": signature,
        }
        return await self.http.post(f"{bot.url}/slack/events", content=body, headers=headers)

    async def page(self, bot: BotProcess) -> list[str]:
        """The ▶ Listen values of a fresh page."""
        key = self.key()
        await self.post(bot, command_body("last 7 days", self.slack.response_url(key)))
        (message,) = await self.slack.wait_for(key)
        return [
            block["accessory"]["value"]
            for block in message["blocks"]
            if block.get("accessory", {}).get("action_id") == blocks.ACTION_LISTEN
        ]

    async def listen(self, bot: BotProcess, value: str) -> dict[str, Any]:
        key = self.key()
        click = action_body(blocks.ACTION_LISTEN, value, self.slack.response_url(key))
        assert (await self.post(bot, click)).status_code == 200
        (answer,) = await self.slack.wait_for(key)
        return answer


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack() -> AsyncIterator[Stack]:
    sample = SampleApi()
    plivo = await AsgiServer(sample.asgi()).start()
    sample.media_base = plivo.url  # recording_url on this fake, as Plivo's are on its host
    slack = await FakeSlack(user_zones={USER: "America/New_York"}).start()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
        "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
        "PLIVO_BASE_URL": plivo.url,
        "MEDIA_HOSTS": plivo.url,
        "ALLOWED_USER_IDS": USER,  # closed by default
    }
    link = await BotProcess(env=env).start()
    upload = await BotProcess(env={**env, "LISTEN_MODE": "upload"}).start()
    async with httpx.AsyncClient(timeout=30) as http:
        yield Stack(link, upload, slack, sample, plivo.url, http)
    assert await link.stop() == 0
    assert await upload.stop() == 0
    await slack.stop()
    await plivo.stop()


def _link(answer: dict[str, Any], bot: BotProcess) -> str:
    text = answer["blocks"][0]["text"]["text"]
    return text.split("<", 1)[1].split("|", 1)[0]


async def test_click_link_streams_the_recording(stack: Stack) -> None:
    value = (await stack.page(stack.link))[0]
    rid = value.split("~")[0]
    answer = await stack.listen(stack.link, value)
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    url = _link(answer, stack.link)
    assert url.startswith(f"{stack.link.url}/listen/")
    expected = ToneWav(rid).read()
    whole = await stack.http.get(url)
    assert whole.status_code == 200 and whole.content == expected
    assert whole.headers["content-type"] == "audio/wav"
    assert whole.headers["content-disposition"].startswith("inline")
    assert whole.headers["cache-control"] == "private, no-store"
    part = await stack.http.get(url, headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == expected[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(expected)}"
    head = await stack.http.head(url)
    assert head.status_code == 200 and head.content == b""


async def test_tampered_expired_and_other_paths_are_403(stack: Stack) -> None:
    value = (await stack.page(stack.link))[0]
    url = _link(await stack.listen(stack.link, value), stack.link)
    token = url.rsplit("/", 1)[1]
    rid = value.split("~")[0]
    past = Signer(SECRET, "listen", clock=lambda: time.time() - 3600)
    expired = tokens.issue(past, ListenGrant(rid, USER, "T0FAKE"), ttl_s=900)
    other = stack.sample.recordings[5]["recording_id"]
    tampered = token.replace(rid, other)
    for bad in (
        f"/listen/{tampered}",
        f"/listen/{expired}",
        f"/listen/{token}/x",
        f"/listen/x{token}",
        "/listen/",
        f"/listen/{value}",  # a button's value is not a link
    ):
        response = await stack.http.get(stack.link.url + bad)
        assert response.status_code == 403, bad
        assert "expired or is not valid" in response.text
    assert (await stack.http.post(url)).status_code == 405


async def test_gone_recording_is_404_and_failing_plivo_is_502(stack: Stack) -> None:
    signer = Signer(SECRET, "listen")
    gone = tokens.issue(signer, ListenGrant("00000000-dead", USER, "T0FAKE"), ttl_s=60)
    response = await stack.http.get(f"{stack.link.url}/listen/{gone}")
    assert response.status_code == 404 and "no longer has" in response.text
    rid = stack.sample.recordings[0]["recording_id"]
    stack.sample.media_base = "https://elsewhere.example.com"  # a host not in MEDIA_HOSTS
    try:
        moved = tokens.issue(signer, ListenGrant(rid, USER, "T0FAKE"), ttl_s=60)
        response = await stack.http.get(f"{stack.link.url}/listen/{moved}")
    finally:
        stack.sample.media_base = stack.plivo_url
    assert response.status_code == 502 and "MEDIA_HOSTS" in response.text


async def test_upload_mode_sends_the_file_intact(stack: Stack) -> None:
    value = (await stack.page(stack.upload))[0]
    rid = value.split("~")[0]
    before = len(stack.slack.completed)
    answer = await stack.listen(stack.upload, value)
    assert "sent to your DMs" in answer["text"]
    done = (await stack.slack.wait_for_upload(before + 1))[-1]
    assert done["channel_id"] == "D" + USER.removeprefix("U")
    file_id = done["files"][0]["id"]
    assert stack.slack.uploaded[file_id] == ToneWav(rid).read()


async def test_100_mb_streams_in_flat_memory(stack: Stack) -> None:
    rid = stack.sample.recordings[1]["recording_id"]
    size = 100 * MB
    stack.sample.media_sizes[rid] = size
    token = tokens.issue(Signer(SECRET, "listen"), ListenGrant(rid, USER, "T0FAKE"), ttl_s=600)
    server = psutil.Process(stack.link.process.pid)  # type: ignore[union-attr]
    before = server.memory_info().rss
    peak, received, digest = before, 0, hashlib.sha256()
    try:
        async with stack.http.stream("GET", f"{stack.link.url}/listen/{token}") as response:
            assert response.status_code == 200
            async for chunk in response.aiter_raw():
                received += len(chunk)
                digest.update(chunk)
                if received % (8 * MB) < len(chunk):
                    peak = max(peak, server.memory_info().rss)
    finally:
        del stack.sample.media_sizes[rid]
    peak = max(peak, server.memory_info().rss)
    assert received == size
    expected = hashlib.sha256()
    for chunk in ToneWav(rid, size).chunks():
        expected.update(chunk)
    assert digest.hexdigest() == expected.hexdigest()
    assert peak - before < 30 * MB, f"RSS grew {(peak - before) / MB:.1f} MB"


async def test_last_nothing_sent_to_slack_names_the_media_host_and_audit_lines(
    stack: Stack,
) -> None:
    """Runs last: every body the fake Slack received, and the bots' logs."""
    media_host = stack.plivo_url.removeprefix("http://")
    bodies = stack.slack.bodies()
    assert bodies
    for body in bodies:
        assert "media.plivo.com" not in body and media_host not in body
        assert "/Recording/" not in body
    assert await stack.link.stop() == 0
    assert await stack.upload.stop() == 0
    audit = [
        json.loads(line.split(" bot.audit ", 1)[1])
        for line in stack.link.logs + stack.upload.logs
        if " bot.audit " in line
    ]
    events = {line["event"] for line in audit}
    assert {"listen.link_issued", "listen.link_used", "listen.upload_sent"} <= events
    used = [a for a in audit if a["event"] == "listen.link_used" and a["outcome"] == "ok"]
    assert any(a["bytes"] == 100 * MB for a in used)
    assert any(a.get("status") == 206 for a in used)
    refused = [a for a in audit if a["event"] == "listen.link_used" and a["outcome"] != "ok"]
    assert {a["outcome"] for a in refused} >= {"refused_signature", "refused_expired", "gone"}
