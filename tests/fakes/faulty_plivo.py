"""A Plivo that fails on purpose: each request takes the next scripted fault, if any, else gets the
real answer of the sample API (`bot.sample_api.SampleApi`).

`FaultyPlivo.asgi` is an ASGI app, so any ASGI server can host it. A connection reset cannot be
written in ASGI (under uvicorn an app that raises before answering becomes a 500), so `start()`
serves the app with a small HTTP/1.1 server of its own on 127.0.0.1 that turns the `Reset` the app
raises into a real TCP reset (SO_LINGER 0, then abort). Keep-alive works as with a real server.

    plivo = await FaultyPlivo(SampleApi()).start()
    plivo.script(Fault.status(503), Fault.reset(), Fault.hang())   # the next three requests
    ...
    await plivo.stop()

Tests wait on `wait_requests()` / `wait_held()`, never by sleeping; the only sleeps here are the
fake's own deliberate latency and its dripping of a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from bot.sample_api import SampleApi, serve_lifespan

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream server is temporarily unavailable.</p>"
    b"</body></html>"
)
# A page cut short: what a proxy that drops the connection mid-body leaves behind, served as 200.
MALFORMED_JSON = b'{"api_id": "5e3a", "meta": {"limit": 10, "offset": 0, "objects": [{"recor'
_REASONS = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}
_REASONS |= {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class Reset(Exception):
    """Raised by the app to have the server reset the connection instead of answering."""


@dataclass(frozen=True)
class Fault:
    """What one request gets instead of its answer."""

    kind: str  # status | html | malformed | reset | hang | drip
    status: int = 200
    retry_after: str | None = None
    error: str = ""

    @classmethod
    def status_code(
        cls, status: int, retry_after: str | float | None = None, *, error: str = ""
    ) -> Fault:
        """Plivo's JSON error shape with `status` (and `error` text), `Retry-After` if given."""
        after = None if retry_after is None else str(retry_after)
        return cls("status", status, after, error or f"injected HTTP {status}")

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """An HTML error page, as a load balancer in front of Plivo would send."""
        return cls("html", status)

    @classmethod
    def malformed_json(cls) -> Fault:
        """200 with a JSON content type and a body cut short."""
        return cls("malformed")

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then reset the connection without a byte of answer."""
        return cls("reset")

    @classmethod
    def hang(cls) -> Fault:
        """Never answer; the request ends only when the client gives up and disconnects."""
        return cls("hang")

    @classmethod
    def drip(cls) -> Fault:
        """Answer the headers and then the body a byte at a time, slower than any deadline."""
        return cls("drip")

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.status}" if self.kind in ("status", "html") else self.kind


@dataclass(frozen=True)
class Served:
    """One request the fake saw: its query and what it did with it (a fault's name, or "ok")."""

    path: str
    params: dict[str, str]
    outcome: str


class FaultyPlivo:
    """The sample API behind a queue of faults; `latency_s` and `hold()` slow the good answers."""

    def __init__(self, sample: SampleApi, *, drip_interval_s: float = 0.2) -> None:
        self.sample = sample
        self.faults: deque[Fault] = deque()
        self.served: list[Served] = []
        self.latency_s = 0.0
        self.drip_interval_s = drip_interval_s
        self.held = 0  # good answers waiting behind hold()
        self._gate: asyncio.Event | None = None
        self._changed = asyncio.Condition()
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.url = ""

    # -- scripting ------------------------------------------------------------------------------

    def script(self, *faults: Fault) -> None:
        """The next requests get these faults, in order; later ones get real answers."""
        self.faults.extend(faults)

    def hold(self) -> None:
        """Good answers wait (after `latency_s`) until `release()`."""
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    async def wait_requests(self, count: int, timeout: float = 10.0) -> list[Served]:
        """Once `count` requests have been seen in all, every one of them."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.served) >= count)
        return self.served

    async def wait_held(self, count: int, timeout: float = 10.0) -> None:
        """Until `count` good answers are waiting behind `hold()`."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.held >= count)

    async def _note(self, served: Served | None = None, held: int = 0) -> None:
        async with self._changed:
            if served is not None:
                self.served.append(served)
            self.held += held
            self._changed.notify_all()

    # -- the ASGI app ---------------------------------------------------------------------------

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), True))
        fault = self.faults.popleft() if self.faults else None
        await self._note(Served(scope["path"], params, fault.name if fault else "ok"))
        if fault is None:
            await self._answer(scope, params, send)
        elif fault.kind == "reset":
            raise Reset
        elif fault.kind == "hang":
            while (await receive())["type"] != "http.disconnect":
                pass
        elif fault.kind == "drip":
            await self._drip(scope, params, send)
        elif fault.kind == "malformed":
            await _respond(send, 200, MALFORMED_JSON, b"application/json")
        elif fault.kind == "html":
            await _respond(send, fault.status, HTML_PAGE, b"text/html; charset=utf-8")
        else:
            body = json.dumps({"api_id": "faulty", "error": fault.error})
            extra = [(b"retry-after", fault.retry_after.encode())] if fault.retry_after else []
            await _respond(send, fault.status, body.encode(), b"application/json", extra)

    def _sample_answer(self, scope: Scope, params: dict[str, str]) -> tuple[int, bytes]:
        authorization = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None
        )
        status, body = self.sample.respond(scope["method"], scope["path"], params, authorization)
        return status, json.dumps(body, separators=(",", ":")).encode()

    async def _answer(self, scope: Scope, params: dict[str, str], send: Send) -> None:
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)  # the fake's deliberate latency
        gate = self._gate
        if gate is not None:
            await self._note(held=1)
            try:
                await gate.wait()
            finally:
                await self._note(held=-1)
        status, body = self._sample_answer(scope, params)
        await _respond(send, status, body, b"application/json")

    async def _drip(self, scope: Scope, params: dict[str, str], send: Send) -> None:
        status, body = self._sample_answer(scope, params)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        for i in range(len(body)):
            await asyncio.sleep(self.drip_interval_s)  # deliberately slow: a byte per interval
            more = i + 1 < len(body)
            await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": more})

    # -- the server -----------------------------------------------------------------------------

    async def start(self) -> FaultyPlivo:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=2048)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except Reset:
            sock = writer.get_extra_info("socket")
            # Linger 0: close() sends RST instead of FIN, as a crashed or overloaded peer does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # stop(): the task ends here either way; asyncio would log a cancelled one
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Read one request, run the app on it; whether the connection stays open."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False  # the client closed an idle keep-alive connection
        request_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers: list[tuple[bytes, bytes]] = []
        for line in lines:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower().encode(), value.strip().encode("latin-1")))
        length = int(dict(headers).get(b"content-length", b"0"))
        body = await reader.readexactly(length) if length else b""
        path, _, query = target.partition("?")
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(path),
            "raw_path": path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "headers": headers,
            "client": writer.get_extra_info("peername"),
            "server": writer.get_extra_info("sockname"),
        }
        delivered = False
        started: Message | None = None
        head_sent = False

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            # Nothing more comes on this connection while a request is open: wait for the close.
            await reader.read(1)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal started, head_sent
            if message["type"] == "http.response.start":
                started = message
                return
            assert started is not None, "body before start"
            if writer.transport.is_closing():
                raise ConnectionResetError("the client went away")
            chunk = message.get("body", b"")
            if not head_sent:
                fields = dict(started["headers"])
                if b"content-length" not in fields:
                    fields[b"content-length"] = str(len(chunk)).encode()
                status = started["status"]
                lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}".encode()]
                lines += [name + b": " + value for name, value in fields.items()]
                writer.write(b"\r\n".join(lines) + b"\r\n\r\n")
                head_sent = True
            writer.write(chunk)
            await writer.drain()

        await self.asgi(scope, receive, send)
        return started is not None and dict(headers).get(b"connection") != b"close"


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
