"""Delivery to response_url: bounded retries with backoff, never after a 2xx, none after a 4xx."""

from __future__ import annotations

import httpx
import pytest

from bot.replies import ResponseUrlReplier

URL = "https://hooks.slack.test/commands/T1/1/abc"


def _replier(
    outcomes: list[int | Exception],
) -> tuple[ResponseUrlReplier, list[httpx.Request], list[float]]:
    seen: list[httpx.Request] = []
    delays: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        outcome = outcomes.pop(0) if outcomes else 200
        if isinstance(outcome, Exception):
            raise outcome
        return httpx.Response(outcome, text="ok")

    async def sleep(delay: float) -> None:
        delays.append(delay)

    replier = ResponseUrlReplier(transport=httpx.MockTransport(handler), sleep=sleep, attempts=4)
    return replier, seen, delays


async def test_first_success_is_final() -> None:
    replier, seen, delays = _replier([200])
    assert await replier.reply(URL, {"text": "hi"}) is True
    assert len(seen) == 1 and delays == []
    assert seen[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "failure", [500, 502, 503, 429, httpx.ConnectError("reset"), httpx.ReadTimeout("slow")]
)
async def test_transient_failures_are_retried_then_delivered(failure: int | Exception) -> None:
    replier, seen, delays = _replier([failure, failure, 200])
    assert await replier.reply(URL, {"text": "hi"}) is True
    assert len(seen) == 3
    assert len(delays) == 2 and delays[1] > delays[0] * 0.9  # backoff grows (with jitter)


async def test_retries_are_bounded() -> None:
    replier, seen, delays = _replier([503] * 10)
    assert await replier.reply(URL, {"text": "hi"}) is False
    assert len(seen) == 4 and len(delays) == 3


@pytest.mark.parametrize("status", [400, 403, 404, 410])
async def test_client_errors_are_not_retried(status: int) -> None:
    replier, seen, _ = _replier([status])
    assert await replier.reply(URL, {"text": "hi"}) is False
    assert len(seen) == 1
