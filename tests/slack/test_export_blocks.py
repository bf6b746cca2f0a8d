"""The export's messages: progress with count, share and time left, and the end states."""

from __future__ import annotations

from bot.query import parse
from bot.slack import export_blocks as render
from tests.conftest import NOW
from tests.slack.test_app import assert_valid, buttons

QUERY = parse("conference=sales last 60 days", NOW, "America/Los_Angeles")


def test_running_shows_count_share_time_left_and_cancel() -> None:
    message = render.running(QUERY, 1240, 9012, 95.0, "signed-value")
    assert_valid(message)
    assert message["text"].endswith("1,240 of about 9,012 · 13% · about 2 min left")
    assert "conference *sales*" in message["blocks"][0]["text"]["text"]
    assert buttons(message)[render.ACTION_CANCEL]["value"] == "signed-value"


def test_without_a_count_it_says_how_many_so_far() -> None:
    message = render.running(QUERY, 400, None, None, "v")
    assert message["text"].endswith("400 so far")


def test_time_left_is_rounded_as_an_estimate() -> None:
    assert render.duration(3) == "a few seconds"
    assert render.duration(42) == "about 40 s"
    assert render.duration(95) == "about 2 min"
    assert render.duration(4200) == "about 1 h 10 min"


def test_end_states_have_no_cancel() -> None:
    for message in (
        render.done(QUERY, 9012, "f.csv"),
        render.too_many(QUERY, 61234, 50000),
        render.failed(QUERY, 1240, 9012, "fetching the recordings", "Plivo is down."),
        render.cancelled(QUERY, 1240, 9012),
        render.interrupted(QUERY, 1240),
    ):
        assert_valid(message)
        assert render.ACTION_CANCEL not in buttons(message)
    assert render.done(QUERY, 9012, "f.csv")["text"].startswith("Done: 9,012 recordings")
    assert "61,234 recordings match" in render.too_many(QUERY, 61234, 50000)["text"]
    failed = render.failed(QUERY, 1240, 9012, "fetching the recordings", "Plivo is down.")
    assert "at 1,240 of about 9,012" in failed["blocks"][0]["text"]["text"]


def test_queued_says_the_place() -> None:
    assert "next in line" in render.queued(QUERY, 1, "v")["text"]
    assert "number 3 in line" in render.queued(QUERY, 3, "v")["text"]


def test_started_quotes_the_command_escaped() -> None:
    message = render.started('/recordings export conference="a<b & `c`" last 2 days')
    assert_valid(message)
    shown = message["blocks"][1]["elements"][0]["text"]
    assert shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2
    assert "a&lt;b &amp; ˋcˋ" in shown
