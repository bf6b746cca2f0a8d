"""Calendar arithmetic on the wall clock of the user's zone, and what a phrase means.

A `Span` is a fixed period or instant in UTC; a `Floating` phrase (a weekday, a month, a day of
a month, a time) still needs an occurrence picked (see `occurrences`). `Context` holds the
moment and the zone a command is read in: days, weeks, months and years are built on the wall
clock and converted to UTC, so DST days have their true length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.wire import MAX_RANGE

ONE_US = timedelta(microseconds=1)
# Parts of a day, as hours from the day's midnight on the wall clock.
PARTS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 24), "night": (18, 30)}


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
    """A phrase without a year or a date: a weekday, a month, a day of a month (`the 3rd`:
    no month), a time, a part of a day (`morning`, on a weekday or any day)."""

    weekday: int | None = None
    month: int | None = None
    day: int | None = None
    clock: Clock | None = None
    part: str | None = None


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

    __slots__ = ("local_now", "now", "order", "today", "zone")

    def __init__(self, now: datetime, zone: ZoneInfo, order: str = "MDY") -> None:
        self.now = now.astimezone(UTC).replace(microsecond=0)
        self.zone = zone
        self.order = order  # how the user writes numeric dates: MDY, DMY or YMD
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
        next_year, next_month = add_months(year, month, 1)
        start = self.wall(datetime(year, month, 1))
        end = self.wall(datetime(next_year, next_month, 1))
        return Span(start, end, end, instant=False)

    def year(self, year: int) -> Span:
        start = self.wall(datetime(year, 1, 1))
        end = self.wall(datetime(year + 1, 1, 1))
        return Span(start, end, end, instant=False)

    def quarter(self, year: int, quarter: int) -> Span:
        """Calendar quarter 1–4 of `year`."""
        first = 3 * (quarter - 1) + 1
        start = self.month(year, first).start
        end = self.month(*add_months(year, first, 2)).end
        return Span(start, end, end, instant=False)

    def part_of(self, d: date, part: str) -> Span:
        """A part of the day `d` (`night` runs on to 06:00 the next day)."""
        first, last = PARTS[part]
        midnight = datetime(d.year, d.month, d.day)
        start = self.wall(midnight + timedelta(hours=first))
        end = self.wall(midnight + timedelta(hours=last))
        return Span(start, end, end, instant=False)

    def weekend(self, monday: date) -> Span:
        """Saturday 00:00 to Monday 00:00 of the week that starts on `monday`."""
        start = self.day(monday + timedelta(days=5)).start
        end = self.day(monday + timedelta(days=7)).start
        return Span(start, end, end, instant=False)

    def on(self, d: date, clock: Clock | None, part: str | None = None) -> Span:
        """The day `d`, the instant at `clock` on it, or its `part`."""
        if part is not None:
            return self.part_of(d, part)
        if clock is None:
            return self.day(d)
        at = self.wall(datetime(d.year, d.month, d.day, clock.hour, clock.minute, clock.second))
        return instant(at, clock.grain)

    def rolling(self, start: datetime) -> Span:
        return Span(start, self.now, self.now, instant=False, to_now=True)


def instant(at: datetime, grain: timedelta) -> Span:
    return Span(at, at, at + grain, instant=True)


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def days_in(year: int, month: int) -> int:
    next_year, next_month = add_months(year, month, 1)
    return (date(next_year, next_month, 1) - date(year, month, 1)).days


def previous(today: date, weekday: int) -> date:
    """The last `weekday` before `today` ("last monday" on a Monday is a week ago)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


def business_days_back(today: date, count: int) -> date:
    """The `count`th most recent weekday, today counting if it is one."""
    if count > 300:  # 300 weekdays is more than the 366 days a range may cover
        raise ValueError("too many business days")
    day = today
    seen = 0
    while True:
        if day.weekday() < 5:
            seen += 1
            if seen == count:
                return day
        day -= timedelta(days=1)


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def describe(span: Span, ctx: Context) -> str:
    """A span in words on the user's wall clock, for messages: `Mon 30 Nov`, `Mon 30 Nov
    09:00`, `Sat 28 Nov 00:00 to Mon 30 Nov 00:00`."""
    start = span.start.astimezone(ctx.zone)
    end = span.end.astimezone(ctx.zone)

    def day(moment: datetime) -> str:
        text = f"{_DAY_NAMES[moment.weekday()]} {moment.day} {_MONTH_NAMES[moment.month - 1]}"
        return text if moment.year == ctx.today.year else f"{text} {moment.year}"

    def at(moment: datetime) -> str:
        return f"{day(moment)} {moment.hour:02d}:{moment.minute:02d}"

    if span.instant:
        return at(start)
    if span.to_now:
        return f"{at(start)} to now"
    if start.time() == end.time() == datetime.min.time() and end.date() - start.date() == (
        timedelta(days=1)
    ):
        return day(start)
    return f"{at(start)} to {at(end)}"
