"""The real `python -m bot serve` (the Procfile's web line) under faults: a Plivo that fails on cue
(`tests.fakes.faulty_plivo`), a Slack whose `response_url` fails on cue, a burst of a whole support
team, garbage from the internet, and SIGTERM with answers in flight. Then its logs are searched for
secrets.

Every command must get exactly one answer: a test waits for the first message and then for the
bot's own log line of that command (written once the answer is delivered or given up on), after
which nothing more can arrive for it. Nothing here sleeps to wait. The tests run in file order on
two bots (one with a short Plivo timeout for the faults, one configured as deployed for load and
shutdown), and the last two stop them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import re
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio

from bot.config import SAMPLE_AUTH_ID
from bot.plivo import PlivoRateLimited, PlivoTimeout, PlivoUnavailable
from bot.sample_api import SampleApi
from tests.conftest import action_body, command_body
from tests.fakes.faulty_plivo import Fault, FaultyPlivo
from tests.fakes.servers import READY_LINE, BotProcess
from tests.run.test_server import FlakySlack, control_characters
from tests.slack.test_app import assert_valid, button_query, buttons, shown_ids

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Distinctive, so the last test can look for them in every line the bot logged.
BOT_TOKEN = "xoxb-reliability-2f9c-bot-token-e41a"
SIGNING_SECRET = "reliability-signing-secret-7d3b90"
PLIVO_TOKEN = "plivo-reliability-auth-token-c58e1"
TEXT = "conference=sales last 14 days"
ACK_LIMIT_S = 3.0  # Slack's limit for acknowledging a command


def sign(timestamp: str, body: bytes) -> str:
    """Slack's v0 signature (slack_sdk's own helper only signs UTF-8 text)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class WatchedBot(BotProcess):
    """`BotProcess` whose log lines can be awaited."""

    _line: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.logs.append(line)
            if READY_LINE in line:
                self._ready.set()
            async with self._line:
                self._line.notify_all()

    async def wait_for_lines(
        self, predicate: Callable[[str], bool], count: int = 1, timeout: float = 20.0
    ) -> list[str]:
        """The log lines matching `predicate`, once there are `count` of them."""

        def matching() -> list[str]:
            return [line for line in self.logs if predicate(line)]

        async with asyncio.timeout(timeout), self._line:
            await self._line.wait_for(lambda: len(matching()) >= count)
        return matching()


@dataclass
class Stack:
    bot: WatchedBot
    slack: FlakySlack
    plivo: FaultyPlivo
    sample: SampleApi
    http: httpx.AsyncClient
    serial: int = 0

    def signed(self, body: str | bytes, *, age_s: int = 0) -> dict[str, str]:
        ts = str(int(time.time()) - age_s)
        raw = body.encode() if isinstance(body, str) else body
        return {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sign(ts, raw),
        }

    async def post(
        self, body: str | bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{self.bot.url}/slack/events", content=body, headers=headers or self.signed(body)
        )

    def next(self) -> tuple[str, str]:
        """A fresh response_url key, and a fresh user whose log line marks the answer's end."""
        self.serial += 1
        return f"rel{self.serial}", f"UREL{self.serial:04d}"

    async def command(self, text: str = TEXT) -> tuple[str, str, httpx.Response, float]:
        key, user = self.next()
        started = time.perf_counter()
        ack = await self.post(command_body(text, self.slack.response_url(key), user=user))
        return key, user, ack, time.perf_counter() - started

    async def click(self, action_id: str, value: str) -> tuple[str, str, httpx.Response]:
        key, user = self.next()
        ack = await self.post(
            action_body(action_id, value, self.slack.response_url(key), user=user)
        )
        return key, user, ack

    async def done(self, event: str, user: str, timeout: float = 20.0) -> str:
        """The bot's one log line for an answer: written after delivery (or giving up)."""
        mark = f"event={event} user={user} "
        (line,) = await self.bot.wait_for_lines(
            lambda line: mark in line and "delivered=" in line, timeout=timeout
        )
        return line

    async def only_answer(self, key: str, user: str, event: str = "command") -> dict[str, Any]:
        """The one message a command or click got: exactly one, posted exactly once."""
        await self.slack.wait_for(key, 1, timeout=20)
        line = await self.done(event, user)
        assert "delivered=True" in line, line
        assert len(self.slack.responses[key]) == 1, self.slack.responses[key]
        assert self.slack.attempts[key] == 1
        message = self.slack.responses[key][0]
        assert_valid(message)
        return message

    async def healthy(self) -> None:
        response = await self.http.get(f"{self.bot.url}/healthz")
        assert response.status_code == 200 and response.json() == {"ok": True}

    def expected(self, message: dict[str, Any]) -> list[str]:
        """What the page in `message` must show: the sample API's answer for its query."""
        query = button_query(buttons(message)["recordings_next"]["value"], SIGNING_SECRET)
        rows = self.sample.query(query.plivo_params(), enforce_span=False)
        return [row["recording_id"] for row in rows][query.offset - query.page_size : query.offset]


