"""The real `python -m bot serve` against hostile traffic over real sockets: a never-ending header,
hundreds of slow-loris connections, stalled bodies, idle keep-alives, deep nesting, replays, and
a `response_url` on someone else's host. Nothing here sleeps to wait: each test waits for a socket
to close, a log line, or an answer, with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import psutil
import pytest
import pytest_asyncio

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN
from bot.sample_api import SampleApi
from tests.conftest import command_body
from tests.e2e.test_reliability import WatchedBot, sign
from tests.fakes.servers import AsgiServer
from tests.fakes.slack import BOT_TOKEN, FakeSlack

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIGNING_SECRET = "reliability-signing-secret-7d3b90"  # what tests.e2e.test_reliability.sign uses
MB = 1024 * 1024
SLOW_CONNECTIONS = 600
MAX_CONNECTIONS = 500  # the default


@dataclass
class Stack:
    bot: WatchedBot
    slack: FakeSlack
    http: httpx.AsyncClient
    serial: int = 0

    def signed(self, body: bytes, content_type: str) -> dict[str, str]:
        ts = str(int(time.time()))
        return {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sign(ts, body),
        }

    async def command(self, text: str, response_url: str, user: str) -> httpx.Response:
        body = command_body(text, response_url, user=user).encode()
        headers = self.signed(body, "application/x-www-form-urlencoded")
        return await self.http.post(f"{self.bot.url}/slack/events", content=body, headers=headers)

    def next(self) -> tuple[str, str]:
        self.serial += 1
        return f"h{self.serial}", f"UHOSTILE{self.serial:03d}"

    def rss(self) -> int:
        assert self.bot.process is not None
        return int(psutil.Process(self.bot.process.pid).memory_info().rss)

    async def done(self, user: str) -> str:
        """The bot's one log line for a command: written once delivered (or given up)."""
        (line,) = await self.bot.wait_for_lines(
            lambda line: f"event=command user={user} " in line and "delivered=" in line
        )
        return line


def raise_open_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack() -> AsyncIterator[Stack]:
    raise_open_files(4096)
    plivo = await AsgiServer(SampleApi().asgi()).start()
    slack = await FakeSlack().start()
    bot = WatchedBot(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": SAMPLE_AUTH_TOKEN,
            "PLIVO_BASE_URL": plivo.url,
            "ALLOW_EVERYONE": "true",  # closed by default
        }
    )
    await bot.start()
    async with httpx.AsyncClient(timeout=10) as http:
        yield Stack(bot, slack, http)
    assert await bot.stop() == 0
    await slack.stop()
    await plivo.stop()


async def open_raw(stack: Stack) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", stack.bot.port)


