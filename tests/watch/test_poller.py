"""The one poll for all watches, on a real database (SQLite and PostgreSQL), the sample Plivo API
in-process and the fake Slack on 127.0.0.1, with a pinned clock."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import httpx
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.plivo import PlivoClient
from bot.sample_api import SampleApi
from bot.signing import BadSignature, Signer
from bot.store import Lease, Store, open_store
from bot.watch.poller import WatchPoller
from bot.watch.poster import SlackPoster
from tests.conftest import NOW, mock_plivo
from tests.fakes.slack import BOT_TOKEN, FakeSlack

CHANNEL = "C0SUPPORT"
OTHER = "C0SALES"
CALLER = "+14155550199"
SIGNER = Signer("test-button-secret", "button")


class Clock:
    def __init__(self) -> None:
        self.now = NOW.timestamp()

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    store: Store
    sample: SampleApi
    slack: FakeSlack
    plivo: PlivoClient
    requests: list[httpx.Request]
    clock: Clock
    poller: WatchPoller

    def add(self, seconds_from_now: float, **fields: str) -> str:
        body = self.sample.add(NOW + timedelta(seconds=seconds_from_now), **fields)
        return str(body["recording_id"])

    def new_poller(self, store: Store) -> WatchPoller:
        return WatchPoller(
            store.watches,
            Lease(store.engine, "watch-poll", "test", 75.0, clock=self.clock),
            self.plivo,
            self.poller.poster,
            interval_s=60.0,
            overlap_s=300.0,
            clock=self.clock,
        )


@pytest.fixture
async def rig(database_url: tuple[str | None, str]) -> AsyncIterator[Rig]:
    sample = SampleApi(now=NOW, count=400)
    requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return await sample.handler(request)

    clock = Clock()
    store = await open_store(*database_url)
    store.watches._clock = clock
    slack = await FakeSlack().start()
    plivo = mock_plivo(handler)
    poster = SlackPoster(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url))
    poller = WatchPoller(
        store.watches,
        Lease(store.engine, "watch-poll", "test", 75.0, clock=clock),
        plivo,
        poster,
        interval_s=60.0,
        overlap_s=300.0,
        sign_for=lambda watch: partial(SIGNER.sign, team=watch.team, channel=watch.channel),
        clock=clock,
    )
    yield Rig(store, sample, slack, plivo, requests, clock, poller)
    await plivo.aclose()
    await slack.stop()
    await store.aclose()


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


async def test_one_request_for_all_watches_and_each_recording_posted_once(rig: Rig) -> None:
    w = rig.store.watches
    support = await w.create(
        team="T", channel=CHANNEL, creator="U1", filters={"conference_name": "support"}
    )
    caller = await w.create(team="T", channel=OTHER, creator="U2", filters={"from_number": CALLER})
    rig.clock.now += 30
    first = rig.add(10, conference_name="support", from_number=CALLER, to_number="+14155550100")
    rig.add(12, conference_name="Support")  # Plivo matches names exactly: not this watch's
    second = rig.add(20, conference_name="support")

    result = await rig.poller.poll_once()
    assert len(rig.requests) == 1  # one request, whatever the number of watches
    params = rig.requests[0].url.params
    assert set(params) == {"add_time__gte", "add_time__lte", "limit", "offset"}
    (post,) = rig.slack.posts[CHANNEL]
    assert post["text"] == "2 new recordings · conference support"
    bodies = {b["recording_id"]: b for b in rig.sample.recordings[:3]}
    shown = [b["call_uuid"] for b in (bodies[first], bodies[second])]
    text = _dump(post["blocks"])
    assert [text.index(call) > 0 for call in shown] == [True, True]
    assert text.index(shown[0]) < text.index(shown[1])  # oldest first, as they happened
    (other,) = rig.slack.posts[OTHER]
    assert other["text"] == "1 new recording · from …0199"
    assert CALLER not in _dump(other) and "…0199 → …0100" in _dump(other)  # masked
    assert "media.plivo.com" not in _dump(rig.slack.posts)  # no media URL reaches Slack
    # Each line's ▶ Listen button names its recording, signed for the watch's team and channel.
    listen = [b["accessory"] for b in post["blocks"] if "accessory" in b]
    assert [b["action_id"] for b in listen] == ["recordings_listen"] * 2
    assert [SIGNER.verify(b["value"], team="T", channel=CHANNEL) for b in listen] == [first, second]
    with pytest.raises(BadSignature):
        SIGNER.verify(listen[0]["value"], team="T", channel=OTHER)
    assert result.posted == 3

    # The next poll reaches back over the same recordings: nothing is posted twice.
    rig.clock.now += 60
    third = rig.add(70, conference_name="support")
    await rig.poller.poll_once()
    assert [p["text"] for p in rig.slack.posts[CHANNEL]] == [
        "2 new recordings · conference support",
        "1 new recording · conference support",
    ]
    assert len(rig.slack.posts[OTHER]) == 1
    found = await w.get(support.id)
    assert found is not None and found.posted == 3
    assert (await w.get(caller.id)).posted == 1  # type: ignore[union-attr]
    assert third in {b["recording_id"] for b in rig.sample.recordings[:1]}


async def test_recordings_saved_before_the_watch_are_not_posted(rig: Rig) -> None:
    rig.add(-30, conference_name="support")
    rig.clock.now += 1
    await rig.store.watches.create(
        team="T", channel=CHANNEL, creator="U1", filters={"conference_name": "support"}
    )
    await rig.poller.poll_once()
    assert rig.slack.posts[CHANNEL] == []


async def test_many_at_once_are_paged_and_batched(rig: Rig) -> None:
    await rig.store.watches.create(
        team="T", channel=CHANNEL, creator="U1", filters={"mpc_name": "ops"}
    )
    rig.clock.now += 100
    ids = [rig.add(1 + n, mpc_name="ops") for n in range(25)]
    await rig.poller.poll_once()
    assert len(rig.requests) >= 2  # 25 new recordings: more than one page of 20
    posts = rig.slack.posts[CHANNEL]
    assert [p["text"] for p in posts] == [
        "10 new recordings · MPC ops",
        "10 new recordings · MPC ops",
        "5 new recordings · MPC ops",
    ]
    assert sum(len(p["blocks"]) - 2 for p in posts) == len(ids)


async def test_a_restart_loses_no_watch_and_posts_nothing_twice(
    rig: Rig, database_url: tuple[str | None, str]
) -> None:
    await rig.store.watches.create(
        team="T", channel=CHANNEL, creator="U1", filters={"mpc_name": "ops"}
    )
    rig.clock.now += 30
    rig.add(10, mpc_name="ops")
    await rig.poller.poll_once()
    assert len(rig.slack.posts[CHANNEL]) == 1

    restarted = await open_store(*database_url)
    restarted.watches._clock = rig.clock
    try:
        poller = rig.new_poller(restarted)
        rig.clock.now += 60
        rig.add(80, mpc_name="ops")
        await poller.poll_once()
        assert [p["text"] for p in rig.slack.posts[CHANNEL]] == [
            "1 new recording · MPC ops",
            "1 new recording · MPC ops",
        ]
    finally:
        await restarted.aclose()


async def test_a_channel_that_refuses_posts_pauses_the_watch_and_tells_its_creator_once(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    watch = await rig.store.watches.create(
        team="T", channel=CHANNEL, creator="U1", filters={"mpc_name": "ops"}
    )
    rig.slack.channel_errors[CHANNEL] = "is_archived"
    rig.clock.now += 30
    rig.add(10, mpc_name="ops")
    with caplog.at_level(logging.INFO, logger="bot.audit"):
        await rig.poller.poll_once()
        rig.clock.now += 60
        rig.add(70, mpc_name="ops")
        await rig.poller.poll_once()
    paused = await rig.store.watches.get(watch.id)
    assert paused is not None and paused.paused and paused.paused_reason == "is_archived"
    assert rig.slack.calls_to("conversations.open") == [{"users": "U1"}]
    (dm,) = rig.slack.posts["D1"]
    assert "archived" in dm["text"] and str(watch.id) in dm["text"]
    assert rig.slack.posts[CHANNEL] == []
    audits = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.audit"]
    assert [a["outcome"] for a in audits if a["event"] == "watch.removed"] == ["paused"]


async def test_a_failed_post_is_tried_again_and_then_posted_once(rig: Rig) -> None:
    await rig.store.watches.create(
        team="T", channel=CHANNEL, creator="U1", filters={"mpc_name": "ops"}
    )
    rig.slack.channel_errors[CHANNEL] = "ratelimited"
    rig.clock.now += 30
    rid = rig.add(10, mpc_name="ops")
    await rig.poller.poll_once()
    assert rig.slack.posts[CHANNEL] == []
    del rig.slack.channel_errors[CHANNEL]
    rig.clock.now += 61
    await rig.poller.poll_once()
    rig.clock.now += 60
    await rig.poller.poll_once()
    (post,) = rig.slack.posts[CHANNEL]
    assert post["text"] == "1 new recording · MPC ops"
    assert rid  # the one recording, once
