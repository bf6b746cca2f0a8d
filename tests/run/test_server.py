"""The ASGI app (`bot.run.server.SlackAsgiApp`) in-process against abuse, with hypothesis, plus the
faults easier to stage in-process: a slow Slack, a `response_url` that times out, and a shutdown
whose grace runs out. Slack is faked on 127.0.0.1; Plivo is the sample data (or a faulty Plivo).

httpx's ASGITransport does not run the lifespan, so `Lifespan` sends start-up and shutdown itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN, Settings
from bot.logs import Redactor
from bot.plivo import PlivoClient
from bot.run.server import MAX_BODY_BYTES, SlackAsgiApp
from bot.runtime import Runtime
from bot.sample_api import SampleApi
from bot.slack.replies import ResponseUrlReplier
from tests.conftest import NOW, USER, action_body, command_body
from tests.fakes.faulty_plivo import FaultyPlivo
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack.test_app import assert_valid

pytestmark = pytest.mark.asyncio(loop_scope="module")

SECRET = "server-test-signing-secret-3e8a"
EVENTS = "/slack/events"
ACK_LIMIT_S = 3.0


def sign(body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest(),
    }


def settings_for(slack: FakeSlack, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": slack.api_url,
        "plivo_sample_data": True,
        "plivo_sample_now": NOW,
        "allow_everyone": True,  # closed by default; these tests are about an allowed person
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Lifespan:
    """Runs an ASGI app's lifespan protocol: `async with Lifespan(app):`."""

    def __init__(self, app: SlackAsgiApp) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> SlackAsgiApp:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        self._task = asyncio.create_task(self.app(scope, self._inbox.get, self._outbox.put))
        await self._inbox.put({"type": "lifespan.startup"})
        assert (await self._outbox.get())["type"] == "lifespan.startup.complete"
        return self.app

    async def __aexit__(self, *exc_info: object) -> None:
        await self._inbox.put({"type": "lifespan.shutdown"})
        assert (await self._outbox.get())["type"] == "lifespan.shutdown.complete"
        assert self._task is not None
        await self._task


class Bot:
    """The app behind an httpx client, and the fake Slack it talks to."""

    def __init__(self, app: SlackAsgiApp, slack: FakeSlack, http: httpx.AsyncClient) -> None:
        self.app, self.slack, self.http = app, slack, http
        self.serial = 0

    def key(self) -> str:
        self.serial += 1
        return f"s{self.serial}"

    async def post(
        self, body: bytes | str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        raw = body.encode() if isinstance(body, str) else body
        async with asyncio.timeout(10):  # never a hang
            return await self.http.post(EVENTS, content=raw, headers=headers or sign(raw))

    async def settle(self) -> None:
        assert self.app.runtime is not None
        assert await self.app.runtime.services.tasks.drain(20)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot() -> AsyncIterator[Bot]:
    slack = await FakeSlack(user_zones={USER: "America/Los_Angeles"}).start()
    # Hundreds of commands from one user here: the per-user limit is tested on its own.
    app = SlackAsgiApp(settings_for(slack, user_commands_per_min=10_000))
    async with Lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
            made = Bot(app, slack, http)
            yield made
            await made.settle()
    await slack.stop()


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


def control_characters(message: Any) -> list[str]:
    """The strings anywhere in a message that hold control characters."""
    if isinstance(message, str):
        return [message] if CONTROL.search(message) else []
    if isinstance(message, dict):
        return [text for item in message.values() for text in control_characters(item)]
    if isinstance(message, list):
        return [text for item in message for text in control_characters(item)]
    return []


def never_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)


# -- property-based: nothing anyone can send makes a 5xx ------------------------------------------

CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "application/octet-stream",
        "",
    ]
)
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=4096),
    content_type=CONTENT_TYPES,
    timestamp=st.one_of(st.none(), HEADER_TEXT, st.integers(-(10**20), 10**20).map(str)),
    signature=st.one_of(st.none(), HEADER_TEXT),
    signed=st.booleans(),
)
async def test_any_bytes_any_headers_never_a_5xx(
    bot: Bot,
    body: bytes,
    content_type: str,
    timestamp: str | None,
    signature: str | None,
    signed: bool,
) -> None:
    if signed:
        headers = sign(body)
    else:
        headers = {}
        if timestamp is not None:
            headers["x-slack-request-timestamp"] = timestamp
        if signature is not None:
            headers["x-slack-signature"] = signature
    if content_type:
        headers["content-type"] = content_type
    encoded = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    async with asyncio.timeout(10):
        response = await bot.http.post(EVENTS, content=body, headers=encoded)
    never_5xx(response)
    if not signed:
        assert response.status_code in (400, 401), response.text  # garbage, or not from Slack


JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.floats(allow_nan=False)
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
SLACK_KEYS = st.sampled_from(
    [
        "type",
        "actions",
        "user",
        "channel",
        "container",
        "team",
        "enterprise",
        "view",
        "message",
        "response_url",
        "api_app_id",
        "is_enterprise_install",
        "callback_id",
        "event",
        "token",
        "trigger_id",
    ]
)
ACTION = st.fixed_dictionaries(
    {"action_id": st.sampled_from(["recordings_next", "recordings_prev", "recordings_open", "x"])},
    optional={"value": st.one_of(st.text(max_size=200), JSON), "block_id": JSON, "type": JSON},
)
SHAPED = st.fixed_dictionaries(
    {
        "type": st.one_of(
            st.sampled_from(
                [
                    "block_actions",
                    "view_submission",
                    "shortcut",
                    "event_callback",
                    "url_verification",
                ]
            ),
            JSON,
        )
    },
    optional={
        "actions": st.one_of(st.lists(st.one_of(ACTION, JSON), max_size=2), JSON),
        "user": st.one_of(st.fixed_dictionaries({"id": JSON}), JSON),
        "channel": st.one_of(st.fixed_dictionaries({"id": JSON}), JSON),
        "container": JSON,
        "team": JSON,
        "view": JSON,
        "response_url": st.one_of(st.just("http://127.0.0.1:9/x"), JSON),
    },
)
BLOCK_ACTIONS = st.fixed_dictionaries(
    {
        "type": st.just("block_actions"),
        "actions": st.lists(st.one_of(ACTION, JSON), min_size=1, max_size=2),
    },
    optional={
        "user": st.one_of(st.fixed_dictionaries({"id": JSON}), JSON),
        "channel": st.one_of(st.fixed_dictionaries({"id": JSON}), st.text(max_size=5)),
        "container": JSON,
        "response_url": st.one_of(st.just("http://127.0.0.1:9/x"), JSON),
    },
)
PAYLOADS = st.one_of(BLOCK_ACTIONS, SHAPED, st.dictionaries(SLACK_KEYS, JSON, max_size=6), JSON)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=PAYLOADS, as_form=st.booleans())
async def test_signed_payloads_of_any_shape_never_a_5xx(
    bot: Bot, payload: Any, as_form: bool
) -> None:
    if as_form:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body = json.dumps(payload).encode()
        content_type = "application/json"
    headers = sign(body) | {"content-type": content_type}
    never_5xx(await bot.post(body, headers))


# 10 kB of text: hypothesis draws at most a few kB at once, so a drawn piece is repeated.
TEN_KB = st.text(min_size=1, max_size=40).map(lambda piece: (piece * 10_000)[:10_000])
FORM_TEXT = st.text(max_size=300) | st.text(st.characters(max_codepoint=0x3F), min_size=1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.dictionaries(
        st.sampled_from(["command", "text", "user_id", "channel_id", "response_url", "team_id"]),
        FORM_TEXT,
    ),
    command=st.sampled_from(["/recordings", "/other", ""]),
)
async def test_signed_commands_with_any_fields_never_a_5xx(
    bot: Bot, fields: dict[str, str], command: str
) -> None:
    if command:
        fields = {**fields, "command": command}
    response = await bot.post(urlencode(fields))
    never_5xx(response)
    if response.status_code == 200 and response.text:
        assert_valid(response.json())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400) | TEN_KB)
async def test_any_command_text_gets_an_ack_within_3s_and_a_valid_message(
    bot: Bot, text: str
) -> None:
    key = bot.key()
    started = time.perf_counter()
    response = await bot.post(command_body(text, bot.slack.response_url(key)))
    assert response.status_code == 200 and time.perf_counter() - started < ACK_LIMIT_S
    await bot.settle()
    messages = [response.json()] if response.text else bot.slack.responses[key]
    assert len(messages) == 1, messages  # the ack, or exactly one answer
    assert_valid(messages[0])
    assert not control_characters(messages[0])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(max_size=300) | TEN_KB)