async def closed_by_server(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Everything the server sent until it closed the connection (b"" for a bare close)."""
    chunks = []
    async with asyncio.timeout(timeout):
        while True:
            try:
                chunk = await reader.read(65536)
            except ConnectionError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


HEAD = b"POST /slack/events HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\n"


async def test_a_never_ending_header_is_cut_off_and_costs_little_memory(stack: Stack) -> None:
    reader, writer = await open_raw(stack)
    before = peak = stack.rss()
    writer.write(HEAD + b"x-padding: ")
    chunk = b"a" * (64 * 1024)
    sent = 0
    with contextlib.suppress(ConnectionError):
        while sent < 100 * MB:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            if sent % (MB // 2) == 0:
                peak = max(peak, stack.rss())
    peak = max(peak, stack.rss())
    answer = await closed_by_server(reader, timeout=10)
    writer.close()
    assert sent < 100 * MB  # the server stopped reading long before
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    assert peak - before < 20 * MB, (before, peak)


async def test_headers_over_16_kb_in_one_piece_get_431(stack: Stack) -> None:
    reader, writer = await open_raw(stack)
    writer.write(HEAD + b"x-padding: " + b"a" * (17 * 1024) + b"\r\ncontent-length: 0\r\n\r\n")
    await writer.drain()
    answer = await closed_by_server(reader, timeout=10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:100]


async def test_headers_just_under_16_kb_are_fine(stack: Stack) -> None:
    response = await stack.http.get(
        f"{stack.bot.url}/healthz", headers={"x-padding": "a" * (15 * 1024)}
    )
    assert response.status_code == 200


async def test_slow_loris_does_not_stop_a_signed_command(stack: Stack) -> None:
    """600 connections trickling headers (more than MAX_CONNECTIONS), a stalled body, an idle
    keep-alive and a silent connection: a signed command is still answered at once, and every
    one of them is closed by the server within its time limit."""
    raise_open_files(SLOW_CONNECTIONS + 512)
    slow = []
    for n in range(SLOW_CONNECTIONS):
        reader, writer = await open_raw(stack)
        writer.write(b"POST /slack/events HTTP/1.1\r\nhost: bot\r\nx-slow-")  # never finished
        slow.append((reader, writer))
        if n % 100 == 99:
            await writer.drain()
    stalled_body = await open_raw(stack)
    signed = stack.signed(b"{}", "application/json")  # so the app waits for the body
    stalled_body[1].write(
        b"POST /slack/events HTTP/1.1\r\nhost: bot\r\ncontent-length: 1000\r\n"
        + b"".join(f"{name}: {value}\r\n".encode() for name, value in signed.items())
        + b"\r\n"
        + b"{" * 10
    )
    idle = await open_raw(stack)
    idle[1].write(b"GET /healthz HTTP/1.1\r\nhost: bot\r\n\r\n")
    silent = await open_raw(stack)
    await asyncio.gather(*(w.drain() for _, w in [*slow, stalled_body, idle, silent]))
    opened = time.monotonic()

    key, user = stack.next()
    started = time.perf_counter()
    ack = await stack.command("last 2 hours", stack.slack.response_url(key), user)
    took = time.perf_counter() - started
    assert ack.status_code == 200 and took < 1.0, took
    await stack.slack.wait_for(key, timeout=10)

    # The idle keep-alive goes after 5 s; everything else after 10 s (a sweep a second).
    idle_answer = await closed_by_server(idle[0], timeout=15)
    assert idle_answer.startswith(b"HTTP/1.1 200 ")
    endings = await asyncio.gather(
        *(closed_by_server(r, timeout=20) for r, _ in [*slow, stalled_body, silent])
    )
    elapsed = time.monotonic() - opened
    assert elapsed < 20
    timed_out = [e for e in endings if e.startswith(b"HTTP/1.1 408 ")]
    made_room = [e for e in endings if e == b""]
    assert len(timed_out) + len(made_room) == len(endings), [
        e[:40] for e in endings if e not in timed_out and e != b""
    ]
    assert len(made_room) >= SLOW_CONNECTIONS + 3 - MAX_CONNECTIONS  # the limit held
    for _, writer in [*slow, stalled_body, idle, silent]:
        writer.close()
    lines = [line for line in stack.bot.logs if "connections refused or closed early" in line]
    assert lines and all(" WARNING " in line for line in lines)


async def test_deep_nesting_as_json_is_400_without_a_traceback(stack: Stack) -> None:
    body = b"[" * 5000
    response = await stack.http.post(
        f"{stack.bot.url}/slack/events",
        content=body,
        headers=stack.signed(body, "application/json"),
    )
    assert response.status_code == 400
    line = await stack.bot.wait_for_lines(lambda line: "unreadable request body" in line)
    assert "RecursionError" in line[0] and "[[[" not in line[0]
    unsigned = await stack.http.post(f"{stack.bot.url}/slack/events", content=body)
    assert unsigned.status_code == 401


async def test_a_replayed_command_is_answered_once(stack: Stack) -> None:
    key, user = stack.next()
    body = command_body("last 3 days", stack.slack.response_url(key), user=user).encode()
    headers = stack.signed(body, "application/x-www-form-urlencoded")
    url = f"{stack.bot.url}/slack/events"
    first = await stack.http.post(url, content=body, headers=headers)
    replayed = await stack.http.post(url, content=body, headers=headers)
    assert first.status_code == replayed.status_code == 200 and replayed.text == ""
    await stack.done(user)
    assert len(stack.slack.responses[key]) == 1
    assert [line for line in stack.bot.logs if f"user={user} " in line and "event=" in line]


async def test_a_response_url_on_another_host_is_never_posted_to(stack: Stack) -> None:
    elsewhere = await FakeSlack().start()
    try:
        _, user = stack.next()
        ack = await stack.command("last 2 hours", elsewhere.response_url("stolen"), user)
        assert ack.status_code == 200
        line = await stack.done(user)
        assert "delivered=False" in line
        assert elsewhere.attempts == {} and elsewhere.responses == {}
    finally:
        await elsewhere.stop()
    (refused,) = [line for line in stack.bot.logs if "is not Slack's" in line]
    assert " WARNING " in refused and "/response/" not in refused


async def test_last_the_server_stops_cleanly_without_tracebacks(stack: Stack) -> None:
    assert await stack.bot.stop() == 0
    assert not [line for line in stack.bot.logs if "Traceback" in line]
