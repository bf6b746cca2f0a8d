"""`Query`'s outward forms: Plivo parameters, the summary, the reproducible command, and the
serialised form that rides in a Slack button (including what `decode` does with bad input)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.query import ParseError, Query, parse, warm_up
from bot.query.tokens import as_slack_sends

LA_TZ = "America/Los_Angeles"
NOW = datetime(2026, 3, 11, 15, 30, tzinfo=ZoneInfo(LA_TZ))
ID = "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"


def q(text: str, tz: str = LA_TZ, **kwargs: object) -> Query:
    return parse(text, NOW, tz, **kwargs)  # type: ignore[arg-type]


def raw(payload: object, version: str = "1") -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{version}:{body}"


# --- plivo_params -------------------------------------------------------------------------


def test_plivo_params_for_the_issue_examples() -> None:
    assert q("conference=sales since yesterday").plivo_params() == {
        "conference_name": "sales",
        "add_time__gte": "2026-03-10 07:00:00",
        "add_time__lte": "2026-03-11 22:30:00",
    }
    assert q("last 2 hours from=4155550100").plivo_params() == {
        "from_number": "+14155550100",
        "add_time__gte": "2026-03-11 20:30:00",
        "add_time__lte": "2026-03-11 22:30:00",
    }
    assert q("after 9am").plivo_params() == {
        "add_time__gt": "2026-03-11 16:00:00",
        "add_time__lte": "2026-03-11 22:30:00",
    }


def test_plivo_params_keep_fractional_seconds() -> None:
    params = q("since=2026-03-10T07:00:00Z before=2026-03-10T08:00:00.25Z").plivo_params()
    assert params == {
        "add_time__gte": "2026-03-10 07:00:00",
        "add_time__lt": "2026-03-10 08:00:00.250000",
    }


# --- summary ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        (
            "conference=sales since yesterday",
            "conference *sales* · Tue 10 Mar 00:00 → now, America/Los_Angeles",
        ),
        ("yesterday", "Tue 10 Mar 2026 00:00 → Wed 11 Mar 00:00, America/Los_Angeles"),
        ("yesterday tz=UTC", "Tue 10 Mar 2026 00:00 → Wed 11 Mar 00:00, UTC"),
        ("after 9am", "after Wed 11 Mar 09:00 → now, America/Los_Angeles"),
        ("dec 25", "Thu 25 Dec 2025 00:00 → Fri 26 Dec 00:00, America/Los_Angeles"),
        (
            "between dec 31 and jan 1",
            "Wed 31 Dec 2025 00:00 → Fri 2 Jan 2026 00:00, America/Los_Angeles",
        ),
        ("last 12 months", "Tue 11 Mar 2025 15:30 → now, America/Los_Angeles"),
        (
            "2026-03-10T07:00:05Z",
            "Tue 10 Mar 2026 00:00:05 → Tue 10 Mar 00:00:06, America/Los_Angeles",
        ),
        (
            f"from=4155550100 to=+442079460958 call={ID} today",
            "from *+14155550100* · to *+442079460958* · call *c2c128e2…* · "
            "Wed 11 Mar 00:00 → now, America/Los_Angeles",
        ),
        (
            f"conference_uuid={ID} mpc=m1 mpc_uuid={ID} sub=SA1234567890ABCDEFGH today",
            "conference id *c2c128e2…* · MPC *m1* · MPC id *c2c128e2…* · "
            "subaccount *SA1234567890ABCDEFGH* · Wed 11 Mar 00:00 → now, America/Los_Angeles",
        ),
        (
            "conference=Q&amp;A today",
            "conference *Q&amp;A* · Wed 11 Mar 00:00 → now, America/Los_Angeles",
        ),
    ],
)
def test_summary(text: str, summary: str) -> None:
    assert q(text).summary() == summary


# --- command ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "command"),
    [
        (
            "conference=sales since yesterday",
            "conference=sales since=2026-03-10T07:00:00Z until=2026-03-11T22:30:00Z",
        ),
        ("yesterday", "since=2026-03-10T07:00:00Z before=2026-03-11T07:00:00Z"),
        ("after 9am", "after=2026-03-11T16:00:00Z until=2026-03-11T22:30:00Z"),
        (
            'conference="sales team" limit=5 page=2 share',
            'conference="sales team" since=2026-03-04T23:30:00Z until=2026-03-11T22:30:00Z limit=5',
        ),
        (
            "caller=4155550100 callee=sip:bob@example.com room=x mpc_name=y "
            f"call_id={ID} sub=SA1234567890ABCDEFGH",
            f"from=+14155550100 to=sip:bob@example.com conference=x mpc=y call={ID} "
            "sub=SA1234567890ABCDEFGH since=2025-12-11T23:30:00Z "
            "until=2026-03-11T22:30:00Z",
        ),
        (
            "conference=&lt;vip&gt;&amp;co today",
            "conference=<vip>&co since=2026-03-11T07:00:00Z until=2026-03-11T22:30:00Z",
        ),
    ],
)
def test_command(text: str, command: str) -> None:
    assert q(text).command() == command


def test_command_names_the_page_size_only_when_it_is_not_the_default() -> None:
    assert "limit=" not in q("limit=15", page_size=15).command(default_page_size=15)
    assert q("", page_size=15).command().endswith(" limit=15")


@pytest.mark.parametrize(
    "name",
    [
        "sales team",
        "it's",
        'say "hi"',
        "both ' and \" here",
        "'leading quote",
        '"leading double',
        "“curly” ‘quotes’ ”mixed“",
        "a' b\" c",
        "&amp; literal",
        "<angle> & amp",
        "a<b",
        "a&lt;b",
        "x&gt;y &amp;amp; <tel:+1|z>",
        "tabs\u00a0and\u2003spaces",
        " padded ",
    ],
)
def test_command_reproduces_awkward_names(name: str) -> None:
    original = Query(
        filters={"conference_name": name},
        start=datetime(2026, 3, 10, 7, tzinfo=UTC),
        end=datetime(2026, 3, 11, 7, tzinfo=UTC),
        start_op="gte",
        end_op="lt",
        end_is_now=False,
        tz="UTC",
        page_size=10,
    )
    # Pasted into Slack, the command arrives with `&`, `<`, `>` escaped once.
    again = parse(as_slack_sends(original.command()), NOW, "UTC")
    assert again.filters == {"conference_name": name}
    assert (again.start, again.end) == (original.start, original.end)


# --- encode / decode ----------------------------------------------------------------------


def test_encode_is_versioned_short_and_round_trips() -> None:
    query = q(f"conference=sales from=4155550100 call={ID} since monday share page=3 limit=7")
    value = query.encode()
    assert value.startswith("1:")
    assert len(value) < 300
    assert Query.decode(value) == query


def test_window_counts_survive_encoding() -> None:
    query = q("last 90 days").model_copy(update={"window_counts": (12, 0, 3)})
    assert Query.decode(query.encode()).window_counts == (12, 0, 3)
    assert Query.decode(q("today").encode()).window_counts is None


def test_encode_refuses_counts_that_skipped_validation() -> None:
    query = q("today").model_copy(update={"window_counts": (1,) * 17})
    with pytest.raises(ValueError, match="at most 16"):
        query.encode()


def test_the_largest_query_fits_in_a_button() -> None:
    worst_text = "\U0001f600" * 100  # four bytes each in UTF-8
    sip = "sip:" + "a" * 96
    query = Query(
        filters={
            "from_number": sip,
            "to_number": sip,
            "conference_name": worst_text,
            "conference_uuid": ID,
            "mpc_name": '"' * 100,  # doubled by JSON escaping
            "mpc_uuid": ID,
            "call_uuid": ID,
            "subaccount": "SA1234567890ABCDEFGH",
        },
        start=datetime(2025, 3, 11, 22, 30, 0, 999_999, tzinfo=UTC),
        end=datetime(2026, 3, 11, 22, 30, 0, 999_999, tzinfo=UTC),
        start_op="gt",
        end_op="lte",
        end_is_now=True,
        tz="America/Argentina/ComodRivadavia",
        page_size=20,
        offset=1_000_000,
        share=True,
        window_counts=(10**9,) * 16,
    )
    value = query.encode()
    assert len(value) <= 2000
    assert Query.decode(value) == query


@pytest.mark.parametrize("version", ["0", "2", "17"])
def test_decode_rejects_other_versions_clearly(version: str) -> None:
    value = q("today").encode().replace("1:", f"{version}:", 1)
    with pytest.raises(ParseError, match="older version of the bot; run the command again"):
        Query.decode(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1",
        "1:",
        "garbage",
        "1:!!!!",
        "1:" + "A" * 5000,
        "v1:abc",
        raw({"a": 1}),
        raw([]),
        raw([{}, 0, 1, 0, "UTC", 10, 0]),  # seven fields
        raw([{"x": "1"}, 0, 10**6, 0, "UTC", 10, 0, None]),  # unknown filter
        raw([{"c": 5}, 0, 10**6, 0, "UTC", 10, 0, None]),  # not a string
        raw([{"f": "4155550100"}, 0, 10**6, 0, "UTC", 10, 0, None]),  # not E.164
        raw([{"u": "not-an-id"}, 0, 10**6, 0, "UTC", 10, 0, None]),
        raw([{"c": "a\nb"}, 0, 10**6, 0, "UTC", 10, 0, None]),  # control character
        raw([{}, 10**6, 0, 0, "UTC", 10, 0, None]),  # ends before it starts
        raw([{}, 0, 400 * 86_400 * 10**6, 0, "UTC", 10, 0, None]),  # too long
        raw([{}, 0, 10**6, 0, "PST", 10, 0, None]),
        raw([{}, 0, 10**6, 0, "UTC", 0, 0, None]),
        raw([{}, 0, 10**6, 0, "UTC", 21, 0, None]),
        raw([{}, 0, 10**6, 0, "UTC", 10, -1, None]),
        raw([{}, 0, 10**6, 0, "UTC", 10, 0, [-1]]),
        raw([{}, 0, 10**6, 0, "UTC", 10, 0, [1] * 17]),
        raw([{}, 0, 10**6, 0, "UTC", True, 0, None]),  # a bool is not a number
        raw([{}, 0, 10**6, 4, "UTC", 10, 0, None]),  # "now" but exclusive
        raw([{}, 0, 10**6, 99, "UTC", 10, 0, None]),  # unknown flags
        raw([{}, 0.5, 10**6, 0, "UTC", 10, 0, None]),
        raw([{}, 10**30, 10**31, 0, "UTC", 10, 0, None]),  # beyond datetime
        "1:" + base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "1:" + base64.urlsafe_b64encode(b"[" * 1400).decode(),
    ],
)
def test_decode_rejects_damaged_values(value: str) -> None:
    with pytest.raises(ParseError, match="run the command again"):
        Query.decode(value)


def test_decode_rejects_what_is_not_a_string() -> None:
    with pytest.raises(ParseError):
        Query.decode(None)  # type: ignore[arg-type]


def test_decode_accepts_a_hand_made_value() -> None:
    start = datetime(2026, 3, 10, 7, tzinfo=UTC)
    micros = (start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    query = Query.decode(
        raw([{"c": "sales"}, micros, micros + 3_600_000_000, 0, "UTC", 5, 10, [4]])
    )
    assert query.filters == {"conference_name": "sales"}
    assert (query.start, query.end - query.start) == (start, timedelta(hours=1))
    assert (query.page_size, query.offset, query.window_counts) == (5, 10, (4,))


# --- the model's own validation -----------------------------------------------------------


def _fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "filters": {},
        "start": datetime(2026, 3, 10, tzinfo=UTC),
        "end": datetime(2026, 3, 11, tzinfo=UTC),
        "start_op": "gte",
        "end_op": "lt",
        "end_is_now": False,
        "tz": "UTC",
        "page_size": 10,
    }
    return fields | changes


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 3, 10)},
        {"end": datetime(2026, 3, 9, tzinfo=UTC)},
        {"start": datetime(2025, 3, 9, tzinfo=UTC)},
        {"filters": {"from": "+14155550100"}},
        {"filters": {"conference_name": ""}},
        {"tz": "PST"},
        {"page_size": 0},
        {"offset": -1},
        {"start_op": "lt"},
        {"end_is_now": True},
        {"window_counts": (1,) * 17},
    ],
)
def test_query_validates_its_fields(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Query(**_fields(**changes))  # type: ignore[arg-type]


def test_query_stores_times_in_utc() -> None:
    local = datetime(2026, 3, 10, 0, 0, tzinfo=ZoneInfo(LA_TZ))
    query = Query(**_fields(start=local))  # type: ignore[arg-type]
    assert query.start == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert query.start.utcoffset() == timedelta(0)


def test_query_is_frozen() -> None:
    query = q("today")
    with pytest.raises(ValidationError):
        query.page_size = 5  # type: ignore[misc]


def test_warm_up_leaves_parsing_unchanged() -> None:
    before = q("dec 25 5pm")
    warm_up()
    assert q("dec 25 5pm") == before
