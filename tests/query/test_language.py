"""The time language people type (issue "The language people actually type"): parts of days,
weekends, quarters and to-date periods, ordinals and business days, compact ranges, times
written many ways, and numeric dates in the user's own order.

Each case names where and when it is typed and the range it must give, on the user's own wall
clock (`YYYY-MM-DD HH:MM`, or `now`): half-hour and 45-minute zones and DST days included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.query import ParseError, Query, parse
from bot.query.parser import date_order_for_locale


class At:
    """Where and when a command is typed."""

    def __init__(self, tz: str, *fields: int) -> None:
        self.tz = tz
        self.now = datetime(*fields, tzinfo=ZoneInfo(tz))

    def __repr__(self) -> str:
        return f"{self.tz}@{self.now:%a %Y-%m-%d %H:%M}"


TUE = At("America/Los_Angeles", 2026, 12, 1, 10, 0)  # Tue, PST
TUE_EVENING = At("America/Los_Angeles", 2026, 12, 1, 20, 0)
SUN = At("America/Los_Angeles", 2026, 11, 29, 12, 0)
FEB = At("America/Los_Angeles", 2026, 2, 10, 12, 0)
KTM = At("Asia/Kathmandu", 2026, 12, 1, 15, 0)  # +05:45
STJ = At("America/St_Johns", 2026, 11, 2, 9, 0)  # -03:30, the day after DST ended (Sun 1 Nov)
STJ_DEC = At("America/St_Johns", 2026, 12, 1, 20, 0)
LON = At("Europe/London", 2026, 3, 30, 9, 0)  # the day after BST began (Sun 29 Mar)
NY_FALL = At("America/New_York", 2026, 11, 2, 9, 0)  # the day after EDT ended (Sun 1 Nov)


def local(q: Query) -> tuple[str, str]:
    zone = ZoneInfo(q.tz)
    start = q.start.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    end = "now" if q.end_is_now else q.end.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return start, end


def read(where: At, text: str, order: str = "MDY") -> tuple[str, str]:
    return local(parse(text, where.now, where.tz, date_order=order))


CASES: list[tuple[At, str, str, str]] = [
    # 1. Parts of a day: morning 06–12, afternoon 12–18, evening 18–24, night 18–06.
    (TUE, "this morning", "2026-12-01 06:00", "now"),
    (TUE, "morning", "2026-12-01 06:00", "now"),
    (TUE, "in the morning", "2026-12-01 06:00", "now"),
    (TUE, "yesterday afternoon", "2026-11-30 12:00", "2026-11-30 18:00"),
    (TUE, "monday afternoon", "2026-11-30 12:00", "2026-11-30 18:00"),
    (TUE, "since monday morning", "2026-11-30 06:00", "now"),
    (TUE, "since friday morning", "2026-11-27 06:00", "now"),
    (TUE, "last night", "2026-11-30 18:00", "2026-12-01 06:00"),
    (TUE, "wednesday night", "2026-11-25 18:00", "2026-11-26 06:00"),
    (TUE, "yesterday evening", "2026-11-30 18:00", "2026-12-01 00:00"),
    (TUE, "evening", "2026-11-30 18:00", "2026-12-01 00:00"),  # today's has not begun
    (TUE_EVENING, "tonight", "2026-12-01 18:00", "now"),
    (TUE_EVENING, "this evening", "2026-12-01 18:00", "now"),
    (KTM, "this morning", "2026-12-01 06:00", "2026-12-01 12:00"),
    (KTM, "last night", "2026-11-30 18:00", "2026-12-01 06:00"),
    (STJ, "yesterday evening", "2026-11-01 18:00", "2026-11-02 00:00"),
    (STJ, "saturday night", "2026-10-31 18:00", "2026-11-01 06:00"),
    (LON, "saturday night", "2026-03-28 18:00", "2026-03-29 06:00"),
    # 2. Weekends: Saturday 00:00 to Monday 00:00.
    (TUE, "weekend", "2026-11-28 00:00", "2026-11-30 00:00"),
    (TUE, "last weekend", "2026-11-28 00:00", "2026-11-30 00:00"),
    (TUE, "the weekend", "2026-11-28 00:00", "2026-11-30 00:00"),
    (TUE, "since last weekend", "2026-11-28 00:00", "now"),
    (SUN, "this weekend", "2026-11-28 00:00", "now"),
    (SUN, "weekend", "2026-11-28 00:00", "now"),
    (SUN, "last weekend", "2026-11-21 00:00", "2026-11-23 00:00"),
    (STJ, "last weekend", "2026-10-31 00:00", "2026-11-02 00:00"),
    (LON, "last weekend", "2026-03-28 00:00", "2026-03-30 00:00"),
    (KTM, "weekend", "2026-11-28 00:00", "2026-11-30 00:00"),
    # 3. Quarters and to-date periods.
    (TUE, "q1", "2026-01-01 00:00", "2026-04-01 00:00"),
    (TUE, "Q3", "2026-07-01 00:00", "2026-10-01 00:00"),
    (TUE, "q4", "2026-10-01 00:00", "now"),
    (TUE, "this quarter", "2026-10-01 00:00", "now"),
    (TUE, "last quarter", "2026-07-01 00:00", "2026-10-01 00:00"),
    (TUE, "q2 2025", "2025-04-01 00:00", "2025-07-01 00:00"),
    (TUE, "2025 q2", "2025-04-01 00:00", "2025-07-01 00:00"),
    (TUE, "ytd", "2026-01-01 00:00", "now"),
    (TUE, "year to date", "2026-01-01 00:00", "now"),
    (TUE, "qtd", "2026-10-01 00:00", "now"),
    (TUE, "quarter to date", "2026-10-01 00:00", "now"),
    (TUE, "mtd", "2026-12-01 00:00", "now"),
    (TUE, "wtd", "2026-11-30 00:00", "now"),
    (TUE, "last 2 quarters", "2026-06-01 10:00", "now"),
    (FEB, "q4", "2025-10-01 00:00", "2026-01-01 00:00"),
    (FEB, "last quarter", "2025-10-01 00:00", "2026-01-01 00:00"),
    (FEB, "q1", "2026-01-01 00:00", "now"),
    (KTM, "qtd", "2026-10-01 00:00", "now"),
    (STJ, "this quarter", "2026-10-01 00:00", "now"),
    # 4. Ordinals, relative days, business days.
    (TUE, "the 1st", "2026-12-01 00:00", "now"),
    (TUE, "since the 1st", "2026-12-01 00:00", "now"),
    (TUE, "on the 15th", "2026-11-15 00:00", "2026-11-16 00:00"),
    (TUE, "since the 3rd", "2026-11-03 00:00", "now"),
    (TUE, "the 31st", "2026-10-31 00:00", "2026-11-01 00:00"),  # November has none
    (TUE, "day before yesterday", "2026-11-29 00:00", "2026-11-30 00:00"),
    (TUE, "the day before yesterday", "2026-11-29 00:00", "2026-11-30 00:00"),
    (TUE, "last 3 business days", "2026-11-27 00:00", "now"),
    (TUE, "3 working days", "2026-11-27 00:00", "now"),
    (TUE, "past 1 business day", "2026-12-01 00:00", "now"),
    (SUN, "last 2 business days", "2026-11-26 00:00", "now"),
    (STJ, "day before yesterday", "2026-10-31 00:00", "2026-11-01 00:00"),
    (KTM, "since the 1st", "2026-12-01 00:00", "now"),
    # 5. Compact ranges: both ends' days included; a day phrase applies to both ends.
    (TUE, "nov 1-15", "2026-11-01 00:00", "2026-11-16 00:00"),
    (TUE, "1-15 nov", "2026-11-01 00:00", "2026-11-16 00:00"),
    (TUE, "november 1st-15th", "2026-11-01 00:00", "2026-11-16 00:00"),
    (TUE, "nov 1-15 2025", "2025-11-01 00:00", "2025-11-16 00:00"),
    (TUE, "15-20 nov 2025", "2025-11-15 00:00", "2025-11-21 00:00"),
    (TUE, "2026-11-01..2026-11-15", "2026-11-01 00:00", "2026-11-16 00:00"),
    (TUE, "mon-fri", "2026-11-30 00:00", "now"),
    (SUN, "mon-fri", "2026-11-23 00:00", "2026-11-28 00:00"),
    (SUN, "monday-wednesday", "2026-11-23 00:00", "2026-11-26 00:00"),
    (TUE, "9-11am", "2026-12-01 09:00", "now"),
    (TUE_EVENING, "9-11am", "2026-12-01 09:00", "2026-12-01 11:00"),
    (TUE_EVENING, "today 9-11am", "2026-12-01 09:00", "2026-12-01 11:00"),
    (TUE_EVENING, "9am-5pm", "2026-12-01 09:00", "2026-12-01 17:00"),
    (TUE_EVENING, "11-1pm", "2026-12-01 11:00", "2026-12-01 13:00"),
    (TUE, "yesterday between 9am and 5pm", "2026-11-30 09:00", "2026-11-30 17:00"),
    (TUE, "between 9am and 5pm yesterday", "2026-11-30 09:00", "2026-11-30 17:00"),
    (TUE, "yesterday from 9am to 5pm", "2026-11-30 09:00", "2026-11-30 17:00"),
    (TUE, "from 9am to 5pm yesterday", "2026-11-30 09:00", "2026-11-30 17:00"),
    (TUE, "between 9am and 5pm on monday", "2026-11-30 09:00", "2026-11-30 17:00"),
    (TUE, "yesterday between 10pm and 2am", "2026-11-30 22:00", "2026-12-01 02:00"),
    (KTM, "yesterday 9-11am", "2026-11-30 09:00", "2026-11-30 11:00"),
    (STJ, "yesterday between 1am and 3am", "2026-11-01 01:00", "2026-11-01 03:00"),
    # 6. Times.
    (TUE, "since 9.30am", "2026-12-01 09:30", "now"),
    (TUE, "since 9.30", "2026-12-01 09:30", "now"),
    (TUE, "since 0930", "2026-12-01 09:30", "now"),
    (TUE, "since 9", "2026-12-01 09:00", "now"),
    (TUE, "since 21:00", "2026-11-30 21:00", "now"),
    (TUE, "since 9.30 pm", "2026-11-30 21:30", "now"),
    (TUE, "since 14.30", "2026-11-30 14:30", "now"),
    (TUE, "until 17", "2026-11-23 17:00", "2026-11-30 17:00"),
    (TUE, "before 9", "2026-11-24 09:00", "2026-12-01 09:00"),
    (TUE, "noon", "2026-11-30 12:00", "2026-11-30 13:00"),
    (TUE, "since midnight", "2026-12-01 00:00", "now"),
    (KTM, "since 9.30am", "2026-12-01 09:30", "now"),
    (STJ, "since 0930", "2026-11-01 09:30", "now"),
    (NY_FALL, "since 8", "2026-11-02 08:00", "now"),
]


@pytest.mark.parametrize(("where", "text", "start", "end"), CASES, ids=repr)
def test_phrase(where: At, text: str, start: str, end: str) -> None:
    assert read(where, text) == (start, end)


def test_dst_days_have_their_true_length() -> None:
    def hours(where: At, text: str) -> float:
        q = parse(text, where.now, where.tz)
        return (q.end - q.start) / timedelta(hours=1)

    assert hours(STJ, "saturday night") == 13  # the clocks went back at 02:00
    assert hours(STJ, "last weekend") == 49
    assert hours(LON, "saturday night") == 11  # the clocks went forward at 01:00
    assert hours(LON, "last weekend") == 47
    assert hours(NY_FALL, "last weekend") == 49


@pytest.mark.parametrize(
    ("where", "text"),
    [(TUE, "this afternoon"), (TUE, "tonight"), (TUE, "this weekend"), (FEB, "next quarter")],
)
def test_parts_not_begun_are_in_the_future(where: At, text: str) -> None:
    with pytest.raises(ParseError, match="in the future"):
        parse(text, where.now, where.tz)


@pytest.mark.parametrize(
    ("where", "text", "low", "high"),
    [
        (TUE, "last monday to last friday", "Mon 30 Nov", "Fri 27 Nov"),
        (TUE, "between yesterday and last friday", "Mon 30 Nov", "Fri 27 Nov"),
        (KTM, "from 2026-11-20 to 2026-11-10", "Fri 20 Nov", "Tue 10 Nov"),
        (STJ, "since nov 1 until 2026-10-30", "Sun 1 Nov", "Fri 30 Oct"),
    ],
)
def test_backwards_ranges_say_how_each_end_was_read(
    where: At, text: str, low: str, high: str
) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, where.now, where.tz)
    message = caught.value.message
    assert "runs backwards" in message
    assert low in message and high in message
    assert message.index(low) < message.index(high)


def test_compact_ranges_equal_their_long_forms() -> None:
    for where in (TUE_EVENING, KTM, STJ_DEC):
        pairs = [
            ("nov 1-15", "between nov 1 and nov 15"),
            ("1-15 nov", "from nov 1 to nov 15"),
            ("2026-11-01..2026-11-15", "2026-11-01 - 2026-11-15"),
            ("mon-fri", "monday to friday"),
            ("9-11am", "from 9am to 11am"),
            ("yesterday between 9am and 5pm", "between yesterday 9am and yesterday 5pm"),
        ]
        for compact, long in pairs:
            assert read(where, compact) == read(where, long), (where, compact)


MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
ZONES = ["UTC", "America/Los_Angeles", "Asia/Kathmandu", "America/St_Johns", "Europe/London"]


@settings(max_examples=200, deadline=None)
@given(
    month=st.integers(1, 12),
    first=st.integers(1, 28),
    length=st.integers(0, 27),
    year=st.sampled_from([2025, 2026]),
    tz=st.sampled_from(ZONES),
)
def test_any_compact_day_range_equals_its_long_form(
    month: int, first: int, length: int, year: int, tz: str
) -> None:
    last = min(28, first + length)
    name = MONTH_NAMES[month - 1]
    now = datetime(2026, 12, 31, 23, 0, tzinfo=ZoneInfo(tz))
    long = parse(f"between {name} {first} {year} and {name} {last} {year}", now, tz)
    for compact in (f"{name} {first}-{last} {year}", f"{first}-{last} {name} {year}"):
        q = parse(compact, now, tz)
        assert (q.start, q.end) == (long.start, long.end)
        assert q.start < q.end <= now


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(1, 11),
    span=st.integers(1, 11),
    meridiem=st.sampled_from(["am", "pm"]),
    day=st.sampled_from(["yesterday", "monday", "last friday", "2026-11-20"]),
    tz=st.sampled_from(ZONES),
)
def test_a_day_before_or_after_a_time_range_applies_to_both_ends(
    low: int, span: int, meridiem: str, day: str, tz: str
) -> None:
    high = min(12, low + span)
    now = datetime(2026, 12, 1, 23, 0, tzinfo=ZoneInfo(tz))
    times = (f"{low}{meridiem}", f"{high}{meridiem}") if high < 12 else (f"{low}am", "12pm")
    forms = [
        f"{day} between {times[0]} and {times[1]}",
        f"between {times[0]} and {times[1]} {day}",
        f"{day} from {times[0]} to {times[1]}",
        f"from {times[0]} to {times[1]} {day}",
        f"{day} {times[0]}-{times[1]}",
    ]
    answers = {(q.start, q.end) for q in (parse(text, now, tz) for text in forms)}
    assert len(answers) == 1
    ((start, end),) = answers
    assert start < end <= now


# --- 7. numeric dates in the user's order ----------------------------------------------------

DATES = [
    ("03/11", "MDY", "2026-03-11"),
    ("03/11", "DMY", "2026-11-03"),
    ("03/11", "YMD", "2026-03-11"),
    ("3/11/2026", "MDY", "2026-03-11"),
    ("3/11/2026", "DMY", "2026-11-03"),
    ("03.11", "DMY", "2026-11-03"),
    ("03.11", "MDY", "2026-03-11"),
    ("13/11", "MDY", "2026-11-13"),  # possible only one way
    ("11/13", "DMY", "2026-11-13"),
    ("2026/11/03", "MDY", "2026-11-03"),
    ("2026/11/03", "DMY", "2026-11-03"),
    ("03-11-2026", "DMY", "2026-11-03"),
    ("01/12", "DMY", "2026-12-01"),  # a UK user's 1 December
    ("01/12", "MDY", "2026-01-12"),
]


@pytest.mark.parametrize(("text", "order", "day"), DATES)
def test_numeric_dates_follow_the_date_order(text: str, order: str, day: str) -> None:
    for where in (TUE, KTM):
        start, _ = read(where, f"on {text}", order)
        assert start == f"{day} 00:00"


def test_a_numeric_date_with_a_time_follows_the_order_too() -> None:
    assert read(TUE, "03/11 5pm", "DMY") == ("2026-11-03 17:00", "2026-11-03 18:00")
    assert read(TUE, "since 01/12", "DMY") == ("2026-12-01 00:00", "now")


def test_the_header_shows_the_date_in_words() -> None:
    q = parse("01/12", TUE.now, TUE.tz, date_order="DMY")
    assert "Tue 1 Dec" in q.summary()


@pytest.mark.parametrize(
    ("locale", "order"),
    [
        ("en-US", "MDY"),
        ("en-GB", "DMY"),
        ("en-IN", "DMY"),
        ("en-AU", "DMY"),
        ("de-DE", "DMY"),
        ("fr-FR", "DMY"),
        ("es-ES", "DMY"),
        ("pt-BR", "DMY"),
        ("ja-JP", "YMD"),
        ("zh-CN", "YMD"),
        ("ko-KR", "YMD"),
        ("en_GB", "DMY"),
    ],
)
def test_slack_locales_give_a_date_order(locale: str, order: str) -> None:
    assert date_order_for_locale(locale) == order


@pytest.mark.parametrize("locale", [None, "", "en"])
def test_an_unknown_locale_falls_back_to_the_setting(locale: str | None) -> None:
    assert date_order_for_locale(locale, "DMY") == "DMY"
    assert date_order_for_locale(locale) == "MDY"


def test_a_date_order_out_of_range_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="date_order"):
        parse("today", TUE.now, TUE.tz, date_order="DDD")