async def run_stack(**env: str) -> AsyncIterator[Stack]:
    sample = SampleApi(auth_token=PLIVO_TOKEN)
    plivo = await FaultyPlivo(sample).start()
    slack = await FlakySlack(token=BOT_TOKEN).start()
    bot = WatchedBot(
        env={
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "PLIVO_AUTH_ID": SAMPLE_AUTH_ID,
            "PLIVO_AUTH_TOKEN": PLIVO_TOKEN,
            "PLIVO_BASE_URL": plivo.url,
            "LOG_LEVEL": "INFO",
            "ALLOW_EVERYONE": "true",  # closed by default
            **env,
        }
    )
    await bot.start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield Stack(bot, slack, plivo, sample, http)
    finally:
        await bot.kill()  # a no-op once the tests at the end have stopped it
        await slack.stop()
        await plivo.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack() -> AsyncIterator[Stack]:
    """For the faults: a short Plivo timeout and few retries, so a hang costs seconds, not more."""
    async for made in run_stack(PLIVO_TIMEOUT_S="1", PLIVO_MAX_RETRIES="2"):
        yield made


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def busy() -> AsyncIterator[Stack]:
    """For load and shutdown: Plivo's timeouts and retries as deployed (the defaults)."""
    async for made in run_stack():
        yield made


def outcomes(plivo: FaultyPlivo, since: int) -> list[str]:
    return [served.outcome for served in plivo.served[since:]]


# -- Plivo faults ---------------------------------------------------------------------------------

ONCE = [
    Fault.status_code(500),
    Fault.status_code(502),
    Fault.status_code(503),
    Fault.status_code(429),
    Fault.status_code(429, retry_after=1),
    Fault.status_code(503, retry_after="0"),
    Fault.reset(),
    Fault.hang(),
    Fault.drip(),
    Fault.html(502),
]


@pytest.mark.parametrize("fault", ONCE, ids=lambda fault: fault.name)
async def test_a_passing_plivo_fault_is_retried_into_results(stack: Stack, fault: Fault) -> None:
    since = len(stack.plivo.served)
    stack.plivo.script(fault)
    key, user, ack, ack_s = await stack.command()
    assert ack.status_code == 200 and ack.text == "" and ack_s < ACK_LIMIT_S
    message = await stack.only_answer(key, user)
    assert message["text"].startswith("Recordings 1–10 of")
    assert shown_ids(message) == stack.expected(message)
    assert outcomes(stack.plivo, since) == [fault.name, "ok"]
    await stack.healthy()


async def test_two_different_faults_in_a_row_are_retried_too(stack: Stack) -> None:
    since = len(stack.plivo.served)
    stack.plivo.script(Fault.reset(), Fault.status_code(503))
    key, user, ack, _ = await stack.command()
    assert ack.status_code == 200
    message = await stack.only_answer(key, user)
    assert shown_ids(message) == stack.expected(message)
    assert outcomes(stack.plivo, since) == ["reset", "status:503", "ok"]


