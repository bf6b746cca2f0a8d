"""`Query`: one parsed `/recordings` command, and its three outward forms.

`plivo_params` is what Plivo's recording list is asked; `summary` and `command` are what the
user is shown (a sentence, and a command with absolute times that reproduces the search);
`encode`/`decode` carry the query in a Slack button value and back, validating every field.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.query import filters as f
from bot.query.errors import ParseError, escape
from bot.query.times import ONE_US, bounds_ok
from bot.query.tokens import QUOTE_FAMILIES
from bot.wire import EndOp, StartOp, Window, format_time

VERSION = "1"


def is_query_value(value: str) -> bool:
    """Whether `value` is an encoded `Query` (what `Query.encode` writes)."""
    return value.startswith(f"{VERSION}:")


MAX_ENCODED = 2000
MAX_WINDOWS = 16  # 366 days in 30-day windows is 13; a little room for the Plivo layer
MAX_COUNT = 10**9
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Short names keep the serialised form well inside a button value.
_SHORT = {
    "from_number": "f",
    "to_number": "t",
    "conference_name": "c",
    "conference_uuid": "C",
    "mpc_name": "m",
    "mpc_uuid": "M",
    "call_uuid": "u",
    "subaccount": "s",
}
_LONG = {short: name for name, short in _SHORT.items()}
_START_GT, _END_LTE, _END_IS_NOW, _SHARE = 1, 2, 4, 8

_COMMAND_KEYS = {
    "from_number": "from",
    "to_number": "to",
    "conference_name": "conference",
    "conference_uuid": "conference_uuid",
    "mpc_name": "mpc",
    "mpc_uuid": "mpc_uuid",
    "call_uuid": "call",
    "subaccount": "sub",
}
_SUMMARY_WORDS = {
    "from_number": "from",
    "to_number": "to",
    "conference_name": "conference",
    "conference_uuid": "conference id",
    "mpc_name": "MPC",
    "mpc_uuid": "MPC id",
    "call_uuid": "call",
    "subaccount": "subaccount",
}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_OLD_BUTTON = "This button is from an older version of the bot; run the command again."
_DAMAGED = "This button's data is damaged; run the command again."


def _filter_ok(name: str, value: str) -> bool:
    if name in ("from_number", "to_number"):
        return f.is_valid_phone(value)
    if name in f.ID_FILTERS:
        return bool(f.ID_RE.fullmatch(value))
    if name == "subaccount":
        return bool(f.SUBACCOUNT_RE.fullmatch(value))
    return f.is_valid_text(value)


class Query(BaseModel):
    """A search for recordings: Plivo filters and a time range, plus paging and sharing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filters: dict[str, str]
    start: datetime
    end: datetime
    start_op: StartOp
    end_op: EndOp
    end_is_now: bool
    tz: str
    page_size: int = Field(ge=1, le=f.MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=f.MAX_OFFSET)
    share: bool = False
    window_counts: tuple[int, ...] | None = None

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, value: dict[str, str]) -> dict[str, str]:
        for name, item in value.items():
            if name not in _SHORT:
                raise ValueError(f"unknown filter {name!r}")
            if not _filter_ok(name, item):
                raise ValueError(f"invalid value for {name}")
        return value

    @field_validator("start", "end")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must be timezone-aware")
        return value.astimezone(UTC)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return f.zone(value)[0]
        except ParseError:
            raise ValueError(f"unknown time zone {value!r}") from None

    @field_validator("window_counts")
    @classmethod
    def _counts(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None and (
            len(value) > MAX_WINDOWS or any(not 0 <= count <= MAX_COUNT for count in value)
        ):
            raise ValueError(f"at most {MAX_WINDOWS} counts from 0 to {MAX_COUNT}")
        return value

    @model_validator(mode="after")
    def _range(self) -> Query:
        problem = bounds_ok(self.start, self.end, self.start_op, self.end_op)
        if problem is not None:
            raise ValueError("the range is empty" if problem == "empty" else "range too long")
        if self.end_is_now and self.end_op != "lte":
            raise ValueError("an end that is now is inclusive")
        return self

    # --- Plivo -----------------------------------------------------------------------------

    def plivo_params(self) -> dict[str, str]:
        """The filters and `add_time__*` bounds for Plivo's recording list, times in UTC."""
        params = {name: self.filters[name] for name in f.FILTER_NAMES if name in self.filters}
        params.update(Window(self.start, self.end, self.start_op, self.end_op).params())
        return params

    # --- people ----------------------------------------------------------------------------

    def summary(self) -> str:
        """E.g. "conference *sales* · Tue 10 Mar 00:00 → now, America/Los_Angeles" (mrkdwn)."""
        parts = [
            f"{_SUMMARY_WORDS[name]} *{escape(_short(name, self.filters[name]))}*"
            for name in f.FILTER_NAMES
            if name in self.filters
        ]
        zone = ZoneInfo(self.tz)
        start = self.start.astimezone(zone)
        end = self.end.astimezone(zone)
        same_year = start.year == end.year
        shown_start = _when(start, with_year=not (same_year and self.end_is_now))
        if self.start_op == "gt":
            shown_start = "after " + shown_start
        shown_end = "now" if self.end_is_now else _when(end, with_year=not same_year)
        parts.append(f"{shown_start} → {shown_end}, {self.tz}")
        return " · ".join(parts)

    def command(self, *, default_page_size: int = 10) -> str:
        """A command with absolute UTC times that finds the same recordings wherever pasted.

        The start is `since=` (`after=` for an exclusive start), the end `until=` (inclusive,
        as the pinned "now" is) or `before=`. `limit=` appears when the page size differs from
        `default_page_size`; paging and `share` are not part of it. Names are written as
        typed: what Slack escapes when the command is pasted, `parse` undoes.
        """
        parts = self.filter_words()
        parts.append(("after=" if self.start_op == "gt" else "since=") + _iso(self.start))
        parts.append(("until=" if self.end_op == "lte" else "before=") + _iso(self.end))
        if self.page_size != default_page_size:
            parts.append(f"limit={self.page_size}")
        return " ".join(parts)

    def filter_words(self, *, without: str | None = None) -> list[str]:
        """The filters as `key=value` words of a command (one filter left out if named)."""
        return [
            f"{_COMMAND_KEYS[name]}={_quote(self.filters[name])}"
            for name in f.FILTER_NAMES
            if name in self.filters and name != without
        ]

    # --- buttons ---------------------------------------------------------------------------

    def encode(self) -> str:
        """`1:` and URL-safe base64 (unpadded) of a compact JSON array; at most 2,000 chars."""
        # `model_copy(update=...)` skips validation; counts out of bounds would break the limit.
        self._counts(self.window_counts)
        flags = (
            (_START_GT if self.start_op == "gt" else 0)
            | (_END_LTE if self.end_op == "lte" else 0)
            | (_END_IS_NOW if self.end_is_now else 0)
            | (_SHARE if self.share else 0)
        )
        payload = [
            {_SHORT[name]: value for name, value in self.filters.items()},
            _micros(self.start),
            _micros(self.end),
            flags,
            self.tz,
            self.page_size,
            self.offset,
            list(self.window_counts) if self.window_counts is not None else None,
        ]
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return f"{VERSION}:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Query:
        """The query `encode` made; ParseError (and nothing else) for anything else."""
        try:
            return cls._decode(value)
        except ParseError:
            raise
        except Exception:  # the value comes back from outside: no input may crash the caller
            raise ParseError(_DAMAGED) from None

    @classmethod
    def _decode(cls, value: Any) -> Query:
        if not isinstance(value, str):
            raise ParseError(_DAMAGED)
        version, sep, body = value.partition(":")
        if not sep:
            raise ParseError(_DAMAGED)
        if version != VERSION:
            if re.fullmatch(r"[0-9]{1,4}", version):
                raise ParseError(_OLD_BUTTON)
            raise ParseError(_DAMAGED)
        if len(value) > MAX_ENCODED:
            raise ParseError(_DAMAGED)
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
            data = json.loads(raw.decode())
        except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
            raise ParseError(_DAMAGED) from None
        if not (isinstance(data, list) and len(data) == 8):
            raise ParseError(_DAMAGED)
        short_filters, start, end, flags, tz, page_size, offset, counts = data
        if not (
            isinstance(short_filters, dict)
            and all(k in _LONG and isinstance(v, str) for k, v in short_filters.items())
            and all(_is_int(x) for x in (start, end, flags, page_size, offset))
            and 0 <= flags < 16
            and isinstance(tz, str)
            and (counts is None or (isinstance(counts, list) and all(map(_is_int, counts))))
        ):
            raise ParseError(_DAMAGED)
        try:
            return cls(
                filters={_LONG[k]: v for k, v in short_filters.items()},
                start=_EPOCH + timedelta(microseconds=start),
                end=_EPOCH + timedelta(microseconds=end),
                start_op="gt" if flags & _START_GT else "gte",
                end_op="lte" if flags & _END_LTE else "lt",
                end_is_now=bool(flags & _END_IS_NOW),
                tz=tz,
                page_size=page_size,
                offset=offset,
                share=bool(flags & _SHARE),
                window_counts=tuple(counts) if counts is not None else None,
            )
        except (ValidationError, OverflowError):
            raise ParseError(_DAMAGED) from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _micros(value: datetime) -> int:
    return (value - _EPOCH) // ONE_US


def _iso(value: datetime) -> str:
    return format_time(value).replace(" ", "T") + "Z"


def _when(value: datetime, *, with_year: bool) -> str:
    text = f"{_DAY_NAMES[value.weekday()]} {value.day} {_MONTH_NAMES[value.month - 1]}"
    if with_year:
        text += f" {value.year}"
    text += f" {value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        text += f":{value.second:02d}"
    return text


def _short(name: str, value: str) -> str:
    # Ids are long and random; their first group is enough to recognise one.
    return value[:8] + "…" if name in f.ID_FILTERS else value


def _quote(value: str) -> str:
    """`value` written so that `parse` reads it back exactly (as a value after `key=`)."""
    # Written as typed: Slack escapes `&`, `<`, `>` once when it is pasted back, and parse()
    # undoes exactly that, so `a<b` and a literal `&lt;` both read back as themselves.
    # Unquoted, a comma is refused and a trailing full stop dropped (forgiving syntax).
    plain = not any(ch.isspace() or ch == "," for ch in value) and not value.endswith(".")
    if plain and value[:1] not in QUOTE_FAMILIES:
        return value
    # Adjacent quoted parts join into one value; each part avoids its own quote family.
    parts: list[str] = []
    i = 0
    while i < len(value):
        for quote in ('"', "'"):
            family = QUOTE_FAMILIES[quote]
            j = i
            while j < len(value) and value[j] not in family:
                j += 1
            if j > i:
                parts.append(f"{quote}{value[i:j]}{quote}")
                i = j
                break
    return "".join(parts)