async def test_any_button_value_gets_one_valid_message(bot: Bot, value: str) -> None:
    key = bot.key()
    response = await bot.post(action_body("recordings_next", value, bot.slack.response_url(key)))
    assert response.status_code == 200
    await bot.settle()
    (message,) = bot.slack.responses[key]
    assert_valid(message)


# -- abuse, one by one ----------------------------------------------------------------------------


async def test_a_declared_oversized_body_is_refused_without_reading_it(bot: Bot) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": EVENTS,
        "query_string": b"",
        "headers": [(b"content-length", str(MAX_BODY_BYTES + 1).encode())],
    }
    await bot.app(scope, receive, send)
    assert sent[0]["status"] == 413


async def test_a_streamed_oversized_body_is_413(bot: Bot) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"x" * 10_000

    response = await bot.http.post(EVENTS, content=chunks(), headers=sign(b""))
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-slack-request-timestamp", "12345abc"),
        ("x-slack-request-timestamp", "1" * 400),
        ("x-slack-request-timestamp", "١٢٣"),
        ("x-slack-signature", "v0=é"),
    ],
)
async def test_signature_headers_bolt_would_choke_on_are_401(
    bot: Bot, name: str, value: str
) -> None:
    body = command_body("today", bot.slack.response_url(bot.key())).encode()
    headers = [(k.encode(), v.encode()) for k, v in sign(body).items() if k != name]
    headers.append((name.encode(), value.encode()))
    response = await bot.http.post(EVENTS, content=body, headers=headers)
    assert response.status_code == 401


async def test_a_click_with_odd_shapes_still_gets_its_answer(bot: Bot) -> None:
    key = bot.key()
    body = action_body("recordings_next", "junk", bot.slack.response_url(key))
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["user"], payload["channel"], payload["container"] = "U0ODD", "C0ODD", ["x"]
    response = await bot.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status_code == 200
    await bot.settle()
    (message,) = bot.slack.responses[key]
    assert "Run the command again" in message["text"] and message["replace_original"] is False


