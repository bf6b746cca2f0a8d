"""Time phrases: the words of a command that are not filters, read as a range of UTC instants.

A phrase names an *instant* with a grain (`9am`, `2026-03-10T07:00Z`, `5 minutes ago`) or a
*period* (`yesterday`, `last week`, `march 8`, `2025`). Operators around phrases (`since X`,
`before X`, `between X and Y`, `X - Y`, …) turn them into a range; calendar arithmetic happens
on the wall clock of the user's zone and is converted to UTC at the end, so DST days have
their true length. Phrases with no year or no date (`monday`, `dec 25`, `5pm`) mean their most
recent occurrence that is not in the future; at the end of a two-sided range they mean the
first occurrence on or after its start.

The common phrases are read by the small grammar here; dates with month names or slashes go
to dateparser (see `natural`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.query import natural
from bot.query.errors import ParseError, close_match, code, did_you_mean
from bot.query.filters import KEYS
from bot.wire import MAX_RANGE, EndOp, StartOp

ONE_US = timedelta(microseconds=1)
DEFAULT_DAYS = 7
ID_DEFAULT_DAYS = 90


WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second",
    "seconds": "second", "m": "minute", "min": "minute", "mins": "minute",
    "minute": "minute", "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour",
    "hour": "hour", "hours": "hour", "d": "day", "day": "day", "days": "day", "w": "week",
    "wk": "week", "wks": "week", "week": "week", "weeks": "week", "mo": "month",
    "mos": "month", "month": "month", "months": "month", "y": "year", "yr": "year",
    "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_ELAPSED = {
    "second": timedelta(seconds=1),
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
}
_GRAINS = {"second": timedelta(seconds=1), "minute": timedelta(minutes=1)}

# Operator words; `from` is one only when it is not written `from=`/`from:` (then it is a key).
_LOWER = {"since": "since", "from": "since", "starting": "since", "after": "after"}
_UPPER = {
    "before": "before", "until": "until", "till": "until", "til": "until",
    "through": "until", "thru": "until",
}  # fmt: skip
_JOINERS = {"to": "to", "and": "and", "-": "to", "–": "to", "—": "to"}
_OPERATORS = frozenset(_LOWER) | frozenset(_UPPER) | frozenset(_JOINERS) | {"between", "on"}
_FILLERS = frozenset(
    {"now", "today", "yesterday", "tomorrow", "noon", "midnight", "this", "last", "past",
     "previous", "prev", "next", "ago", "in", "within", "over", "the", "at", "of", "am", "pm",
     "up"}
)  # fmt: skip
VOCABULARY = (
    _OPERATORS | _FILLERS | frozenset(WEEKDAYS) | frozenset(UNITS) | frozenset(NUMBER_WORDS)
) | frozenset(natural.MONTHS)

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
_RANGE_OF_CLOCKS = re.compile(r"([0-9:]+(?:am|pm)?)[-–]([0-9:]+(?:am|pm)?)", re.ASCII)
_BARE_CLOCK = re.compile(r"[0-9]{1,2}(?::[0-9]{2}){0,2}", re.ASCII)
_MERIDIEM = {"am": "am", "a.m.": "am", "a.m": "am", "pm": "pm", "p.m.": "pm", "p.m": "pm"}
_SHAPES = (_INT, _CLOCK, _ABBREVIATION, _ISO, _COMPACT, re.compile(r"[0-9/.\-]+(?:st|nd|rd|th)?"))


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the time phrase: `text` lower-cased; `orig` as written, for messages.

    Words that came from one `key=value` token share its text: the first carries it in
    `orig`, the rest have an empty `orig`.
    """

    text: str
    orig: str


@dataclass(frozen=True, slots=True)
class TimeRange:
    """The range a command asks for, in UTC."""

    start: datetime
    end: datetime
    start_op: StartOp
    end_op: EndOp
    end_is_now: bool


