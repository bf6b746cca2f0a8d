"""The HTTP face of the bot: a small ASGI app with `POST /slack/events`, `GET /healthz` and the
listening links, `GET /listen/<token>` (`bot.run.listen_route`).

Written against ASGI directly (no web framework) because it has two routes and sits on the hot path:
every slash command and click passes through here. Bodies are capped (413); Slack's signature is
checked first (`bot.run.gate`: headers before the body is read, then the body), so an anonymous
sender gets a 401 and never reaches a parser, and failures are counted in the log; a signed body
seen before is answered 200 with no effect (replays, Slack's retries); a body Bolt cannot read is
a 400 with one WARNING line; a request Bolt fails on is a 400 or a clear message: never a 5xx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.config import Settings
from bot.run.gate import ProbeLog, SeenRequests, SignatureCheck
from bot.run.listen_route import PREFIX as LISTEN_PREFIX
from bot.run.listen_route import serve_listen
from bot.runtime import Runtime
from bot.slack import blocks
from bot.slack.listeners import printable

log = logging.getLogger("bot.run.server")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's payloads are a few kB; a block_actions payload with a whole message stays well under.
MAX_BODY_BYTES = 256 * 1024

_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
# Refusals sent before the body was read: close the connection rather than read the rest.
_CLOSE = [*_TEXT, (b"connection", b"close")]
# How often counts of refused requests still pending are written to the log.
PROBE_FLUSH_S = 60.0


class TooLarge(Exception):
    pass


class Disconnected(Exception):
    """The client went away (or was cut off by `bot.run.guard`) before its body was in."""


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class SlackAsgiApp:
    """ASGI callable; the runtime (clients, Bolt app) is built at lifespan start-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.stopping = False
        secret = settings.slack_signing_secret
        self.signatures = SignatureCheck(secret.get_secret_value() if secret else "")
        self.seen = SeenRequests()
        self.bad_signatures = ProbeLog("failed signature checks")
        self.replays = ProbeLog("replayed requests ignored")
        self._flusher: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.runtime = await Runtime.start(self.settings, durable=True)
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                self._flusher = asyncio.get_running_loop().create_task(self._flush_probes())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stopping = True
                if self._flusher is not None:
                    self._flusher.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._flusher
                self.bad_signatures.flush(force=True)
                self.replays.flush(force=True)
                if self.runtime is not None:
                    await self.runtime.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _flush_probes(self) -> None:
        while True:
            await asyncio.sleep(PROBE_FLUSH_S)
            self.bad_signatures.flush()
            self.replays.flush()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                await _send(send, 405, b"method not allowed\n", [*_TEXT, (b"allow", b"GET")])
                return
            ready = self.runtime is not None and not self.stopping
            body = json.dumps({"ok": ready}).encode()
            await _send(send, 200 if ready else 503, body, _JSON)
            return
        if path.startswith(LISTEN_PREFIX):
            services = self.runtime.services if self.runtime else None
            listening = services.listening if services else None
            access = services.access if services else None
            await serve_listen(listening, scope, receive, send, access=access)
            return
        if path != EVENTS_PATH:
            await _send(send, 404, b"not found\n", _TEXT)
            return
        if method != "POST":
            await _send(send, 405, b"method not allowed\n", [*_TEXT, (b"allow", b"POST")])
            return
        if self.runtime is None:
            await _send(send, 503, b"starting\n", _TEXT)
            return
        headers = _headers(scope)
        if _declared_length(headers) > MAX_BODY_BYTES:
            # Refused before reading, so a sender announcing megabytes cannot hold the request open.
            await _send(send, 413, b"request body too large\n", _CLOSE)
            return
        timestamp = _first(headers, "x-slack-request-timestamp")
        signature = _first(headers, "x-slack-signature")
        verdict = self.signatures.headers(timestamp, signature)
        if not verdict.ok:  # refused before the body is read
            self.bad_signatures.record(_source(scope), verdict.reason)
            await _send(send, 401, b"invalid signature\n", _CLOSE)
            return
        assert timestamp is not None and signature is not None
        try:
            raw = await _read_body(receive)
        except TooLarge:
            await _send(send, 413, b"request body too large\n", _CLOSE)
            return
        except Disconnected:
            return  # nobody to answer
        verdict = self.signatures.body(timestamp, signature, raw)
        if not verdict.ok:
            self.bad_signatures.record(_source(scope), verdict.reason)
            await _send(send, 401, b"invalid signature\n", _TEXT)
            return
        if not self.seen.first_time(raw, timestamp):
            if "x-slack-retry-num" in headers:
                log.info("Slack's retry of a request already handled: ignored")
            else:
                self.replays.record(_source(scope), "a signed body already seen")
            await _send(send, 200, b"", _TEXT)
            return
        await self._dispatch(scope, headers, raw, send)

    async def _dispatch(
        self, scope: Scope, headers: dict[str, list[str]], raw: bytes, send: Send
    ) -> None:
        assert self.runtime is not None
        try:
            body = raw.decode("utf-8")
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            request = AsyncBoltRequest(body=body, query=query, headers=headers)
        except Exception as exc:
            # Bolt parses the body as its content type says (JSON nested too deep raises
            # RecursionError, bad bytes UnicodeDecodeError): the sender's fault, not a 5xx. The
            # body is not logged; its size and type say enough.
            log.warning(
                "unreadable request body: %s (%d bytes, content-type %.60r)",
                type(exc).__name__,
                len(raw),
                _first(headers, "content-type") or "",
            )
            await _send(send, 400, b"malformed request body\n", _TEXT)
            return
        try:
            response = await self.runtime.app.async_dispatch(request)
        except Exception as exc:
            # One line, no traceback: whatever a request can make fail must not flood the log.
            log.error("dispatch failed: %s", _described(exc))
            response = BoltResponse(status=500, body="")
        if response.status >= 500:
            response = self._instead_of_5xx(request)
        out = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        ]
        body_out = response.body.encode("utf-8") if isinstance(response.body, str) else b""
        await _send(send, response.status, body_out, out)

    def _instead_of_5xx(self, request: AsyncBoltRequest) -> BoltResponse:
        """What to answer when Bolt failed on a request (it has logged why): never a 5xx.

        A payload Bolt cannot handle (a block action without actions, say) is a 400. A slash
        command (signed: nothing else gets this far) gets a clear message in its ack, as when
        Slack's API failed during authorization.
        """
        body = request.body if isinstance(request.body, dict) else {}
        command, text = body.get("command"), body.get("text")
        if isinstance(command, str) and command:
            message = blocks.render_internal_error(printable(text if isinstance(text, str) else ""))
            return BoltResponse(status=200, body=message)
        return BoltResponse(status=400, body="request could not be processed\n")


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _source(scope: Scope) -> str:
    """The peer's address (behind a proxy, the proxy's: see README, "In front of the bot")."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _described(exc: BaseException) -> str:
    """`Type: message at file:line` of the innermost frame: enough to find it, in one line."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" at {tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else ""
    return f"{type(exc).__name__}: {str(exc)[:200]}{where}"


def _headers(scope: Scope) -> dict[str, list[str]]:
    """The request's headers as Bolt takes them: lower-case names, every value of each."""
    headers: dict[str, list[str]] = {}
    for name, value in scope.get("headers", []):
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return headers


def _declared_length(headers: dict[str, list[str]]) -> int:
    values = headers.get("content-length")
    if not values:
        return 0
    try:
        return int(values[0])
    except ValueError:
        return 0  # the server rejects a malformed length before the app sees it
