"""Each person's share: at most USER_COMMANDS_PER_MIN commands and clicks a minute, counted over a
sliding minute (a fake clock here); beyond, an ephemeral "slow down" and no Plivo request."""

from __future__ import annotations

import json

import pytest

from bot.slack import blocks
from bot.slack.user_limits import UserLimits
from tests.conftest import USER, Harness, HarnessFactory
from tests.slack.test_app import assert_valid, buttons
from tests.slack.test_listen import listen_values


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides() -> None:
    clock = Clock()
    limits = UserLimits(3, clock=clock)
    assert [limits.check("U1") for _ in range(3)] == [0, 0, 0]
    assert limits.check("U1") == 60
    assert limits.check("U2") == 0  # another person is not held up
    clock.now += 59.5
    assert limits.check("U1") == 1  # half a second left: rounded up, never 0
    clock.now += 0.5
    assert limits.check("U1") == 0  # the first start aged out
    assert limits.check("U1") == 0 and limits.check("U1") == 0
    assert limits.check("U1") == 60


def test_refusals_do_not_count() -> None:
    clock = Clock()
    limits = UserLimits(1, clock=clock)
    assert limits.check("U1") == 0
    for _ in range(100):
        clock.now += 0.5
        assert limits.check("U1") > 0
    clock.now = 160.0
    assert limits.check("U1") == 0


def test_quiet_users_are_forgotten_when_the_table_is_full() -> None:
    clock = Clock()
    limits = UserLimits(5, clock=clock, max_users=10)
    for n in range(10):
        limits.check(f"U{n}")
    clock.now += 61
    limits.check("Unew")
    assert len(limits._starts) == 1


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="per_minute"):
        UserLimits(0)


async def test_beyond_the_limit_a_command_is_told_to_slow_down_and_plivo_is_not_asked(
    make_harness: HarnessFactory,
) -> None:
    h: Harness = await make_harness(user_commands_per_min=3)
    clock = Clock()
    h.services.user_limits = UserLimits(3, clock=clock)
    for _ in range(3):
        ack, posted = await h.command("last 2 hours")
        assert ack.body == "" and len(posted) == 1
    asked = len(h.plivo_requests)
    clock.now += 20
    ack, posted = await h.command("last 2 hours")
    assert ack.status == 200 and posted == []
    assert_valid(json.loads(ack.body))
    assert "Slow down" in ack.body and "Try again in 40 s" in ack.body
    assert "/recordings last 2 hours" in ack.body  # it quotes what they typed
    assert len(h.plivo_requests) == asked
    # Someone else is served meanwhile.
    ack, posted = await h.command("last 2 hours", user="U0SOMEONE")
    assert len(posted) == 1
    clock.now += 40
    ack, posted = await h.command("last 2 hours")
    assert len(posted) == 1


async def test_clicks_count_too(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    h.services.user_limits = UserLimits(2, clock=Clock())
    _, posted = await h.command("conference=sales last 30 days")
    value = buttons(posted[0])[blocks.ACTION_NEXT]["value"]
    _, posted = await h.click(blocks.ACTION_NEXT, value)
    assert posted[0].get("replace_original") is True
    asked = len(h.plivo_requests)
    _, posted = await h.click(blocks.ACTION_NEXT, value, user=USER)
    (slow,) = posted
    assert_valid(slow)
    assert "Slow down" in slow["text"] and slow["replace_original"] is False
    assert len(h.plivo_requests) == asked


async def test_listen_clicks_count_too(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(public_url="https://bot.example.com")
    h.services.user_limits = UserLimits(1, clock=Clock())
    _, posted = await h.command("conference=sales last 7 days")
    (value, *_) = listen_values(posted[0])
    _, posted = await h.click(blocks.ACTION_LISTEN, value)
    (slow,) = posted
    assert "Slow down" in slow["text"] and slow["replace_original"] is False
    assert "/listen/" not in json.dumps(slow)


async def test_export_clicks_count_too(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    h.services.user_limits = UserLimits(1, clock=Clock())
    _, posted = await h.command("conference=sales last 7 days")
    value = buttons(posted[0])[blocks.ACTION_EXPORT]["value"]
    asked = len(h.plivo_requests)
    _, posted = await h.click(blocks.ACTION_EXPORT, value)
    (slow,) = posted
    assert "Slow down" in slow["text"] and slow["replace_original"] is False
    await h.services.tasks.drain(10)
    assert len(h.plivo_requests) == asked  # no export was started
