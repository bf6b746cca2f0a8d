"""Table tests for `bot.query.parse`: what each command means, as exact UTC bounds and filters.

A range is written in interval notation in UTC: `[` is `add_time__gte`, `(` `add_time__gt`,
`)` `add_time__lt` and `]` `add_time__lte` (the pinned now). Unless a case says otherwise the
user is in Los Angeles on Wed 2026-03-11 at 15:30 PDT (22:30 UTC), three days after that
year's DST change, as in the issue's examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.plivo.windows import format_time
from bot.query import ParseError, Query, is_help, parse


@dataclass(frozen=True)
class At:
    """Where and when a command is typed."""

    now: datetime
    tz: str

    def __str__(self) -> str:  # readable test ids
        return f"{self.tz}@{self.now:%Y-%m-%dT%H:%M}"


def at(tz: str, *fields: int) -> At:
    return At(datetime(*fields, tzinfo=ZoneInfo(tz)), tz)


LA = at("America/Los_Angeles", 2026, 3, 11, 15, 30)  # Wed, PDT since Sun 8 Mar
LA_NOV = at("America/Los_Angeles", 2026, 11, 4, 12, 0)  # Wed, PST since Sun 1 Nov
SYD_APR = at("Australia/Sydney", 2026, 4, 8, 10, 0)  # Wed, AEST since Sun 5 Apr
SYD_OCT = at("Australia/Sydney", 2026, 10, 7, 9, 0)  # Wed, AEDT since Sun 4 Oct
LA_MON = at("America/Los_Angeles", 2026, 3, 9, 10, 0)  # Mon, 17:00 UTC
LON = at("Europe/London", 2026, 3, 31, 12, 0)  # Tue, BST since Sun 29 Mar
NY_JAN = at("America/New_York", 2026, 1, 1, 10, 0)  # Thu, New Year's Day
UTC_2027 = at("UTC", 2027, 3, 15, 12, 0)  # a year without 29 February
UTC_2028 = at("UTC", 2028, 3, 31, 12, 0)  # after 29 February 2028
UTC_LEAP_DAY = at("UTC", 2028, 2, 29, 9, 0)
KOLKATA = at("Asia/Kolkata", 2026, 3, 11, 10, 0)  # +05:30, no DST

NOW_LA = "2026-03-11 22:30:00"
WEEK_LA = f"[2026-03-04 23:30:00, {NOW_LA}]"  # the default: the last 7 days
ID = "c2c128e2-1c8c-11e4-9bff-1db8a9db0432"
ODD_ID = "fc2716b0-1c8b-11e4-bwad-842b2b17453e"  # real, though not a valid UUID


def interval(q: Query) -> str:
    params = q.plivo_params()
    low = params.get("add_time__gte") or params["add_time__gt"]
    high = params.get("add_time__lt") or params["add_time__lte"]
    left = "[" if q.start_op == "gte" else "("
    right = ")" if q.end_op == "lt" else "]"
    return f"{left}{low}, {high}{right}"


# --- time phrases -------------------------------------------------------------------------

TIMES: list[tuple[At, str, str]] = [
    # The examples.
    (LA, "since yesterday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "last 2 hours", f"[2026-03-11 20:30:00, {NOW_LA}]"),
    (LA, "between monday and tuesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "from 9am to 5pm", f"[2026-03-11 16:00:00, {NOW_LA}]"),
    (LA, "before 2026-03-01 11:47 tz=UTC", "[2026-02-22 11:47:00, 2026-03-01 11:47:00)"),
    (LA, "on march 8", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "march 8-10", "[2026-03-08 08:00:00, 2026-03-11 07:00:00)"),  # not 8 March 2010
    # No phrase: the last 7 days, made explicit.
    (LA, "", WEEK_LA),
    (LA, "   ", WEEK_LA),
    # Whole periods; the current one ends now.
    (LA, "today", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "Today", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "yesterday", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "YESTERDAY", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "on yesterday", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "this week", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "last week", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "previous week", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "this month", f"[2026-03-01 08:00:00, {NOW_LA}]"),
    (LA, "last month", "[2026-02-01 08:00:00, 2026-03-01 08:00:00)"),
    (LA, "this year", f"[2026-01-01 08:00:00, {NOW_LA}]"),
    (LA, "last year", "[2025-01-01 08:00:00, 2026-01-01 08:00:00)"),
    (LA, "last day", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "2025", "[2025-01-01 08:00:00, 2026-01-01 08:00:00)"),
    (LA, "on 2025", "[2025-01-01 08:00:00, 2026-01-01 08:00:00)"),
    # Rolling windows: elapsed time for minutes and hours, calendar steps for days and up.
    (LA, "past 30 minutes", f"[2026-03-11 22:00:00, {NOW_LA}]"),
    (LA, "last 90 minutes", f"[2026-03-11 21:00:00, {NOW_LA}]"),
    (LA, "last hour", f"[2026-03-11 21:30:00, {NOW_LA}]"),
    (LA, "within the last hour", f"[2026-03-11 21:30:00, {NOW_LA}]"),
    (LA, "in the past 2 hours", f"[2026-03-11 20:30:00, {NOW_LA}]"),
    (LA, "in the last 3 days", f"[2026-03-08 22:30:00, {NOW_LA}]"),
    (LA, "last 4 days", f"[2026-03-07 23:30:00, {NOW_LA}]"),  # 15:30 PST, 97 hours back
    (LA, "previous 2 weeks", f"[2026-02-25 23:30:00, {NOW_LA}]"),
    (LA, "past week", WEEK_LA),
    (LA, "last 7 days", WEEK_LA),
    (LA, "last seven days", WEEK_LA),
    (LA, "last 1 month", f"[2026-02-11 23:30:00, {NOW_LA}]"),
    (LA, "past month", f"[2026-02-11 23:30:00, {NOW_LA}]"),
    (LA, "last 12 months", f"[2025-03-11 22:30:00, {NOW_LA}]"),
    (LA, "past year", f"[2025-03-11 22:30:00, {NOW_LA}]"),
    (LA, "last 365 days", f"[2025-03-11 22:30:00, {NOW_LA}]"),
    (LA, "2 hours", f"[2026-03-11 20:30:00, {NOW_LA}]"),
    (LA, "30m", f"[2026-03-11 22:00:00, {NOW_LA}]"),
    (LA, "2h", f"[2026-03-11 20:30:00, {NOW_LA}]"),
    (LA, "3d", f"[2026-03-08 22:30:00, {NOW_LA}]"),
    (LA, "2w", f"[2026-02-25 23:30:00, {NOW_LA}]"),
    (LA, "last 30m", f"[2026-03-11 22:00:00, {NOW_LA}]"),
    # "N ago": minutes and hours are instants, days and up are periods.
    (LA, "5 minutes ago", "[2026-03-11 22:25:00, 2026-03-11 22:26:00)"),
    (LA, "since 5 minutes ago", f"[2026-03-11 22:25:00, {NOW_LA}]"),
    (LA, "2 hours ago", "[2026-03-11 20:30:00, 2026-03-11 21:30:00)"),
    (LA, "after 2 hours ago", f"(2026-03-11 20:30:00, {NOW_LA}]"),
    (LA, "an hour ago", "[2026-03-11 21:30:00, 2026-03-11 22:30:00)"),
    (LA, "3 days ago", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),  # the 23-hour day
    (LA, "two days ago", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (LA, "1 week ago", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "a week ago", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "2 months ago", "[2026-01-01 08:00:00, 2026-02-01 08:00:00)"),
    (LA, "since 3 days ago", f"[2026-03-08 08:00:00, {NOW_LA}]"),
    # Weekdays: the most recent one that is not in the future; today counts.
    (LA, "monday", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (LA, "Mon", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (LA, "wednesday", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "thursday", "[2026-03-05 08:00:00, 2026-03-06 08:00:00)"),
    (LA, "sunday", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "last monday", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (LA, "last wednesday", "[2026-03-04 08:00:00, 2026-03-05 08:00:00)"),
    (LA, "since monday", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "since Monday,", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "from monday", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "starting monday", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "starting from monday", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "after monday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "before monday", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "until monday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    (LA, "till monday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    (LA, "through monday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    # Months and dates without a year: the most recent, not in the future.
    (LA, "march", f"[2026-03-01 08:00:00, {NOW_LA}]"),
    (LA, "dec", "[2025-12-01 08:00:00, 2026-01-01 08:00:00)"),
    (LA, "april", "[2025-04-01 07:00:00, 2025-05-01 07:00:00)"),
    (LA, "may", "[2025-05-01 07:00:00, 2025-06-01 07:00:00)"),
    (LA, "in february", "[2026-02-01 08:00:00, 2026-03-01 08:00:00)"),
    (LA, "march 8", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "8 march", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "march 8th", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "on the 8th of march", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "march 11", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "march 12", "[2025-03-12 07:00:00, 2025-03-13 07:00:00)"),
    (LA, "dec 25", "[2025-12-25 08:00:00, 2025-12-26 08:00:00)"),
    (LA, "dec 25 5pm", "[2025-12-26 01:00:00, 2025-12-26 02:00:00)"),
    (LA, "dec 25 at 5:30pm", "[2025-12-26 01:30:00, 2025-12-26 01:31:00)"),
    (LA, "tue 10 mar", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "Tue 10 Mar 00:00", "[2026-03-10 07:00:00, 2026-03-10 07:01:00)"),
    (LA, "8 march 2025", "[2025-03-08 08:00:00, 2025-03-09 08:00:00)"),
    (LA, "march 8, 2024", "[2024-03-08 08:00:00, 2024-03-09 08:00:00)"),
    (LA, "jan 2026", "[2026-01-01 08:00:00, 2026-02-01 08:00:00)"),
    (LA, "03/04/2026", "[2026-03-04 08:00:00, 2026-03-05 08:00:00)"),  # month/day
    (LA, "13/02/2026", "[2026-02-13 08:00:00, 2026-02-14 08:00:00)"),  # can only be d/m
    (LA, "03/04", "[2026-03-04 08:00:00, 2026-03-05 08:00:00)"),
    # Times of day: the most recent, not in the future; the grain is what was written.
    (LA, "9am", "[2026-03-11 16:00:00, 2026-03-11 17:00:00)"),
    (LA, "at 9am", "[2026-03-11 16:00:00, 2026-03-11 17:00:00)"),
    (LA, "9 am", "[2026-03-11 16:00:00, 2026-03-11 17:00:00)"),
    (LA, "9 a.m.", "[2026-03-11 16:00:00, 2026-03-11 17:00:00)"),
    (LA, "5pm", "[2026-03-11 00:00:00, 2026-03-11 01:00:00)"),  # yesterday's
    (LA, "9:15", "[2026-03-11 16:15:00, 2026-03-11 16:16:00)"),
    (LA, "09:15:30", "[2026-03-11 16:15:30, 2026-03-11 16:15:31)"),
    (LA, "17:00", "[2026-03-11 00:00:00, 2026-03-11 00:01:00)"),
    (LA, "noon", "[2026-03-11 19:00:00, 2026-03-11 20:00:00)"),
    (LA, "since midnight", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "12am", "[2026-03-11 07:00:00, 2026-03-11 08:00:00)"),
    (LA, "12pm", "[2026-03-11 19:00:00, 2026-03-11 20:00:00)"),
    (LA, "after 9am", f"(2026-03-11 16:00:00, {NOW_LA}]"),
    (LA, "since 9am", f"[2026-03-11 16:00:00, {NOW_LA}]"),
    (LA, "before 9am", "[2026-03-04 17:00:00, 2026-03-11 16:00:00)"),
    (LA, "yesterday at 5pm", "[2026-03-11 00:00:00, 2026-03-11 01:00:00)"),
    (LA, "5pm yesterday", "[2026-03-11 00:00:00, 2026-03-11 01:00:00)"),
    (LA, "today 9am", "[2026-03-11 16:00:00, 2026-03-11 17:00:00)"),
    (LA, "monday 9am", "[2026-03-09 16:00:00, 2026-03-09 17:00:00)"),
    (LA, "since monday at 9am", f"[2026-03-09 16:00:00, {NOW_LA}]"),
    (LA, "wednesday 5pm", "[2026-03-05 01:00:00, 2026-03-05 02:00:00)"),  # last week's
    # ISO dates and instants.
    (LA, "2026-03-01", "[2026-03-01 08:00:00, 2026-03-02 08:00:00)"),
    (LA, "20260301", "[2026-03-01 08:00:00, 2026-03-02 08:00:00)"),
    (LA, "2026-02", "[2026-02-01 08:00:00, 2026-03-01 08:00:00)"),
    (LA, "2026-03-01 11:47", "[2026-03-01 19:47:00, 2026-03-01 19:48:00)"),
    (LA, "2026-03-10T07:00", "[2026-03-10 14:00:00, 2026-03-10 14:01:00)"),
    (LA, "2026-03-10T07:00:00Z", "[2026-03-10 07:00:00, 2026-03-10 07:00:01)"),
    (LA, "since 2026-03-10T07:00:00Z", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "since 2026-03-10T07:00:00+05:30", f"[2026-03-10 01:30:00, {NOW_LA}]"),
    (LA, "after 2026-03-10T07:00:00Z", f"(2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "after 2026-03-10", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "until 2026-03-01", "[2026-02-23 08:00:00, 2026-03-02 08:00:00)"),
    (LA, "before tomorrow", f"[2026-03-05 08:00:00, {NOW_LA}]"),
    (LA, "until yesterday", "[2026-03-04 08:00:00, 2026-03-11 07:00:00)"),
    (LA, "before yesterday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    # A local time that does not exist (spring forward) takes zoneinfo's fold=0 offset.
    (LA, "2026-03-08 02:30", "[2026-03-08 10:30:00, 2026-03-08 10:31:00)"),
    # Two-sided ranges: the end is the first occurrence on or after the start.
    (LA, "since monday until tuesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "monday to tuesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "monday - tuesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "monday – tuesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "between monday and monday", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (LA, "between tuesday and monday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "between wednesday and thursday", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "from 5pm to 9am", "[2026-03-11 00:00:00, 2026-03-11 16:00:00)"),
    (LA, "9am-5pm", f"[2026-03-11 16:00:00, {NOW_LA}]"),
    (LA, "monday 9am - 5pm", "[2026-03-09 16:00:00, 2026-03-10 00:00:00)"),
    (LA, "between dec 24 and dec 26", "[2025-12-24 08:00:00, 2025-12-27 08:00:00)"),
    (LA, "between dec and feb", "[2025-12-01 08:00:00, 2026-03-01 08:00:00)"),
    (LA, "2026-03-01 - 2026-03-05", "[2026-03-01 08:00:00, 2026-03-06 08:00:00)"),
    (LA, "from march 1 to march 3", "[2026-03-01 08:00:00, 2026-03-04 08:00:00)"),
    (LA, "since march 1 before march 3", "[2026-03-01 08:00:00, 2026-03-03 08:00:00)"),
    (LA, "after monday before wednesday", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "between 2025-01-01 and 2026-01-01", "[2025-01-01 08:00:00, 2026-01-02 08:00:00)"),
    (LA, "up to monday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    # Time keys are operators too, and combine with each other and with the words.
    (LA, "since=yesterday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "since:yesterday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, 'since="last monday"', f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "since=march 8", f"[2026-03-08 08:00:00, {NOW_LA}]"),
    (LA, "after=monday", f"[2026-03-10 07:00:00, {NOW_LA}]"),
    (LA, "before=monday", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "until=monday", "[2026-03-03 08:00:00, 2026-03-10 07:00:00)"),
    (LA, "on=yesterday", "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "date=2026-03-01", "[2026-03-01 08:00:00, 2026-03-02 08:00:00)"),
    (LA, "DATE=2026-03-01", "[2026-03-01 08:00:00, 2026-03-02 08:00:00)"),
    (LA, "since=monday before=wednesday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "before=wednesday since=monday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "since=monday until=monday", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    (
        LA,
        "since=2026-03-10T07:00:00Z until=2026-03-11T22:30:00Z",
        f"[2026-03-10 07:00:00, {NOW_LA}]",
    ),
    (
        LA,
        "since=2026-03-10T07:00:00Z before=2026-03-10T08:00:00.5Z",
        "[2026-03-10 07:00:00, 2026-03-10 08:00:00.500000)",
    ),
    # `until` an instant includes it (like `since`); `before` and `to` stop short of it.
    (
        LA,
        "since=2026-03-10T07:00:00Z until=2026-03-10T08:00:00.5Z",
        "[2026-03-10 07:00:00, 2026-03-10 08:00:00.500000]",
    ),
    (LA, "since 9am until 3pm", "[2026-03-11 16:00:00, 2026-03-11 22:00:00]"),
    (LA, "until 3pm", "[2026-03-04 23:00:00, 2026-03-11 22:00:00]"),
    (LA, "from 9am to 3pm", "[2026-03-11 16:00:00, 2026-03-11 22:00:00)"),
    (LA, "since 9am before 3pm", "[2026-03-11 16:00:00, 2026-03-11 22:00:00)"),
    # An upper bound later than now is clamped to now.
    (LA, "between monday and friday", f"[2026-03-09 07:00:00, {NOW_LA}]"),
    (LA, "until tomorrow", f"[2026-03-06 08:00:00, {NOW_LA}]"),
    # tz= reads the phrase in another zone.
    (LA, "yesterday tz=UTC", "[2026-03-10 00:00:00, 2026-03-11 00:00:00)"),
    (LA, "tz=Europe/London yesterday", "[2026-03-10 00:00:00, 2026-03-11 00:00:00)"),
    (
        LA,
        "yesterday tz=asia/kolkata",
        "[2026-03-10 18:30:00, 2026-03-11 18:30:00)",
    ),  # already the 12th there
    (LA, "today tz=Asia/Kathmandu", "[2026-03-11 18:15:00, 2026-03-11 22:30:00]"),
    (KOLKATA, "yesterday", "[2026-03-09 18:30:00, 2026-03-10 18:30:00)"),
    (KOLKATA, "9am", "[2026-03-11 03:30:00, 2026-03-11 04:30:00)"),
    # Said on a Monday: "monday" is today; a two-sided end may be tomorrow, then clamped.
    (LA_MON, "monday", "[2026-03-09 07:00:00, 2026-03-09 17:00:00]"),
    (LA_MON, "last monday", "[2026-03-02 08:00:00, 2026-03-03 08:00:00)"),
    (LA_MON, "between monday and tuesday", "[2026-03-09 07:00:00, 2026-03-09 17:00:00]"),
    (LA_MON, "sunday", "[2026-03-08 08:00:00, 2026-03-09 07:00:00)"),
    (LA_MON, "this week", "[2026-03-09 07:00:00, 2026-03-09 17:00:00]"),
    (LA_MON, "last week", "[2026-03-02 08:00:00, 2026-03-09 07:00:00)"),
    (LA, "this monday", "[2026-03-09 07:00:00, 2026-03-10 07:00:00)"),
    # More dates dateparser reads (month/day first), and two-sided mixes.
    (LA, "8/3", "[2025-08-03 07:00:00, 2025-08-04 07:00:00)"),
    (LA, "2026/03/04", "[2026-03-04 08:00:00, 2026-03-05 08:00:00)"),
    (LA, "03-04-2026", "[2026-03-04 08:00:00, 2026-03-05 08:00:00)"),
    (LA, "Mar 8 2026 5pm", "[2026-03-09 00:00:00, 2026-03-09 01:00:00)"),
    (LA, "march 2026", f"[2026-03-01 08:00:00, {NOW_LA}]"),
    (LA, "may 2025 to june 2025", "[2025-05-01 07:00:00, 2025-07-01 07:00:00)"),
    (LA, "from yesterday 5pm to today 9am", "[2026-03-11 00:00:00, 2026-03-11 16:00:00)"),
    (LA, "between last monday and yesterday", "[2026-03-09 07:00:00, 2026-03-11 07:00:00)"),
    (LA, "today to tomorrow", f"[2026-03-11 07:00:00, {NOW_LA}]"),
    (LA, "since last week", f"[2026-03-02 08:00:00, {NOW_LA}]"),
    (LA, "since 2026-03-10 09:00", f"[2026-03-10 16:00:00, {NOW_LA}]"),
    (LA, "before=2026-03-11T22:30:00Z", "[2026-03-04 23:30:00, 2026-03-11 22:30:00)"),
    (LA_NOV, "dec 25", "[2025-12-25 08:00:00, 2025-12-26 08:00:00)"),  # last year's
    # Los Angeles in November: the 25-hour day when DST ends.
    (LA_NOV, "on nov 1", "[2026-11-01 07:00:00, 2026-11-02 08:00:00)"),
    (LA_NOV, "sunday", "[2026-11-01 07:00:00, 2026-11-02 08:00:00)"),
    (LA_NOV, "last 3 days", "[2026-11-01 20:00:00, 2026-11-04 20:00:00]"),
    (LA_NOV, "last week", "[2026-10-26 07:00:00, 2026-11-02 08:00:00)"),
    (LA_NOV, "between saturday and monday", "[2026-10-31 07:00:00, 2026-11-03 08:00:00)"),
    (LA_NOV, "2026-11-01 01:30", "[2026-11-01 08:30:00, 2026-11-01 08:31:00)"),  # 1st of 2
    (LA_NOV, "last 72 hours", "[2026-11-01 20:00:00, 2026-11-04 20:00:00]"),
    # Sydney in April: DST ends (25-hour day).
    (SYD_APR, "on april 5", "[2026-04-04 13:00:00, 2026-04-05 14:00:00)"),
    (SYD_APR, "sunday", "[2026-04-04 13:00:00, 2026-04-05 14:00:00)"),
    (SYD_APR, "yesterday", "[2026-04-06 14:00:00, 2026-04-07 14:00:00)"),
    (SYD_APR, "last 7 days", "[2026-03-31 23:00:00, 2026-04-08 00:00:00]"),
    (SYD_APR, "last month", "[2026-02-28 13:00:00, 2026-03-31 13:00:00)"),
    (SYD_APR, "last 2 hours", "[2026-04-07 22:00:00, 2026-04-08 00:00:00]"),
    # Sydney in October: DST starts (23-hour day; 02:30 does not exist).
    (SYD_OCT, "on october 4", "[2026-10-03 14:00:00, 2026-10-04 13:00:00)"),
    (SYD_OCT, "this week", "[2026-10-04 13:00:00, 2026-10-06 22:00:00]"),
    (SYD_OCT, "last week", "[2026-09-27 14:00:00, 2026-10-04 13:00:00)"),
    (SYD_OCT, "2026-10-04 02:30", "[2026-10-03 16:30:00, 2026-10-03 16:31:00)"),
    # London, two days after BST started.
    (LON, "on march 29", "[2026-03-29 00:00:00, 2026-03-29 23:00:00)"),
    (LON, "yesterday", "[2026-03-29 23:00:00, 2026-03-30 23:00:00)"),
    (LON, "last week", "[2026-03-23 00:00:00, 2026-03-29 23:00:00)"),
    (LON, "since 9am", "[2026-03-31 08:00:00, 2026-03-31 11:00:00]"),
    (LON, "last 3 days", "[2026-03-28 12:00:00, 2026-03-31 11:00:00]"),
    (LON, "yesterday tz=UTC", "[2026-03-30 00:00:00, 2026-03-31 00:00:00)"),
    # Month and year boundaries (New York, New Year's Day).
    (NY_JAN, "yesterday", "[2025-12-31 05:00:00, 2026-01-01 05:00:00)"),
    (NY_JAN, "last month", "[2025-12-01 05:00:00, 2026-01-01 05:00:00)"),
    (NY_JAN, "last year", "[2025-01-01 05:00:00, 2026-01-01 05:00:00)"),
    (NY_JAN, "this year", "[2026-01-01 05:00:00, 2026-01-01 15:00:00]"),
    (NY_JAN, "this week", "[2025-12-29 05:00:00, 2026-01-01 15:00:00]"),
    (NY_JAN, "last week", "[2025-12-22 05:00:00, 2025-12-29 05:00:00)"),
    (NY_JAN, "dec 25", "[2025-12-25 05:00:00, 2025-12-26 05:00:00)"),
    (NY_JAN, "jan 2", "[2025-01-02 05:00:00, 2025-01-03 05:00:00)"),
    (NY_JAN, "december", "[2025-12-01 05:00:00, 2026-01-01 05:00:00)"),
    (NY_JAN, "2 months ago", "[2025-11-01 04:00:00, 2025-12-01 05:00:00)"),
    (NY_JAN, "last 1 month", "[2025-12-01 15:00:00, 2026-01-01 15:00:00]"),
    (NY_JAN, "between dec 30 and jan 1", "[2025-12-30 05:00:00, 2026-01-01 15:00:00]"),
    (NY_JAN, "from dec 31 5pm to 9am", "[2025-12-31 22:00:00, 2026-01-01 14:00:00)"),
    # 29 February.
    (UTC_2027, "feb 29", "[2024-02-29 00:00:00, 2024-03-01 00:00:00)"),
    (UTC_2027, "feb 28", "[2027-02-28 00:00:00, 2027-03-01 00:00:00)"),
    (UTC_2027, "last 1 month", "[2027-02-15 12:00:00, 2027-03-15 12:00:00]"),
    (UTC_2028, "feb 29", "[2028-02-29 00:00:00, 2028-03-01 00:00:00)"),
    (UTC_2028, "2028-02-29", "[2028-02-29 00:00:00, 2028-03-01 00:00:00)"),
    (UTC_2028, "last month", "[2028-02-01 00:00:00, 2028-03-01 00:00:00)"),
    (UTC_2028, "last 1 month", "[2028-02-29 12:00:00, 2028-03-31 12:00:00]"),
    (UTC_LEAP_DAY, "today", "[2028-02-29 00:00:00, 2028-02-29 09:00:00]"),
    (UTC_LEAP_DAY, "last 12 months", "[2027-02-28 09:00:00, 2028-02-29 09:00:00]"),
    (UTC_LEAP_DAY, "2027", "[2027-01-01 00:00:00, 2028-01-01 00:00:00)"),
]


@pytest.mark.parametrize(("where", "text", "expected"), TIMES, ids=str)
def test_time_phrase(where: At, text: str, expected: str) -> None:
    q = parse(text, where.now, where.tz)
    assert interval(q) == expected
    assert q.filters == {}
    assert q.end_is_now == expected.endswith(f"{format_time(where.now)}]")


# --- filters ------------------------------------------------------------------------------

FILTERS: list[tuple[str, dict[str, str], str]] = [
    (
        "conference=sales since yesterday",
        {"conference_name": "sales"},
        f"[2026-03-10 07:00:00, {NOW_LA}]",
    ),
    (
        "last 2 hours from=4155550100",
        {"from_number": "+14155550100"},
        f"[2026-03-11 20:30:00, {NOW_LA}]",
    ),
    (f"call={ID}", {"call_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),  # 90 days back
    # Every alias.
    ("from=4155550100", {"from_number": "+14155550100"}, WEEK_LA),
    ("from_number=+14155550100", {"from_number": "+14155550100"}, WEEK_LA),
    ('caller="(415) 555-0100"', {"from_number": "+14155550100"}, WEEK_LA),
    ("to=+442079460958", {"to_number": "+442079460958"}, WEEK_LA),
    ("to_number=1-415-555-0100", {"to_number": "+14155550100"}, WEEK_LA),
    ('callee="+44 20 7946 0958"', {"to_number": "+442079460958"}, WEEK_LA),
    ("from=sip:alice@example.com", {"from_number": "sip:alice@example.com"}, WEEK_LA),
    ("to=SIP:Bob@Example.com", {"to_number": "SIP:Bob@Example.com"}, WEEK_LA),
    ("conference=sales", {"conference_name": "sales"}, WEEK_LA),
    ("conf=sales", {"conference_name": "sales"}, WEEK_LA),
    ("conference_name=Sales", {"conference_name": "Sales"}, WEEK_LA),
    ("room=sales", {"conference_name": "sales"}, WEEK_LA),
    (f"conference_uuid={ID}", {"conference_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    (f"conf_uuid={ID.upper()}", {"conference_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    ("mpc=daily-sync", {"mpc_name": "daily-sync"}, WEEK_LA),
    ("mpc_name=daily-sync", {"mpc_name": "daily-sync"}, WEEK_LA),
    (f"mpc_uuid={ID}", {"mpc_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    (f"call_uuid={ID}", {"call_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    (f"call_id={ODD_ID}", {"call_uuid": ODD_ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    (ID, {"call_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),  # a bare id is a call id
    (ID.upper(), {"call_uuid": ID}, f"[2025-12-11 23:30:00, {NOW_LA}]"),
    (f"{ID} yesterday", {"call_uuid": ID}, "[2026-03-10 07:00:00, 2026-03-11 07:00:00)"),
    ("subaccount=SA1234567890ABCDEFGH", {"subaccount": "SA1234567890ABCDEFGH"}, WEEK_LA),
    ("sub=sa1234567890abcdefgh", {"subaccount": "SA1234567890ABCDEFGH"}, WEEK_LA),
    # Keys are case-insensitive and may be written with a colon; values keep their case.
    ("Conference=Sales", {"conference_name": "Sales"}, WEEK_LA),
    ("FROM=4155550100", {"from_number": "+14155550100"}, WEEK_LA),
    ("from:4155550100", {"from_number": "+14155550100"}, WEEK_LA),
    ("conference:sales", {"conference_name": "sales"}, WEEK_LA),
    ("conference=a=b", {"conference_name": "a=b"}, WEEK_LA),
    ("conference=o'brien", {"conference_name": "o'brien"}, WEEK_LA),
    ("room='o'brien'", {"conference_name": "o'brien"}, WEEK_LA),
    (
        'conference="sales team" since monday',
        {"conference_name": "sales team"},
        f"[2026-03-09 07:00:00, {NOW_LA}]",
    ),
    ("conference='sales team'", {"conference_name": "sales team"}, WEEK_LA),
    ('conference=" padded "', {"conference_name": " padded "}, WEEK_LA),
    ('conference="it\'s"', {"conference_name": "it's"}, WEEK_LA),
    ("conference='say \"hi\"'", {"conference_name": 'say "hi"'}, WEEK_LA),
    # Slack's curly quotes.
    ("conference=“sales team”", {"conference_name": "sales team"}, WEEK_LA),
    ("conference=”sales team”", {"conference_name": "sales team"}, WEEK_LA),
    ("conference=‘sales team’", {"conference_name": "sales team"}, WEEK_LA),
    ("conference=‘it’s’", {"conference_name": "it’s"}, WEEK_LA),
    ("since “last monday”", {}, f"[2026-03-09 07:00:00, {NOW_LA}]"),
    # Slack's links and escapes.
    ("from=<tel:+14155550100|+1 415 555 0100>", {"from_number": "+14155550100"}, WEEK_LA),
    ("to=<tel:4155550100|415-555-0100>", {"to_number": "+14155550100"}, WEEK_LA),
    (
        "from=sip:<mailto:alice@example.com|alice@example.com>",
        {"from_number": "sip:alice@example.com"},
        WEEK_LA,
    ),
    (
        "to=<mailto:sip:bob@example.com|sip:bob@example.com>",
        {"to_number": "sip:bob@example.com"},
        WEEK_LA,
    ),
    (
        "conference=<http://sales.example.com|sales.example.com>",
        {"conference_name": "sales.example.com"},
        WEEK_LA,
    ),
    (
        "conference=<https://example.com/room>",
        {"conference_name": "https://example.com/room"},
        WEEK_LA,
    ),
    ("conference=Q&amp;A", {"conference_name": "Q&A"}, WEEK_LA),
    ("conference=&lt;vip&gt;", {"conference_name": "<vip>"}, WEEK_LA),
    ("conference=a&amp;lt;b", {"conference_name": "a&lt;b"}, WEEK_LA),
    ('conference="Q&amp;A team"', {"conference_name": "Q&A team"}, WEEK_LA),
    # Several filters at once.
    (
        "from=4155550100 to=+442079460958 conference=sales mpc=m1 "
        f"sub=SA1234567890ABCDEFGH call={ID}",
        {
            "from_number": "+14155550100",
            "to_number": "+442079460958",
            "conference_name": "sales",
            "mpc_name": "m1",
            "subaccount": "SA1234567890ABCDEFGH",
            "call_uuid": ID,
        },
        f"[2025-12-11 23:30:00, {NOW_LA}]",
    ),
]


@pytest.mark.parametrize(("text", "filters", "expected"), FILTERS, ids=[c[0][:60] for c in FILTERS])
def test_filters(text: str, filters: dict[str, str], expected: str) -> None:
    q = parse(text, LA.now, LA.tz)
    assert q.filters == filters
    assert interval(q) == expected


def test_phone_region_reads_numbers_without_plus() -> None:
    q = parse("from=020 7946 0958".replace(" ", ""), LA.now, LA.tz, phone_region="GB")
    assert q.filters == {"from_number": "+442079460958"}


# --- paging, sharing, zones ---------------------------------------------------------------

SETTINGS: list[tuple[str, int, int, int, bool, str]] = [
    # text, default page size, page size, offset, share, tz
    ("", 10, 10, 0, False, "America/Los_Angeles"),
    ("limit=5", 10, 5, 0, False, "America/Los_Angeles"),
    ("per_page=20", 10, 20, 0, False, "America/Los_Angeles"),
    ("limit=1", 10, 1, 0, False, "America/Los_Angeles"),
    ("page=3", 10, 10, 20, False, "America/Los_Angeles"),
    ("page=3 limit=5", 10, 5, 10, False, "America/Los_Angeles"),
    ("limit=5 page=3", 10, 5, 10, False, "America/Los_Angeles"),
    ("page=2", 15, 15, 15, False, "America/Los_Angeles"),
    ("page=1", 10, 10, 0, False, "America/Los_Angeles"),
    ("offset=7", 10, 10, 7, False, "America/Los_Angeles"),
    ("offset=0", 10, 10, 0, False, "America/Los_Angeles"),
    ("share", 10, 10, 0, True, "America/Los_Angeles"),
    ("SHARE conference=sales", 10, 10, 0, True, "America/Los_Angeles"),
    ("tz=UTC", 10, 10, 0, False, "UTC"),
    ("tz=utc", 10, 10, 0, False, "UTC"),
    ("tz=Europe/London", 10, 10, 0, False, "Europe/London"),
    ("tz=europe/london", 10, 10, 0, False, "Europe/London"),
    ("TZ:Asia/Kolkata", 10, 10, 0, False, "Asia/Kolkata"),
]


@pytest.mark.parametrize(("text", "default", "size", "offset", "share", "tz"), SETTINGS, ids=str)
def test_paging_share_and_zone(
    text: str, default: int, size: int, offset: int, share: bool, tz: str
) -> None:
    q = parse(text, LA.now, LA.tz, page_size=default)
    assert (q.page_size, q.offset, q.share, q.tz) == (size, offset, share, tz)


# --- errors -------------------------------------------------------------------------------

ERRORS: list[tuple[At, str, str, str | None]] = [
    # at, text, the token blamed, a word the message must suggest (or None)
    (LA, "conference=sales tomorrow", "tomorrow", None),
    (LA, "confrence=sales", "confrence", "`conference`"),
    (LA, "confrence:sales", "confrence", "`conference`"),
    (LA, "frm=4155550100", "frm", "`from`"),
    (LA, "limt=5", "limt", "`limit`"),
    (LA, "zzz=1", "zzz", None),
    (LA, "=sales", "", None),
    # Empty values.
    (LA, "conference=", "conference=", None),
    (LA, 'conference=""', 'conference=""', None),
    (LA, "conference=' '", "conference=' '", None),
    (LA, "since=", "since=", None),
    (LA, "tz=", "tz=", None),
    (LA, "from:", "from:", None),
    # A key given twice, aliases included.
    (LA, "from=4155550100 caller=4155550101", "caller=4155550101", None),
    (LA, "conference=a room=b", "room=b", None),
    (LA, "since=monday since=tuesday", "since=tuesday", None),
    (LA, "date=monday on=tuesday", "on=tuesday", None),
    (LA, "limit=5 per_page=6", "per_page=6", None),
    (LA, f"call={ID} {ID}", ID, None),
    (LA, f"{ID} call_id={ID}", f"call_id={ID}", None),
    (LA, "tz=UTC tz=UTC", "tz=UTC", None),
    (LA, "share share", "share", None),
    # Numbers out of range.
    (LA, "limit=0", "limit=0", None),
    (LA, "limit=21", "limit=21", None),
    (LA, "limit=ten", "limit=ten", None),
    (LA, "per_page=-1", "per_page=-1", None),
    (LA, "page=0", "page=0", None),
    (LA, "page=1.5", "page=1.5", None),
    (LA, "offset=-1", "offset=-1", None),
    (LA, "offset=x", "offset=x", None),
    (LA, "offset=99999999999", "offset=99999999999", None),
    (LA, "page=999999 limit=20", "page=999999", None),
    (LA, "page=2 offset=5", "offset=5", None),
    # Zones.
    (LA, "tz=PST", "tz=PST", "`America/Los_Angeles`"),
    (LA, "tz=IST", "tz=IST", "`Asia/Kolkata`"),
    (LA, "tz=Europe/Londn", "tz=Europe/Londn", "`Europe/London`"),
    (LA, "tz=Mars/Olympus_Mons", "tz=Mars/Olympus_Mons", None),
    (LA, "tz=../../etc/passwd", "tz=../../etc/passwd", None),
    (LA, "5pm PST", "PST", "tz="),
    # Filter values.
    (LA, "from=abc", "from=abc", None),
    (LA, "from=5551234", "from=5551234", None),  # no area code
    (LA, "to=+1", "to=+1", None),
    (LA, "from=sip:", "from=sip:", None),
    (LA, 'from="sip:a b@example.com"', 'from="sip:a b@example.com"', None),
    (LA, "call=123", "call=123", None),
    (LA, "conference_uuid=c2c128e2-1c8c-11e4-9bff-1db8a9db043", None, None),
    (LA, "sub=SA123", "sub=SA123", None),
    (LA, "sub=XX1234567890ABCDEFGH", "sub=XX1234567890ABCDEFGH", None),
    (LA, 'conference="a\x07b"', 'conference="a\x07b"', None),
    (LA, "conference=" + "x" * 101, "conference=" + "x" * 101, None),
    # Bare phone numbers.
    (LA, "4155550100", "4155550100", "`from=4155550100`"),
    (LA, "+1 415 555 0100", "+1 415 555 0100", "`from=+14155550100`"),
    (LA, "(415) 555-0100 yesterday", "(415) 555-0100", "`to=4155550100`"),
    (LA, "555-0100", "555-0100", "`from=5550100`"),
    (LA, "since 4155550100", "4155550100", None),
    # Leftover words that are not a time.
    (LA, "blah", "blah", None),
    (LA, "conference=sales blah", "blah", None),
    (LA, "yesterdy", "yesterdy", "`yesterday`"),
    (LA, "since mondya", "mondya", "`monday`"),
    (LA, "conference", "conference", None),
    (LA, "may I", "I", None),
    (LA, "a", "a", None),
    (LA, "5", "5", None),
    (LA, "conference=sales 5", "5", None),
    (LA, "sip:alice@example.com", "sip:alice@example.com", None),
    (LA, "help me", "help", None),
    (LA, "conference=sales ?", "?", None),
    (LA, "@here", "@here", None),
    # Phrases that cannot be read, or do not fit together.
    (LA, "feb 30", "feb 30", None),
    (UTC_2027, "feb 29 2027", "feb 29 2027", None),
    (UTC_2027, "2027-02-29", "2027-02-29", None),
    (LA, "2026-13-01", "2026-13-01", None),
    (LA, "25:00", "25:00", None),
    (LA, "13pm", "13pm", None),
    (LA, "last 0 hours", "last 0 hours", None),
    (LA, "since", "since", None),
    (LA, "between monday", "between monday", None),
    (LA, "monday and tuesday", "monday and tuesday", None),
    (LA, "to friday", "to friday", None),
    (LA, "since monday since tuesday", "since monday since tuesday", None),
    (LA, "on monday since tuesday", "on monday since tuesday", None),
    (LA, "from monday to tuesday to friday", "from monday to tuesday to friday", None),
    (LA, "999999 days ago", "999999 days ago", None),
    (LA, "last 999999 years", "last 999999 years", None),
    (LA, "9999999 days ago", "9999999", "`from=9999999`"),  # seven digits: a phone number
    (LA, "march 32", "march 32", None),  # not March 2032
    (LA, "415-555-0100", "415-555-0100", "`to=4155550100`"),
    (LA, "last 2 mondays", "mondays", "`monday`"),
    # Future, backwards and too long.
    (LA, "this friday", "this friday", None),
    (LA, "tomorrow", "tomorrow", None),
    (LA, "since tomorrow", "since tomorrow", None),
    (LA, "next week", "next week", None),
    (LA, "next friday", "next friday", None),
    (LA, "2027", "2027", None),
    (LA, "after today", "after today", None),
    (LA, "since=tomorrow", "since=tomorrow", None),
    (LA, "between 2026-03-05 and 2026-03-01", "between 2026-03-05 and 2026-03-01", None),
    (LA, "after wednesday before monday", "after wednesday before monday", None),
    (LA, "last 400 days", "last 400 days", "`last 90 days`"),
    (LA, "2024 - 2025", "2024 - 2025", None),
    (LA, "between 2025-01-01 and 2026-01-02", "between 2025-01-01 and 2026-01-02", None),
    (LA, "since 2025-01-01", "since 2025-01-01", None),
    (LA, "before=2020-01-01 since=2018-01-01", "before=2020-01-01 since=2018-01-01", None),
    # Quotes.
    (LA, 'conference="sales', 'conference="sales', None),
    (LA, "“unclosed", "“unclosed", None),
]


@pytest.mark.parametrize(
    ("where", "text", "token", "hint"), ERRORS, ids=[c[1][:60] for c in ERRORS]
)
def test_errors(where: At, text: str, token: str | None, hint: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text, where.now, where.tz)
    error = caught.value
    if token is not None:
        assert error.token == token
    assert error.message
    if token:
        assert "`" in error.message
    if hint is not None:
        assert hint in error.message


def test_error_messages_say_what_to_do() -> None:
    with pytest.raises(ParseError) as caught:
        parse("confrence=sales", LA.now, LA.tz)
    assert caught.value.message.startswith(
        "I don't know the key `confrence` — did you mean `conference`?"
    )

    with pytest.raises(ParseError) as caught:
        parse("conference=sales tomorrow", LA.now, LA.tz)
    assert caught.value.message.startswith("`tomorrow` is in the future")

    with pytest.raises(ParseError) as caught:
        parse("from=4155550100 caller=+14155550100", LA.now, LA.tz)
    assert "`from` is given twice" in caught.value.message


def test_error_messages_are_safe_mrkdwn() -> None:
    with pytest.raises(ParseError) as caught:
        parse("conference=x <@U123|bob> `x` &amp;", LA.now, LA.tz)
    message = caught.value.message
    assert "<" not in message
    assert "`x`" not in message  # backticks in the token cannot end the code span


def test_long_junk_is_cut_in_the_message() -> None:
    junk = "q" * 10_000
    with pytest.raises(ParseError) as caught:
        parse(junk, LA.now, LA.tz)
    assert caught.value.token == junk
    assert len(caught.value.message) < 500


def test_an_unknown_user_zone_asks_for_tz() -> None:
    with pytest.raises(ParseError) as caught:
        parse("yesterday", LA.now, "Nowhere/Special")
    assert "tz=" in caught.value.message
    q = parse("yesterday tz=UTC", LA.now, "Nowhere/Special")
    assert q.tz == "UTC"


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("today", datetime(2026, 3, 11, 15, 30), "UTC")


def test_now_is_floored_to_the_second() -> None:
    now = datetime(2026, 3, 11, 22, 30, 5, 999_999, tzinfo=ZoneInfo("UTC"))
    q = parse("today", now, "UTC")
    assert q.plivo_params()["add_time__lte"] == "2026-03-11 22:30:05"


def test_the_same_instant_in_any_zone_gives_the_same_range() -> None:
    utc_now = LA.now.astimezone(ZoneInfo("Asia/Tokyo"))
    assert parse("since yesterday", utc_now, LA.tz) == parse("since yesterday", LA.now, LA.tz)


# --- help -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "HELP", "  help  ", "Help\n", "?", "-h", "--help"])
def test_is_help(text: str) -> None:
    assert is_help(text)


@pytest.mark.parametrize("text", ["", "help me", "helpme", "share", "h", "conference=help"])
def test_is_not_help(text: str) -> None:
    assert not is_help(text)
