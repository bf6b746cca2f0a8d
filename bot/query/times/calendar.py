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
        next_year, next_month = add_months(year, month, 1)
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
