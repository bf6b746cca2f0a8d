"""What the pure core and the Plivo client agree on, with no dependency beyond the standard library:
Plivo's limits, the shape of one `add_time` window, and Plivo's UTC wire format for times.

`bot.query` and the renderer import from here instead of from `bot.plivo`, so reading a command and
drawing a message never load an HTTP library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

MAX_LIMIT = 20
"""Most recordings Plivo lists in one answer (its `limit` parameter)."""
MAX_WINDOW = timedelta(days=30)
"""Widest `add_time` range Plivo answers (exactly 30 days is allowed)."""
MAX_RANGE = timedelta(days=366)
"""Widest range the client pages through; wider raises `RangeTooLong` before any request."""

StartOp = Literal["gte", "gt"]
EndOp = Literal["lt", "lte"]


def format_time(moment: datetime) -> str:
    """Render an aware datetime as Plivo's filter format, in UTC, to the microsecond."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} is naive; pass an aware datetime")
    # isoformat gives exactly "YYYY-MM-DD HH:MM:SS[.ffffff]", a little faster than strftime.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


@dataclass(frozen=True, slots=True)
class Window:
    """One request-sized slice of the range, with the comparison to use at each end."""

    start: datetime
    end: datetime
    start_op: StartOp
    end_op: EndOp

    def params(self) -> dict[str, str]:
        return {
            f"add_time__{self.start_op}": format_time(self.start),
            f"add_time__{self.end_op}": format_time(self.end),
        }