RECORDING_URL = f"https://media.plivo.com/v1/Account/{SAMPLE_AUTH_ID}/Recording/abc-123.mp3"
LASTING = [
    # (faults, requests Plivo sees, what the user is told)
    (
        [Fault.status_code(500, error=f"storage failed for {RECORDING_URL}")] * 3,
        3,
        PlivoUnavailable.default_user_message,
    ),
    ([Fault.status_code(503)] * 3, 3, PlivoUnavailable.default_user_message),
    ([Fault.html(502)] * 3, 3, PlivoUnavailable.default_user_message),
    ([Fault.status_code(429)] * 3, 3, PlivoRateLimited.default_user_message),
    ([Fault.status_code(429, retry_after=3600)], 1, PlivoRateLimited.default_user_message),
    ([Fault.reset()] * 3, 3, PlivoUnavailable.default_user_message),
    ([Fault.hang()] * 3, 3, PlivoTimeout.default_user_message),
    ([Fault.malformed_json()], 1, PlivoUnavailable.default_user_message),
    ([Fault.html(200)], 1, PlivoUnavailable.default_user_message),
]


@pytest.mark.parametrize(
    ("faults", "requests", "told"),
    LASTING,
    ids=[f"{len(f)}x{f[0].name}" for f, _, _ in LASTING],
)
async def test_a_lasting_plivo_fault_gets_one_clear_error(
    stack: Stack, faults: list[Fault], requests: int, told: str
) -> None:
    since = len(stack.plivo.served)
    stack.plivo.script(*faults)
    key, user, ack, ack_s = await stack.command()
    assert ack.status_code == 200 and ack.text == "" and ack_s < ACK_LIMIT_S
    message = await stack.only_answer(key, user)
    assert told in message["blocks"][0]["text"]["text"]
    assert "conference=sales" in message["blocks"][0]["text"]["text"]  # quotes the command
    assert message["replace_original"] is False
    assert outcomes(stack.plivo, since) == [fault.name for fault in faults][:requests]
    assert not stack.plivo.faults  # every scripted fault was met, none left for the next test
    await stack.healthy()


async def test_a_click_replaces_the_page_but_a_failed_click_does_not(stack: Stack) -> None:
    # Pages of 20, Plivo's most: each Next needs rows not fetched yet, so it asks Plivo.
    key, user, _, _ = await stack.command(f"{TEXT} limit=20")
    first = await stack.only_answer(key, user)
    nxt = buttons(first)["recordings_next"]["value"]

    since = len(stack.plivo.served)
    stack.plivo.script(Fault.status_code(503))
    key, user, ack = await stack.click("recordings_next", nxt)
    assert ack.status_code == 200
    second = await stack.only_answer(key, user, event="click")
    assert second["replace_original"] is True
    assert shown_ids(second) and shown_ids(second) != shown_ids(first)
    assert shown_ids(second) == stack.expected(second)
    assert outcomes(stack.plivo, since) == ["status:503", "ok"]

    stack.plivo.script(*[Fault.hang()] * 3)
    key, user, ack = await stack.click(
        "recordings_next", buttons(second)["recordings_next"]["value"]
    )
    assert ack.status_code == 200
    failed = await stack.only_answer(key, user, event="click")
    assert failed["replace_original"] is False  # the page being read stays
    assert PlivoTimeout.default_user_message in failed["blocks"][0]["text"]["text"]


# -- Slack's response_url misbehaving -------------------------------------------------------------


def retry_delays(lines: list[str]) -> list[float]:
    return [float(m[1]) for line in lines if (m := re.search(r"retry \d+ in ([\d.]+)s", line))]


async def test_response_url_5xx_is_retried_until_slack_takes_it(stack: Stack) -> None:
    before = len(stack.bot.logs)
    stack.slack.response_statuses[:] = [500, 502]
    key, user, ack, _ = await stack.command()
    assert ack.status_code == 200
    await stack.slack.wait_for(key, 1)
    line = await stack.done("command", user)
    assert "delivered=True" in line
    assert stack.slack.attempts[key] == 3  # two failures, then one success, then nothing
    assert len(stack.slack.responses[key]) == 1
    failures = [line for line in stack.bot.logs[before:] if "reply failed" in line]
    assert len(failures) == 2 and "HTTP 500" in failures[0] and "HTTP 502" in failures[1]
    first, second = retry_delays(failures)
    assert 0 < first < second


