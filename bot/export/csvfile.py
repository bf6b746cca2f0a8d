"""The export's file: its columns, one row per recording, and a name that says what it holds.

Pure (standard library only). RFC 4180 through the `csv` module: comma-separated, CRLF line ends,
fields quoted when they hold a comma, a quote or a line break. No media URL is ever written:
recordings are heard through the bot, where every listen is checked and audited.

A text field that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a
tab or a carriage return: a conference named `=HYPERLINK(…)`, say) is written with a leading `'`,
as OWASP advises for CSV files; a phone number such as `+14155550100` is data and stays as it is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # the renderer-side modules must not load the Plivo client's HTTP stack
    from bot.plivo import Recording
    from bot.query import Query

HEADER = (
    "start",
    "end",
    "start_utc",
    "end_utc",
    "duration_s",
    "from",
    "to",
    "conference_name",
    "conference_uuid",
    "mpc_name",
    "mpc_uuid",
    "call_uuid",
    "recording_id",
    "format",
    "type",
)

# The filters as the user types them, in the order the filename lists them.
_FILE_KEYS = (
    ("conference_name", "conference"),
    ("conference_uuid", "conference_uuid"),
    ("mpc_name", "mpc"),
    ("mpc_uuid", "mpc_uuid"),
    ("call_uuid", "call"),
    ("from_number", "from"),
    ("to_number", "to"),
    ("subaccount", "sub"),
)
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
_MAX_PART = 40


def _ms(value: float | None) -> datetime | None:
    if value is None or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000.0, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _seconds(rec: Recording) -> str:
    ms = rec.recording_duration_ms
    if ms is None:
        return ""
    # Milliseconds are what Plivo measures; "12.5", not "12.500".
    return f"{ms / 1000.0:.3f}".rstrip("0").rstrip(".")


def ended_at(rec: Recording) -> datetime | None:
    """When the recording ended: Plivo's `recording_end_ms`, else start plus length."""
    end = _ms(rec.recording_end_ms)
    if end is not None:
        return end
    start, seconds = rec.started_at, rec.duration_s
    if start is not None and seconds is not None and rec.recording_start_ms:
        return start + timedelta(seconds=seconds)
    return rec.add_time.astimezone(UTC) if rec.add_time else None


def row(rec: Recording, zone: ZoneInfo) -> tuple[str, ...]:
    """One recording as the columns of `HEADER`; a missing value is an empty field."""
    start, end = rec.started_at, ended_at(rec)
    return (
        _iso(start, zone),
        _iso(end, zone),
        _utc(start),
        _utc(end),
        _seconds(rec),
        _cell(rec.from_number),
        _cell(rec.to_number),
        _cell(rec.conference_name),
        _cell(rec.conference_uuid),
        _cell(rec.mpc_name),
        _cell(rec.mpc_uuid),
        _cell(rec.call_uuid),
        _cell(rec.recording_id),
        _cell(rec.recording_format),
        _cell(rec.recording_type),
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,20}")


def _cell(text: str | None) -> str:
    """`text` as a field no spreadsheet runs as a formula; a missing value is an empty field."""
    if not text:
        return ""
    if text.startswith(_FORMULA_START) and not _PHONE_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-")[:_MAX_PART].strip("-")


def last_day(query: Query) -> datetime:
    """The last instant the range includes, in the query's zone (an exclusive end at midnight
    means the day before)."""
    end = query.end - timedelta(microseconds=1) if query.end_op == "lt" else query.end
    return end.astimezone(ZoneInfo(query.tz))


def filename(query: Query) -> str:
    """E.g. `recordings_conference-sales_2026-07-01_2026-09-30.csv` (days in the query's zone)."""
    parts = ["recordings"]
    for name, key in _FILE_KEYS:
        if name in query.filters:
            parts.append(_slug(f"{key}-{query.filters[name]}") or key)
    parts.append(query.start.astimezone(ZoneInfo(query.tz)).date().isoformat())
    parts.append(last_day(query).date().isoformat())
    return "_".join(parts) + ".csv"
