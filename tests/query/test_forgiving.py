"""Forgiving syntax and phone numbers as people paste them: what each command searches for,
and the errors that say what to do (quote the number; one value per key; not a number)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.query import ParseError, parse
from bot.query.errors import code

ZONES = ["America/Los_Angeles", "Asia/Kathmandu", "America/St_Johns"]
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("UTC"))


def same(text: str, long: str, tz: str, region: str = "US") -> None:
    q = parse(text, NOW, tz, phone_region=region)
    expected = parse(long, NOW, tz, phone_region=region)
    assert q == expected, (text, long)


PHONES = [
    ("from=(415) 555-0100 last 2 days", "from=+14155550100 last 2 days"),
    ("from=415 555 0100", "from=+14155550100"),
    ("from=415 555 0100 2 days", "from=+14155550100 last 2 days"),
    ("from=+1 415 555 0100 yesterday", "from=+14155550100 yesterday"),
    ("from=415.555.0100 today", "from=+14155550100 today"),
    ("to=+44 20 7946 0100 today", "to=+442079460100 today"),
    ("to=+44 (0)20 7946 0100", "to=+442079460100"),
    ("caller=(415) 555-0100 to=+44 20 7946 0100", "from=+14155550100 to=+442079460100"),
    ("from=4155550100 2026-11-20", "from=+14155550100 on 2026-11-20"),
]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("text", "long"), PHONES)
def test_phone_numbers_with_spaces_and_brackets_are_one_value(
    text: str, long: str, tz: str
) -> None:
    same(text, long, tz)


def test_reading_a_number_stops_when_it_is_complete() -> None:
    # `0100` completes the number, so `30m` after it is the time phrase.
    q = parse("from=415 555 0100 30m", NOW, "UTC")
    assert q.filters == {"from_number": "+14155550100"}
    assert (NOW - q.start).total_seconds() == 30 * 60


def test_numbers_without_a_plus_are_read_in_the_phone_region() -> None:
    same("from=020 7946 0100 today", "from=+442079460100 today", "Europe/London", region="GB")


@pytest.mark.parametrize("text", ["from=(415)", "to=+44 20", "from=555 today"])
def test_a_number_that_cannot_be_read_suggests_quoting(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, NOW, "UTC")
    assert "quotes" in caught.value.message
    assert '="+44 20 7946 0100"' in caught.value.message


FORGIVEN = [
    ("conference sales yesterday", "conference=sales yesterday"),
    ("conf sales", "conference=sales"),
    ("room Sales", "conference=Sales"),
    ("mpc war-room last 30 days", "mpc=war-room last 30 days"),
    (
        "call c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
        "call=c2c128e2-1c8c-11e4-9bff-1db8a9db0432",
    ),
    ("from (415) 555-0100 yesterday", "from=+14155550100 yesterday"),
    ("from 415 555 0100", "from=+14155550100"),
    ("to +44 20 7946 0100 today", "to=+442079460100 today"),
    ("from sip:alice@example.com", "from=sip:alice@example.com"),
    ("from=4155550100 and to=+442079460100", "from=4155550100 to=+442079460100"),
    (
        "conference=sales and from=4155550100 yesterday",
        "conference=sales from=4155550100 yesterday",
    ),
    ("conference sales and mpc m1", "conference=sales mpc=m1"),
    ("conference=sales,", "conference=sales"),
    ("conference=sales.", "conference=sales"),
    ("conference=sales, yesterday", "conference=sales yesterday"),
    ("from=4155550100, since monday.", "from=4155550100 since monday"),
    ("limit=5,", "limit=5"),
    ('conference="Smith, Jones"', 'conference="Smith, Jones"'),
]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(("text", "long"), FORGIVEN)
def test_forgiving_forms_mean_their_regular_form(text: str, long: str, tz: str) -> None:
    same(text, long, tz)


@pytest.mark.parametrize(
    ("text", "start_hour"),
    [("from monday", 0), ("from 9am to 5pm", 9), ("from 9 to 5pm", 9), ("from 0930 to 11", 9)],
)
def test_from_and_to_stay_times_when_no_number_follows(text: str, start_hour: int) -> None:
    q = parse(text, NOW, "UTC")
    assert q.filters == {}
    assert q.start.hour == start_hour


def test_a_quoted_name_keeps_its_comma_and_full_stop() -> None:
    q = parse('conference="Acme, Inc."', NOW, "UTC")
    assert q.filters == {"conference_name": "Acme, Inc."}


@pytest.mark.parametrize(
    "text", ["conference=sales,support", "mpc=a,b", "from=4155550100,4155550101"]
)
def test_a_comma_inside_a_value_is_one_value_per_key(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, NOW, "UTC")
    assert "one value per key; run two searches" in caught.value.message
    assert code(text) in caught.value.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("limit=abc", "is not a number"),
        ("page=two", "is not a number"),
        ("offset=-1", "is not a number"),
        ("limit=99", "is out of range"),
    ],
)
def test_numbers_say_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, NOW, "UTC")
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("text", "suggested", "never"),
    [
        ("last nigt", "`night`", "eight"),
        ("lst week", "`last`", None),
        ("yesterdy", "`yesterday`", None),
        ("since mondya", "`monday`", None),
    ],
)
def test_suggestions_come_from_the_time_vocabulary(
    text: str, suggested: str, never: str | None
) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, NOW, "UTC")
    assert f"did you mean {suggested}" in caught.value.message
    if never:
        assert never not in caught.value.message


@pytest.mark.parametrize("word", ["conference", "mpc", "limit", "from"])
def test_a_key_without_a_value_is_never_suggested_as_itself(word: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(f"yesterday {word}", NOW, "UTC")
    assert f"did you mean `{word}`" not in caught.value.message
