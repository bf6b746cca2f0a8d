"""`/recordings watch …` and `unwatch …` through the real app (Bolt, listeners, access check), with
a database in a temporary folder and the fake Slack receiving the channel's posts."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.conftest import CHANNEL, USER, HarnessFactory


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


async def test_watch_posts_a_notice_and_watch_list_shows_it(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    harness = await make_harness(durable=True)
    with caplog.at_level(logging.INFO, logger="bot.audit"):
        response, answers = await harness.command('watch conference="Customer Success"')
    assert response.status == 200 and response.body == ""
    assert answers == []  # the notice in the channel is the answer
    (notice,) = harness.slack.posts[CHANNEL]
    assert "Customer Success" in notice["text"] and "Watch 1 started" in notice["text"]
    assert "/recordings unwatch 1" in _text(notice["blocks"])
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "bot.audit"]
    assert line["event"] == "watch.created" and line["user"] == USER
    assert line["filters"] == {"conference_name": "Customer Success"}

    _, (listing,) = await harness.command("watch list")
    assert listing["response_type"] == "ephemeral"
    body = _text(listing["blocks"])
    assert "*1* · conference *Customer Success*" in body and f"<@{USER}>" in body
    assert "0 posted" in body
    _, (elsewhere,) = await harness.command("watch list", channel="C0ELSEWHERE")
    assert "No watches in this channel" in elsewhere["text"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("watch conference=support since yesterday", "a watch has no time range"),
        ("watch conference=support last 2 hours", "a watch has no time range"),
        ("watch conference=support limit=5", "do not apply to a watch"),
        ("watch conference support yesterday", "a watch has no time range"),
        ("watch sub=SA1234567890ABCDEFGH", "cannot follow a subaccount"),
        ("watch", "What should I watch?"),
        ("watch confrence=support", "did you mean"),
        ("unwatch", "Which watch?"),
        ("unwatch three", "is not a watch number"),
    ],
)
async def test_mistakes_are_answered_in_the_ack(
    make_harness: HarnessFactory, text: str, says: str
) -> None:
    harness = await make_harness(durable=True)
    response, answers = await harness.command(text)
    message = json.loads(response.body)
    assert says in _text(message) and text.split()[0] in message["text"]
    assert answers == [] and harness.slack.posts[CHANNEL] == []
    assert await harness.services.watching.store.in_channel(CHANNEL) == []


async def test_a_channel_the_bot_cannot_post_in_says_how_to_invite_it(
    make_harness: HarnessFactory,
) -> None:
    harness = await make_harness(durable=True)
    harness.slack.channel_errors[CHANNEL] = "not_in_channel"
    _, (answer,) = await harness.command("watch mpc=war-room")
    assert "/invite @recordings" in _text(answer) and "watch mpc=war-room" in _text(answer)
    assert answer["response_type"] == "ephemeral"
    assert await harness.services.watching.store.in_channel(CHANNEL) == []


async def test_a_watch_reads_filters_as_a_search_does(make_harness: HarnessFactory) -> None:
    harness = await make_harness(durable=True)
    await harness.command("watch from 415 555 0100 mpc war-room")
    (watch,) = await harness.services.watching.store.in_channel(CHANNEL)
    assert watch.filters == {"from_number": "+14155550100", "mpc_name": "war-room"}


async def test_unwatch_one_all_and_unknown(make_harness: HarnessFactory) -> None:
    harness = await make_harness(durable=True)
    for name in ("a", "b", "c"):
        await harness.command(f"watch mpc={name}")
    await harness.command("watch mpc=elsewhere", channel="C0OTHER")

    _, (gone,) = await harness.command("unwatch 2")
    assert gone["response_type"] == "in_channel"
    assert "stopped watch *2* (MPC *b*)" in _text(gone)
    _, (unknown,) = await harness.command("unwatch 2 4")  # 4 is another channel's
    assert "No watch 2, 4 in this channel" in unknown["text"]
    _, (rest,) = await harness.command("unwatch all")
    assert "stopped watches *1* (MPC *a*), *3* (MPC *c*)" in _text(rest)
    assert await harness.services.watching.store.in_channel(CHANNEL) == []
    assert len(await harness.services.watching.store.in_channel("C0OTHER")) == 1


async def test_watch_commands_check_access_first(make_harness: HarnessFactory) -> None:
    harness = await make_harness(durable=True, allowed_channel_ids="C0ONLY")
    response, _ = await harness.command("watch mpc=a")
    assert "You can't use `/recordings` here" in response.body
    assert harness.slack.posts[CHANNEL] == []
    assert await harness.services.watching.store.in_channel(CHANNEL) == []


async def test_without_a_database_the_answer_says_where_watches_work(
    make_harness: HarnessFactory,
) -> None:
    harness = await make_harness()  # as the console runs: no database, no channel to post in
    response, _ = await harness.command("watch mpc=a")
    assert "console cannot post in channels" in response.body