@dataclass(frozen=True, slots=True)
class Clock:
    hour: int
    minute: int
    second: int
    grain: timedelta


@dataclass(frozen=True, slots=True)
class Span:
    """What a phrase means: `end` is the period's end, or the instant itself for an instant;
    `alone_end` is where the phrase ends when it is the whole range (instant + its grain)."""

    start: datetime
    end: datetime
    alone_end: datetime
    instant: bool
    to_now: bool = False  # `last 2 hours`: the end is now itself, inclusive


@dataclass(frozen=True, slots=True)
class Floating:
    """A phrase without a year or a date: a weekday, a month, a day of a month, a time."""

    weekday: int | None = None
    month: int | None = None
    day: int | None = None
    clock: Clock | None = None


Phrase = Span | Floating


def bounds_ok(start: datetime, end: datetime, start_op: str, end_op: str) -> str | None:
    """Why a range is not acceptable (empty, or longer than 366 days), or None when it is."""
    if not start < end:
        return "empty"
    first = start + ONE_US if start_op == "gt" else start
    last = end - ONE_US if end_op == "lt" else end
    if last < first:
        return "empty"
    if last - first > MAX_RANGE:
        return "long"
    return None


class Context:
    """The moment and the zone a command is read in, with the wall-clock arithmetic."""

    __slots__ = ("local_now", "now", "today", "zone")

    def __init__(self, now: datetime, zone: ZoneInfo) -> None:
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.zone = zone
        self.local_now = self.now.astimezone(zone).replace(tzinfo=None)
        self.today = self.local_now.date()

    def wall(self, naive: datetime) -> datetime:
        """UTC for a wall-clock time (a time that does not exist or occurs twice: fold=0)."""
        return naive.replace(tzinfo=self.zone).astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def day(self, d: date) -> Span:
        start = self.wall(datetime(d.year, d.month, d.day))
        end = self.wall(datetime.combine(d + timedelta(days=1), datetime.min.time()))
        return Span(start, end, end, instant=False)

    def week(self, monday: date) -> Span:
        start = self.day(monday).start
        end = self.day(monday + timedelta(days=7)).start
        return Span(start, end, end, instant=False)

    def month(self, year: int, month: int) -> Span:
        next_year, next_month = _add_months(year, month, 1)
        start = self.wall(datetime(year, month, 1))
        end = self.wall(datetime(next_year, next_month, 1))
        return Span(start, end, end, instant=False)

    def year(self, year: int) -> Span:
        start = self.wall(datetime(year, 1, 1))
        end = self.wall(datetime(year + 1, 1, 1))
        return Span(start, end, end, instant=False)

    def on(self, d: date, clock: Clock | None) -> Span:
        """The day `d`, or the instant at `clock` on it."""
        if clock is None:
            return self.day(d)
        at = self.wall(datetime(d.year, d.month, d.day, clock.hour, clock.minute, clock.second))
        return instant(at, clock.grain)

    def rolling(self, start: datetime) -> Span:
        return Span(start, self.now, self.now, instant=False, to_now=True)


def instant(at: datetime, grain: timedelta) -> Span:
    return Span(at, at, at + grain, instant=True)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


# --- reading single phrases -------------------------------------------------------------


def _clock(word: str) -> Clock | None:
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
    return Clock(hour, minute, second, _GRAINS.get(grain, timedelta(hours=1)))


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
    grain = _GRAINS["second"] if second else _GRAINS["minute"]
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
    if unit in _ELAPSED:
        return instant(ctx.now - count * _ELAPSED[unit], _ELAPSED[unit])
    if unit == "day":
        return ctx.day(ctx.today - timedelta(days=count))
    if unit == "week":
        return ctx.week(_monday(ctx.today) - timedelta(weeks=count))
    if unit == "month":
        return ctx.month(*_add_months(ctx.today.year, ctx.today.month, -count))
    return ctx.year(ctx.today.year - count)


