"""The clause grammar: operators around phrases (`since X`, `before X`, `between X and Y`,
`X - Y`, …) turned into one range of UTC instants, with the errors people meet on the way.

Phrases with no year or no date (`monday`, `dec 25`, `5pm`) mean their most recent occurrence
that is not in the future; at the end of a two-sided range they mean the first occurrence on
or after its start. Ends later than now are clamped to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.query.errors import ParseError, close_match, code, did_you_mean
from bot.query.filters import KEYS
from bot.query.times.calendar import Context, Floating, Phrase, Span, bounds_ok, describe
from bot.query.times.digits import SHAPES, hour_of_day, read_clock
from bot.query.times.normalise import normalise, text_of
from bot.query.times.occurrences import first_from, latest
from bot.query.times.phrases import read_phrase
from bot.query.times.words import (
    JOINERS,
    LOWER_OPS,
    TIME_WORDS,
    UPPER_OPS,
    VOCABULARY,
    ZONE_WORDS,
    Word,
)
from bot.wire import EndOp, StartOp

DEFAULT_DAYS = 7
ID_DEFAULT_DAYS = 90


@dataclass(frozen=True, slots=True)
class TimeRange:
    """The range a command asks for, in UTC."""

    start: datetime
    end: datetime
    start_op: StartOp
    end_op: EndOp
    end_is_now: bool


@dataclass(frozen=True, slots=True)
class _Clause:
    op: str | None  # canonical operator, None for a bare phrase
    op_word: str  # as written
    words: list[Word]


def _clauses(words: list[Word]) -> list[_Clause]:
    clauses: list[_Clause] = []
    current = _Clause(None, "", [])
    i = 0
    while i < len(words):
        text = words[i].text
        op: str | None = None
        width = 1
        if text in LOWER_OPS:
            op = LOWER_OPS[text]
            if text == "starting" and i + 1 < len(words) and words[i + 1].text in ("from", "on"):
                width = 2
        elif text in UPPER_OPS:
            op = UPPER_OPS[text]
        elif text in JOINERS:
            op = JOINERS[text]
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


def unreadable(words: list[Word]) -> ParseError:
    """The error for words that are not a time phrase: blame the first unknown word if any."""
    for word in words:
        text = word.text
        if text in VOCABULARY or any(shape.fullmatch(text) for shape in SHAPES):
            continue
        shown = word.orig or text
        if text in ZONE_WORDS:
            return ParseError(
                f"{code(shown)} looks like a time zone: add `tz=` with an IANA name instead, "
                "e.g. `tz=America/Los_Angeles` (or `tz=UTC`).",
                shown,
            )
        if text in KEYS:
            return ParseError(
                f"{code(shown)} needs a value: write it `{KEYS[text].name}=…`, e.g. "
                f"{_KEY_EXAMPLES.get(KEYS[text].value, '`conference=sales`')}.",
                shown,
            )
        suggestion = close_match(text, [w for w in _SUGGESTIONS if w != text])
        return ParseError(
            f"I can't read {code(shown)}{did_you_mean(suggestion)} Filters are written "
            "`key=value` (e.g. `conference=sales`); times like `since yesterday`, "
            "`last 2 hours`, `on march 8` or `between monday and tuesday`.",
            shown,
        )
    phrase = text_of(words)
    return ParseError(
        f"I can't read {code(phrase)} as a time. Try `since yesterday`, `last 2 hours`, "
        "`on march 8`, `before 2026-03-01 11:47` or `between monday and tuesday`.",
        phrase,
    )


# A time phrase is offered time words (never a number word: "night" is not "eight") and keys.
_SUGGESTIONS = sorted({w for w in TIME_WORDS | frozenset(KEYS) if len(w) >= 4} | {"share", "help"})
_KEY_EXAMPLES = {
    "phone": "`from=+14155550100`",
    "id": "`call=c2c128e2-1c8c-11e4-9bff-1db8a9db0432`",
    "number": "`limit=5`",
    "zone": "`tz=America/New_York`",
    "phrase": "`since=yesterday`",
    "subaccount": "`sub=SA1234567890ABCDEFGH`",
}


def _read(clause: _Clause, ctx: Context) -> Phrase:
    if not clause.words:
        raise ParseError(
            f"{code(clause.op_word)} needs a time after it, e.g. `since yesterday` or "
            "`before 2026-03-01`.",
            clause.op_word,
        )
    texts = [w.text for w in clause.words]
    try:
        phrase = read_phrase(texts, ctx)
    except (ValueError, OverflowError):
        phrase = None
    if phrase is None and clause.op in _HOUR_OPS and len(texts) == 1:
        clock = hour_of_day(texts[0])  # `since 9`, `until 17`: an hour on the 24-hour clock
        phrase = Floating(clock=clock) if clock is not None else None
    if phrase is None:
        raise unreadable(clause.words)
    return phrase


def _resolved(span: Span | None, clause: _Clause) -> Span:
    if span is None:  # no occurrence in the years searched (e.g. 29 February near 2100)
        raise unreadable(clause.words)
    return span


def resolve(
    words: list[Word], now: datetime, zone: ZoneInfo, *, has_id: bool, order: str = "MDY"
) -> TimeRange:
    """The range the time words ask for; no words means the last 7 (or, with an id, 90) days.
    `order` is how the user writes numeric dates (`MDY`, `DMY` or `YMD`)."""
    ctx = Context(now, zone, order)
    words = normalise(words)
    phrase_text = text_of(words)
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


# After these a bare `9` or `17` is an hour (nothing else could read it there).
_HOUR_OPS = frozenset({"since", "after", "before", "until", "between", "to", "and"})


def _day_and_clock(words: list[Word]) -> tuple[list[Word], Word] | None:
    """`yesterday 9am`, `9am yesterday`, `monday at 9am`: the day's words and the time."""
    if len(words) < 2:
        return None
    if read_clock(words[-1].text) is not None:
        day = words[:-1]
        day = day[:-1] if day[-1].text == "at" else day
        return (day, words[-1]) if day else None
    if read_clock(words[0].text) is not None:
        day = words[1:]
        day = day[1:] if day[0].text == "on" else day
        return (day, words[0]) if day else None
    return None


