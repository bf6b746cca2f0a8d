"""A faithful in-process fake of Plivo's List Recordings and Retrieve a Recording endpoints, and of
the media host serving the recordings' audio.

`SampleApi.handler` serves it through `httpx.MockTransport`; `SampleApi.asgi()` serves it over
real HTTP (see `python -m bot.sample_api`). It applies every filter with Plivo's semantics,
Plivo's limits (30-day `add_time` range, `limit` 1..20, the 7-day default window) and Plivo's
error shapes, and logs each request so tests can check what reached the wire. Each recording's
`recording_url` serves a few seconds of generated tone (`audio.py`), honouring `Range`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from bot.config import SAMPLE_AUTH_ID, SAMPLE_AUTH_TOKEN

from .audio import ToneWav, parse_range
from .data import SampleRecording, generate, new_recording

MAX_SPAN = timedelta(days=30)
DEFAULT_SPAN = timedelta(days=7)
MAX_LIMIT = 20

_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")
_EXACT = (
    "from_number",
    "to_number",
    "call_uuid",
    "conference_name",
    "conference_uuid",
    "mpc_name",
    "mpc_uuid",
)
_STORAGE_OPS: dict[str, Callable[[int, int], bool]] = {
    "recording_storage_duration": int.__eq__,
    "recording_storage_duration__gt": int.__gt__,
    "recording_storage_duration__gte": int.__ge__,
    "recording_storage_duration__lt": int.__lt__,
    "recording_storage_duration__lte": int.__le__,
}

PLIVO_MEDIA = "https://media.plivo.com"
# The media host's paths: /v1/Account/{auth_id}/Recording/{recording_id}.{format}
_MEDIA_PATH = re.compile(r"/v1/Account/([^/]+)/Recording/([^/]+)\.(mp3|wav)")
_CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SampleApiError(Exception):
    """A request Plivo would refuse, with the status and `error` text it would send."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request the fake received: when (on its clock), where, with which query, answered how."""

    at: float
    method: str
    path: str
    params: dict[str, str]
    status: int


@dataclass(frozen=True, slots=True)
class _Selection:
    lo: int
    hi: int
    checks: tuple[Callable[[SampleRecording], bool], ...]


