"""Splitting a time range into Plivo's 30-day search windows and planning a page across them.

Plivo refuses an `add_time` range wider than 30 days, so a longer range is cut into consecutive
windows (newest first) and paged as one list: the item at global offset `o` lives in the first
window whose cumulative count exceeds `o`. Inner boundaries are half-open (`gte` the older bound,
`lt` the newer) so every recording belongs to exactly one window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.wire import MAX_RANGE, MAX_WINDOW, EndOp, StartOp, Window, format_time

from .errors import RangeTooLong

__all__ = [
    "MAX_RANGE",
    "MAX_WINDOW",
    "EndOp",
    "Slice",
    "StartOp",
    "Window",
    "format_time",
    "plan_page",
    "split_range",
]


def split_range(
    start: datetime,
    end: datetime,
    start_op: StartOp = "gte",
    end_op: EndOp = "lt",
    *,
    window: timedelta = MAX_WINDOW,
    max_range: timedelta = MAX_RANGE,
) -> list[Window]:
    """Cut [start, end] into windows of at most `window`, newest first."""
    format_time(start), format_time(end)  # rejects naive datetimes early, with a clear message
    if end < start:
        raise ValueError(f"range ends ({end}) before it starts ({start})")
    span = end - start
    if span > max_range:
        raise RangeTooLong(span, max_range)
    windows: list[Window] = []
    upper, upper_op = end, end_op
    while upper - start > window:
        lower = upper - window
        windows.append(Window(lower, upper, "gte", upper_op))
        upper, upper_op = lower, "lt"
    windows.append(Window(start, upper, start_op, upper_op))
    return windows


@dataclass(frozen=True, slots=True)
class Slice:
    """Part of a page that one window supplies: `limit` items from the window's own `offset`."""

    window: int
    offset: int
    limit: int


def plan_page(counts: tuple[int, ...], offset: int, limit: int) -> list[Slice]:
    """The window slices making up items [offset, offset+limit) of the concatenated windows."""
    slices: list[Slice] = []
    want_end = offset + limit
    base = 0
    for index, count in enumerate(counts):
        lo, hi = max(offset, base), min(want_end, base + count)
        if lo < hi:
            slices.append(Slice(index, lo - base, hi - lo))
        base += count
        if base >= want_end:
            break
    return slices
