"""The ASGI app against hostile requests, in-process: bodies Bolt cannot parse are a 400 with one
WARNING line and no traceback, whatever anyone sends is never a 5xx nor a traceback, replays and
Slack's retries have no effect, and failed signature checks are counted in the log."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.run.gate import SIGNATURE_WINDOW_S
from tests.conftest import action_body, command_body
from tests.run.test_server import EVENTS, Bot, bot, sign

__all__ = ["bot"]  # the module-scoped app of tests.run.test_server, shared here

pytestmark = pytest.mark.asyncio(loop_scope="module")
MB = 1024 * 1024


class Records(logging.Handler):
    """Every record logged anywhere while installed (hypothesis cannot use caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.exc_info or r.stack_info or "Traceback" in r.getMessage()
        ]


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def warnings(records: Records) -> list[logging.LogRecord]:
    return [r for r in records.records if r.levelno >= logging.WARNING]


# -- bodies Bolt cannot parse ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[" * 5000, "application/json"),
        (b"payload=" + b"%5B" * 5000, "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00bad", "application/x-www-form-urlencoded"),
        (b'{"type": "block_actions"}', "application/x-www-form-urlencoded"),
        (b"command=%2Frecordings&text=today", "application/json"),
    ],
)
async def test_a_signed_body_bolt_cannot_parse_is_400_with_one_warning(
    bot: Bot, records: Records, body: bytes, content_type: str
) -> None:
    response = await bot.post(body, sign(body) | {"content-type": content_type})
    assert 400 <= response.status_code < 500, response.text
    assert len(response.text) < 100
    assert records.tracebacks() == []
    assert len(warnings(records)) <= 1
    for record in records.records:
        message = record.getMessage()
        assert "[[[[" not in message and "%5B%5B" not in message
        assert "block_actions" not in message and "recordings" not in message  # no body
        assert "\n" not in message  # one line each


async def test_deep_nesting_gets_400_and_one_line_naming_it(bot: Bot, records: Records) -> None:
    body = b" " + b"[" * 5000  # not the body of the test above: that one was seen already
    response = await bot.post(body, sign(body) | {"content-type": "application/json"})
    assert response.status_code == 400 and response.text == "malformed request body\n"
    (line,) = warnings(records)
    assert "RecursionError" in line.getMessage() and "5001 bytes" in line.getMessage()


async def test_an_unsigned_body_is_refused_before_any_parser(bot: Bot, records: Records) -> None:
    body = b"[" * 5000
    headers = {"content-type": "application/json"}
    assert (await bot.post(body, headers)).status_code == 401
    assert records.tracebacks() == []


# -- anything at all ------------------------------------------------------------------------------

HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
HEADER_NAMES = st.sampled_from(
    [
        "content-type",
        "x-slack-retry-num",
        "x-slack-retry-reason",
        "content-encoding",
        "transfer-encoding-x",
        "x-forwarded-for",
        "accept",
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "application/json; charset=latin-1",
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "",
    ]
)
BODIES = st.one_of(
    st.binary(max_size=4096),
    st.integers(1, 20_000).map(lambda n: b"[" * n),
    st.integers(1, 20_000).map(lambda n: b'{"a":' * n),
    st.integers(1, 5_000).map(lambda n: b"payload=" + b"%5B" * n),
    st.text(max_size=500).map(lambda t: urlencode({"payload": t}).encode()),
    st.text(max_size=500).map(lambda t: t.encode("utf-16")),
)
_baseline: list[int] = []


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=BODIES,
    content_type=CONTENT_TYPES,
    extra=st.dictionaries(HEADER_NAMES, HEADER_VALUE, max_size=3),
    signed=st.booleans(),
)
async def test_arbitrary_bytes_and_headers_never_5xx_nor_a_traceback(
    bot: Bot, body: bytes, content_type: str, extra: dict[str, str], signed: bool
) -> None:
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        headers = {**extra, **(sign(body) if signed else {})}
        if content_type:
            headers["content-type"] = content_type
        encoded = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
        async with asyncio.timeout(10):
            response = await bot.http.post(EVENTS, content=body, headers=encoded)
    finally:
        root.removeHandler(handler)
    assert response.status_code < 500, (response.status_code, response.text)
    if not signed:
        assert response.status_code == 401
    assert handler.tracebacks() == []
    assert len(warnings(handler)) <= 1
    rss = psutil.Process().memory_info().rss
    if not _baseline:
        _baseline.append(rss)
    assert rss - _baseline[0] < 100 * MB  # nothing kept per request beyond its digest


