"""Each user's zone from users.info: cached for an hour, and a failure never fails the command."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.timezones import UserTimezones
from tests.fakes.slack import BOT_TOKEN, FakeSlack


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack(user_zones={"U1": "America/Los_Angeles", "U2": "Mars/Olympus"}).start()
    yield fake
    await fake.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_zone_is_looked_up_once_per_hour(slack: FakeSlack) -> None:
    clock = Clock()
    zones = UserTimezones(
        AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC", clock=clock
    )
    assert await zones.get("U1") == "America/Los_Angeles"
    clock.now += 3599
    assert await zones.get("U1") == "America/Los_Angeles"
    assert len(slack.calls_to("users.info")) == 1
    clock.now += 2
    assert await zones.get("U1") == "America/Los_Angeles"
    assert len(slack.calls_to("users.info")) == 2


@pytest.mark.parametrize("user", ["U2", "UNKNOWN"])
async def test_unknown_user_or_zone_falls_back(slack: FakeSlack, user: str) -> None:
    zones = UserTimezones(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "Europe/Paris")
    assert await zones.get(user) == "Europe/Paris"


async def test_failing_or_slow_slack_falls_back(slack: FakeSlack) -> None:
    slack.users_info_fails = True
    zones = UserTimezones(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC")
    assert await zones.get("U1") == "UTC"
    slack.users_info_fails = False
    slack.users_info_delay_s = 1
    slow = UserTimezones(
        AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC", timeout_s=0.05
    )
    assert await slow.get("U1") == "UTC"


async def test_unreachable_slack_falls_back() -> None:
    zones = UserTimezones(
        AsyncWebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/"), "UTC"
    )
    assert await zones.get("U1") == "UTC"


async def test_fallback_is_remembered_only_briefly(slack: FakeSlack) -> None:
    clock = Clock()
    slack.users_info_fails = True
    zones = UserTimezones(
        AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC", clock=clock
    )
    assert await zones.get("U1") == "UTC"
    slack.users_info_fails = False
    clock.now += 61
    assert await zones.get("U1") == "America/Los_Angeles"


async def test_locale_comes_with_the_zone_in_the_same_call(slack: FakeSlack) -> None:
    slack.user_locales["U1"] = "en-GB"
    zones = UserTimezones(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC")
    assert await zones.profile("U1") == ("America/Los_Angeles", "en-GB")
    assert await zones.locale("U1") == "en-GB"
    assert await zones.get("U1") == "America/Los_Angeles"
    assert len(slack.calls_to("users.info")) == 1


async def test_no_locale_or_a_failing_slack_gives_none(slack: FakeSlack) -> None:
    zones = UserTimezones(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC")
    assert await zones.profile("U1") == ("America/Los_Angeles", None)
    slack.users_info_fails = True
    failing = UserTimezones(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url), "UTC")
    assert await failing.profile("U1") == ("UTC", None)
