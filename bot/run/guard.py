"""The connection-level limits uvicorn's httptools protocol lacks, as a subclass of it.

uvicorn bounds what it can: the keep-alive idle time (`timeout_keep_alive`) and requests in
progress (`limit_concurrency`, a 503 once a request's headers are in). It does not bound how big
a request's headers may grow (httptools accumulates a header, and uvicorn the URL, in memory for
as long as bytes keep coming: one socket sending a never-ending header grew the process by
100 MB), nor how long headers or a body may take to arrive (a connection that sends nothing, or
a byte a second, stays open for ever), nor how many connections are open. uvicorn's h11 protocol
does bound headers (`h11_max_incomplete_event_size`, answered with a 400), but costs several
times httptools' CPU per request and still has no timeouts. So this guard adds, to httptools:

- headers (request line included) over `max_header_bytes` → 431 and the connection closed, as soon
  as that many bytes have arrived without the end of the headers;
- headers not complete within `header_timeout_s` of the request's first byte (or of the
  connection's opening), or a body not complete within `body_timeout_s` of its headers → the
  connection is closed (a 408 is written first when nothing of the request was answered);
- at most `max_connections` open: beyond that a new connection makes room by closing the open
  one that has waited longest for a request's headers (slow or idle ones: a Slack request sends
  its headers in one packet); when every open connection is busy with a request, the new one is
  answered 503 and closed at once instead of being queued.

Timeouts are enforced by one sweep a second over the open connections, so the per-request cost
is two float assignments. Each refusal is counted in the log by `bot.run.gate.ProbeLog`, one
line per address a minute.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.run.gate import ProbeLog

KB = 1024


@dataclass(frozen=True)
class Limits:
    max_connections: int = 500
    max_header_bytes: int = 16 * KB
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    sweep_s: float = 1.0


def _response(status: int, phrase: str, text: str) -> bytes:
    body = text.encode()
    return (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


_431 = _response(431, "Request Header Fields Too Large", "request headers too large\n")
_408 = _response(408, "Request Timeout", "request timeout\n")
_503 = _response(503, "Service Unavailable", "too many connections\n")


class _HeadersTooLarge(Exception):
    pass


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above; `guarded(limits)` makes the class."""

    limits: ClassVar[Limits] = Limits()
    refusals: ClassVar[ProbeLog] = ProbeLog("connections refused or closed early")
    _sweep: ClassVar[asyncio.TimerHandle | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: float | None = None  # when to give up waiting for the client
        self._reading_head = True  # the next bytes belong to a request's headers
        self._head_bytes = 0
        self._waiting_since = 0.0  # since when it has been waiting for a request's headers
        self._refused = False

    # -- the connection ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        now = self.loop.time()
        self._waiting_since = now
        self._deadline = now + self.limits.header_timeout_s
        cls = type(self)
        if cls._sweep is None:
            cls._sweep = self.loop.call_later(
                self.limits.sweep_s, cls._sweep_once, self.loop, self.connections
            )
        if len(self.connections) > self.limits.max_connections:
            victim = self._longest_waiting()
            if victim is None:
                self._refuse(_503, "over the connection limit, every connection busy")
            else:
                victim._refuse(b"", "closed to make room: waited longest for its headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._reading_head:
            self._head_bytes += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeadersTooLarge):
                self._refuse(_431, "headers too large")
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return
        if self._reading_head and self._head_bytes > self.limits.max_header_bytes:
            self._refuse(_431, "headers too large")

    # -- the parser's callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self._deadline is None:  # the first byte of a request after an idle keep-alive
            self._deadline = self.loop.time() + self.limits.header_timeout_s
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        limit = self.limits.max_header_bytes
        # Measured exactly only when the reads so far were bigger than the limit: they may hold
        # a body or the next request too, so their size alone does not condemn the headers.
        if self._head_bytes > limit and (
            len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers) > limit
        ):
            raise _HeadersTooLarge
        self._reading_head = False
        self._deadline = self.loop.time() + self.limits.body_timeout_s
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        self._deadline = None  # the app has it; then keep-alive's own timeout, or the next head
        self._waiting_since = self.loop.time()
        super().on_message_complete()

    # -- refusing -------------------------------------------------------------------------------

    def _busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _longest_waiting(self) -> GuardedHttpToolsProtocol | None:
        oldest: GuardedHttpToolsProtocol | None = None
        for conn in self.connections:
            if (
                conn is self
                or not isinstance(conn, GuardedHttpToolsProtocol)
                or conn._refused
                or not conn._reading_head
                or conn._busy()
            ):
                continue
            if oldest is None or conn._waiting_since < oldest._waiting_since:
                oldest = conn
        return oldest

    def _refuse(self, response: bytes, reason: str) -> None:
        """Answer `response` (if any), close, and stop counting this connection."""
        self._refused = True
        self._deadline = None
        # Counted out now, not when the close completes, so the limit holds at every moment.
        self.connections.discard(self)
        self.refusals.record(self.client[0] if self.client else "unknown", reason)
        if not self.transport.is_closing():
            if response and not self._busy():
                self.transport.write(response)
            self.transport.close()

    def _timed_out(self) -> None:
        if self._reading_head:
            self._refuse(_408, "headers not in within the time allowed")
        else:
            self._refuse(b"", "body not in within the time allowed")

    @classmethod
    def _sweep_once(cls, loop: asyncio.AbstractEventLoop, connections: set[Any]) -> None:
        """Close the connections whose time is up; again in a second while any is open."""
        cls._sweep = None
        now = loop.time()
        for conn in list(connections):
            deadline = getattr(conn, "_deadline", None)
            if deadline is not None and deadline <= now:
                conn._timed_out()
        cls.refusals.flush()
        if connections:
            cls._sweep = loop.call_later(cls.limits.sweep_s, cls._sweep_once, loop, connections)


def guarded(limits: Limits) -> type[GuardedHttpToolsProtocol]:
    """A protocol class for `uvicorn.Config(http=...)` enforcing `limits`."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"limits": limits, "refusals": ProbeLog("connections refused or closed early")},
    )
