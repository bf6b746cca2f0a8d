"""Plivo's List Recordings API: the async client, its models and typed errors.

Import from here; the submodules are an implementation detail.
"""

from .client import FILTERS, TIME_FILTERS, USER_AGENT, PlivoClient
from .errors import (
    PlivoAuthError,
    PlivoBadRequest,
    PlivoError,
    PlivoNotFound,
    PlivoRateLimited,
    PlivoTimeout,
    PlivoUnavailable,
    RangeTooLong,
    RecordingGone,
)
from .fair import Budget, FairQueue
from .limiter import Priority, RateLimiter
from .models import PageMeta, RangePage, Recording, RecordingList
from .windows import MAX_RANGE, MAX_WINDOW, format_time

__all__ = [
    "FILTERS",
    "MAX_RANGE",
    "MAX_WINDOW",
    "TIME_FILTERS",
    "USER_AGENT",
    "Budget",
    "FairQueue",
    "PageMeta",
    "PlivoAuthError",
    "PlivoBadRequest",
    "PlivoClient",
    "PlivoError",
    "PlivoNotFound",
    "PlivoRateLimited",
    "PlivoTimeout",
    "PlivoUnavailable",
    "Priority",
    "RangePage",
    "RangeTooLong",
    "RateLimiter",
    "Recording",
    "RecordingGone",
    "RecordingList",
    "format_time",
]
