"""The Slack app end to end in-process: signed requests through Bolt, Slack faked on 127.0.0.1,
Plivo the embedded sample API. Every message is checked against Block Kit's limits."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pytest
from slack_sdk.models.blocks import Block

from bot.plivo import PlivoClient
from bot.plivo.cache import PageCache
from bot.query import Query, parse
from bot.sample_api import SampleApi
from bot.sealing import Sealer, is_sealed
from bot.slack import blocks, listeners
from tests.conftest import CHANNEL, NOW, SIGNING_SECRET, USER, Harness, HarnessFactory, mock_plivo

TZ = "America/Los_Angeles"


def assert_valid(message: dict[str, Any]) -> None:
    """What Slack would accept: known blocks within limits, a fallback text, short button values."""
    assert message.get("text"), "every message needs a top-level text"
    assert len(message["text"]) <= 3000
    assert 1 <= len(message["blocks"]) <= 50
    for raw in message["blocks"]:
        parsed = Block.parse(raw)
        assert parsed is not None, raw
        assert parsed.to_dict() is not None  # to_dict validates lengths and required fields
        for element in [raw.get("accessory") or {}, *raw.get("elements", [])]:
            if element.get("type") == "button":
                assert len(element.get("value", "")) <= 2000
                assert len(element["text"]["text"]) <= 75
                assert len(element["action_id"]) <= 255


def buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for block in message["blocks"]:
        if block["type"] == "actions":
            for element in block["elements"]:
                found[element["action_id"]] = element
    return found


def button_query(value: str, secret: str = SIGNING_SECRET) -> Query:
    """The query a signed, sealed Prev/Next value carries (signature not checked), opened with the
    key the bot derives from `secret` (its BUTTON_SECRET or SLACK_SIGNING_SECRET)."""
    payload = value.rsplit("~", 2)[0]
    return Query.decode(Sealer(secret).open(payload) if is_sealed(payload) else payload)


def shown_ids(message: dict[str, Any]) -> list[str]:
    """The recordings on a page, by their ▶ Listen buttons (a signed value starts with the id)."""
    return [
        block["accessory"]["value"].split("~", 1)[0]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == blocks.ACTION_LISTEN
    ]


def expected_ids(harness: Harness, query: Query) -> list[str]:
    return [
        r["recording_id"] for r in harness.sample.query(query.plivo_params(), enforce_span=False)
    ]


def only(messages: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(messages) == 1, messages
    assert_valid(messages[0])
    return messages[0]


async def test_first_page_then_next_then_prev(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    text = "conference=sales last 30 days"
    ack, posted = await h.command(text)
    assert ack.status == 200 and ack.body == ""
    first = only(posted)
    query = parse(text, NOW, TZ, page_size=10)
    everything = expected_ids(h, query)
    assert len(everything) > 20
    assert shown_ids(first) == everything[:10]
    assert first["response_type"] == "ephemeral"
    header = first["blocks"][0]["text"]["text"]
    assert header == f"Recordings 1–10 of {len(everything)} · newest saved first"
    assert blocks.ACTION_PREV not in buttons(first)

    ack, posted = await h.click(blocks.ACTION_NEXT, buttons(first)[blocks.ACTION_NEXT]["value"])
    assert ack.status == 200
    second = only(posted)
    assert second["replace_original"] is True
    assert shown_ids(second) == everything[10:20]
    assert second["blocks"][0]["text"]["text"] == (
        f"Recordings 11–20 of {len(everything)} · newest saved first"
    )
    assert set(buttons(second)) == {blocks.ACTION_PREV, blocks.ACTION_NEXT, blocks.ACTION_EXPORT}

    _, posted = await h.click(blocks.ACTION_PREV, buttons(second)[blocks.ACTION_PREV]["value"])
    back = only(posted)
    assert shown_ids(back) == everything[:10]


async def test_user_zone_from_users_info_is_used_and_cached(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(user_zones={USER: "Asia/Kolkata"})
    await h.command("yesterday")
    _, posted = await h.command("conference=sales yesterday")
    message = only(posted)
    assert "Asia/Kolkata" in json.dumps(message)
    assert len(h.slack.calls_to("users.info")) == 1
    # `tz=` overrides the profile.
    _, posted = await h.command("yesterday tz=Europe/London")
    assert "Europe/London" in json.dumps(only(posted))


async def test_failing_users_info_falls_back_to_default(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(default_timezone="Europe/Berlin")
    h.slack.users_info_fails = True
    ack, posted = await h.command("today")
    assert ack.status == 200
    assert "Europe/Berlin" in json.dumps(only(posted))


async def test_last_page_has_no_next(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    text = "conference=board last 14 days limit=20"
    query = parse(text, NOW, TZ, page_size=10)
    everything = expected_ids(h, query)
    assert 20 < len(everything) <= 400
    last_page = (len(everything) - 1) // 20 + 1
    _, posted = await h.command(f"{text} page={last_page}")
    message = only(posted)
    assert shown_ids(message) == everything[(last_page - 1) * 20 :]
    assert set(buttons(message)) == {blocks.ACTION_PREV, blocks.ACTION_EXPORT}


async def test_long_range_pages_across_windows(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    text = "conference=standup last 60 days limit=20"
    everything = expected_ids(h, parse(text, NOW, TZ, page_size=10))
    _, posted = await h.command(text)
    message = only(posted)
    seen = shown_ids(message)
    while blocks.ACTION_NEXT in buttons(message):
        before = len(h.plivo_requests)
        _, posted = await h.click(blocks.ACTION_NEXT, buttons(message)[blocks.ACTION_NEXT]["value"])
        message = only(posted)
        assert len(h.plivo_requests) - before <= 2  # counts ride in the button: no re-count
        seen += shown_ids(message)
    assert seen == everything


async def test_empty_result_explains_and_suggests(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    _, posted = await h.command("conference=Sales yesterday")
    message = only(posted)
    words = json.dumps(message)
    assert "No recordings match" in words
    assert "exactly" in words and "capitals" in words
    assert "/recordings conference=sales" in words  # the other spelling of the name
    assert "/recordings conference=Sales last 7 days" in words  # a wider range than a day
    assert "Tue 10 Mar" in words  # the range, restated


async def test_share_posts_in_channel(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    _, posted = await h.command("conference=sales yesterday share")
    assert only(posted)["response_type"] == "in_channel"


async def test_a_page_already_in_the_cache_is_answered_in_the_ack(
    make_harness: HarnessFactory, sample: SampleApi
) -> None:
    asked: list[httpx.Request] = []

    async def plivo(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return await sample.handler(request)

    # The cache's clock is the harness's: a window that closed before NOW - 10 min is settled.
    cache = PageCache(clock=NOW.timestamp)
    h: Harness = await make_harness(plivo=mock_plivo(plivo, cache=cache))
    first_ack, first = await h.command("yesterday")
    assert first_ack.body == "" and len(first) == 1 and len(asked) == 1
    second_ack, second = await h.command("yesterday")
    assert second == []  # nothing posted to the response_url...
    assert len(asked) == 1  # ...nor asked of Plivo
    assert json.loads(second_ack.body) == first[0]
    assert_valid(first[0])
    # A window that reaches up to now is never reused by a new command, even one in the same
    # second (the harness's clock stands still): always asked, always answered later.
    for _ in range(2):
        ack, posted = await h.command("last 2 hours")
        assert ack.body == "" and len(posted) == 1
    assert len(asked) == 3


async def test_next_and_prev_on_a_range_ending_now_reuse_the_rows_already_fetched(
    make_harness: HarnessFactory, sample: SampleApi
) -> None:
    asked: list[httpx.Request] = []

    async def plivo(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return await sample.handler(request)

    cache = PageCache(clock=NOW.timestamp)
    h: Harness = await make_harness(plivo=mock_plivo(plivo, cache=cache))
    text = "last 24 hours"
    _, posted = await h.command(text)
    first = only(posted)
    everything = expected_ids(h, parse(text, NOW, TZ, page_size=10))
    assert len(everything) > 30 and shown_ids(first) == everything[:10]
    assert len(asked) == 1 and asked[0].url.params["limit"] == "20"
    # The buttons carry the pinned range: page 2 is cut from the 20 rows already here.
    _, posted = await h.click(blocks.ACTION_NEXT, buttons(first)[blocks.ACTION_NEXT]["value"])
    second = only(posted)
    assert shown_ids(second) == everything[10:20] and len(asked) == 1
    _, posted = await h.click(blocks.ACTION_NEXT, buttons(second)[blocks.ACTION_NEXT]["value"])
    third = only(posted)
    assert shown_ids(third) == everything[20:30] and len(asked) == 2
    assert asked[1].url.params["offset"] == "20"
    for back, page in ((third, everything[10:20]), (second, everything[:10])):
        _, posted = await h.click(blocks.ACTION_PREV, buttons(back)[blocks.ACTION_PREV]["value"])
        assert shown_ids(only(posted)) == page
    assert len(asked) == 2


async def test_help_is_answered_in_the_ack(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    ack, posted = await h.command("help")
    assert posted == [] and h.plivo_requests == []
    message = json.loads(ack.body)
    assert_valid(message)
    assert message["response_type"] == "ephemeral"
    words = json.dumps(message)
    for key in (
        "from=",
        "to=",
        "conference=",
        "mpc=",
        "call=",
        "subaccount=",
        "limit=",
        "page=",
        "tz=",
        "since",
        "between",
        "share",
    ):
        assert key in words
    assert words.count("/recordings ") >= 5


async def test_empty_command_shows_last_seven_days_with_a_hint(
    make_harness: HarnessFactory,
) -> None:
    h: Harness = await make_harness()
    _, posted = await h.command("")
    message = only(posted)
    assert "help" in message["blocks"][-1]["elements"][0]["text"]
    assert shown_ids(message) == expected_ids(h, parse("", NOW, TZ))[:10]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("confrence=sales", "confrence"),
        ("conference=sales tomorrow", "tomorrow"),
        ("limit=50", "50"),
        ("tz=PST", "PST"),
        ("4155550100", "4155550100"),
    ],
)
async def test_parse_errors_are_in_the_ack(
    make_harness: HarnessFactory, text: str, quoted: str
) -> None:
    h: Harness = await make_harness()
    ack, posted = await h.command(text)
    assert posted == [] and h.plivo_requests == []
    message = json.loads(ack.body)
    assert_valid(message)
    assert message["response_type"] == "ephemeral"
    body = message["blocks"][0]["text"]["text"]
    assert body.startswith(":warning:")
    assert f"/recordings {text}" in body and quoted in body


def failing_plivo(status: int, body: Any, headers: dict[str, str] | None = None) -> PlivoClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, Exception):
            raise body
        return httpx.Response(status, json=body, headers=headers)

    return mock_plivo(handler, max_retries=2)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (400, {"api_id": "x", "error": "conference_name is invalid"}, "conference_name is invalid"),
        (401, {"error": "authentication credentials were not provided"}, "admin"),
        (429, {"api_id": "x", "error": "too many requests"}, "try again"),
        (503, {"api_id": "x", "error": "down"}, "Plivo"),
        (0, httpx.ReadTimeout("slow"), "Plivo"),
    ],
)
async def test_plivo_errors_reach_the_user(
    make_harness: HarnessFactory, status: int, body: Any, words: str
) -> None:
    h: Harness = await make_harness(plivo=failing_plivo(status, body))
    ack, posted = await h.command("conference=sales yesterday")
    assert ack.status == 200
    message = only(posted)
    text = message["blocks"][0]["text"]["text"]
    assert text.startswith(":warning:") and "/recordings conference=sales yesterday" in text
    assert words.lower() in text.lower()
    assert message["response_type"] == "ephemeral"


async def test_plivo_errors_are_logged_with_their_api_id(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture
) -> None:
    h: Harness = await make_harness(
        plivo=failing_plivo(400, {"api_id": "e3f1-77", "error": "conference_name is invalid"})
    )
    with caplog.at_level(logging.WARNING, logger="bot.slack.listeners"):
        await h.command("conference=sales yesterday")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.listeners"]
    assert any("api_id=e3f1-77" in line and "status=400" in line for line in lines), lines


async def test_a_failing_page_cache_is_logged_and_the_search_still_answers(
    make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    h: Harness = await make_harness()

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the cache broke")

    monkeypatch.setattr(h.services.plivo, "cached_range", broken)
    with caplog.at_level(logging.ERROR, logger="bot.slack.listeners"):
        _, posted = await h.command("conference=sales last 30 days")
    assert shown_ids(only(posted))  # answered by the search itself
    (record,) = [r for r in caplog.records if r.name == "bot.slack.listeners"]
    assert "outcome=cache_error" in record.getMessage()
    assert record.exc_info is not None and "the cache broke" in str(record.exc_info[1])


async def test_plivo_error_after_a_click_keeps_the_page(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness(plivo=failing_plivo(503, {"error": "down"}))
    value = h.button(parse("conference=sales yesterday", NOW, TZ).encode())
    _, posted = await h.click(blocks.ACTION_NEXT, value)
    assert only(posted)["replace_original"] is False


@pytest.mark.parametrize(
    ("settings", "user", "channel", "allowed"),
    [
        ({"allowed_user_ids": "U0TESTER"}, USER, CHANNEL, True),
        ({"allowed_user_ids": "U0OTHER"}, USER, CHANNEL, False),
        ({"allowed_channel_ids": "C0GENERAL"}, USER, CHANNEL, True),
        ({"allowed_channel_ids": "C0SECRET"}, USER, CHANNEL, False),
        ({"allowed_channel_ids": "D0DIRECT"}, USER, "D0DIRECT", True),
        ({"allowed_user_ids": "U0TESTER", "allowed_channel_ids": "C0SECRET"}, USER, CHANNEL, False),
        ({"allowed_user_ids": "U0OTHER", "allowed_channel_ids": "C0GENERAL"}, USER, CHANNEL, False),
        ({"allowed_user_ids": "U0TESTER", "allowed_channel_ids": "C0GENERAL"}, USER, CHANNEL, True),
    ],
)
async def test_allow_lists(
    make_harness: HarnessFactory, settings: dict[str, str], user: str, channel: str, allowed: bool
) -> None:
    h: Harness = await make_harness(user_zones={user: TZ}, **settings)
    ack, posted = await h.command("yesterday", user=user, channel=channel)
    value = h.button(parse("conference=sales yesterday", NOW, TZ).encode(), channel=channel)
    _, clicked = await h.click(blocks.ACTION_NEXT, value, user=user, channel=channel)
    if allowed:
        assert ack.body == "" and len(posted) == 1 and h.plivo_requests
        return
    assert h.plivo_requests == [] and posted == []
    refusal = json.loads(ack.body)
    assert_valid(refusal)
    assert "can't use" in refusal["text"]
    assert "can't use" in only(clicked)["text"] and only(clicked)["replace_original"] is False


async def test_link_button_is_acked_without_work(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    ack, posted = await h.click(blocks.ACTION_OPEN, "some-recording-id")
    assert ack.status == 200 and posted == [] and h.plivo_requests == []


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "x" * 10_000,
        "9:" + base64.urlsafe_b64encode(b'{"a": 1}').decode(),
    ],
)
async def test_malformed_or_old_button_values(make_harness: HarnessFactory, value: str) -> None:
    h: Harness = await make_harness()
    ack, posted = await h.click(blocks.ACTION_NEXT, value)
    assert ack.status == 200 and h.plivo_requests == []
    message = only(posted)
    assert message["replace_original"] is False
    assert "Run the command again" in message["blocks"][0]["text"]["text"]


async def test_bad_signature_is_refused(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    body = "command=%2Frecordings&text=today&user_id=U0TESTER"
    headers = h.sign(body)
    headers["x-slack-signature"] = ["v0=" + "0" * 64]
    response = await h.dispatch(body, headers)
    assert response.status == 401


async def test_every_page_of_a_twenty_page_listing_is_valid(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    _, posted = await h.command('conference="Customer Success" last 30 days limit=20')
    message = only(posted)
    assert len(message["blocks"]) <= 50
    assert len(shown_ids(message)) == 20


async def test_listener_can_be_called_directly(make_harness: HarnessFactory) -> None:
    h: Harness = await make_harness()
    acked: list[Any] = []

    async def ack(*args: Any, **kwargs: Any) -> None:
        acked.append(args or kwargs)

    await listeners.recordings_command(
        ack,
        {"text": "help", "user_id": USER, "channel_id": CHANNEL, "team_id": "T0FAKE"},
        services=h.services,
    )
    assert acked and acked[0][0]["blocks"][0]["type"] == "header"


@pytest.mark.parametrize(
    ("locale", "setting", "shown"),
    [
        ("en-US", "DMY", "Mon 2 Mar"),
        ("en-GB", "MDY", "Tue 3 Feb"),
        ("ja-JP", "DMY", "Mon 2 Mar"),
        (None, "DMY", "Tue 3 Feb"),
        (None, "MDY", "Mon 2 Mar"),
    ],
)
async def test_numeric_dates_follow_the_users_slack_locale(
    make_harness: HarnessFactory, locale: str | None, setting: str, shown: str
) -> None:
    options = {"user_locales": {USER: locale}} if locale else {}
    h: Harness = await make_harness(slack_options=options, date_order=setting)
    _, posted = await h.command("on 03/02")
    assert shown in json.dumps(only(posted), ensure_ascii=False)
    await h.command("on 03/02 conference=sales")
    assert len(h.slack.calls_to("users.info")) == 1  # locale and zone: one call, cached
