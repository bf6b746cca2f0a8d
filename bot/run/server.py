"""The HTTP face of the bot: a small ASGI app with `POST /slack/events` and `GET /healthz`.

Written against ASGI directly (no web framework) because it has two routes and sits on the hot path:
every slash command and click passes through here. Bolt does the signature check and the dispatch.
Bodies are capped (413), signature headers Bolt's verifier would choke on are a 401, a body Bolt
cannot read is a 400, and a request Bolt fails on is a 400 or a clear message: never a 5xx.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.config import Settings
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


class TooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
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
                    self.runtime = await Runtime.start(self.settings)
                except Exception as exc:
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stopping = True
                if self.runtime is not None:
                    await self.runtime.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

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
            await _send(send, 413, b"request body too large\n", _TEXT)
            return
        try:
            raw = await _read_body(receive)
        except TooLarge:
            await _send(send, 413, b"request body too large\n", _TEXT)
            return
        await self._dispatch(scope, headers, raw, send)

    async def _dispatch(
        self, scope: Scope, headers: dict[str, list[str]], raw: bytes, send: Send
    ) -> None:
        assert self.runtime is not None
        if not _plausible_signature(headers):
            # Bolt's verifier raises (a 500) on a timestamp that is not an integer or a signature
            # that is not ASCII; such a request is simply not signed by Slack.
            await _send(send, 401, b"invalid signature\n", _TEXT)
            return
        try:
            body = raw.decode("utf-8")
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            request = AsyncBoltRequest(body=body, query=query, headers=headers)
        except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
            # Bolt parses the body before checking the signature; garbage is the sender's fault.
            await _send(send, 400, b"malformed request body\n", _TEXT)
            return
        try:
            response = await self.runtime.app.async_dispatch(request)
        except Exception:
            log.exception("dispatch failed")
            response = BoltResponse(status=500, body="")
        if response.status >= 500:
            response = self._instead_of_5xx(request, raw, headers)
        out = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        ]
        body_out = response.body.encode("utf-8") if isinstance(response.body, str) else b""
        await _send(send, response.status, body_out, out)

    def _instead_of_5xx(
        self, request: AsyncBoltRequest, raw: bytes, headers: dict[str, list[str]]
    ) -> BoltResponse:
        """What to answer when Bolt failed on a request (it has logged why): never a 5xx.

        A payload Bolt cannot handle (a block action without actions, say) is a 400. A signed slash
        command gets a clear message in its ack, as when Slack's API failed during authorization.
        """
        body = request.body if isinstance(request.body, dict) else {}
        command, text = body.get("command"), body.get("text")
        if isinstance(command, str) and command and self._signed(raw, headers):
            message = blocks.render_internal_error(printable(text if isinstance(text, str) else ""))
            return BoltResponse(status=200, body=message)
        return BoltResponse(status=400, body="request could not be processed\n")

    def _signed(self, raw: bytes, headers: dict[str, list[str]]) -> bool:
        secret = self.settings.slack_signing_secret
        timestamp = (headers.get("x-slack-request-timestamp") or [""])[0]
        signature = (headers.get("x-slack-signature") or [""])[0]
        if secret is None or not timestamp or not signature:
            return False
        verifier = SignatureVerifier(secret.get_secret_value())
        return verifier.is_valid(raw, timestamp, signature)  # headers are plausible: cannot raise


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


_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[\x20-\x7e]*")


def _plausible_signature(headers: dict[str, list[str]]) -> bool:
    """False if Slack's signature headers are present but could not have come from Slack.

    Missing headers are left to Bolt, which answers 401 (and lets Slack's `ssl_check` through).
    """
    timestamps = headers.get("x-slack-request-timestamp")
    signatures = headers.get("x-slack-signature")
    if timestamps and not _TIMESTAMP.fullmatch(timestamps[0]):
        return False
    return not signatures or _SIGNATURE.fullmatch(signatures[0]) is not None
