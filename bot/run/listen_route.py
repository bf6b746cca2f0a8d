"""`GET /listen/<token>`: the recording behind a listening link, streamed from Plivo's storage.

The token (see `bot.listen.tokens`) names the recording and the person it was issued to, and
expires; anything else under `/listen/` is a 403. The audio is passed through a chunk at a time
(memory stays flat whatever its size), with `Range` passed on so players can seek. The media URL
itself never reaches the browser.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from bot.audit import audit
from bot.listen import tokens
from bot.listen.media import MediaError, MediaMissing, MediaRefused, content_type, extension
from bot.listen.service import Listening
from bot.logs import fields
from bot.plivo import PlivoError, RecordingGone
from bot.signing import BadSignature
from bot.slack.access import Access, Requester

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PREFIX = tokens.LISTEN_PREFIX
_TEXT = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
_PASSED_ON = (b"content-length", b"content-range", b"content-encoding")


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] = []) -> None:  # noqa: B006
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status, "headers": [*_TEXT, *extra]})
    await send({"type": "http.response.body", "body": body})


async def serve_listen(
    listening: Listening | None,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    access: Access | None = None,
) -> None:
    """Answer one request under `/listen/`; with `access`, the person the link was issued to
    must still pass the access check of the click that asked for it."""
    method = scope["method"]
    if method not in ("GET", "HEAD"):
        await _plain(send, 405, "method not allowed", [(b"allow", b"GET, HEAD")])
        return
    if listening is None or listening.mode != "link":
        await _plain(send, 404, "listening links are not served here")
        return
    token = scope["path"][len(PREFIX) :]
    try:
        if not token or "/" in token:
            raise BadSignature("malformed")
        grant = tokens.read(listening.signer, token)
    except BadSignature as exc:
        log.warning(fields(event="listen_link", outcome="refused", reason=exc.reason))
        audit("listen.link_used", user="", outcome=f"refused_{exc.reason}")
        await _plain(
            send,
            403,
            "This listening link has expired or is not valid. "
            "Click ▶ Listen in Slack again for a fresh one.",
        )
        return
    where = {"user": grant.user, "team": grant.team, "recording_id": grant.recording_id}
    if access is not None:
        who = Requester(
            kind="click",
            user=grant.user,
            channel=grant.channel,
            team=grant.workspace or grant.team,
            user_team=grant.team,
            enterprise=grant.enterprise,
        )
        refusal = await access.check(who)  # logged and audited there
        if refusal is not None:
            await _plain(send, 403, _slack_text(refusal.message))
            return
    try:
        recording, url = await listening.locate(grant)
    except (RecordingGone, MediaMissing) as exc:
        audit("listen.link_used", **where, outcome="gone")
        await _plain(send, 404, exc.user_message)
        return
    except (PlivoError, MediaError) as exc:
        _failed(grant.user, exc)
        audit("listen.link_used", **where, outcome="upstream_failed")
        await _plain(send, 502, _short(exc))
        return
    range_header = _header(scope, b"range")
    try:
        async with listening.media.open(url, range_header=range_header) as upstream:
            headers = [
                (b"content-type", content_type(recording.recording_format, url).encode()),
                (b"accept-ranges", b"bytes"),
                (b"cache-control", b"private, no-store"),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
            ]
            name = (
                f"recording-{recording.recording_id}.{extension(recording.recording_format, url)}"
            )
            headers.append((b"content-disposition", f'inline; filename="{name}"'.encode()))
            for key in _PASSED_ON:
                if (value := upstream.headers.get(key.decode())) is not None:
                    headers.append((key, value.encode("latin-1")))
            status = upstream.status_code
            await send({"type": "http.response.start", "status": status, "headers": headers})
            sent, left = 0, False
            if method == "GET" and status != 416:
                sent, left = await _pass_through(upstream.aiter_raw(), receive, send)
            if not left:
                await send({"type": "http.response.body", "body": b""})
    except MediaMissing as exc:
        audit("listen.link_used", **where, outcome="gone")
        await _plain(send, 404, exc.user_message)
        return
    except MediaError as exc:
        _failed(grant.user, exc)
        audit("listen.link_used", **where, outcome="upstream_failed")
        await _plain(send, 502, _short(exc))
        return
    audit(
        "listen.link_used",
        **where,
        outcome="client_left" if left else "ok",
        status=status,
        range=range_header,
        bytes=sent,
    )


async def _pass_through(chunks: Any, receive: Receive, send: Send) -> tuple[int, bool]:
    """Send each chunk as it comes (uvicorn waits for the socket to drain, so nothing piles up
    here); stop when the listener goes away. (bytes sent, whether they left early)"""
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    watcher = asyncio.create_task(watch())
    sent = 0
    try:
        async for chunk in chunks:
            if gone.is_set():
                return sent, True
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += len(chunk)
    finally:
        watcher.cancel()
    return sent, gone.is_set()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _failed(user: str, exc: Exception) -> None:
    level = logging.WARNING
    outcome = "media_host_refused" if isinstance(exc, MediaRefused) else "upstream_failed"
    log.log(level, fields(event="listen_link", user=user, outcome=outcome, detail=str(exc)))


def _short(exc: PlivoError | MediaError) -> str:
    if isinstance(exc, MediaRefused):
        return exc.user_message
    return "Plivo did not hand over the recording just now. Try again in a minute."


def _slack_text(text: str) -> str:
    """A refusal written for Slack (`code` in backticks) as plain text for the browser."""
    return text.replace("`", "")