def _last(count: int, unit: str, ctx: Context) -> Span:
    """[now - count units, now]: elapsed time for hours and less, calendar steps above."""
    if count < 1:
        raise ValueError("a count of zero")
    if unit in _ELAPSED:
        return ctx.rolling(ctx.now - count * _ELAPSED[unit])
    local = ctx.local_now
    if unit in ("day", "week"):
        back = local - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        year, month = _add_months(local.year, local.month, -count * (12 if unit == "year" else 1))
        back = local.replace(year=year, month=month, day=min(local.day, _days_in(year, month)))
    return ctx.rolling(ctx.wall(back))


def _days_in(year: int, month: int) -> int:
    next_year, next_month = _add_months(year, month, 1)
    return (date(next_year, next_month, 1) - date(year, month, 1)).days


def _period(which: int, unit: str, ctx: Context) -> Span | None:
    """The previous (-1), current (0) or next (1) calendar day, week, month or year."""
    if unit == "day":
        return ctx.day(ctx.today + timedelta(days=which))
    if unit == "week":
        return ctx.week(_monday(ctx.today) + timedelta(weeks=which))
    if unit == "month":
        return ctx.month(*_add_months(ctx.today.year, ctx.today.month, which))
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
        return instant(ctx.now, _GRAINS["second"])
    if word in _DAY_SHIFT:
        return ctx.day(ctx.today + timedelta(days=_DAY_SHIFT[word]))
    if word in WEEKDAYS:
        return Floating(weekday=WEEKDAYS[word])
    if word in natural.MONTHS:
        return Floating(month=natural.MONTHS[word])
    clock = _clock(word)
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
            return ctx.day(_previous(ctx.today, WEEKDAYS[word]))
        unit = UNITS.get(word)
        if unit is None or len(word) == 1:
            return None
        if head == "past" or unit in _ELAPSED:
            return _last(1, unit, ctx)
        return _period(-1, unit, ctx)
    if head in ("this", "next") and len(rest) == 1:
        word = rest[0]
        if head == "this" and word in WEEKDAYS:
            return ctx.day(_monday(ctx.today) + timedelta(days=WEEKDAYS[word]))
        if head == "next" and word in WEEKDAYS:
            ahead = (WEEKDAYS[word] - ctx.today.weekday()) % 7 or 7
            return ctx.day(ctx.today + timedelta(days=ahead))
        unit = UNITS.get(word)
        if unit is None or len(word) == 1:
            return None
        return _period(0 if head == "this" else 1, unit, ctx)
    found = _count_and_unit(words)
    return _last(*found, ctx) if found else None


_DAY_SHIFT = {"today": 0, "yesterday": -1, "tomorrow": 1}


