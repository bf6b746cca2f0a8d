"""Property tests for `bot.query`: whatever is typed, `parse` raises nothing but ParseError;
every Query it returns is a non-empty range, survives encode/decode within 2,000 characters,
and its reproducible command parses back to the same filters and bounds. `decode` raises
nothing but ParseError for any input."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.query import ParseError, Query, parse
from bot.query.errors import code
from bot.query.filters import ID_RE, KEYS, MAX_TEXT, SUBACCOUNT_RE, is_valid_phone
from bot.query.tokens import as_slack_sends

ZONES = [
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",  # DST changes at midnight: some days have no 00:00
    "Pacific/Apia",
]
ID = "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"
# QUERY_EXAMPLES=5000 for a longer hunt; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("QUERY_EXAMPLES", "300"))
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

nows = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(ZONES)

# --- a soup of tokens: real keys and values, time words, numbers, junk ----------------------

KEY_NAMES = [*KEYS, "Conference", "FROM", "confrence", "frm", "x", ""]
VALUES = [
    "sales", "Sales Team", '"sales team"', "“sales team”", "'o'brien'", "‘it’s’", "o'brien",
    "4155550100", "+14155550100", "+442079460958", "(415)555-0100", "5551234", "abc",
    ID, ID.upper(), "fc2716b0-1c8b-11e4-bwad-842b2b17453e", "SA1234567890ABCDEFGH", "sa123",
    "sip:alice@example.com", "<tel:+14155550100|+1 415 555 0100>",
    "sip:<mailto:a@example.com|a@example.com>", "<http://example.com|example.com>",
    "yesterday", "monday", '"last monday"', "2026-03-01", "2026-03-10T07:00:00Z",
    "UTC", "utc", "Europe/London", "PST", "0", "1", "5", "20", "21", "-1", "99999999999",
    "", "&amp;", "&lt;x&gt;", "=", ":", '""',
]  # fmt: skip
WORDS = [
    "since", "before", "after", "until", "till", "through", "between", "and", "to", "-", "–",
    "from", "on", "starting", "up", "last", "past", "previous", "next", "this", "ago", "in",
    "the", "at", "now", "today", "yesterday", "tomorrow", "week", "month", "year", "day", "days",
    "hours", "minutes", "hour", "a", "an", "two", "0", "1", "2", "7", "30", "90", "365", "400",
    "30m", "2h", "3d", "2w", "monday", "tue", "sunday", "march", "dec", "may", "feb", "29",
    "25", "8th", "of", "5pm", "9am", "9", "pm", "a.m.", "17:00", "12:30:15", "noon",
    "midnight", "2025", "2026", "2027", "2026-03-10", "20260301", "2026-03-10T07:00:00Z",
    "2026-03-10T07:00:00.5+05:30", "03/04/2026", "13/02", "9am-5pm", "share", "help", "?", "I",
    ID, "4155550100", "+1", "415", "555", "0100", "(415)", "555-0100", "PST", "yesterdy",
    "morning", "night", "tonight", "weekend", "q3", "ytd", "qtd", "1-15", "mon-fri", "..",
    "2026-03-01..2026-03-05", "9.30", "0930", "business", "working", "3rd", "31st", "9-11am",
    "03.11", "01/12", "and", "conference", "sales,", "sales.",
]  # fmt: skip
junk = st.text(max_size=12) | st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "Po", "So", "Lo"]), max_size=8
)
key_values = st.builds(
    lambda k, sep, v: f"{k}{sep}{v}",
    st.sampled_from(KEY_NAMES),
    st.sampled_from(["=", ":"]),
    st.sampled_from(VALUES) | junk,
)
tokens = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(WORDS), key_values, junk, st.sampled_from(VALUES)
)
soups = st.one_of(
    st.lists(tokens, max_size=8).flatmap(
        lambda ts: st.lists(
            st.sampled_from([" ", "  ", "\t", "\n", "\u00a0"]), min_size=len(ts), max_size=len(ts)
        ).map(lambda gaps: "".join(g + t for g, t in zip(gaps, ts, strict=True)))
    ),
    st.text(max_size=60),
    st.text(min_size=500, max_size=2000),
    st.lists(tokens, min_size=1, max_size=4).map(lambda ts: (" ".join(ts) + " ") * 400),
)


def outcome(function: Callable[..., Query], *args: Any, **kwargs: Any) -> Query | ParseError:
    """The Query `function` returns, or the ParseError it raises (anything else propagates)."""
    try:
        return function(*args, **kwargs)
    except ParseError as error:
        return error


def canonical(query: Query) -> tuple[datetime, datetime]:
    """The bounds as a closed interval: `gt s` is `gte s+1µs`, `lt e` is `lte e-1µs`."""
    micro = timedelta(microseconds=1)
    low = query.start + micro if query.start_op == "gt" else query.start
    high = query.end - micro if query.end_op == "lt" else query.end
    return low, high


def check_query(query: Query, now: datetime, tz: str, page_size: int) -> None:
    assert query.start < query.end
    assert query.start.utcoffset() == timedelta(0)
    assert query.end <= now
    value = query.encode()
    assert len(value) <= 2000
    assert Query.decode(value) == query
    # The command is pasted back into Slack, which escapes `&`, `<`, `>` once on the way in.
    command = as_slack_sends(query.command(default_page_size=page_size))
    again = parse(command, now, tz, page_size=page_size)
    assert again.filters == query.filters
    assert canonical(again) == canonical(query)
    assert again.page_size == query.page_size
    assert isinstance(query.summary(), str)
    assert set(query.plivo_params()) >= set(query.filters)


@FAST
@given(text=soups, now=nows, tz=zones, page_size=st.integers(1, 20))
def test_parse_raises_only_parse_error(text: str, now: datetime, tz: str, page_size: int) -> None:
    result = outcome(parse, text, now, tz, page_size=page_size)
    if isinstance(result, ParseError):
        assert isinstance(result.message, str)
        assert result.message
    else:
        check_query(result, now, tz, page_size)


# --- commands that are mostly valid, so that the Query properties get exercised -------------

PHRASES = [
    "", "today", "yesterday", "since yesterday", "last 2 hours", "last 7 days", "past week",
    "this week", "last week", "this month", "last month", "last year", "monday", "since monday",
    "last friday", "between monday and tuesday", "from 9am to 5pm", "from 5pm to 9am", "5pm",
    "after 9am", "before 9am", "until yesterday", "march 8", "on dec 25", "dec 25 5pm", "feb 29",
    "3 days ago", "2 hours ago", "30m", "2w", "march", "between dec and feb", "noon",
    "yesterday at 5pm", "monday 9am - 5pm", "before tomorrow", "last 12 months", "2 months ago",
    "this morning", "last night", "tonight", "since monday morning", "weekend", "last weekend",
    "q1", "q4", "last quarter", "ytd", "year to date", "the 1st", "since the 3rd", "the 31st",
    "day before yesterday", "last 3 business days", "nov 1-15", "1-15 nov", "mon-fri",
    "9-11am", "today 9-11am", "2026-03-01..2026-03-05", "yesterday between 9am and 5pm",
    "between 9am and 5pm yesterday", "since 9.30am", "since 0930", "since 9", "until 17",
    "03/11", "13/11", "3/11/2026", "03.11",
]  # fmt: skip
FILTER_TEXTS = [
    "", "conference=sales", 'conference="sales team"', "from=4155550100", "to=+442079460958",
    f"call={ID}", ID, "mpc=m1", "sub=SA1234567890ABCDEFGH", "from=sip:alice@example.com",
    "room='o'brien'", "conference=Q&amp;A", "limit=5", "page=3", "offset=4", "share",
    "tz=UTC", "tz=Asia/Kolkata",
]  # fmt: skip


@FAST
@given(
    phrase=st.sampled_from(PHRASES),
    parts=st.lists(st.sampled_from(FILTER_TEXTS), max_size=3, unique=True),
    now=nows,
    tz=zones,
)
def test_valid_commands_make_sound_queries(
    phrase: str, parts: list[str], now: datetime, tz: str
) -> None:
    result = outcome(parse, " ".join([*parts, phrase]), now, tz)
    if isinstance(result, ParseError):
        # Only combinations that are wrong on purpose: two of a key, page with offset, or a
        # phrase that is in the future at this moment; each blames what it quotes.
        assert result.token is not None
        assert code(result.token) in result.message
    else:
        check_query(result, now, tz, 10)


# --- any valid Query: encoding and the reproducible command ------------------------------

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])
    | st.sampled_from("\"'“”‘’ &<>;=:"),
    min_size=1,
    max_size=MAX_TEXT,
).filter(lambda s: not s.isspace())
phones = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True).filter(
    is_valid_phone
) | st.from_regex(r"sips?:[A-Za-z0-9\-_.!~*'()&=+$,;?/%:@\[\]]{1,90}", fullmatch=True)
ids = st.from_regex(ID_RE, fullmatch=True)
filter_values = st.fixed_dictionaries(
    {},
    optional={
        "from_number": phones,
        "to_number": phones,
        "conference_name": names,
        "conference_uuid": ids,
        "mpc_name": names,
        "mpc_uuid": ids,
        "call_uuid": ids,
        "subaccount": st.from_regex(SUBACCOUNT_RE, fullmatch=True),
    },
)


@st.composite
def queries(draw: st.DrawFn) -> tuple[Query, datetime]:
    now = draw(nows).replace(microsecond=0)
    end_is_now = draw(st.booleans())
    end = (
        now
        if end_is_now
        else now - draw(st.timedeltas(timedelta(microseconds=1), timedelta(days=900)))
    )
    length = draw(
        st.timedeltas(timedelta(microseconds=2), timedelta(days=366) - timedelta(microseconds=1))
    )
    query = Query(
        filters=draw(filter_values),
        start=end - length,
        end=end,
        start_op=draw(st.sampled_from(["gte", "gt"])),
        end_op="lte" if end_is_now else "lt",
        end_is_now=end_is_now,
        tz=draw(zones),
        page_size=draw(st.integers(1, 20)),
        offset=draw(st.integers(0, 1_000_000)),
        share=draw(st.booleans()),
        window_counts=draw(st.none() | st.lists(st.integers(0, 10**9), max_size=16).map(tuple)),
    )
    return query, now


@FAST
@given(pair=queries())
def test_any_query_round_trips(pair: tuple[Query, datetime]) -> None:
    query, now = pair
    value = query.encode()
    assert len(value) <= 2000
    assert Query.decode(value) == query
    again = parse(as_slack_sends(query.command()), now, query.tz)
    assert again.filters == query.filters
    assert canonical(again) == canonical(query)


# --- decode never crashes -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=9) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    value=st.one_of(
        st.text(),
        st.text(min_size=1, max_size=20).map(lambda s: (s * 10_000)[:10_000]),
        st.text(alphabet="AZaz09-_=", min_size=1, max_size=9).map(lambda s: "1:" + s * 1200),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=").map(
            lambda body: "1:" + body
        ),
        json_values.map(lambda data: "1:" + _b64(json.dumps(data).encode())),
        st.binary(max_size=200).map(lambda data: "1:" + _b64(data)),
    )
)
def test_decode_raises_only_parse_error(value: str) -> None:
    result = outcome(Query.decode, value)
    if isinstance(result, ParseError):
        assert "run the command again" in result.message
    else:
        assert Query.decode(result.encode()) == result


@settings(max_examples=EXAMPLES, deadline=None)
@given(pair=queries(), data=st.data())
def test_damaged_encodings_decode_or_fail_cleanly(
    pair: tuple[Query, datetime], data: st.DataObject
) -> None:
    value = pair[0].encode()
    index = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.characters(codec="utf-8"))
    damaged = value[:index] + replacement + value[index + 1 :]
    result = outcome(Query.decode, damaged)
    assert isinstance(result, ParseError) or Query.decode(result.encode()) == result
