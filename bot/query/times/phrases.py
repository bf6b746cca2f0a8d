"""Reading one time phrase (`yesterday`, `last 2 hours`, `monday 9am`, `march 8`, `2026-03-01`)
into what it means: a fixed `Span` or a `Floating` phrase.

The common phrases are read by the small grammar here; dates with month names or slashes go
to dateparser (see `natural`).
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.query import natural
from bot.query.times.calendar import (
    PARTS,
    Clock,
    Context,
    Floating,
    Phrase,
    Span,
    add_months,
    business_days_back,
    days_in,
    instant,
    monday,
    previous,
)
from bot.query.times.digits import (
    ABBREVIATION,
    INT,
    ORDINAL,
    YEAR,
    dotted_clock,
    fixed_day,
    iso,
    numeric_date,
    read_clock,
)
from bot.query.times.words import (
    BUSINESS,
    DAY_SHIFT,
    ELAPSED,
    GRAINS,
    NUMBER_WORDS,
    QUARTERS,
    TO_DATE,
    UNITS,
    WEEKDAYS,
)


def _number(word: str) -> int | None:
    if INT.fullmatch(word):
        return int(word)
    return NUMBER_WORDS.get(word)


def _ago(count: int, unit: str, ctx: Context) -> Span:
    if unit in ELAPSED:
        return instant(ctx.now - count * ELAPSED[unit], ELAPSED[unit])
    if unit == "day":
        return ctx.day(ctx.today - timedelta(days=count))
    if unit == "week":
        return ctx.week(monday(ctx.today) - timedelta(weeks=count))
    if unit == "month":
        return ctx.month(*add_months(ctx.today.year, ctx.today.month, -count))
    if unit == "quarter":
        return _quarter_shift(-count, ctx)
    if unit == "business day":
        return ctx.day(business_days_back(ctx.today - timedelta(days=1), count))
    return ctx.year(ctx.today.year - count)


def _quarter_shift(which: int, ctx: Context) -> Span:
    """The quarter `which` quarters from the current one."""
    year, month = add_months(ctx.today.year, 3 * ((ctx.today.month - 1) // 3) + 1, 3 * which)
    return ctx.quarter(year, (month - 1) // 3 + 1)


def _last(count: int, unit: str, ctx: Context) -> Span:
    """[now - count units, now]: elapsed time for hours and less, calendar steps above."""
    if count < 1:
        raise ValueError("a count of zero")
    if unit in ELAPSED:
        return ctx.rolling(ctx.now - count * ELAPSED[unit])
    if unit == "business day":
        return ctx.rolling(ctx.day(business_days_back(ctx.today, count)).start)
    local = ctx.local_now
    if unit in ("day", "week"):
        back = local - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        months = {"year": 12, "quarter": 3}.get(unit, 1)
        year, month = add_months(local.year, local.month, -count * months)
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
    if unit == "quarter":
        return _quarter_shift(which, ctx)
    return None


def _count_and_unit(words: list[str]) -> tuple[int, str] | None:
    """`2 hours`, `a week`, `30m`, `3 business days`: a count and a unit."""
    if len(words) == 3 and words[1] in BUSINESS and words[2] in ("day", "days"):
        count = _number(words[0])
        return (count, "business day") if count is not None else None
    if len(words) == 1:
        match = ABBREVIATION.fullmatch(words[0])
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
    if YEAR.fullmatch(word):
        return ctx.year(int(word))
    day = fixed_day(word)
    if day is not None:
        return ctx.day(day)
    return iso(word, ctx) or numeric_date(word, ctx)


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
        found = fixed_day(word) or numeric_date(word, ctx)
        if isinstance(found, Span):
            return ctx.local_date(found.start)
        return found
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
        return Floating(weekday=day.weekday, month=day.month, day=day.day, clock=clock)
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
    found = (
        _calendar_words(words, ctx)
        or _relative(words, ctx)
        or _with_clock(words, ctx)
        or _natural(words, ctx)
    )
    if found is None and len(words) == 1:
        clock = dotted_clock(words[0], two_digit_hour=True)  # `14.30`: not a date, so a time
        return Floating(clock=clock) if clock is not None else None
    return found


def _calendar_words(words: list[str], ctx: Context) -> Phrase | None:
    """Parts of days, weekends, quarters, to-date periods and days of the month."""
    if words[0] == "the" and len(words) > 1:
        words = words[1:]
    last = words[-1]
    if last in PARTS:
        return _part_of_day(words[:-1], last, ctx)
    if last == "tonight" and len(words) == 1:
        return ctx.part_of(ctx.today, "night")
    if last == "weekend":
        return _weekend(words[:-1], ctx)
    if len(words) == 1:
        word = words[0]
        if word in TO_DATE:
            return _period(0, TO_DATE[word], ctx)
        if word in QUARTERS:
            quarter = QUARTERS[word]
            current = (ctx.today.month - 1) // 3 + 1
            return ctx.quarter(ctx.today.year - (quarter > current), quarter)
        match = ORDINAL.fullmatch(word)
        if match is not None and 1 <= int(match[1]) <= 31:
            return Floating(day=int(match[1]))
    if len(words) == 2:
        first, second = words
        if first in QUARTERS and YEAR.fullmatch(second):
            return ctx.quarter(int(second), QUARTERS[first])
        if second in QUARTERS and YEAR.fullmatch(first):
            return ctx.quarter(int(first), QUARTERS[second])
    return None


def _part_of_day(day_words: list[str], part: str, ctx: Context) -> Phrase | None:
    """`morning`, `this morning`, `yesterday afternoon`, `monday evening`, `last night`."""
    if not day_words:
        return Floating(part=part)
    if day_words == ["this"]:
        return ctx.part_of(ctx.today, part)
    if day_words == ["last"]:
        return ctx.part_of(ctx.today - timedelta(days=1), part)
    day = _day_of(day_words, ctx)
    if isinstance(day, Floating):
        return Floating(weekday=day.weekday, month=day.month, day=day.day, part=part)
    if day is None:
        return None
    return ctx.part_of(day, part)


def _weekend(words: list[str], ctx: Context) -> Span | None:
    """`weekend` (the most recent that has begun), `this weekend`, `last weekend`."""
    this_week = monday(ctx.today)
    if not words:
        begun = ctx.today.weekday() >= 5
        return ctx.weekend(this_week if begun else this_week - timedelta(weeks=1))
    if words == ["this"]:
        return ctx.weekend(this_week)
    if len(words) == 1 and words[0] in ("last", "past", "previous", "prev"):
        return ctx.weekend(this_week - timedelta(weeks=1))
    if words == ["next"]:
        return ctx.weekend(this_week + timedelta(weeks=1))
    return None
