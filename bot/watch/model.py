"""A watch as the rest of the bot sees it, and how a recording is matched against one.

Pure: no database, no HTTP. The matching applies Plivo's own rules for the list's filters (exact,
case-sensitive equality of the field; numbers are compared in the E.164 form the query parser
already gave them), so a watch posts what the same search would list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.query.filters import FILTER_NAMES

# The filters a watch may have: every one is a field of the listed recording, so one unfiltered
# poll can be matched locally. (`subaccount` is not a field of the recording: refused.)
MATCHABLE = frozenset(FILTER_NAMES) - {"subaccount"}


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    team: str
    channel: str
    creator: str
    filters: dict[str, str]
    created_at: datetime
    posted: int = 0
    paused_reason: str | None = None
    paused_at: datetime | None = field(default=None)

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


def matches(filters: Mapping[str, str], recording: object) -> bool:
    """Whether Plivo's list, asked with `filters`, would include `recording` (a listed recording,
    or a mapping of its fields)."""
    if isinstance(recording, Mapping):
        return all(recording.get(name) == value for name, value in filters.items())
    return all(getattr(recording, name, None) == value for name, value in filters.items())


def is_new_for(watch: Watch, added: datetime | None) -> bool:
    """A watch posts what was saved from its creation on ("from now on")."""
    return added is not None and added.astimezone(UTC) >= watch.created_at