async def test_a_crash_while_acking_a_command_is_a_clear_message(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bot.app.runtime is not None

    async def broken(user_id: str) -> str:
        raise RuntimeError("zone lookup exploded")

    monkeypatch.setattr(bot.app.runtime.services.timezones, "get", broken)
    response = await bot.post(command_body("today", bot.slack.response_url(bot.key())))
    assert response.status_code == 200
    message = response.json()
    assert_valid(message)
    assert "went wrong on my side" in message["text"]
    unsigned = command_body("today", bot.slack.response_url(bot.key()))
    forged = sign(unsigned.encode()) | {"x-slack-signature": "v0=" + "0" * 64}
    assert (await bot.post(unsigned, forged)).status_code == 401


async def test_an_unusable_response_url_is_not_retried(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = command_body("today", "").replace("response_url=&", "")
    response = await bot.post(body)
    assert response.status_code == 200
    await bot.settle()
    assert any("unusable response_url" in r.getMessage() for r in caplog.records)
    assert not any("reply failed" in r.getMessage() for r in caplog.records)


async def test_the_health_check_stays_up(bot: Bot) -> None:
    response = await bot.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"ok": True}


# -- Slack slow or failing ------------------------------------------------------------------------


class FlakySlack(FakeSlack):
    """FakeSlack whose response_url attempts can each be made slow (then answered 504), and whose
    `auth.test` can be slow too (`users_info_delay_s` already slows `users.info`)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.slow_attempts: list[float] = []
        self.auth_test_delay_s = 0.0

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "auth.test" and self.auth_test_delay_s:
            await asyncio.sleep(self.auth_test_delay_s)  # the fake's deliberate latency
        return await super()._api(request)

    async def _response(self, request: web.Request) -> web.Response:
        if self.slow_attempts:
            delay = self.slow_attempts.pop(0)
            self.attempts[request.match_info["key"]] += 1
            await asyncio.sleep(delay)  # the fake's deliberate latency, past the client's timeout
            return web.Response(status=504, text="too late")
        return await super()._response(request)


@pytest_asyncio.fixture(loop_scope="module")
async def flaky() -> AsyncIterator[tuple[FlakySlack, Runtime]]:
    slack = await FlakySlack(user_zones={USER: "America/Los_Angeles"}).start()
    plivo = PlivoClient(
        auth_id=SAMPLE_AUTH_ID,
        auth_token=SAMPLE_AUTH_TOKEN,
        transport=httpx.MockTransport(SampleApi(now=NOW).handler),
    )
    replier = ResponseUrlReplier(timeout_s=0.3, backoff_s=0.05, slack_api_url=slack.api_url)
    runtime = await Runtime.start(
        settings_for(slack),
        plivo=plivo,
        replier=replier,
        clock=lambda: NOW,
        signing_secret=SECRET,
    )
    yield slack, runtime
    await runtime.stop()
    await replier.aclose()
    await slack.stop()


async def _dispatch(runtime: Runtime, body: str) -> httpx.Response:
    app = SlackAsgiApp(runtime.settings)
    app.runtime = runtime
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as http:
        return await http.post(EVENTS, content=body.encode(), headers=sign(body.encode()))


async def test_a_response_url_timeout_is_retried_and_delivered_once(
    flaky: tuple[FlakySlack, Runtime],
) -> None:
    slack, runtime = flaky
    slack.slow_attempts[:] = [0.6]  # the first post outlives the replier's 0.3 s timeout
    response = await _dispatch(runtime, command_body("today", slack.response_url("t1")))
    assert response.status_code == 200
    (message,) = await slack.wait_for("t1")
    assert_valid(message)
    assert await runtime.services.tasks.drain(10)
    assert slack.attempts["t1"] == 2 and len(slack.responses["t1"]) == 1


async def test_a_response_url_that_keeps_timing_out_is_given_up(
    flaky: tuple[FlakySlack, Runtime], caplog: pytest.LogCaptureFixture
) -> None:
    slack, runtime = flaky
    caplog.set_level(logging.INFO)
    slack.slow_attempts[:] = [0.6] * 4
    response = await _dispatch(runtime, command_body("today", slack.response_url("t2")))
    assert response.status_code == 200
    assert await runtime.services.tasks.drain(10)
    assert slack.attempts["t2"] == 4 and not slack.responses["t2"]
    logged = [r.getMessage() for r in caplog.records]
    assert any("reply lost after 4 attempts: TimeoutError" in line for line in logged)
    assert any("delivered=False" in line for line in logged)


async def test_a_slow_slack_api_does_not_delay_the_first_ack_past_3s(
    flaky: tuple[FlakySlack, Runtime],
) -> None:
    slack, runtime = flaky  # a runtime just started: this is its first command
    slack.users_info_delay_s = 3.5  # slower than the ack may take; the lookup's budget is 1.5 s
    slack.auth_test_delay_s = 3.5
    started = time.perf_counter()
    body = command_body("today", slack.response_url("t3"), user="U0SLOWZONE")
    response = await _dispatch(runtime, body)
    assert response.status_code == 200 and time.perf_counter() - started < ACK_LIMIT_S
    (message,) = await slack.wait_for("t3")
    assert_valid(message)
    assert "UTC" in json.dumps(message)  # the default zone stood in


# -- shutdown whose grace runs out ----------------------------------------------------------------


async def test_answers_cut_off_by_shutdown_say_so_once() -> None:
    slack = await FakeSlack().start()
    plivo = await FaultyPlivo(SampleApi(now=NOW)).start()
    plivo.hold()
    client = PlivoClient(
        auth_id=SAMPLE_AUTH_ID, auth_token=SAMPLE_AUTH_TOKEN, base_url=plivo.url, timeout_s=30
    )
    runtime = await Runtime.start(
        settings_for(slack), plivo=client, clock=lambda: NOW, signing_secret=SECRET
    )
    try:
        # Two different searches (identical ones in flight would share one Plivo request).
        for key, text in (("c1", "today"), ("c2", "today limit=5")):
            response = await _dispatch(runtime, command_body(text, slack.response_url(key)))
            assert response.status_code == 200
        await plivo.wait_held(2)
        await runtime.stop(grace_s=0.2)  # Plivo still has not answered
        for key in ("c1", "c2"):
            (message,) = slack.responses[key]
            assert_valid(message)
            assert "run the command again" in message["text"]
            assert message["replace_original"] is False
            assert slack.attempts[key] == 1
    finally:
        await plivo.stop()
        await slack.stop()


# -- logs -----------------------------------------------------------------------------------------


async def test_a_log_line_cannot_be_forged_from_user_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redactor())
    logger = logging.getLogger("test.server.forged")
    logger.handlers, logger.propagate = [handler], False
    logger.warning("token=%s", "x\n2026-01-01 ERROR bot forged\r\x1b[2J\u2028")
    assert stream.getvalue().count("\n") == 1
    assert "\x1b" not in stream.getvalue() and "\\n2026" in stream.getvalue()