async def test_response_url_failing_for_good_is_given_up_and_logged(stack: Stack) -> None:
    before = len(stack.bot.logs)
    stack.slack.response_statuses[:] = [503] * 4
    key, user, ack, _ = await stack.command()
    assert ack.status_code == 200
    line = await stack.done("command", user)
    assert "delivered=False" in line
    assert stack.slack.attempts[key] == 4 and not stack.slack.responses[key]
    logged = stack.bot.logs[before:]
    assert any("reply lost after 4 attempts: HTTP 503" in line for line in logged)
    delays = retry_delays([line for line in logged if "reply failed" in line])
    assert len(delays) == 3 and 0 < delays[0] < delays[1] < delays[2]  # bounded, backing off
    await stack.healthy()
    key, user, _, _ = await stack.command()  # and the next command is answered as usual
    await stack.only_answer(key, user)


async def test_response_url_timeout_is_retried_and_delivered_once(stack: Stack) -> None:
    before = len(stack.bot.logs)
    stack.slack.slow_attempts[:] = [6.0]  # the first post outlives the bot's 5 s reply timeout
    key, user, ack, _ = await stack.command()
    assert ack.status_code == 200
    await stack.slack.wait_for(key, 1, timeout=20)
    line = await stack.done("command", user)
    assert "delivered=True" in line
    assert stack.slack.attempts[key] == 2 and len(stack.slack.responses[key]) == 1
    assert any("reply failed: TimeoutError; retry 1" in line for line in stack.bot.logs[before:])


async def test_response_url_4xx_is_not_retried(stack: Stack) -> None:
    before = len(stack.bot.logs)
    stack.slack.response_statuses[:] = [404]
    key, user, _, _ = await stack.command()
    line = await stack.done("command", user)
    assert "delivered=False" in line and stack.slack.attempts[key] == 1
    assert any("reply refused by Slack: HTTP 404" in line for line in stack.bot.logs[before:])


async def test_a_slow_response_url_that_answers_2xx_is_posted_once(stack: Stack) -> None:
    stack.slack.response_delay_s = 1.0  # slow, but within the replier's timeout
    try:
        key, user, _, _ = await stack.command()
        await stack.only_answer(key, user)  # attempts == 1: not sent again
    finally:
        stack.slack.response_delay_s = 0.0


# -- abuse ----------------------------------------------------------------------------------------


async def test_oversized_bodies_are_413_without_reading_them(stack: Stack) -> None:
    body = command_body("x" * 300_000, stack.slack.response_url("big"))
    assert (await stack.post(body)).status_code == 413
    # A sender announcing 50 MB is turned away at once, not waited for.
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.bot.port)
    try:
        writer.write(
            b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Length: 50000000\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\ntoken=x"
        )
        await writer.drain()
        async with asyncio.timeout(5):
            status_line = await reader.readline()
        assert status_line.split()[1] == b"413"
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


GARBAGE_HEADERS = {
    "unsigned": {"content-type": "application/x-www-form-urlencoded"},
    "forged": {"x-slack-request-timestamp": "{now}", "x-slack-signature": "v0=" + "0" * 64},
    "timestamp not a number": {"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=1"},
    "timestamp huge": {"x-slack-request-timestamp": "9" * 40, "x-slack-signature": "v0=1"},
    "timestamp fractional": {"x-slack-request-timestamp": "{now}.5", "x-slack-signature": "v0=1"},
    "signature not ascii": {"x-slack-request-timestamp": "{now}", "x-slack-signature": "v0=\xe9"},
}


