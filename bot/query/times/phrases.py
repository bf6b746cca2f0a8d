"""Reading one time phrase (`yesterday`, `last 2 hours`, `monday 9am`, `march 8`, `2026-03-01`)
into what it means: a fixed `Span` or a `Floating` phrase.

The common phrases are read by the small grammar here; dates with month names or slashes go
to dateparser (see `natural`).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from bot.query import natural
from bot.query.times.calendar import (
    Clock,
    Context,
    Floating,
    Phrase,
    Span,
    add_months,
    days_in,
    instant,
    monday,
    previous,
)
from bot.query.times.words import DAY_SHIFT, ELAPSED, GRAINS, NUMBER_WORDS, UNITS, WEEKDAYS

_INT = re.compile(r"[0-9]{1,7}", re.ASCII)
_CLOCK = re.compile(r"([0-9]{1,2})(?::([0-9]{2})(?::([0-9]{2}))?)?(am|pm)?", re.ASCII)
_ABBREVIATION = re.compile(r"([0-9]{1,7})(m|min|mins|h|hr|hrs|d|w|wk|wks|mo)", re.ASCII)
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2})"
    r"(?:t([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6})[0-9]*)?)?"
    r"(z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?)?",
    re.ASCII,
)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_DASHED_DATE = re.compile(r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}", re.ASCII)  # 03-04-2026
_YEAR = re.compile(r"19[0-9]{2}|2[0-9]{3}", re.ASCII)
SHAPES = (_INT, _CLOCK, _ABBREVIATION, _ISO, _COMPACT, re.compile(r"[0-9/.\-]+(?:st|nd|rd|th)?"))


def read_clock(word: str) -> Clock | None:
    """A time of day: `9am`, `17:30`, `noon`; a bare number is not one."""
    if word == "noon":
        return Clock(12, 0, 0, timedelta(hours=1))
    if word == "midnight":
        return Clock(0, 0, 0, timedelta(hours=1))
    match = _CLOCK.fullmatch(word)
    if match is None:
        return None
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


def _number(word: str) -> int | None:
    if _INT.fullmatch(word):
        return int(word)
    return NUMBER_WORDS.get(word)


def _iso(word: str, ctx: Context) -> Span | None:
    match = _ISO.fullmatch(word)
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


def _fixed_day(word: str) -> date | None:
    """A date written as digits: 2026-03-01 or 20260301."""
    match = _ISO.fullmatch(word)
    if match is not None and match[3] is not None and match[4] is None:
        return date(int(match[1]), int(match[2]), int(match[3]))
    match = _COMPACT.fullmatch(word)
    if match is not None and _YEAR.fullmatch(match[1]):
        return date(int(match[1]), int(match[2]), int(match[3]))
    return None


def is_date_word(word: str) -> bool:
    """Whether a token of digits is a date or a year (so not a phone number)."""
    try:
        return (
            _fixed_day(word) is not None
            or bool(_YEAR.fullmatch(word))
            or bool(_DASHED_DATE.fullmatch(word))
        )
    except ValueError:
        return False


def _ago(count: int, unit: str, ctx: Context) -> Span:
    if unit in ELAPSED:
        return instant(ctx.now - count * ELAPSED[unit], ELAPSED[unit])
    if unit == "day":
        return ctx.day(ctx.today - timedelta(days=count))
    if unit == "week":
        return ctx.week(monday(ctx.today) - timedelta(weeks=count))
    if unit == "month":
        return ctx.month(*add_months(ctx.today.year, ctx.today.month, -count))
    return ctx.year(ctx.today.year - count)


def _last(count: int, unit: str, ctx: Context) -> Span:
    """[now - count units, now]: elapsed time for hours and less, calendar steps above."""
    if count < 1:
        raise ValueError("a count of zero")
    if unit in ELAPSED:
        return ctx.rolling(ctx.now - count * ELAPSED[unit])
    local = ctx.local_now
    if unit in ("day", "week"):
        back = local - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        year, month = add_months(local.year, local.month, -count * (12 if unit == "year" else 1))
        back = local.replace(year=year, month=month, day=min(local.day, days_in(year, month)))
    return ctx.rolling(ctx.wall(back))


def _period(which: int, unit: str, ctx: Context) -> Span | None:
    """The previous (-1), current (0) or next (1) calendar day, week, month or year."""
    if unit == "day":
        return ctx.day(ctx.today + timedelta(days=which))
    if unit == "week":
        return ctx.week(monday(ctx.today) + timedelta(weeks=which))
    if unit == "month":
        return ctx.month(*add_months(ctx.today.year, ctx.today.month, which))
    if unit == "year":
        return ctx.year(ctx.today.year + which)
    return None


def _count_and_unit(words: list[str]) -> tuple[int, str] | None:
    """`2 hours`, `a week`, `30m`: a count and a unit."""
    if len(words) == 1:
        match = _ABBREVIATION.fullmatch(words[0])
        if match is not None:
            return int(match[1]), UNITS[match[2]] if match[2] != "mo" else "month"
        return None
    if len(words) == 2 and words[1] in UNITS:
        count = _number(words[0])
        if count is not None:
            return count, UNITS[words[1]]
    return None


def _single(word: str, ctx: Context) -> Phrase | None:
    if word == "now":
        return instant(ctx.now, GRAINS["second"])
    if word in DAY_SHIFT:
        return ctx.day(ctx.today + timedelta(days=DAY_SHIFT[word]))
    if word in WEEKDAYS:
        return Floating(weekday=WEEKDAYS[word])
    if word in natural.MONTHS:
        return Floating(month=natural.MONTHS[word])
    clock = read_clock(word)
    if clock is not None:
        return Floating(clock=clock)
    if _YEAR.fullmatch(word):
        return ctx.year(int(word))
    day = _fixed_day(word)
    if day is not None:
        return ctx.day(day)
    return _iso(word, ctx)


def _relative(words: list[str], ctx: Context) -> Phrase | None:
    if words[0] in ("in", "within", "over", "during") and len(words) > 1:
        words = words[1:]
    if words[0] == "the" and len(words) > 1:
        words = words[1:]
    head, rest = words[0], words[1:]
    if words[-1] == "ago":
        found = _count_and_unit(words[:-1])
        return _ago(*found, ctx) if found else None
    if head in ("last", "past", "previous", "prev") and rest:
        found = _count_and_unit(rest)
        if found is not None:
            return _last(*found, ctx)
        if len(rest) != 1:
            return None
        word = rest[0]
        if word in WEEKDAYS and head != "past":
            return ctx.day(previous(ctx.today, WEEKDAYS[word]))
        unit = UNITS.get(word)
        if unit is None or len(word) == 1:
            return None
        if head == "past" or unit in ELAPSED:
            return _last(1, unit, ctx)
        return _period(-1, unit, ctx)
    if head in ("this", "next") and len(rest) == 1:
        word = rest[0]
        if head == "this" and word in WEEKDAYS:
            return ctx.day(monday(ctx.today) + timedelta(days=WEEKDAYS[word]))
        if head == "next" and word in WEEKDAYS:
            ahead = (WEEKDAYS[word] - ctx.today.weekday()) % 7 or 7
            return ctx.day(ctx.today + timedelta(days=ahead))
        unit = UNITS.get(word)
        if unit is None or len(word) == 1:
            return None
        return _period(0 if head == "this" else 1, unit, ctx)
    found = _count_and_unit(words)
    return _last(*found, ctx) if found else None


def _day_of(words: list[str], ctx: Context) -> date | Floating | None:
    """A day that a time of day can be attached to: `yesterday`, `monday`, `2026-03-01`…"""
    if len(words) == 1:
        word = words[0]
        if word in DAY_SHIFT:
            return ctx.today + timedelta(days=DAY_SHIFT[word])
        if word in WEEKDAYS:
            return Floating(weekday=WEEKDAYS[word])
        return _fixed_day(word)
    if len(words) == 2 and words[0] in ("last", "previous", "prev") and words[1] in WEEKDAYS:
        return previous(ctx.today, WEEKDAYS[words[1]])
    if words[-1] == "ago":
        found = _count_and_unit(words[:-1])
        if found is not None and found[1] == "day":
            return ctx.today - timedelta(days=found[0])
    return None


def _with_clock(words: list[str], ctx: Context) -> Phrase | None:
    """A day and a time of day: `yesterday 5pm`, `monday at 9am`, `2026-03-01 11:47`."""
    if len(words) < 2:
        return None
    clock = read_clock(words[-1])
    if clock is not None:
        day_words = words[:-1]
        if day_words[-1] == "at":
            day_words = day_words[:-1]
    else:
        clock = read_clock(words[0])
        if clock is None:
            return None
        day_words = words[1:]
        if day_words[0] == "on":
            day_words = day_words[1:]
    if not day_words:
        return None
    day = _day_of(day_words, ctx)
    if isinstance(day, Floating):
        return Floating(weekday=day.weekday, clock=clock)
    if day is None:
        return None
    return ctx.on(day, clock)


def _natural(words: list[str], ctx: Context) -> Phrase | None:
    """Dates with month names or slashes, read by dateparser."""
    if len(words) > 1 and words[0] in WEEKDAYS:
        words = words[1:]  # "tue 10 mar": the weekday adds nothing once the date is given
    if not natural.acceptable(words) or len(words) > 8:
        return None
    parts = natural.read(" ".join(words))
    if parts is None:
        return None
    clock = None
    if parts.time is not None:
        hour, minute, second = parts.time
        clock = Clock(hour, minute, second, GRAINS.get(parts.grain, timedelta(hours=1)))
    if parts.month is None:
        if parts.year is not None and parts.day is None and clock is None:
            return ctx.year(parts.year)
        if parts.year is None and parts.day is None and clock is not None:
            return Floating(clock=clock)
        return None
    if parts.day is None:
        if clock is not None:
            return None
        if parts.year is None:
            return Floating(month=parts.month)
        return ctx.month(parts.year, parts.month)
    if parts.year is None:
        return Floating(month=parts.month, day=parts.day, clock=clock)
    return ctx.on(date(parts.year, parts.month, parts.day), clock)


def read_phrase(words: list[str], ctx: Context) -> Phrase | None:
    """What `words` mean, or None when they are not a time phrase."""
    if len(words) > 1 and words[0] in ("at", "in", "during"):
        words = words[1:]  # "at 5pm", "in march"; "in the last 3 days" reads either way
    if not words:
        return None
    if len(words) == 1:
        found = _single(words[0], ctx)
        if found is not None:
            return found
    return _relative(words, ctx) or _with_clock(words, ctx) or _natural(words, ctx)
