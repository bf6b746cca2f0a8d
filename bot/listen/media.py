"""Fetching a recording's audio from its media host, streamed, through one long-lived client.

The URL comes from Plivo's own answer for a recording id; it is fetched only on a host listed in
`MEDIA_HOSTS` (over https unless the entry names its scheme), redirects are followed by hand and
only to listed hosts, and the account's credentials go only to Plivo's own hosts, never over clear
text to another machine, and never to a host a redirect leads to.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot import USER_AGENT

from .hosts import MediaHost, fetch_url, host_of, is_local

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class MediaError(Exception):
    """The audio could not be fetched; `str()` is for the log, `user_message` for people."""

    user_message = "Plivo's storage did not hand over the recording; try again in a minute."


class MediaRefused(MediaError):
    """The media URL (or a redirect) points at a host not listed in MEDIA_HOSTS."""

    user_message = (
        "This recording is stored on a host the bot is not allowed to fetch from. "
        "Ask the app's admin to check MEDIA_HOSTS."
    )


class MediaMissing(MediaError):
    """The media host has no such file (404 or 410)."""

    user_message = "Plivo no longer has this recording: it was deleted or is past its storage."


class MediaFailed(MediaError):
    """The media host failed, timed out or could not be reached."""


def content_type(recording_format: str | None, url: str) -> str:
    """The audio's type from Plivo's `recording_format`, else the URL's extension."""
    fmt = (recording_format or url.rsplit("?", 1)[0].rsplit(".", 1)[-1]).lower()
    return CONTENT_TYPES.get(fmt, "application/octet-stream")


def extension(recording_format: str | None, url: str) -> str:
    kind = content_type(recording_format, url)
    return {v: k for k, v in CONTENT_TYPES.items()}.get(kind, "bin")


class MediaClient:
    """Streams audio from the media hosts; one per process, opened at start-up."""

    def __init__(
        self,
        hosts: dict[str, MediaHost],
        *,
        credentials: tuple[str, str] | None = None,
        credential_hosts: frozenset[str] = frozenset(),
        timeout_s: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.hosts = hosts
        self._auth = httpx.BasicAuth(*credentials) if credentials else None
        self._credential_hosts = credential_hosts
        self._http = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT},
            # Each read may wait this long; a recording of an hour streams for as long as it takes.
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            follow_redirects=False,  # followed below, host by host
            transport=transport,
        )

    def allowed(self, url: str) -> str | None:
        """Where `url` would be fetched, or None when its host is not listed."""
        return fetch_url(url, self.hosts)

    def _auth_for(self, url: str) -> httpx.BasicAuth | None:
        parts = httpx.URL(url)
        if self._auth is None or parts.host.lower() not in self._credential_hosts:
            return None
        if parts.scheme != "https" and not is_local(parts.host):
            return None  # never the account's credentials in clear text over a network
        return self._auth

    @asynccontextmanager
    async def open(
        self, url: str, *, range_header: str | None = None, method: str = "GET"
    ) -> AsyncIterator[httpx.Response]:
        """The media host's answer (200, 206 or 416), its body still to be read in chunks."""
        target = self.allowed(url)
        if target is None:
            raise MediaRefused(f"media URL on {host_of(url)}, which is not in MEDIA_HOSTS")
        headers = {"Accept-Encoding": "identity"}  # bytes as stored, so lengths and ranges hold
        if range_header:
            headers["Range"] = range_header
        for _ in range(MAX_REDIRECTS + 1):
            request = self._http.build_request(method, target, headers=headers)
            try:
                response = await self._http.send(
                    request, stream=True, auth=self._auth_for(target) or httpx.USE_CLIENT_DEFAULT
                )
            except httpx.TimeoutException as exc:
                raise MediaFailed(f"{host_of(target)} timed out ({type(exc).__name__})") from None
            except httpx.RequestError as exc:
                raise MediaFailed(
                    f"could not reach {host_of(target)}: {type(exc).__name__}"
                ) from None
            if response.is_redirect:
                await response.aclose()
                location = response.headers.get("location", "")
                following = str(response.url.join(location)) if location else ""
                nxt = self.allowed(following) if following else None
                if nxt is None:
                    raise MediaRefused(
                        f"{host_of(target)} redirected to {host_of(following)}, "
                        "which is not in MEDIA_HOSTS"
                    )
                target = nxt
                continue
            try:
                status = response.status_code
                if status in (404, 410):
                    raise MediaMissing(f"{host_of(target)} answered {status}")
                if status not in (200, 206, 416):
                    raise MediaFailed(f"{host_of(target)} answered {status}")
                yield response
            finally:
                await response.aclose()
            return
        raise MediaFailed(f"more than {MAX_REDIRECTS} redirects from {host_of(url)}")

    async def aclose(self) -> None:
        await self._http.aclose()