def _previous(today: date, weekday: int) -> date:
    """The last `weekday` before `today` ("last monday" on a Monday is a week ago)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def _day_of(words: list[str], ctx: Context) -> date | Floating | None:
    """A day that a time of day can be attached to: `yesterday`, `monday`, `2026-03-01`…"""
    if len(words) == 1:
        word = words[0]
        if word in _DAY_SHIFT:
            return ctx.today + timedelta(days=_DAY_SHIFT[word])
        if word in WEEKDAYS:
            return Floating(weekday=WEEKDAYS[word])
        return _fixed_day(word)
    if len(words) == 2 and words[0] in ("last", "previous", "prev") and words[1] in WEEKDAYS:
        return _previous(ctx.today, WEEKDAYS[words[1]])
    if words[-1] == "ago":
        found = _count_and_unit(words[:-1])
        if found is not None and found[1] == "day":
            return ctx.today - timedelta(days=found[0])
    return None


def _with_clock(words: list[str], ctx: Context) -> Phrase | None:
    """A day and a time of day: `yesterday 5pm`, `monday at 9am`, `2026-03-01 11:47`."""
    if len(words) < 2:
        return None
    clock = _clock(words[-1])
    if clock is not None:
        day_words = words[:-1]
        if day_words[-1] == "at":
            day_words = day_words[:-1]
    else:
        clock = _clock(words[0])
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
        clock = Clock(hour, minute, second, _GRAINS.get(parts.grain, timedelta(hours=1)))
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


# --- floating phrases -------------------------------------------------------------------


def _candidates(phrase: Floating, ctx: Context, anchor: date, step: int) -> Iterator[Span]:
    """Occurrences of `phrase` from `anchor` on, going back (step -1) or forward (step 1)."""
    if phrase.weekday is not None:
        if step < 0:
            first = anchor - timedelta(days=(anchor.weekday() - phrase.weekday) % 7)
        else:
            first = anchor + timedelta(days=(phrase.weekday - anchor.weekday()) % 7)
        for k in range(3):
            yield ctx.on(first + timedelta(weeks=k * step), phrase.clock)
    elif phrase.month is not None and phrase.day is not None:
        # Nine years reach the next 29 February even across a century that skips one.
        for k in range(9):
            try:
                d = date(anchor.year + k * step, phrase.month, phrase.day)
            except ValueError:
                continue
            yield ctx.on(d, phrase.clock)
    elif phrase.month is not None:
        for k in range(2):
            yield ctx.month(anchor.year + k * step, phrase.month)
    else:
        for k in range(3):
            yield ctx.on(anchor + timedelta(days=k * step), phrase.clock)


def latest(phrase: Phrase, ctx: Context) -> Span | None:
    """The most recent occurrence that is not in the future (a fixed phrase is itself)."""
    if isinstance(phrase, Span):
        return phrase
    for span in _candidates(phrase, ctx, ctx.today, -1):
        if span.start <= ctx.now:
            return span
    return None


def first_from(phrase: Phrase, ctx: Context, start: datetime) -> Span | None:
    """The first occurrence on or after `start` (a fixed phrase is itself)."""
    if isinstance(phrase, Span):
        return phrase
    for span in _candidates(phrase, ctx, ctx.local_date(start), 1):
        if (span.start >= start) if span.instant else (span.end > start):
            return span
    return None


# --- operators and ranges ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Clause:
    op: str | None  # canonical operator, None for a bare phrase
    op_word: str  # as written
    words: list[Word]


def _normalise(words: list[Word]) -> list[Word]:
    """Lower-case forms ready for the grammar: `5 pm` → `5pm`, `9am-5pm` → `9am - 5pm`."""
    out: list[Word] = []
    for word in words:
        text = word.text.rstrip(",")
        if not text:
            continue
        if text in _MERIDIEM and out and _BARE_CLOCK.fullmatch(out[-1].text):
            previous = out.pop()
            orig = " ".join(part for part in (previous.orig, word.orig) if part)
            out.append(Word(previous.text + _MERIDIEM[text], orig))
            continue
        match = _RANGE_OF_CLOCKS.fullmatch(text)
        if match is not None and _clock(match[1]) and _clock(match[2]):
            out += [Word(match[1], word.orig), Word("-", ""), Word(match[2], "")]
            continue
        out.append(Word(text, word.orig))
    return out


def _clauses(words: list[Word]) -> list[_Clause]:
    clauses: list[_Clause] = []
    current = _Clause(None, "", [])
    i = 0
    while i < len(words):
        text = words[i].text
        op: str | None = None
        width = 1
        if text in _LOWER:
            op = _LOWER[text]
            if text == "starting" and i + 1 < len(words) and words[i + 1].text in ("from", "on"):
                width = 2
        elif text in _UPPER:
            op = _UPPER[text]
        elif text in _JOINERS:
            op = _JOINERS[text]
        elif text == "up" and i + 1 < len(words) and words[i + 1].text in ("to", "until"):
            op, width = "until", 2
        elif text in ("between", "on"):
            op = text
        if op is None:
            current.words.append(words[i])
        else:
            if current.op is not None or current.words:
                clauses.append(current)
            op_word = " ".join(w.orig for w in words[i : i + width] if w.orig)
            current = _Clause(op, op_word or text, [])
        i += width
    if current.op is not None or current.words:
        clauses.append(current)
    return clauses


def _text(words: list[Word]) -> str:
    return " ".join(w.orig for w in words if w.orig)


def unreadable(words: list[Word]) -> ParseError:
    """The error for words that are not a time phrase: blame the first unknown word if any."""
    for word in words:
        text = word.text
        if text in VOCABULARY or any(shape.fullmatch(text) for shape in _SHAPES):
            continue
        shown = word.orig or text
        if text in _ZONE_WORDS:
            return ParseError(
                f"{code(shown)} looks like a time zone: add `tz=` with an IANA name instead, "
                "e.g. `tz=America/Los_Angeles` (or `tz=UTC`).",
                shown,
            )
        suggestion = close_match(text, _SUGGESTIONS)
        return ParseError(
            f"I can't read {code(shown)}{did_you_mean(suggestion)} Filters are written "
            "`key=value` (e.g. `conference=sales`); times like `since yesterday`, "
            "`last 2 hours`, `on march 8` or `between monday and tuesday`.",
            shown,
        )
    phrase = _text(words)
    return ParseError(
        f"I can't read {code(phrase)} as a time. Try `since yesterday`, `last 2 hours`, "
        "`on march 8`, `before 2026-03-01 11:47` or `between monday and tuesday`.",
        phrase,
    )


_ZONE_WORDS = frozenset(
    {"pst", "pdt", "est", "edt", "cst", "cdt", "mst", "mdt", "utc", "gmt", "bst", "cet", "cest",
     "ist", "jst", "aest", "aedt", "z"}
)  # fmt: skip
_SUGGESTIONS = sorted({w for w in VOCABULARY | frozenset(KEYS) if len(w) >= 4} | {"share", "help"})


def _read(clause: _Clause, ctx: Context) -> Phrase:
    if not clause.words:
        raise ParseError(
            f"{code(clause.op_word)} needs a time after it, e.g. `since yesterday` or "
            "`before 2026-03-01`.",
            clause.op_word,
        )
    try:
        phrase = read_phrase([w.text for w in clause.words], ctx)
    except (ValueError, OverflowError):
        phrase = None
    if phrase is None:
        raise unreadable(clause.words)
    return phrase


def _resolved(span: Span | None, clause: _Clause) -> Span:
    if span is None:  # no occurrence in the years searched (e.g. 29 February near 2100)
        raise unreadable(clause.words)
    return span


def resolve(words: list[Word], now: datetime, zone: ZoneInfo, *, has_id: bool) -> TimeRange:
    """The range the time words ask for; no words means the last 7 (or, with an id, 90) days."""
    ctx = Context(now, zone)
    words = _normalise(words)
    phrase_text = _text(words)
    try:
        if not words:
            days = ID_DEFAULT_DAYS if has_id else DEFAULT_DAYS
            start = ctx.wall(ctx.local_now - timedelta(days=days))
            return _finish(start, "gte", ctx.now, ctx, phrase_text, to_now=True)
        return _resolve(_clauses(words), ctx, phrase_text)
    except (ValueError, OverflowError):
        raise ParseError(
            f"{code(phrase_text)} is outside the dates I can work with; pick a range within "
            "the last few years.",
            phrase_text,
        ) from None


def _resolve(clauses: list[_Clause], ctx: Context, phrase_text: str) -> TimeRange:
    if len(clauses) > 2:
        raise ParseError(
            f"{code(phrase_text)} has more than one time range; give one, e.g. "
            "`between monday and tuesday`.",
            phrase_text,
        )
    first = clauses[0]
    if len(clauses) == 1:
        if first.op in (None, "on"):
            span = _resolved(latest(_read(first, ctx), ctx), first)
            return _finish(span.start, "gte", span.alone_end, ctx, phrase_text, span.to_now)
        if first.op in ("since", "after"):
            span = _resolved(latest(_read(first, ctx), ctx), first)
            start, start_op = _lower(first.op, span)
            return _finish(start, start_op, ctx.now, ctx, phrase_text, to_now=True)
        if first.op in ("before", "until"):
            span = _resolved(latest(_read(first, ctx), ctx), first)
            end, end_op = _upper(first.op, span)
            start = ctx.wall(end.astimezone(ctx.zone).replace(tzinfo=None) - timedelta(days=7))
            to_now = span.to_now and first.op == "until"
            return _finish(start, "gte", end, ctx, phrase_text, to_now, end_op)
        raise _two_sided_error(first, phrase_text)
    second = clauses[1]
    lower_ops = (None, "on", "since", "after", "between")
    if first.op in lower_ops and second.op in ("to", "and", "until", "before"):
        low, high = first, second
        if (first.op == "between") != (second.op == "and") and second.op != "to":
            raise _two_sided_error(second if first.op != "between" else first, phrase_text)
    elif first.op in ("before", "until") and second.op in ("since", "after"):
        low, high = second, first
    else:
        raise _two_sided_error(second, phrase_text)
    low_span = _resolved(latest(_read(low, ctx), ctx), low)
    start, start_op = _lower(low.op, low_span)
    high_span = _resolved(first_from(_read(high, ctx), ctx, start), high)
    end, end_op = _upper(high.op, high_span)
    to_now = high_span.to_now and high.op != "before"
    return _finish(start, start_op, end, ctx, phrase_text, to_now, end_op)


def _lower(op: str | None, span: Span) -> tuple[datetime, StartOp]:
    if op == "after":
        return (span.start, "gt") if span.instant else (span.end, "gte")
    return span.start, "gte"


def _upper(op: str | None, span: Span) -> tuple[datetime, EndOp]:
    # `until` an instant includes it, as `since` does; `before` and `to` stop short of it.
    if op == "before":
        return span.start, "lt"
    if op == "until" and span.instant:
        return span.end, "lte"
    return span.end, "lt"


def _two_sided_error(clause: _Clause, phrase_text: str) -> ParseError:
    word = clause.op_word or phrase_text
    return ParseError(
        f"I can't read {code(phrase_text)}: {code(word)} doesn't fit there. Write a range as "
        "`between monday and tuesday`, `from 9am to 5pm`, `since march 1 until march 8` or "
        "`2026-03-01 - 2026-03-08`.",
        phrase_text,
    )


def _finish(
    start: datetime,
    start_op: StartOp,
    end: datetime,
    ctx: Context,
    phrase: str,
    to_now: bool = False,
    end_op: EndOp = "lt",
) -> TimeRange:
    """Clamp an end later than now to now (inclusive), then check what is left.

    An inclusive end at now itself is now too, so a pasted "Same search" reads back alike.
    """
    end_is_now = False
    if to_now or end > ctx.now or (end == ctx.now and end_op == "lte"):
        end, end_op, end_is_now = ctx.now, "lte", True
    if start >= ctx.now:
        raise ParseError(
            f"{code(phrase)} is in the future, so there are no recordings yet. Try "
            "`today`, `since yesterday` or `last 2 hours`.",
            phrase,
        )
    problem = bounds_ok(start, end, start_op, end_op)
    if problem == "empty":
        raise ParseError(
            f"{code(phrase)} ends before it starts; put the earlier time first, e.g. "
            "`between monday and tuesday`.",
            phrase,
        )
    if problem == "long":
        raise ParseError(
            f"{code(phrase)} covers more than 366 days; search a year or less at a time, "
            "e.g. `last 90 days` or `2025`.",
            phrase,
        )
    return TimeRange(start, end, start_op, end_op, end_is_now)
