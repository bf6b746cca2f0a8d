"""Delivery to response_url: bounded retries with backoff, never after a 2xx, none after a 4xx.

Slack is a real local server here (the replier speaks aiohttp, which no httpx mock reaches).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.slack.replies import ResponseUrlReplier
from tests.fakes.slack import FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def made() -> AsyncIterator[tuple[ResponseUrlReplier, list[float]]]:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    replier = ResponseUrlReplier(sleep=sleep, attempts=4, timeout_s=0.5)
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


async def test_an_unreachable_slack_is_retried_then_given_up(made: tuple) -> None:
    replier, delays = made
    assert await replier.reply("http://127.0.0.1:9/response/x", {"text": "hi"}) is False
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
