"""Pydantic models of Plivo's List Recordings response, tolerant of what the real API sends.

Real responses carry numbers as strings ("345100.00000"), ids that are not strict UUIDs,
`conference_name` of "noname"/""/null, fields that come and go, and duplicate objects within a page.
Every field except `recording_id` is optional; a value that cannot be read becomes None rather than
failing the whole page, because one odd recording must not hide the other nineteen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, field_validator

log = logging.getLogger(__name__)


def _lenient_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _lenient_int(value: Any) -> int | None:
    number = _lenient_float(value)
    if number is None or number != number or number in (float("inf"), float("-inf")):
        return None
    return int(number)


def _lenient_time(value: Any) -> datetime | None:
    """Parse Plivo's "2014-08-05 16:15:15.852059+05:30"; old responses lack the offset (UTC)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _lenient_str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


LenientFloat = Annotated[float | None, BeforeValidator(_lenient_float)]
LenientInt = Annotated[int | None, BeforeValidator(_lenient_int)]
LenientTime = Annotated[datetime | None, BeforeValidator(_lenient_time)]
LenientStr = Annotated[str | None, BeforeValidator(_lenient_str)]


class Recording(BaseModel):
    """One recording as Plivo lists it; unknown fields are kept (reachable via `model_extra`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    recording_id: str
    call_uuid: LenientStr = None
    add_time: LenientTime = None
    recording_type: LenientStr = None
    recording_format: LenientStr = None
    recording_url: LenientStr = None
    resource_uri: LenientStr = None
    conference_name: LenientStr = None
    # Filters of the API; not documented as fields of the object, so they may well be absent.
    conference_uuid: LenientStr = None
    mpc_name: LenientStr = None
    mpc_uuid: LenientStr = None
    from_number: LenientStr = None
    to_number: LenientStr = None
    recording_duration_ms: LenientFloat = None
    recording_start_ms: LenientFloat = None
    recording_end_ms: LenientFloat = None
    rounded_recording_duration: LenientInt = None
    recording_storage_duration: LenientInt = None
    recording_storage_rate: LenientFloat = None
    monthly_recording_storage_amount: LenientFloat = None

    @property
    def duration_s(self) -> float | None:
        """Length in seconds, when Plivo said."""
        ms = self.recording_duration_ms
        return None if ms is None else ms / 1000.0

    @property
    def started_at(self) -> datetime | None:
        """When the recording started, in UTC: from `recording_start_ms`, else `add_time`."""
        ms = self.recording_start_ms
        if ms is not None and ms > 0:
            try:
                return datetime.fromtimestamp(ms / 1000.0, tz=UTC)
            except (OverflowError, OSError, ValueError):
                pass
        return self.add_time.astimezone(UTC) if self.add_time else None


class PageMeta(BaseModel):
    """Plivo's paging block; `total_count` is sometimes absent (or wrong)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    limit: int
    offset: int
    next: LenientStr = None
    previous: LenientStr = None
    total_count: LenientInt = None


class RecordingList(BaseModel):
    """One page of List Recordings, with objects that lack an id dropped and duplicates removed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    api_id: LenientStr = None
    meta: PageMeta
    objects: list[Recording]

    @field_validator("objects", mode="before")
    @classmethod
    def _usable_unique(cls, value: Any) -> Any:
        # Plivo has been seen repeating an object within one page; the first copy wins.
        if not isinstance(value, list):
            return value
        seen: set[str] = set()
        kept: list[Any] = []
        for item in value:
            rid = item.get("recording_id") if isinstance(item, dict) else None
            if not isinstance(rid, str) or not rid:
                log.warning("dropping a recording without a usable recording_id")
                continue
            if rid in seen:
                continue
            seen.add(rid)
            kept.append(item)
        return kept


@dataclass(frozen=True, slots=True)
class RangePage:
    """One page of a time range that may span several of Plivo's 30-day windows."""

    recordings: list[Recording]
    """The page, newest first."""
    offset: int
    limit: int
    total: int | None
    """Matches in the whole range; None when Plivo gave no `total_count` (then use `has_more`)."""
    has_more: bool
    counts: tuple[int, ...] | None
    """Per-window totals, newest window first: pass back to `list_range` for later pages."""
    requests: int
    """HTTP requests to Plivo this call made, retries included (for logs)."""