def _lone_clock(clause: _Clause) -> bool:
    return len(clause.words) == 1 and read_clock(clause.words[0].text) is not None


def _with_day(clause: _Clause, day: list[Word]) -> _Clause:
    return _Clause(clause.op, clause.op_word, [*day, *clause.words])


def _share_day(clauses: list[_Clause]) -> list[_Clause]:
    """A day phrase before or after a time range applies to both ends: `yesterday between
    9am and 5pm`, `from 9am to 5pm yesterday`, `between 9am and 5pm on monday`. It goes to
    the start; the end, a time alone, is then the first such time after the start (so
    `yesterday 10pm - 2am` ends at 02:00 today), as in `today 9am - 11am`."""
    if len(clauses) == 3:
        first, second, third = clauses
        if first.op in (None, "on") and first.words and _lone_clock(second) and _lone_clock(third):
            return [_with_day(second, first.words), third]
        if third.op == "on" and third.words and _lone_clock(first) and _lone_clock(second):
            return [_with_day(first, third.words), second]
        return clauses
    if len(clauses) == 2:
        low, high = clauses
        if _lone_clock(low) and (split := _day_and_clock(high.words)) is not None:
            day, clock = split
            return [_with_day(low, day), _Clause(high.op, high.op_word, [clock])]
    return clauses


def _resolve(clauses: list[_Clause], ctx: Context, phrase_text: str) -> TimeRange:
    clauses = _share_day(clauses)
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
    if bounds_ok(start, end, start_op, end_op) == "empty":
        raise _backwards_error(phrase_text, (low, low_span), (high, high_span), ctx)
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


def _backwards_error(
    phrase: str, low: tuple[_Clause, Span], high: tuple[_Clause, Span], ctx: Context
) -> ParseError:
    low_text, high_text = text_of(low[0].words), text_of(high[0].words)
    return ParseError(
        f"{code(phrase)} runs backwards: I read {code(low_text)} as {describe(low[1], ctx)} "
        f"and {code(high_text)} as {describe(high[1], ctx)}, which is earlier. Put the earlier "
        f"one first, e.g. `{high_text} to {low_text}`.",
        phrase,
    )


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