# -- replays and retries --------------------------------------------------------------------------


async def test_a_replayed_command_is_answered_once(bot: Bot, records: Records) -> None:
    bot.app.replays.flush(force=True)  # what earlier tests left pending
    records.records.clear()
    key = bot.key()
    body = command_body("last 14 days", bot.slack.response_url(key))
    headers = sign(body.encode())
    first = await bot.post(body, headers)
    assert first.status_code == 200
    for _ in range(3):
        again = await bot.post(body, headers)
        assert again.status_code == 200 and again.text == ""
    await bot.settle()
    assert len(bot.slack.responses[key]) == 1
    replays = [r.getMessage() for r in warnings(records) if "replayed" in r.getMessage()]
    assert len(replays) == 1 and replays[0].startswith("1 replayed requests ignored from ")


async def test_a_replayed_click_is_answered_once(bot: Bot) -> None:
    key = bot.key()
    body = action_body("recordings_next", "junk", bot.slack.response_url(key))
    headers = sign(body.encode())
    assert (await bot.post(body, headers)).status_code == 200
    assert (await bot.post(body, headers)).status_code == 200
    await bot.settle()
    assert len(bot.slack.responses[key]) == 1


async def test_slacks_retry_does_not_run_a_command_twice(bot: Bot, records: Records) -> None:
    key = bot.key()
    body = command_body("last 3 days", bot.slack.response_url(key)).encode()
    assert (await bot.post(body, sign(body))).status_code == 200
    retry = sign(body, timestamp=int(time.time()) + 1) | {
        "x-slack-retry-num": "1",
        "x-slack-retry-reason": "http_timeout",
    }
    response = await bot.post(body, retry)
    assert response.status_code == 200 and response.text == ""
    await bot.settle()
    assert len(bot.slack.responses[key]) == 1
    assert warnings(records) == []  # Slack retrying is not an attack


async def test_a_retry_of_a_request_never_seen_is_run(bot: Bot) -> None:
    key = bot.key()
    body = command_body("last 2 days", bot.slack.response_url(key)).encode()
    retry = sign(body) | {"x-slack-retry-num": "2", "x-slack-retry-reason": "http_error"}
    assert (await bot.post(body, retry)).status_code == 200
    await bot.settle()
    assert len(bot.slack.responses[key]) == 1


async def test_an_expired_replay_is_refused_before_its_body_is_read(bot: Bot) -> None:
    body = command_body("today", bot.slack.response_url(bot.key())).encode()
    stale = sign(body, timestamp=int(time.time()) - SIGNATURE_WINDOW_S - 5)
    assert (await bot.post(body, stale)).status_code == 401


# -- probes ---------------------------------------------------------------------------------------


async def test_failed_signature_checks_are_counted_one_line_per_address(
    bot: Bot, records: Records
) -> None:
    bot.app.bad_signatures.flush(force=True)  # what earlier tests left pending
    records.records.clear()
    before = bot.app.bad_signatures.total
    body = command_body("today", bot.slack.response_url(bot.key())).encode()
    forged = sign(body) | {"x-slack-signature": "v0=" + "0" * 64}
    for _ in range(200):
        assert (await bot.post(body, forged)).status_code == 401
    assert bot.app.bad_signatures.total - before == 200
    first = [r for r in records.records if "failed signature checks" in r.getMessage()]
    assert [r.getMessage() for r in first] == [
        "1 failed signature checks from 127.0.0.1 in the last 60 s (latest: bad signature)"
    ]
    assert first[0].levelname == "WARNING"
    bot.app.bad_signatures.flush(force=True)  # what the minute's flush (or shutdown) writes
    lines = [r.getMessage() for r in records.records if "failed signature checks" in r.getMessage()]
    assert len(lines) == 2 and lines[1].startswith("199 failed signature checks from 127.0.0.1")
