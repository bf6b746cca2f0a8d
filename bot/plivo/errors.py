"""Typed failures of the Plivo client, each carrying a message fit to show a Slack user.

`user_message` is plain words saying what went wrong and what to do; it never holds a secret, so the
app can post it as it is. The exception's own text (`str(exc)`) is for logs.
"""

from __future__ import annotations

import math
from datetime import timedelta

# Plivo's own error text reaches users; bound it so a misbehaving upstream cannot flood a message.
_MAX_UPSTREAM_TEXT = 300


class PlivoError(Exception):
    """Base of every client failure."""

    default_user_message = "Something went wrong while asking Plivo; try again in a minute."

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        user_message: str | None = None,
        api_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.user_message = user_message or self.default_user_message
        self.api_id = api_id


class PlivoAuthError(PlivoError):
    """Plivo refused the credentials (401) or the account's access (403)."""

    default_user_message = (
        "Plivo rejected the bot's credentials; "
        "ask the app's admin to check PLIVO_AUTH_ID/PLIVO_AUTH_TOKEN."
    )


class PlivoBadRequest(PlivoError):
    """Plivo refused the query itself (400 and other 4xx that retrying cannot fix)."""

    def __init__(
        self,
        message: str,
        *,
        error: str | None = None,
        status: int | None = 400,
        api_id: str | None = None,
    ) -> None:
        self.error = _clip(error) if error else None
        shown = f": {self.error.rstrip('.')}." if self.error else "."
        super().__init__(
            message,
            status=status,
            api_id=api_id,
            user_message=f"Plivo refused this search{shown} Check the filters and try again.",
        )


class PlivoNotFound(PlivoError):
    """Plivo answered 404: the account or endpoint the bot is pointed at does not exist."""

    default_user_message = (
        "Plivo could not find the recordings endpoint for this account; "
        "ask the app's admin to check PLIVO_AUTH_ID and PLIVO_BASE_URL."
    )


class RecordingGone(PlivoNotFound):
    """Plivo has no recording by that id (any more): deleted, or past its storage period."""

    default_user_message = (
        "Plivo no longer has this recording: it was deleted or is past its storage period."
    )


class PlivoRateLimited(PlivoError):
    """Plivo kept answering 429, or asked the bot to wait longer than is worth it."""

    default_user_message = (
        "Plivo is getting too many requests from this account right now; try again in a minute."
    )

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        api_id: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, status=status, api_id=api_id)
        self.retry_after_s = retry_after_s


class PlivoUnavailable(PlivoError):
    """Plivo failed (5xx), could not be reached, or answered something that is not its API."""

    default_user_message = "Plivo is not answering properly right now; try again in a few minutes."


class PlivoTimeout(PlivoUnavailable):
    """Plivo did not answer within the timeout, on every try."""

    default_user_message = (
        "Plivo took too long to answer; try again, "
        "or narrow the search (e.g. a shorter time range)."
    )


class RangeTooLong(PlivoError):
    """The range is wider than the client pages through; raised before any request."""

    def __init__(self, span: timedelta, limit: timedelta) -> None:
        days = math.ceil(span / timedelta(days=1))  # 366 days and a minute reads as 367
        super().__init__(
            f"range of {span} exceeds the maximum of {limit}",
            user_message=(
                f"That time range covers {days} days; the bot can search at most "
                f"{limit.days} days at once. Add since=/before= or use a shorter phrase "
                "such as `last 90 days`."
            ),
        )
        self.span = span
        self.limit = limit


def _clip(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _MAX_UPSTREAM_TEXT else text[: _MAX_UPSTREAM_TEXT - 1] + "…"