class SampleApi:
    """The fake; `.recordings` holds every recording body, newest first.

    `.requests` logs what each request asked (the newest `max_log` at least); `clock` stamps them.
    """

    def __init__(
        self,
        now: datetime | None = None,
        *,
        count: int = 6000,
        seed: int = 7,
        auth_id: str = SAMPLE_AUTH_ID,
        auth_token: str = SAMPLE_AUTH_TOKEN,
        utc_offset: timedelta = timedelta(hours=5, minutes=30),
        with_total_count: bool = True,
        clock: Callable[[], float] = time.monotonic,
        max_log: int = 100_000,
        media_base: str = PLIVO_MEDIA,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        now = now or datetime.now(UTC)
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = now.astimezone(UTC)
        self.auth_id = auth_id
        self._utc_offset = utc_offset
        # Plivo's account limit (300 requests per 5 s): above it, 429 (counted in `rejected`).
        self._rate_limit = rate_limit
        self._accepted: deque[float] = deque()
        self.rejected = 0
        self.with_total_count = with_total_count
        self.requests: list[LoggedRequest] = []
        self._max_log = max(1, max_log)
        self._clock = clock
        newest_first = generate(
            self.now, count=count, seed=seed, auth_id=auth_id, utc_offset=utc_offset
        )
        self.recordings: list[dict[str, Any]] = [row.body for row in newest_first]
        self._rows = newest_first[::-1]  # oldest first, so add_time bounds are two bisects
        self._times = [row.add_time for row in self._rows]
        token = base64.b64encode(f"{auth_id}:{auth_token}".encode()).decode()
        self._authorization = f"Basic {token}"
        self._account_prefix = "/v1/Account/"
        self._path = f"/v1/Account/{auth_id}/Recording/"
        self._by_id = {body["recording_id"]: body for body in self.recordings}
        self.media_base = media_base
        """Where the recordings' audio is served: Plivo's media host, or this fake's own address
        when it runs as a local server (set it once the port is known)."""
        self.media_sizes: dict[str, int] = {}
        """Sizes in bytes of recordings whose audio should be longer than a few seconds."""
        self.media_requests: list[tuple[str, str | None, int]] = []
        """(recording id, Range header, status) of each request for audio."""

    def query(
        self, params: Mapping[str, str], *, enforce_span: bool = True
    ) -> list[dict[str, Any]]:
        """Every recording the filters in `params` match, newest first (no paging).

        With `enforce_span=False` a range over 30 days is answered too (Plivo refuses it), so tests
        can compute the expected answer for a whole long range.
        """
        selection = self._select(params, enforce_span=enforce_span)
        return [row.body for row in self._matching(selection)]

    def respond(
        self, method: str, path: str, params: Mapping[str, str], authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one request as Plivo would: (status, JSON body); log it."""
        status, body = self._limited() or self._answer(method, path, params, authorization)
        log = self.requests
        log.append(LoggedRequest(self._clock(), method, path, dict(params), status))
        if len(log) > self._max_log:  # a long-running demo server must not grow without bound
            del log[: len(log) - self._max_log // 2]
        return status, body

    def add(self, added: datetime | None = None, **fields: Any) -> dict[str, Any]:
        """Save a new recording now (or at `added`), as Plivo does when a call ends; its body.

        `fields` are Plivo's (`conference_name="support"`, `from_number="+14155550100"`, …)."""
        added = (added or datetime.now(UTC)).astimezone(UTC)
        row = new_recording(added, fields, auth_id=self.auth_id, utc_offset=self._utc_offset)
        at = bisect_right(self._times, added)
        self._rows.insert(at, row)
        self._times.insert(at, added)
        self.recordings.insert(len(self._rows) - 1 - at, row.body)
        self._by_id[row.body["recording_id"]] = row.body
        # Plivo's "now" moves on: a request without an upper bound lists it.
        self.now = max(self.now, added)
        return row.body

    def _limited(self) -> tuple[int, dict[str, Any]] | None:
        """Plivo's answer when the account is over its request limit, else None (and count it)."""
        if self._rate_limit is None:
            return None
        most, period = self._rate_limit
        now = self._clock()
        accepted = self._accepted
        while accepted and accepted[0] <= now - period:
            accepted.popleft()
        if len(accepted) >= most:
            self.rejected += 1
            return 429, {"api_id": _api_id(), "error": "too many requests"}
        accepted.append(now)
        return None

    async def handler(self, request: httpx.Request) -> httpx.Response:
        """An `httpx.MockTransport` handler serving the fake in-process (async clients)."""
        if _MEDIA_PATH.fullmatch(request.url.path):
            status, headers, audio, span = self.media(
                request.method, request.url.path, request.headers.get("range")
            )

            async def body() -> AsyncIterator[bytes]:
                if audio is not None and span is not None:
                    for chunk in audio.chunks(*span):
                        yield chunk

            # A stream, as from a real server: read in chunks by whoever asked.
            return httpx.Response(status, headers=headers, content=body())
        return self.sync_handler(request)

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        """The same, for a synchronous `httpx.Client`."""
        if _MEDIA_PATH.fullmatch(request.url.path):
            status, headers, audio, span = self.media(
                request.method, request.url.path, request.headers.get("range")
            )
            content = audio.read(*span) if audio is not None and span is not None else b""
            return httpx.Response(status, content=content, headers=headers)
        params = dict(request.url.params.multi_items())
        status, body = self.respond(
            request.method, request.url.path, params, request.headers.get("authorization")
        )
        return httpx.Response(
            status, content=_dump(body), headers={"content-type": "application/json"}
        )

    def asgi(self, latency_s: float = 0.0) -> AsgiApp:
        """An ASGI app serving the fake, waiting `latency_s` before each answer."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                await serve_lifespan(receive, send)
                return
            if scope["type"] != "http":
                return
            raw_query = scope.get("query_string", b"").decode("latin-1")
            params = dict(parse_qsl(raw_query, keep_blank_values=True))
            authorization = next(
                (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None
            )
            if latency_s > 0:
                await asyncio.sleep(latency_s)
            if _MEDIA_PATH.fullmatch(scope["path"]):
                await self._send_media(scope, send)
                return
            status, body = self.respond(scope["method"], scope["path"], params, authorization)
            payload = _dump(body)
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})

        return app

    async def _send_media(self, scope: Scope, send: Send) -> None:
        """The audio, streamed a chunk at a time (a test's 100 MB recording is never held)."""
        range_header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"range"), None
        )
        status, headers, audio, span = self.media(scope["method"], scope["path"], range_header)
        raw = [(k.encode(), v.encode()) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if audio is not None and span is not None:
            for chunk in audio.chunks(*span):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _answer(
        self, method: str, path: str, params: Mapping[str, str], authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        if not authorization:
            return 401, {"error": "authentication credentials were not provided"}
        if not _same_credentials(authorization, self._authorization):
            return 401, {"error": "authentication failed"}
        if path.startswith(self._account_prefix) and not path.startswith(
            f"{self._account_prefix}{self.auth_id}/"
        ):
            return 401, {"api_id": _api_id(), "error": "authentication failed"}
        if path.startswith(self._path) and path.count("/") == self._path.count("/") + 1:
            return self._retrieve(method, path[len(self._path) :].rstrip("/"))
        if path not in (self._path, self._path.rstrip("/")):
            return 404, {"api_id": _api_id(), "error": "not found"}
        if method != "GET":
            return 405, {"api_id": _api_id(), "error": f"method {method} not allowed"}
        try:
            return 200, self._page(params)
        except SampleApiError as exc:
            return exc.status, {"api_id": _api_id(), "error": exc.error}

    def _retrieve(self, method: str, recording_id: str) -> tuple[int, dict[str, Any]]:
        """Retrieve a recording: the object as List Recordings shows it, with an `api_id`."""
        if method != "GET":
            return 405, {"api_id": _api_id(), "error": f"method {method} not allowed"}
        body = self._by_id.get(recording_id)
        if body is None:
            return 404, {"api_id": _api_id(), "error": "not found"}
        return 200, {"api_id": _api_id(), **self._public(body)}

    def _public(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body with its `recording_url` on `media_base`."""
        if self.media_base == PLIVO_MEDIA:
            return body
        url = body["recording_url"].replace(PLIVO_MEDIA, self.media_base.rstrip("/"), 1)
        return {**body, "recording_url": url}

    def media(
        self, method: str, path: str, range_header: str | None
    ) -> tuple[int, list[tuple[str, str]], ToneWav | None, tuple[int, int] | None]:
        """Answer a request to the media host: (status, headers, audio, byte range to send)."""
        match = _MEDIA_PATH.fullmatch(path)
        body = self._by_id.get(match.group(2)) if match else None
        if (
            match is None
            or body is None
            or match.group(1) != self.auth_id
            or match.group(3) != body["recording_format"]
        ):
            status, headers, audio, span = 404, [("content-type", "text/plain")], None, None
        elif method not in ("GET", "HEAD"):
            status, headers, audio, span = 405, [("allow", "GET, HEAD")], None, None
        else:
            rid = body["recording_id"]
            audio = ToneWav(rid, self.media_sizes.get(rid))
            headers = [
                ("content-type", _CONTENT_TYPES[match.group(3)]),
                ("accept-ranges", "bytes"),
            ]
            wanted = parse_range(range_header, audio.size)
            if wanted == "unsatisfiable":
                status, span, audio = 416, None, None
                headers.append(("content-range", f"bytes */{self._size(rid)}"))
            elif wanted is None:
                status, span = 200, (0, audio.size - 1)
            else:
                assert isinstance(wanted, tuple)
                status, span = 206, wanted
                headers.append(("content-range", f"bytes {span[0]}-{span[1]}/{audio.size}"))
            length = 0 if span is None else span[1] - span[0] + 1
            headers.append(("content-length", str(length)))
            if method == "HEAD":
                audio = None
        if match is not None:
            self.media_requests.append((match.group(2), range_header, status))
        return status, headers, audio, span

    def _size(self, recording_id: str) -> int:
        return ToneWav(recording_id, self.media_sizes.get(recording_id)).size

    def _page(self, params: Mapping[str, str]) -> dict[str, Any]:
        limit = _int_param(params, "limit", 20)
        offset = _int_param(params, "offset", 0)
        if not 1 <= limit <= MAX_LIMIT:
            raise SampleApiError(400, f"limit must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise SampleApiError(400, "offset must be 0 or more")
        selection = self._select(params)
        if selection.checks:
            matches = self._matching(selection)
            total = len(matches)
            page = [row.body for row in matches[offset : offset + limit]]
        else:  # the common case: no filter but the range, so no list is built
            total = selection.hi - selection.lo
            top = selection.hi - 1 - offset
            bottom = max(selection.lo - 1, top - limit)
            page = [self._rows[i].body for i in range(top, bottom, -1)]
        if self.media_base != PLIVO_MEDIA:
            page = [self._public(body) for body in page]
        meta: dict[str, Any] = {
            "limit": limit,
            "next": self._link(params, limit, offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": self._link(params, limit, max(0, offset - limit)) if offset else None,
        }
        if self.with_total_count:
            meta["total_count"] = total
        return {"api_id": _api_id(), "meta": meta, "objects": page}

    def _link(self, params: Mapping[str, str], limit: int, offset: int) -> str:
        rest = [(k, v) for k, v in params.items() if k not in ("limit", "offset")]
        return f"{self._path}?{urlencode([('limit', limit), ('offset', offset), *rest])}"

    def _matching(self, selection: _Selection) -> list[SampleRecording]:
        rows = self._rows[selection.lo : selection.hi]
        checks = selection.checks
        if checks:
            rows = [row for row in rows if all(check(row) for check in checks)]
        rows.reverse()
        return rows

    def _select(self, params: Mapping[str, str], *, enforce_span: bool = True) -> _Selection:
        """Turn the filters into an index range of `_rows` and per-row checks; 400 if malformed."""
        ops = ("", "__gt", "__gte", "__lt", "__lte")
        times = {op: _time_param(params, f"add_time{op}") for op in ops}
        uppers = [t for t in (times["__lt"], times["__lte"], times[""]) if t is not None]
        lowers = [t for t in (times["__gt"], times["__gte"], times[""]) if t is not None]
        upper = min(uppers) if uppers else self.now
        lower = max(lowers) if lowers else upper - DEFAULT_SPAN
        if enforce_span and upper - lower > MAX_SPAN:
            raise SampleApiError(
                400, "add_time range exceeds 30 days; narrow add_time__gt(e)/add_time__lt(e)"
            )
        lo = bisect_left(self._times, lower)
        hi = bisect_right(self._times, upper)
        if times["__gt"] is not None:
            lo = max(lo, bisect_right(self._times, times["__gt"]))
        if times["__lt"] is not None:
            hi = min(hi, bisect_left(self._times, times["__lt"]))
        checks: list[Callable[[SampleRecording], bool]] = []
        for name in _EXACT:
            if name in params:
                checks.append(_field_is(name, params[name]))
        if "subaccount" in params:
            wanted = params["subaccount"]
            checks.append(lambda row: row.subaccount == wanted)
        for name, op in _STORAGE_OPS.items():
            if name in params:
                checks.append(_storage_check(op, _int_param(params, name, 0)))
        return _Selection(lo, max(lo, hi), tuple(checks))


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """ASGI lifespan for an app with nothing to start or stop, so any ASGI server can host it."""
    while (message := await receive())["type"] != "lifespan.shutdown":
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


def _field_is(name: str, value: str) -> Callable[[SampleRecording], bool]:
    return lambda row: row.body.get(name) == value


def _storage_check(op: Callable[[int, int], bool], value: int) -> Callable[[SampleRecording], bool]:
    return lambda row: op(row.storage_days, value)


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise SampleApiError(400, f"{name} must be an integer, got {raw!r}") from None


def _time_param(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not _TIME.fullmatch(raw.strip()):
        raise SampleApiError(400, f"{name} must be formatted YYYY-MM-DD HH:MM[:ss[.uuuuuu]]")
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=UTC)
    except ValueError:
        raise SampleApiError(400, f"{name} is not a valid date and time: {raw!r}") from None


def _same_credentials(given: str, expected: str) -> bool:
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        return base64.b64decode(token.strip(), validate=True) == base64.b64decode(expected[6:])
    except (binascii.Error, ValueError):
        return False


def _api_id() -> str:
    return str(uuid.uuid4())


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()
