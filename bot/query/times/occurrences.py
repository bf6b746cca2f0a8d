"""Picking the occurrence of a floating phrase: the most recent one that is not in the future
(`latest`), or the first one on or after the start of a range (`first_from`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from bot.query.times.calendar import Context, Floating, Phrase, Span, add_months, days_in


def _candidates(phrase: Floating, ctx: Context, anchor: date, step: int) -> Iterator[Span]:
    """Occurrences of `phrase` from `anchor` on, going back (step -1) or forward (step 1)."""
    if phrase.weekday is not None:
        if step < 0:
            first = anchor - timedelta(days=(anchor.weekday() - phrase.weekday) % 7)
        else:
            first = anchor + timedelta(days=(phrase.weekday - anchor.weekday()) % 7)
        for k in range(3):
            yield ctx.on(first + timedelta(weeks=k * step), phrase.clock, phrase.part)
    elif phrase.day is not None and phrase.month is None:
        # `the 31st`: this month's, or the nearest month that has one.
        for k in range(4):
            year, month = add_months(anchor.year, anchor.month, k * step)
            if phrase.day <= days_in(year, month):
                yield ctx.day(date(year, month, phrase.day))
    elif phrase.month is not None and phrase.day is not None:
        # Nine years reach the next 29 February even across a century that skips one.
        for k in range(9):
            try:
                d = date(anchor.year + k * step, phrase.month, phrase.day)
            except ValueError:
                continue
            yield ctx.on(d, phrase.clock, phrase.part)
    elif phrase.month is not None:
        for k in range(2):
            yield ctx.month(anchor.year + k * step, phrase.month)
    else:
        for k in range(3):
            yield ctx.on(anchor + timedelta(days=k * step), phrase.clock, phrase.part)


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