@pytest.mark.parametrize("headers", GARBAGE_HEADERS.values(), ids=GARBAGE_HEADERS.keys())
async def test_missing_or_forged_signatures_are_401(stack: Stack, headers: dict[str, str]) -> None:
    now = str(int(time.time()))
    sent = {name: value.replace("{now}", now) for name, value in headers.items()}
    sent.setdefault("content-type", "application/x-www-form-urlencoded")
    body = command_body("today", stack.slack.response_url("forged"))
    encoded = [(k.encode(), v.encode("latin-1")) for k, v in sent.items()]
    response = await stack.http.post(f"{stack.bot.url}/slack/events", content=body, headers=encoded)
    assert response.status_code == 401


async def test_timestamps_older_than_five_minutes_are_401(stack: Stack) -> None:
    body = command_body("today", stack.slack.response_url("old"))
    assert (await stack.post(body, stack.signed(body, age_s=5 * 60 + 30))).status_code == 401
    assert (await stack.post(body, stack.signed(body, age_s=-(5 * 60 + 30)))).status_code == 401


BAD_BODIES = {
    "random bytes": b"\x8f\x00\xffgarbage\x01",
    "json array": b"[1, 2, 3]",
    "payload not json": b"payload=%7Bnope",
    "block_actions without actions": b"payload="
    + quote(json.dumps({"type": "block_actions", "actions": []})).encode(),
    "actions not objects": b"payload="
    + quote(json.dumps({"type": "block_actions", "actions": ["x"]})).encode(),
    "view not an object": b"payload="
    + quote(json.dumps({"type": "view_submission", "view": None})).encode(),
    "unknown command": b"command=%2Fnope&text=x",
}


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/json"])
@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_signed_garbage_is_a_4xx(stack: Stack, body: bytes, content_type: str) -> None:
    # A body seen before is a replay (an empty 200): each content type gets a body of its own.
    body += b" " * (content_type == "application/json")
    headers = stack.signed(body) | {"content-type": content_type}
    response = await stack.post(body, headers)
    assert 400 <= response.status_code < 500, response.text


async def test_a_wrong_content_type_is_never_a_5xx(stack: Stack) -> None:
    for content_type in ("text/plain", "multipart/form-data; boundary=x", "application/xml", ""):
        key, user = stack.next()
        body = command_body("help", stack.slack.response_url(key), user=user)
        headers = stack.signed(body) | {"content-type": content_type}
        response = await stack.post(body, headers)
        assert response.status_code < 500, (content_type, response.text)


@pytest.mark.parametrize(
    "value",
    ["not-a-query", "A" * 10_000, "%00" * 100, '{"q":"x"}'],
    ids=["junk", "10kB", "nul", "json"],
)
async def test_malformed_button_values_get_one_clear_message(stack: Stack, value: str) -> None:
    since = len(stack.plivo.served)
    key, user, ack = await stack.click("recordings_next", value)
    assert ack.status_code == 200
    (message,) = await stack.slack.wait_for(key, 1)
    assert_valid(message)
    assert "Run the command again" in message["text"]
    assert message["replace_original"] is False
    # Unsigned: refused as damaged before anything reads it.
    await stack.bot.wait_for_lines(
        lambda line: f"user={user} " in line and "outcome=refused reason=button_" in line
    )
    assert stack.slack.attempts[key] == 1
    assert len(stack.plivo.served) == since  # nothing asked of Plivo


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "conference=" + "s" * 10_000,
        'conference="' + "sales " * 1700 + '"',
        "today\x00\x07\x1b[2J\r\nfrom=+14155550100\x7f",
        "conference=sales\nlast 14 days",
    ],
    ids=["10kB word", "10kB value", "10kB quoted", "control chars", "newline"],
)
async def test_long_or_odd_command_text_gets_a_clear_answer(stack: Stack, text: str) -> None:
    key, user, ack, ack_s = await stack.command(text)
    assert ack.status_code == 200 and ack_s < ACK_LIMIT_S
    if ack.text:  # refused in the ack: a parse error
        message = ack.json()
        assert "Problem with" in message["text"]
        assert not stack.slack.attempts[key]
    else:  # or searched, answered once
        message = await stack.only_answer(key, user)
    assert_valid(message)
    assert not control_characters(message)
    await stack.healthy()


