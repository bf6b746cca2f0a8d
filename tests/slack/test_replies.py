"""Delivery to response_url: bounded retries with backoff, never after a 2xx, none after a 4xx.

Slack is a real local server here (the replier speaks aiohttp, which no httpx mock reaches).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.slack.replies import ResponseUrlReplier, slack_origins, slack_url
from tests.fakes.slack import FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def made(slack: FakeSlack) -> AsyncIterator[tuple[ResponseUrlReplier, list[float]]]:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    replier = ResponseUrlReplier(
        sleep=sleep, attempts=4, timeout_s=0.5, slack_api_url=slack.api_url
    )
    yield replier, delays
    await replier.aclose()


async def test_first_success_is_final(slack: FakeSlack, made: tuple) -> None:
    replier, delays = made
    assert await replier.reply(slack.response_url("a"), {"text": "hi ✓"}) is True
    assert slack.attempts["a"] == 1 and delays == []
    assert slack.responses["a"] == [{"text": "hi ✓"}]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_transient_failures_are_retried_then_delivered(
    slack: FakeSlack, made: tuple, status: int
) -> None:
    replier, delays = made
    slack.response_statuses = [status, status]
    assert await replier.reply(slack.response_url("b"), {"text": "hi"}) is True
    assert slack.attempts["b"] == 3 and len(slack.responses["b"]) == 1
    assert len(delays) == 2 and delays[1] > delays[0]  # backoff grows, jitter included


async def test_a_slow_slack_is_retried(slack: FakeSlack, made: tuple) -> None:
    replier, delays = made
    slack.response_delay_s = 1.0  # past the replier's 0.5 s timeout, every time
    assert await replier.reply(slack.response_url("slow"), {"text": "hi"}) is False
    assert slack.attempts["slow"] == 4 and len(delays) == 3


async def test_an_unreachable_slack_is_retried_then_given_up() -> None:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    replier = ResponseUrlReplier(sleep=sleep, slack_api_url="http://127.0.0.1:9/api/")
    try:
        assert await replier.reply("http://127.0.0.1:9/response/x", {"text": "hi"}) is False
    finally:
        await replier.aclose()
    assert len(delays) == 3


async def test_retries_are_bounded(slack: FakeSlack, made: tuple) -> None:
    replier, delays = made
    slack.response_statuses = [503] * 10
    assert await replier.reply(slack.response_url("c"), {"text": "hi"}) is False
    assert slack.attempts["c"] == 4 and len(delays) == 3


@pytest.mark.parametrize("status", [400, 403, 404, 410])
async def test_client_errors_are_not_retried(slack: FakeSlack, made: tuple, status: int) -> None:
    replier, delays = made
    slack.response_statuses = [status]
    assert await replier.reply(slack.response_url("d"), {"text": "hi"}) is False
    assert slack.attempts["d"] == 1 and delays == []


@pytest.mark.parametrize("url", ["", "not a url", "ftp://example.test/x", "http://"])
async def test_unusable_urls_are_given_up_at_once(made: tuple, url: str) -> None:
    replier, delays = made
    assert await replier.reply(url, {"text": "hi"}) is False
    assert delays == []


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T0/1/abc",
        "https://HOOKS.slack.com/actions/T0/1/abc",
        "https://hooks.slack.com:443/commands/T0/1/abc",
    ],
)
def test_slacks_own_hooks_are_allowed(url: str) -> None:
    assert slack_url(url, slack_origins()) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/commands/T0/1/abc",
        "http://hooks.slack.com/commands/T0/1/abc",  # not over TLS
        "https://hooks.slack.com.evil.example/commands",
        "https://hooks.slack.com@evil.example/commands",
        "https://evil.example\\@hooks.slack.com/commands",
        "https://hooks.slack.com:8443/commands",
        "https://slack.com.evil.example/api/",
        "//hooks.slack.com/commands",
    ],
)
def test_other_hosts_are_not(url: str) -> None:
    assert slack_url(url, slack_origins("https://slack.com/api/")) is None


async def test_a_response_url_on_another_host_is_never_posted_to(
    slack: FakeSlack, made: tuple, caplog: pytest.LogCaptureFixture
) -> None:
    replier, delays = made
    other = await FakeSlack().start()  # a real server, on another port: it must see nothing
    try:
        assert await replier.reply(other.response_url("x"), {"text": "hi"}) is False
        assert other.attempts == {} and other.responses == {}
    finally:
        await other.stop()
    assert delays == []
    (line,) = [r for r in caplog.records if "not Slack's" in r.getMessage()]
    assert line.levelname == "WARNING" and "/response/" not in line.getMessage()
