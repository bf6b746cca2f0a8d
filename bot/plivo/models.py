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
from typing import Annotated

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    field_validator,
)
from pydantic_core import core_schema as cs

log = logging.getLogger(__name__)


def _as_utc_if_naive(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# The annotated type, or None when the value is missing or cannot be read as one. pydantic-core
# does it (a default on error) rather than a Python validator per field: a page holds some 200
# values, and every Plivo answer is read through here.
_OR_NONE = GetPydanticSchema(
    lambda source, handler: cs.with_default_schema(
        cs.nullable_schema(handler(source)), default=None, on_error="default"
    )
)

# Lax mode reads Plivo's numeric strings ("345100.00000", "723") as numbers.
LenientFloat = Annotated[float | None, AllowInfNan(False), _OR_NONE]
LenientInt = Annotated[int | None, _OR_NONE]
# Plivo's "2014-08-05 16:15:15.852059+05:30"; old responses lack the offset, which means UTC.
LenientTime = Annotated[datetime | None, AfterValidator(_as_utc_if_naive), _OR_NONE]
LenientStr = Annotated[str | None, _OR_NONE]


class Recording(BaseModel):
    """One recording as Plivo lists it; unknown fields are kept (reachable via `model_extra`)."""

    # Numbers where text is expected (a numeric id, say) are read as their text.
    model_config = ConfigDict(extra="allow", frozen=True, coerce_numbers_to_str=True)

    recording_id: Annotated[str, Field(min_length=1)]
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
        return self._moment(self.recording_start_ms)

    @property
    def ended_at(self) -> datetime | None:
        """When the recording ended (Plivo saved it then, and lists by it), in UTC: from
        `recording_end_ms`, else `add_time`."""
        return self._moment(self.recording_end_ms)

    def _moment(self, ms: float | None) -> datetime | None:
        """`ms` (epoch milliseconds) as a UTC time when it is one, else `add_time` in UTC."""
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
    # An object without a usable `recording_id` (or not an object at all) reads as None, and is
    # dropped below.
    objects: list[Annotated[Recording, _OR_NONE]]

    @field_validator("objects", mode="after")
    @classmethod
    def _usable_unique(cls, value: list[Recording | None]) -> list[Recording]:
        usable: list[Recording] = []
        for item in value:
            if item is None:
                log.warning("dropping a recording without a usable recording_id")
            else:
                usable.append(item)
        return unique(usable)  # Plivo has been seen repeating an object within one page


def unique(recordings: list[Recording]) -> list[Recording]:
    """The recordings without repeats; the first copy of each `recording_id` wins."""
    seen: set[str] = set()
    out: list[Recording] = []
    for recording in recordings:
        if recording.recording_id not in seen:
            seen.add(recording.recording_id)
            out.append(recording)
    return out


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