# -- a whole support team at once -----------------------------------------------------------------


async def test_200_commands_from_50_senders_against_a_slow_plivo(busy: Stack) -> None:
    stack = busy
    stack.plivo.latency_s = 1.0
    sent: list[str] = []
    ack_times: list[float] = []

    async def sender(n: int) -> None:
        for _ in range(4):
            stack.serial += 1
            key, user = f"load{stack.serial}", f"ULOAD{n:02d}"
            sent.append(key)
            started = time.perf_counter()
            ack = await stack.post(command_body(TEXT, stack.slack.response_url(key), user=user))
            ack_times.append(time.perf_counter() - started)
            assert ack.status_code == 200 and ack.text == ""

    try:
        async with asyncio.TaskGroup() as group:
            for n in range(50):
                group.create_task(sender(n))
        assert len(ack_times) == 200 and max(ack_times) < ACK_LIMIT_S
        await stack.bot.wait_for_lines(
            lambda line: "event=command user=ULOAD" in line and "delivered=" in line,
            count=200,
            timeout=60,
        )
    finally:
        stack.plivo.latency_s = 0.0
    for key in sent:
        assert len(stack.slack.responses[key]) == 1 and stack.slack.attempts[key] == 1, key
        message = stack.slack.responses[key][0]
        assert message["text"].startswith("Recordings 1–10 of"), message["text"]
    assert_valid(stack.slack.responses[sent[-1]][0])
    await stack.healthy()


# -- the platform restarts it (runs last but one: stops the busy bot) ----------------------------


async def test_sigterm_lets_acknowledged_answers_finish_then_exits_0(busy: Stack) -> None:
    stack = busy
    stack.plivo.hold()  # every Plivo answer waits, so the commands are surely in flight
    in_flight = []
    for days in range(10, 15):
        # Five different ranges: searches of one range in flight share a Plivo request.
        key, user, ack, _ = await stack.command(f"conference=sales last {days} days")
        assert ack.status_code == 200
        in_flight.append((key, user))
    await stack.plivo.wait_held(5)

    await stack.bot.signal(signal.SIGTERM)
    stopped = time.perf_counter()
    # Logged once uvicorn has closed its listening socket and the app is shutting down.
    await stack.bot.wait_for_lines(lambda line: "shutdown: letting 5 answers finish" in line)
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", stack.bot.port)
    with pytest.raises(httpx.ConnectError):
        await stack.post(command_body(TEXT, stack.slack.response_url("late")))

    stack.plivo.release()
    for key, user in in_flight:
        message = await stack.only_answer(key, user)
        assert shown_ids(message) == stack.expected(message)
    assert time.perf_counter() - stopped < 25
    assert await stack.bot.wait(timeout=30) == 0
    assert not stack.slack.attempts["late"]


# -- what it logged (runs last) -------------------------------------------------------------------


async def test_logs_hold_no_token_secret_or_recording_url(stack: Stack, busy: Stack) -> None:
    for bot in (stack.bot, busy.bot):
        if bot.process is not None and bot.process.returncode is None:
            assert await bot.stop() == 0
    logs = stack.bot.logs + busy.bot.logs
    assert any("event=command" in line and "outcome=ok" in line for line in logs)
    assert any("plivo_error=" in line for line in logs)  # the faults were logged...
    assert any("[recording-url]" in line for line in logs)  # ...with Plivo's text, redacted
    media = "https://media.plivo.com/v1/Account/"
    forbidden = [BOT_TOKEN, SIGNING_SECRET, PLIVO_TOKEN, media, RECORDING_URL]
    forbidden += [row["recording_url"] for row in stack.sample.recordings[:200]]
    forbidden += [quote(text, safe="") for text in (BOT_TOKEN, SIGNING_SECRET, PLIVO_TOKEN, media)]
    for line in logs:
        for secret in forbidden:
            assert secret not in line, line
