"""Times and dates written in digits: `9am`, `17:30`, `9.30`, `0930`, `2026-03-01`,
`20260301`, `2026-03-10T07:00Z`, and numeric dates in the user's order (`03/11`, `3/11/2026`,
`03.11`).

A numeric date with two readings follows the user's date order (`MDY`, `DMY` or `YMD`); one
that is possible only one way (`13/11`) is read that way. A dotted number with a one-digit
hour (`9.30`) is a time; with two digits (`03.11`) it is a date if it can be one, else a time
(`14.30`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from bot.query.times.calendar import Clock, Context, Floating, Span, instant
from bot.query.times.words import GRAINS

INT = re.compile(r"[0-9]{1,7}", re.ASCII)
_CLOCK = re.compile(r"([0-9]{1,2})(?::([0-9]{2})(?::([0-9]{2}))?)?(am|pm)?", re.ASCII)
# 9.30am, 9.30 (one-digit hour: `03.11` is a date), 14.30 only when it is no date (see below)
_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{2})(am|pm)?", re.ASCII)
_HHMM = re.compile(r"([01][0-9]|2[0-3])([0-5][0-9])", re.ASCII)  # 0930; 1930 is a year
ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)", re.ASCII)
_HOUR = re.compile(r"[0-9]{1,2}", re.ASCII)
ABBREVIATION = re.compile(r"([0-9]{1,7})(m|min|mins|h|hr|hrs|d|w|wk|wks|mo)", re.ASCII)
ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2})"
    r"(?:t([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6})[0-9]*)?)?"
    r"(z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?)?",
    re.ASCII,
)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_DASHED_DATE = re.compile(r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}", re.ASCII)  # 03-04-2026
YEAR = re.compile(r"19[0-9]{2}|2[0-9]{3}", re.ASCII)
SHAPES = (INT, _CLOCK, ABBREVIATION, ISO, _COMPACT, re.compile(r"[0-9/.\-]+(?:st|nd|rd|th)?"))
# 03/11, 3/11/2026, 03.11, 03-11-2026 (a dash only with all three parts: `1-15` is a range)
_NUMERIC_DATE = re.compile(
    r"([0-9]{1,4})([/.])([0-9]{1,2})(?:\2([0-9]{2}|[0-9]{4}))?"
    r"|([0-9]{1,2})-([0-9]{1,2})-([0-9]{2}|[0-9]{4})",
    re.ASCII,
)


def read_clock(word: str) -> Clock | None:
    """A time of day: `9am`, `17:30`, `noon`; a bare number is not one."""
    if word == "noon":
        return Clock(12, 0, 0, timedelta(hours=1))
    if word == "midnight":
        return Clock(0, 0, 0, timedelta(hours=1))
    match = _CLOCK.fullmatch(word)
    if match is None:
        return dotted_clock(word, two_digit_hour=False) or _hhmm(word)
    hour_text, minute_text, second_text, meridiem = match.groups()
    if minute_text is None and meridiem is None:
        return None  # a bare number is not a time
    hour = int(hour_text)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        return None
    minute = int(minute_text or 0)
    second = int(second_text or 0)
    if minute > 59 or second > 59:
        return None
    grain = "second" if second_text else "minute" if minute_text else "hour"
    return Clock(hour, minute, second, GRAINS.get(grain, timedelta(hours=1)))


def dotted_clock(word: str, *, two_digit_hour: bool) -> Clock | None:
    """`9.30am`, `9.30`; `14.30` only with `two_digit_hour` (after it failed as a date)."""
    match = _DOTTED.fullmatch(word)
    if match is None:
        return None
    hour_text, minute_text, meridiem = match.groups()
    if len(hour_text) == 2 and meridiem is None and not two_digit_hour:
        return None
    return read_clock(f"{hour_text}:{minute_text}{meridiem or ''}")


def _hhmm(word: str) -> Clock | None:
    """`0930`, `1745` on the 24-hour clock (not `19xx` or `2xxx`: those are years)."""
    match = _HHMM.fullmatch(word)
    if match is None or YEAR.fullmatch(word):
        return None
    return Clock(int(match[1]), int(match[2]), 0, GRAINS["minute"])


def hour_of_day(word: str) -> Clock | None:
    """A bare `9` or `17` as an hour on the 24-hour clock (read so after `since`, `until`…)."""
    if _HOUR.fullmatch(word) and int(word) <= 23:
        return Clock(int(word), 0, 0, timedelta(hours=1))
    return None


def iso(word: str, ctx: Context) -> Span | None:
    match = ISO.fullmatch(word)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    if day is None:
        return ctx.month(int(year), int(month)) if 1 <= int(month) <= 12 else None
    d = date(int(year), int(month), int(day))
    if hour is None:
        return ctx.day(d)
    naive = datetime(
        d.year, d.month, d.day, int(hour), int(minute), int(second or 0),
        int((fraction or "0").ljust(6, "0")),
    )  # fmt: skip
    grain = GRAINS["second"] if second else GRAINS["minute"]
    if offset is None:
        return instant(ctx.wall(naive), grain)
    if offset == "z":
        return instant(naive.replace(tzinfo=UTC), grain)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    shift = timedelta(hours=hours, minutes=minutes)
    return instant(naive.replace(tzinfo=timezone(sign * shift)).astimezone(UTC), grain)


def fixed_day(word: str) -> date | None:
    """A date written as digits: 2026-03-01 or 20260301."""
    match = ISO.fullmatch(word)
    if match is not None and match[3] is not None and match[4] is None:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = _COMPACT.fullmatch(word)
    if match is not None and YEAR.fullmatch(match[1]):
        return date(int(match[1]), int(match[2]), int(match[3]))
    return None


def is_date_word(word: str) -> bool:
    """Whether a token of digits is a date or a year (so not a phone number)."""
    try:
        return (
            fixed_day(word) is not None
            or bool(YEAR.fullmatch(word))
            or bool(_DASHED_DATE.fullmatch(word))
        )
    except ValueError:
        return False


def numeric_date(word: str, ctx: Context) -> Span | Floating | None:
    """`03/11`, `3/11/2026`, `03.11`, `2026/3/11`, `03-11-2026` in the user's date order."""
    match = _NUMERIC_DATE.fullmatch(word)
    if match is None:
        return None
    if match[1] is not None:
        first, second, third = match[1], match[3], match[4]
    else:
        first, second, third = match[5], match[6], match[7]
    if len(first) == 4:  # 2026/3/11: year first whatever the order
        if third is None:
            return None
        return ctx.day(date(int(first), int(second), int(third)))
    if len(first) == 3:
        return None
    a, b = int(first), int(second)
    # Year-first people write a short date month first (3/11 is 11 March in Japan).
    day_first = ctx.order == "DMY"
    readings = [(b, a), (a, b)] if day_first else [(a, b), (b, a)]
    for month, day in readings:
        if 1 <= month <= 12 and 1 <= day <= 31:
            break
    else:
        return None
    if third is None:
        return Floating(month=month, day=day)
    year = int(third) if len(third) == 4 else 2000 + int(third)
    return ctx.day(date(year, month, day))
