"""Reading Plivo's answers: a page of recordings, or the typed error a failed answer means."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx
import pydantic

from .errors import (
    PlivoAuthError,
    PlivoBadRequest,
    PlivoError,
    PlivoNotFound,
    PlivoRateLimited,
    PlivoUnavailable,
)
from .models import Recording, RecordingList


def parse_page(response: httpx.Response) -> RecordingList:
    try:
        return RecordingList.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        kind = response.headers.get("content-type", "unknown content type")
        raise PlivoUnavailable(
            f"Plivo answered {response.status_code} with a body that is not a recording list "
            f"({kind}; {exc.error_count()} problem(s), first: {exc.errors()[0]['msg']})",
            status=response.status_code,
        ) from None


def parse_recording(response: httpx.Response) -> Recording:
    """The body of "Retrieve a recording": one recording object (with Plivo's `api_id`)."""
    try:
        return Recording.model_validate_json(response.content)
    except pydantic.ValidationError as exc:
        raise PlivoUnavailable(
            f"Plivo answered {response.status_code} with a body that is not a recording "
            f"({exc.error_count()} problem(s), first: {exc.errors()[0]['msg']})",
            status=response.status_code,
        ) from None


def error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """Plivo's `error` text and `api_id`, if the body is its JSON error shape."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    error, api_id = body.get("error"), body.get("api_id")
    if isinstance(error, dict):  # some Plivo endpoints report per-field errors
        error = "; ".join(f"{field}: {text}" for field, text in error.items())
    elif isinstance(error, list):
        error = "; ".join(map(str, error))
    return (str(error) if error else None), (str(api_id) if api_id else None)


def error_for(response: httpx.Response) -> PlivoError:
    status = response.status_code
    error, api_id = error_body(response)
    said = f": {error}" if error else ""
    message = f"Plivo answered HTTP {status}{said}"
    if status in (401, 403):
        return PlivoAuthError(message, status=status, api_id=api_id)
    if status == 404:
        return PlivoNotFound(message, status=status, api_id=api_id)
    if status == 429:
        return PlivoRateLimited(message, status=status, api_id=api_id)
    if 400 <= status < 500:
        return PlivoBadRequest(message, error=error, status=status, api_id=api_id)
    return PlivoUnavailable(message, status=status, api_id=api_id)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), if it parses."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)
